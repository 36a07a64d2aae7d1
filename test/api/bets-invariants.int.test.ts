import { ResultStatus } from '../../oracle/index.js';
import { createBetService } from '../../api/bets/bet-service.js';
import { createMarketService } from '../../api/markets/market-service.js';
import { settleMarket } from '../../api/settlement/settle-market.js';
import { SandboxPaymentProvider } from '../../api/wallet/payment-provider.js';
import { createWalletService } from '../../api/wallet/wallet-service.js';
import { createBettingDb, pgError, type BettingDb } from './support/db.js';
import { admin, openMarket } from './support/fixtures.js';
import { sqlPlayerAccounts } from './support/sql-player-accounts.js';

/**
 * The bets' and settlements' invariants, as raw SQL trying to break each (migration 0004 checks a
 * bet's settlement once per statement instead of by a per-row foreign key, and calls the guards only
 * when there is something to check: each refusal below must still happen).
 */
describe('bets and settlements invariants (real Postgres, raw SQL)', () => {
  let b: BettingDb;
  let market: string;
  let settled: string;
  let settlementId: string;
  let openBets: string[];
  let settledBets: string[];
  beforeAll(async () => {
    b = await createBettingDb('api_bets_invariants');
    const wallet = createWalletService({
      pool: b.pool,
      players: sqlPlayerAccounts,
      provider: new SandboxPaymentProvider({ mode: 'instant', secret: 'x'.repeat(32) }),
    });
    const bets = createBetService({ pool: b.pool, players: sqlPlayerAccounts });
    const markets = createMarketService({ pool: b.pool });
    const [p1, p2] = [await b.account(), await b.account()];
    for (const p of [p1, p2]) await wallet.deposit(p, 100_000n);
    market = await openMarket(b.pool);
    settled = await openMarket(b.pool);
    for (const [p, m, selection] of [
      [p1, market, 'home'],
      [p2, market, 'away'],
      [p1, settled, 'home'],
      [p2, settled, 'draw'],
    ] as const) {
      await bets.place(p, [{ marketId: m, selection, stakeCents: 1_000n }]);
    }
    await markets.command(settled, 'close', admin);
    const { rows: ev } = await b.pool.query<{ id: string }>(
      'select e.oracle_event_id as id from betting.markets m join betting.events e on e.id = m.event_id where m.id = $1',
      [settled],
    );
    const s = await settleMarket(b.pool, settled, {
      eventId: ev[0]!.id,
      version: 1,
      status: ResultStatus.Completed,
      values: [1, 0],
    });
    settlementId = s.settlementId;
    const ids = async (m: string) =>
      (
        await b.pool.query<{ id: string }>('select id::text from betting.bets where market_id = $1 order by id', [m])
      ).rows.map((r) => r.id);
    openBets = await ids(market);
    settledBets = await ids(settled);
  });
  afterAll(async () => {
    expect(await b.ledgerTotal()).toBe(0n);
    await b.close();
  });

  const missing = '9223372036854775807';
  const states = async () =>
    (
      await b.pool.query<{ state: string; settlement_id: string | null; payout_cents: string | null }>(
        'select state, settlement_id::text, payout_cents::text from betting.bets order by id',
      )
    ).rows;

  it('refuses a bet pointing at a settlement that does not exist, on update and on insert', async () => {
    const before = await states();
    for (const [sql, params] of [
      // One bet, then a statement where one row is valid and the other dangles.
      [
        "update betting.bets set state = 'lost', payout_cents = 0, settlement_id = $1 where id = $2",
        [missing, openBets[0]],
      ],
      [
        `update betting.bets set state = 'lost', payout_cents = 0,
                settlement_id = case when id = $2 then $3::bigint else $1::bigint end where id = any($4::bigint[])`,
        [missing, openBets[0], settlementId, openBets],
      ],
      [
        `insert into betting.bets (player_id, market_id, selection, stake_cents, placed_at, ledger_tx_id, state, settlement_id, payout_cents)
         select player_id, market_id, selection, stake_cents, placed_at, ledger_tx_id, 'lost', $1, 0
           from betting.bets where id = $2`,
        [missing, openBets[0]],
      ],
    ] as const) {
      expect([sql, await pgError(b.pool.query(sql, [...params]))]).toEqual([
        sql,
        expect.objectContaining({ code: '23503', constraint: 'bets_settlement_id_fkey' }),
      ]);
    }
    expect(await states()).toEqual(before);
  });

  it('accepts a bet pointing at an existing settlement (the check refuses only a dangling one)', async () => {
    // Inside a rolled-back transaction: an open bet of another market given this settlement passes the
    // reference check (what the settlement UPDATE relies on), then nothing is kept.
    const c = await b.pool.connect();
    try {
      await c.query('begin');
      const r = await c.query(
        "update betting.bets set state = 'lost', payout_cents = 0, settlement_id = $1 where id = any($2::bigint[])",
        [settlementId, openBets],
      );
      expect(r.rowCount).toBe(2);
    } finally {
      await c.query('rollback');
      c.release();
    }
    expect((await states()).filter((s) => s.state === 'accepted')).toHaveLength(2);
  });

  it('refuses a deleted, truncated or renumbered settlement (what the foreign key refused)', async () => {
    // A plain truncate is also refused by settlement_dividends' foreign key (0A000); with cascade
    // (which would empty bets' references) only the settlements' own trigger stands.
    expect((await pgError(b.pool.query('truncate betting.settlements'))).code).toMatch(/^(0A000|23001)$/);
    for (const sql of [
      'delete from betting.settlements',
      'truncate betting.settlements cascade',
      'update betting.settlements set id = default',
      'update betting.settlements set id = default where reversed_at is null',
    ]) {
      expect([sql, (await pgError(b.pool.query(sql))).code]).toEqual([sql, '23001']);
    }
    const { rows } = await b.pool.query<{ id: string }>('select id::text from betting.settlements');
    expect(rows.map((r) => r.id)).toEqual([settlementId]);
  });

  it('settles a bet once and changes only its settlement fields', async () => {
    const before = await states();
    for (const [sql, params] of [
      // A settled bet whose settlement is live: paid again, reopened.
      ["update betting.bets set state = 'won', payout_cents = 5000 where id = $1", [settledBets[1]]],
      [
        "update betting.bets set state = 'accepted', settlement_id = null, payout_cents = null where id = $1",
        [settledBets[0]],
      ],
      // An open bet: its stake, selection, ledger transaction or id.
      ['update betting.bets set stake_cents = stake_cents + 1 where id = $1', [openBets[0]]],
      ['update betting.bets set selection = 1 where id = $1', [openBets[0]]],
      [
        'update betting.bets set ledger_tx_id = (select max(id) from betting.ledger_transactions) where id = $1',
        [openBets[0]],
      ],
      ['update betting.bets set id = default where id = $1', [openBets[0]]],
      ['delete from betting.bets where id = $1', [openBets[0]]],
    ] as const) {
      expect([sql, (await pgError(b.pool.query(sql, [...params]))).code]).toEqual([sql, '23001']);
    }
    expect((await pgError(b.pool.query('truncate betting.bets'))).code).toBe('23001');
    expect(await states()).toEqual(before);
  });
});
