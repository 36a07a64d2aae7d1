import { ResultStatus } from '../../oracle/index.js';
import { marketBets } from '../../api/bets/bet-service.js';
import { SETTLEMENT_PAGE, createLivePublisher } from '../../api/live/publisher.js';
import { POOL_TOTALS_SQL, readPoolTotals } from '../../api/markets/pool-cache.js';
import { lockMarketForSettlement, reverseSettlement, settleMarket } from '../../api/settlement/settle-market.js';
import { withTransaction } from '../../lib/db/transaction.js';
import { createBettingDb, type BettingDb } from './support/db.js';
import { admin, openMarket, services } from './support/fixtures.js';

/**
 * The reads of one market's bets that run at scale (pool totals on a cache miss, the settler's live
 * announcement of a settlement): right in every phase (open, settled, reversed, voided), through
 * indexes only (a bets table of 10 M rows has no index on market_id over every state), and the
 * announcement page by page, each bet once.
 */
describe('market reads at scale: pool totals and settlement announcements (real Postgres)', () => {
  let b: BettingDb;
  const { wallet, bets, markets, eventIdOf } = services(() => b);
  beforeAll(async () => {
    b = await createBettingDb('api_market_reads');
  });
  afterAll(async () => {
    expect(await b.ledgerTotal()).toBe(0n);
    await b.close();
  });

  /** The truth, by a plain scan: total stake per selection of every bet of the market. */
  const scanned = async (marketId: string) =>
    (
      await b.pool.query<{ selection: number; total: string }>(
        'select selection, sum(stake_cents)::text as total from betting.bets where market_id = $1 group by selection order by selection',
        [marketId],
      )
    ).rows.map((r) => ({ selection: r.selection, total: BigInt(r.total) }));
  const totals = async (marketId: string) =>
    (await readPoolTotals(b.pool, marketId)).sort((x, y) => x.selection - y.selection);

  it('pool totals agree with a full scan when open, settled, reversed and settled again, and voided', async () => {
    const market = await openMarket(b.pool);
    const other = await openMarket(b.pool);
    const [p1, p2] = [await b.account(), await b.account()];
    for (const p of [p1, p2]) await wallet().deposit(p, 100_000n);
    await bets().place(p1, [
      { marketId: market, selection: 'home', stakeCents: 1_000n },
      { marketId: market, selection: 'draw', stakeCents: 250n },
      { marketId: other, selection: 'away', stakeCents: 9_900n },
    ]);
    await bets().place(p2, [{ marketId: market, selection: 'home', stakeCents: 700n }]);
    expect(await totals(market)).toEqual(await scanned(market));
    expect(await totals(market)).toEqual([
      { selection: 0, total: 1_700n },
      { selection: 1, total: 250n },
    ]);

    await markets().command(market, 'close', admin);
    const eventId = await eventIdOf(market);
    await settleMarket(b.pool, market, { eventId, version: 1, status: ResultStatus.Completed, values: [1, 0] });
    expect(await totals(market)).toEqual(await scanned(market));
    await withTransaction(b.pool, async (c) => {
      const locked = await lockMarketForSettlement(c, market, 'wait');
      if (locked === null || locked === 'busy') throw new Error('market not locked');
      await reverseSettlement(c, locked, { actor: 'test:reads', reason: 'taken back' });
    });
    expect(await totals(market)).toEqual(await scanned(market));
    await settleMarket(b.pool, market, { eventId, version: 2, status: ResultStatus.Completed, values: [0, 0] });
    expect(await totals(market)).toEqual(await scanned(market));

    await markets().command(other, 'void', { ...admin, reason: 'test: void' });
    expect(await totals(other)).toEqual(await scanned(other));
    expect(await totals(other)).toEqual([{ selection: 2, total: 9_900n }]);
  });

  it('reads the bets of a market through indexes only (no sequential scan of bets)', async () => {
    const market = await openMarket(b.pool);
    type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
    const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];
    const plan = await withTransaction(b.pool, async (c) => {
      await c.query('set local enable_seqscan = off');
      // readPoolTotals's statement (marketBets's page reads the same two branches).
      const { rows } = await c.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `explain (format json) ${POOL_TOTALS_SQL}`,
        [market],
      );
      return nodes(rows[0]!['QUERY PLAN'][0]!.Plan);
    });
    const indexes = plan.map((n) => n['Index Name']).filter((name) => name?.startsWith('bets_'));
    expect(indexes.sort()).toEqual(['bets_market_open', 'bets_settlement']);
    expect(plan.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'bets')).toEqual([]);
  });

  it('announces a settlement of more than a page of bets: each bet once, to its player, in pages', async () => {
    const market = await openMarket(b.pool, { minStakeCents: 100n });
    const big = { weeklyDepositCents: 1_000_000_000, weeklyStakeCents: 1_000_000_000 };
    const players = [await b.account(big), await b.account(big), await b.account(big)];
    for (const p of players) await wallet().deposit(p, 10_000_000n);
    const count = SETTLEMENT_PAGE * 2 + 137;
    for (let placed = 0, i = 0; placed < count; i++) {
      const n = Math.min(200, count - placed);
      await bets().place(
        players[i % 3]!,
        Array.from({ length: n }, (_, k) => ({
          marketId: market,
          selection: (['home', 'draw', 'away'] as const)[k % 3]!,
          stakeCents: 100n,
        })),
      );
      placed += n;
    }
    await markets().command(market, 'close', admin);
    await settleMarket(b.pool, market, {
      eventId: await eventIdOf(market),
      version: 1,
      status: ResultStatus.Completed,
      values: [2, 2],
    });

    const published: { channel: string; message: string }[] = [];
    const live = createLivePublisher({
      prefix: 'test:',
      fanOut: {
        publish: (channel: string, message: string) => {
          published.push({ channel, message });
          return Promise.resolve();
        },
      },
    });
    const reads: number[] = [];
    const counting = {
      query: (...args: Parameters<typeof b.pool.query>) => {
        reads.push(1);
        return b.pool.query(...args);
      },
    } as unknown as typeof b.pool;
    // Two announcements at once run one after the other (the second reads after the first is done).
    await Promise.all([live.settlementChanged(counting, market), live.settlementChanged(counting, market)]);
    const settled = published.filter((p) => p.message.includes('"bet.settled"'));
    expect(settled.length).toBe(count * 2);
    const first = settled.slice(0, count).map((p) => JSON.parse(p.message) as { bet: { id: string; state: string } });
    expect(new Set(first.map((m) => m.bet.id)).size).toBe(count);
    expect(first.map((m) => m.bet.id)).toEqual([...first.map((m) => m.bet.id)].sort((x, y) => Number(x) - Number(y)));
    expect(new Set(first.map((m) => m.bet.state))).toEqual(new Set(['won', 'lost']));
    const all = await marketBets(b.pool, market);
    const channelOf = new Map(all.map((x) => [x.id, `test:live:player:${x.playerId}`]));
    for (const p of settled.slice(0, count)) {
      const id = (JSON.parse(p.message) as { bet: { id: string } }).bet.id;
      expect(p.channel).toBe(channelOf.get(id));
    }
    // ⌈2,137 / 1,000⌉ = 3 pages per announcement, each page one read.
    expect(reads.length).toBe(2 * Math.ceil((count + 1) / SETTLEMENT_PAGE));
    expect(published.filter((p) => p.channel === `test:live:market:${market}`).length).toBe(2);
  });
});
