import { createBetService } from '../../../api/bets/bet-service.js';
import { createMarketService, type MarketService } from '../../../api/markets/market-service.js';
import type { MarketDefinition } from '../../../api/markets/outcome.js';
import { SandboxPaymentProvider } from '../../../api/wallet/payment-provider.js';
import { createWalletService } from '../../../api/wallet/wallet-service.js';
import type { Db, TransactionPool } from '../../../lib/db/transaction.js';
import type { BettingDb } from './db.js';
import { sqlPlayerAccounts } from './sql-player-accounts.js';

export const admin = { actor: 'test:admin' };
let counter = 0;

/** A fresh oracle event id (32 bytes hex). */
export function oracleEventId(): string {
  counter += 1;
  return `0x${(Date.now().toString(16) + counter.toString(16).padStart(8, '0')).padStart(64, 'a')}`;
}

/** Creates a match (or race) with one open market; returns the market id. */
export async function openMarket(
  pool: TransactionPool & Db,
  options: {
    definition?: MarketDefinition;
    runners?: number;
    closesAt?: Date;
    takeoutBps?: number;
    minStakeCents?: bigint;
    maxStakeCents?: bigint;
    markets?: MarketService;
  } = {},
): Promise<string> {
  const markets = options.markets ?? createMarketService({ pool });
  const race = options.runners !== undefined;
  const closesAt = options.closesAt ?? new Date(Date.now() + 3600_000);
  const event = await markets.createEvent(
    {
      oracleEventId: oracleEventId(),
      schema: race ? 'horse-racing.race/v1' : 'football.match/v1',
      name: race ? 'Race' : 'Home v Away',
      startsAt: new Date(closesAt.getTime() + 600_000),
      runners: options.runners ?? null,
    },
    admin,
  );
  const market = await markets.createMarket(
    event.id,
    {
      definition: options.definition ?? (race ? { type: 'race-win' } : { type: 'match-winner' }),
      closesAt,
      takeoutBps: options.takeoutBps ?? 1500,
      minStakeCents: options.minStakeCents ?? 100n,
      maxStakeCents: options.maxStakeCents ?? 1_000_000n,
    },
    admin,
  );
  await markets.command(market.id, 'open', admin);
  return market.id;
}

/**
 * Service factories over the test's betting database (`db` is read at each call: the database is
 * usually made in `beforeAll`): a new wallet (instant sandbox payments), bet or market service per
 * call, and the oracle event id of a market.
 */
export function services(db: () => BettingDb) {
  return {
    wallet: () =>
      createWalletService({
        pool: db().pool,
        players: sqlPlayerAccounts,
        provider: new SandboxPaymentProvider({ mode: 'instant', secret: 'x'.repeat(32) }),
      }),
    bets: () => createBetService({ pool: db().pool, players: sqlPlayerAccounts }),
    markets: () => createMarketService({ pool: db().pool }),
    eventIdOf: async (marketId: string) =>
      (
        await db().pool.query<{ id: string }>(
          'select e.oracle_event_id as id from betting.markets m join betting.events e on e.id = m.event_id where m.id = $1',
          [marketId],
        )
      ).rows[0]!.id,
  };
}
