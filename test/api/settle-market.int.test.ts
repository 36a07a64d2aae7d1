import { ResultStatus } from '../../oracle/index.js';
import { isApiError } from '../../api/errors.js';
import { lockMarketForSettlement, reverseSettlement, settleMarket } from '../../api/settlement/settle-market.js';
import { withTransaction } from '../../lib/db/transaction.js';
import { createBettingDb, type BettingDb } from './support/db.js';
import { admin, openMarket, services } from './support/fixtures.js';

describe('reference set-based settlement of a market (real Postgres)', () => {
  let b: BettingDb;
  const { wallet, bets, markets, eventIdOf } = services(() => b);
  beforeAll(async () => {
    b = await createBettingDb('api_settle');
  });
  afterAll(async () => {
    expect(await b.ledgerTotal()).toBe(0n);
    await b.close();
  });

  async function sums(marketId: string) {
    const { rows } = await b.pool.query<{ escrow: string; house: string }>(
      `select (select coalesce(sum(e.amount_cents), 0) from betting.ledger_entries e join betting.ledger_accounts a on a.id = e.account_id
                where a.kind = 'pool_escrow' and a.market_id = $1)::text as escrow,
              (select coalesce(sum(e.amount_cents), 0) from betting.ledger_entries e join betting.ledger_accounts a on a.id = e.account_id
                where a.kind = 'house_revenue')::text as house`,
      [marketId],
    );
    return { escrow: BigInt(rows[0]!.escrow), house: BigInt(rows[0]!.house) };
  }

  it('pays a 1X2 market exactly as computed by hand, once, even with two settlers racing', async () => {
    const market = await openMarket(b.pool, { takeoutBps: 1500 });
    const [p1, p2, p3] = await Promise.all([1, 2, 3].map(() => b.account()));
    for (const p of [p1!, p2!, p3!]) await wallet().deposit(p, 100_000n);
    await bets().place(p1!, [{ marketId: market, selection: 'home', stakeCents: 10_000n }]);
    await bets().place(p2!, [
      { marketId: market, selection: 'home', stakeCents: 3_333n },
      { marketId: market, selection: 'away', stakeCents: 5_000n },
    ]);
    await bets().place(p3!, [{ marketId: market, selection: 'draw', stakeCents: 20_000n }]);
    const houseBefore = (await sums(market)).house;
    await markets().command(market, 'close', admin);
    const eventId = await eventIdOf(market);
    const result = { eventId, version: 1, status: ResultStatus.Completed, values: [2, 1] };
    const [one, two] = await Promise.all([settleMarket(b.pool, market, result), settleMarket(b.pool, market, result)]);
    // Pool 38,333; net = floor(38,333 × 0.85) = 32,583; takeout 5,750. Home stake 13,333:
    // dividend = floor(32,583 × 100 / 13,333) = 244 per €1. p1: 10,000 × 2.44 = 24,400;
    // p2: floor(3,333 × 244 / 100) = 8,132. Paid 32,532; breakage 51.
    const first = one.alreadySettled ? two : one;
    expect([one.alreadySettled, two.alreadySettled].sort()).toEqual([false, true]);
    expect(first).toMatchObject({
      kind: 'paid',
      poolCents: 38_333n,
      paidCents: 32_532n,
      takeoutCents: 5_750n,
      breakageCents: 51n,
      refundedCents: 0n,
      bets: 4,
    });
    expect(await wallet().balance(p1!)).toBe(100_000n - 10_000n + 24_400n);
    expect(await wallet().balance(p2!)).toBe(100_000n - 8_333n + 8_132n);
    expect(await wallet().balance(p3!)).toBe(80_000n);
    const after = await sums(market);
    expect(after.escrow).toBe(0n);
    expect(after.house - houseBefore).toBe(5_801n);
    const states = await b.pool.query<{ state: string; payout_cents: string }>(
      'select state, payout_cents from betting.bets where market_id = $1 order by id',
      [market],
    );
    expect(states.rows.map((r) => [r.state, r.payout_cents])).toEqual([
      ['won', '24400'],
      ['won', '8132'],
      ['lost', '0'],
      ['lost', '0'],
    ]);
    expect(await settleMarket(b.pool, market, result)).toMatchObject({ alreadySettled: true });
    expect(await wallet().balance(p1!)).toBe(114_400n);
  });

  it('reverses a settlement through the bets_settlement index: bets open again, money back, settles anew', async () => {
    const market = await openMarket(b.pool, { takeoutBps: 1000 });
    const [p1, p2] = await Promise.all([b.account(), b.account()]);
    for (const p of [p1, p2]) await wallet().deposit(p, 50_000n);
    await bets().place(p1, [{ marketId: market, selection: 'home', stakeCents: 4_000n }]);
    await bets().place(p2, [{ marketId: market, selection: 'away', stakeCents: 6_000n }]);
    await markets().command(market, 'close', admin);
    const eventId = await eventIdOf(market);
    // Pool 10,000, net 9,000: home wins, dividend 2.25, p1 gets 9,000.
    await settleMarket(b.pool, market, { eventId, version: 1, status: ResultStatus.Completed, values: [2, 1] });
    expect([await wallet().balance(p1), await wallet().balance(p2)]).toEqual([55_000n, 44_000n]);
    const { rows: live } = await b.pool.query<{ id: string }>(
      'select id::text from betting.settlements where market_id = $1 and reversed_at is null',
      [market],
    );
    const settlementId = live[0]!.id;

    // The reversal's lookup (`where market_id = $1 and settlement_id = $2`) has an index to use.
    const plan = await withTransaction(b.pool, async (c) => {
      await c.query('set local enable_seqscan = off');
      const { rows } = await c.query(
        'explain (format json) select id from betting.bets where market_id = $1 and settlement_id = $2',
        [market, settlementId],
      );
      return JSON.stringify(rows);
    });
    expect(plan).toContain('"Index Name":"bets_settlement"');

    const summary = await withTransaction(b.pool, async (c) => {
      const locked = await lockMarketForSettlement(c, market, 'wait');
      if (locked === null || locked === 'busy') throw new Error('market not locked');
      return reverseSettlement(c, locked, { actor: 'test:reversal', reason: 'the final result was taken back' });
    });
    expect(summary).toMatchObject({ settlementId, bets: 2 });
    expect(summary!.reversalTxId).not.toBeNull();
    expect([await wallet().balance(p1), await wallet().balance(p2)]).toEqual([46_000n, 44_000n]);
    const { rows: open } = await b.pool.query<{ state: string; settlement_id: string | null; market: string }>(
      `select b.state, b.settlement_id::text, m.state as market from betting.bets b join betting.markets m on m.id = b.market_id
        where b.market_id = $1 order by b.id`,
      [market],
    );
    expect(open).toEqual([
      { state: 'accepted', settlement_id: null, market: 'closed' },
      { state: 'accepted', settlement_id: null, market: 'closed' },
    ]);
    expect((await sums(market)).escrow).toBe(10_000n);

    // The corrected result: away wins, dividend 1.50, p2 gets 9,000.
    const again = await settleMarket(b.pool, market, {
      eventId,
      version: 2,
      status: ResultStatus.Completed,
      values: [0, 1],
    });
    expect(again).toMatchObject({ alreadySettled: false, kind: 'paid', paidCents: 9_000n, bets: 2 });
    expect([await wallet().balance(p1), await wallet().balance(p2)]).toEqual([46_000n, 53_000n]);
    expect((await sums(market)).escrow).toBe(0n);
  });

  it('refunds every stake of a voided market and of a cancelled event, with no takeout', async () => {
    const player = await b.account();
    await wallet().deposit(player, 10_000n);
    const voided = await openMarket(b.pool);
    const cancelled = await openMarket(b.pool, { runners: 5 });
    await bets().place(player, [
      { marketId: voided, selection: 'home', stakeCents: 1_000n },
      { marketId: cancelled, selection: '3', stakeCents: 2_000n },
    ]);
    await markets().command(voided, 'void', admin);
    await markets().command(cancelled, 'close', admin);
    const v = await settleMarket(b.pool, voided, {
      eventId: await eventIdOf(voided),
      version: 1,
      status: ResultStatus.Completed,
      values: [1, 0],
    });
    const c = await settleMarket(b.pool, cancelled, {
      eventId: await eventIdOf(cancelled),
      version: 1,
      status: ResultStatus.Cancelled,
      values: [],
    });
    expect([v.kind, v.refundedCents, c.kind, c.refundedCents]).toEqual(['refunded', 1_000n, 'refunded', 2_000n]);
    expect(await wallet().balance(player)).toBe(10_000n);
  });

  it('splits a dead heat and refuses values that do not fit the schema, writing nothing', async () => {
    const market = await openMarket(b.pool, { runners: 4, takeoutBps: 0 });
    const [a, c] = await Promise.all([b.account(), b.account()]);
    await wallet().deposit(a, 10_000n);
    await wallet().deposit(c, 10_000n);
    await bets().place(a, [{ marketId: market, selection: '1', stakeCents: 1_000n }]);
    await bets().place(c, [
      { marketId: market, selection: '2', stakeCents: 3_000n },
      { marketId: market, selection: '4', stakeCents: 6_000n },
    ]);
    await markets().command(market, 'close', admin);
    const eventId = await eventIdOf(market);
    try {
      await settleMarket(b.pool, market, { eventId, version: 1, status: ResultStatus.Completed, values: [1, 1, 2] });
      throw new Error('expected OUTCOME_VALUES_INVALID');
    } catch (error) {
      expect(isApiError(error, 'OUTCOME_VALUES_INVALID')).toBe(true);
    }
    expect((await b.pool.query('select 1 from betting.settlements where market_id = $1', [market])).rowCount).toBe(0);
    // Runners 1 and 2 dead-heat for first: each half of 10,000 → runner 1 pays 5.00 per €1, runner 2 1.66.
    const s = await settleMarket(b.pool, market, {
      eventId,
      version: 1,
      status: ResultStatus.Completed,
      values: [1, 1, 3, 0],
    });
    expect(s).toMatchObject({
      kind: 'paid',
      poolCents: 10_000n,
      paidCents: 9_980n,
      breakageCents: 20n,
      takeoutCents: 0n,
    });
    expect(await wallet().balance(a)).toBe(9_000n + 5_000n);
    expect(await wallet().balance(c)).toBe(1_000n + 4_980n);
  });
});
