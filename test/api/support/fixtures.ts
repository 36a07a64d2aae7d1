import { createMarketService, type MarketService } from '../../../api/markets/market-service.js';
import type { MarketDefinition } from '../../../api/markets/outcome.js';
import type { Db, TransactionPool } from '../../../lib/db/transaction.js';

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
