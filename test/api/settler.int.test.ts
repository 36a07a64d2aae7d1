import type { Contract, ContractTransactionResponse } from 'ethers';
import pg from 'pg';
import { createOracleReader, ResultStatus, type OracleReader } from '../../oracle/index.js';
import { packSignatures, resultMessage, type Result } from '../../oracle/result.js';
import { isApiError } from '../../api/errors.js';
import type { MarketDefinition } from '../../api/markets/outcome.js';
import { createSettler, type SettlerObserver } from '../../api/settlement/settler.js';
import {
  ATTESTERS,
  DISPUTE_WINDOW,
  createWorld,
  elapse,
  makeIndexer,
  makeResult,
  mine,
  sign,
  type OracleWorld,
} from '../oracle/chain/harness.js';
import { bettingDbOn, type BettingDb } from './support/db.js';
import { admin, services } from './support/fixtures.js';

/**
 * The settler against the real pieces: a Hardhat node with a 3-of-5 ResultsOracle, the oracle's indexer
 * writing the final-result feed, the betting schema in the same Postgres database. Results are proposed
 * on chain, made final by elapsing the dispute window, indexed, and settled.
 */
describe('settler: final-result feed → chain check → set-based settlement (Hardhat node, real Postgres)', () => {
  let world: OracleWorld;
  let b: BettingDb;
  let reader: OracleReader;
  const indexer = () => makeIndexer(world);
  const { wallet, bets, markets } = services(() => b);
  const settler = (options: { observer?: SettlerObserver; now?: () => Date; reader?: OracleReader } = {}) =>
    createSettler(
      { pool: b.pool, reader: options.reader ?? reader, observer: options.observer, now: options.now },
      { pollMs: 50, name: 'test' },
    );

  beforeAll(async () => {
    world = await createWorld('api_settler');
    b = await bettingDbOn(world.db);
    reader = createOracleReader({
      provider: world.node.provider,
      address: world.address,
      chainId: world.chainId,
      pool: b.pool,
    });
  });
  afterAll(async () => {
    expect(await b.ledgerTotal()).toBe(0n);
    await b.pool.end();
    await world.close();
  });

  const propose = async (result: Result) => {
    const signed = await sign(world, result, [1, 2, 3]);
    const relayer = world.oracle.connect(world.node.wallet(8)) as Contract;
    const attesters = ATTESTERS.map((i) => world.node.wallet(i).address);
    const tx = (await relayer.getFunction('propose')(
      resultMessage(result),
      packSignatures(attesters, signed),
    )) as ContractTransactionResponse;
    await tx.wait();
  };
  /** Proposes, lets the dispute window pass, and indexes: the feed holds a final row. */
  const finalOnChain = async (result: Result) => {
    await propose(result);
    await elapse(world, DISPUTE_WINDOW + 1);
    await indexer().tick();
  };

  /** An event bound to `eventId` with markets (inactive → open), closing in an hour. */
  async function eventWith(eventId: string, definitions: MarketDefinition[]) {
    const m = markets();
    const closesAt = new Date(Date.now() + 3600_000);
    const event = await m.createEvent(
      {
        oracleEventId: eventId,
        schema: 'football.match/v1',
        name: 'Home v Away',
        startsAt: new Date(closesAt.getTime() + 60_000),
      },
      admin,
    );
    const ids: string[] = [];
    for (const [i, definition] of definitions.entries()) {
      const market = await m.createMarket(
        event.id,
        {
          definition,
          closesAt,
          takeoutBps: i === 0 ? 1500 : 1000,
          minStakeCents: 100n,
          maxStakeCents: 1_000_000n,
        },
        admin,
      );
      await m.command(market.id, 'open', admin);
      ids.push(market.id);
    }
    return { eventId: event.id, markets: ids, closesAt };
  }
  const players = async (n: number, cents = 100_000n) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = await b.account({ withdrawalsAllowed: true });
      await wallet().deposit(id, cents);
      ids.push(id);
    }
    return ids;
  };
  const houseTotal = async () =>
    BigInt(
      (
        await b.pool.query<{ t: string }>(
          `select coalesce(sum(e.amount_cents), 0)::text as t from betting.ledger_entries e
             join betting.ledger_accounts a on a.id = e.account_id where a.kind = 'house_revenue'`,
        )
      ).rows[0]!.t,
    );
  const betStates = async (marketId: string) =>
    (
      await b.pool.query<{ state: string; payout: string | null }>(
        'select state, payout_cents::text as payout from betting.bets where market_id = $1 order by id',
        [marketId],
      )
    ).rows.map((r) => [r.state, r.payout]);
  const liveSettlements = async (marketId: string) =>
    (
      await b.pool.query<{ kind: string; feed_row_id: string | null }>(
        'select kind, feed_row_id::text from betting.settlements where market_id = $1 and reversed_at is null',
        [marketId],
      )
    ).rows;

  /** Bets of three players on a 1X2 (takeout 15 %) and an over/under 2.5 (takeout 10 %). */
  async function bettingOn(eventId: string) {
    const e = await eventWith(eventId, [{ type: 'match-winner' }, { type: 'total-goals', line: 2.5 }]);
    const [p1, p2, p3] = (await players(3)) as [string, string, string];
    const [winner, total] = e.markets as [string, string];
    await bets().place(p1, [
      { marketId: winner, selection: 'home', stakeCents: 10_000n },
      { marketId: total, selection: 'over', stakeCents: 4_000n },
    ]);
    await bets().place(p2, [
      { marketId: winner, selection: 'home', stakeCents: 3_333n },
      { marketId: winner, selection: 'away', stakeCents: 5_000n },
      { marketId: total, selection: 'over', stakeCents: 1_000n },
    ]);
    await bets().place(p3, [
      { marketId: winner, selection: 'draw', stakeCents: 20_000n },
      { marketId: total, selection: 'under', stakeCents: 6_000n },
    ]);
    return { ...e, winner, total, p1, p2, p3 };
  }

  it('pays the markets of an event exactly as computed by hand, once, with two settlers on one result', async () => {
    const result = await makeResult(world, 'settler/paid', { values: [2, 1] });
    const e = await bettingOn(result.eventId);
    await markets().command(e.winner, 'close', admin);
    // The over/under stays open: past its cut-off (the settler's clock) the settler closes it itself.
    const later = () => new Date(e.closesAt.getTime() + 1_000);
    const houseBefore = await houseTotal();
    await finalOnChain(result);

    const settled: string[] = [];
    const observer: SettlerObserver = { settled: (marketId) => settled.push(marketId) };
    const [one, two] = [settler({ observer, now: later }), settler({ observer, now: later })];
    await Promise.all([one.tick(), two.tick()]);
    expect(settled.sort()).toEqual([e.winner, e.total].sort());

    // 1X2: pool 38,333; net floor(38,333 × 0.85) = 32,583 (takeout 5,750); home stake 13,333 →
    // dividend floor(32,583 × 100 / 13,333) = 244: p1 24,400, p2 floor(3,333 × 2.44) = 8,132; breakage 51.
    // Over/under 2.5 (3 goals: over): pool 11,000; net 9,900 (takeout 1,100); over stake 5,000 →
    // dividend 198: p1 7,920, p2 1,980; breakage 0.
    expect(await wallet().balance(e.p1)).toBe(100_000n - 14_000n + 24_400n + 7_920n);
    expect(await wallet().balance(e.p2)).toBe(100_000n - 9_333n + 8_132n + 1_980n);
    expect(await wallet().balance(e.p3)).toBe(100_000n - 26_000n);
    expect((await houseTotal()) - houseBefore).toBe(5_801n + 1_100n);
    expect(await betStates(e.winner)).toEqual([
      ['won', '24400'],
      ['won', '8132'],
      ['lost', '0'],
      ['lost', '0'],
    ]);
    expect(await betStates(e.total)).toEqual([
      ['won', '7920'],
      ['won', '1980'],
      ['lost', '0'],
    ]);
    const feedRow = (await reader.finalResultsSince('0', 10_000)).find((r) => r.eventId === result.eventId)!;
    expect(await liveSettlements(e.winner)).toEqual([{ kind: 'paid', feed_row_id: feedRow.id }]);
    const audit = await b.pool.query('select actor, action from betting.audit_log where target = $1 order by id', [
      `market:${e.total}`,
    ]);
    expect(audit.rows.at(-1)).toEqual({ actor: 'system:settler', action: 'market.close' });

    // Again, and a third settler from scratch: nothing more is paid.
    await Promise.all([one.tick(), settler({ now: later }).tick()]);
    expect(settled).toHaveLength(2);
    expect(await wallet().balance(e.p1)).toBe(118_320n);
    const applied = await b.pool.query('select outcome from betting.settler_applied where feed_row_id = $1', [
      feedRow.id,
    ]);
    expect(applied.rows).toEqual([{ outcome: 'current' }]);
    expect(await b.ledgerTotal()).toBe(0n);
  });

  it('a started settler is woken by the indexer (LISTEN oracle_final) and stops between markets', async () => {
    const result = await makeResult(world, 'settler/woken', { values: [0, 0] });
    const e = await bettingOn(result.eventId);
    await markets().command(e.winner, 'close', admin);
    await markets().command(e.total, 'close', admin);
    const settled: string[] = [];
    let done!: () => void;
    const both = new Promise<void>((resolve) => (done = resolve));
    const s = createSettler(
      {
        pool: b.pool,
        reader,
        observer: {
          settled: (id) => {
            settled.push(id);
            if (settled.length === 2) done();
          },
        },
      },
      { pollMs: 600_000, name: 'test' }, // never polls within the test: only NOTIFY wakes it
    );
    s.start();
    await new Promise((r) => setTimeout(r, 300)); // its first pass (nothing to do) and LISTEN
    await finalOnChain(result);
    await both;
    await s.stop();
    // 0-0: the draw wins the 1X2 (p3 alone: 20,000 of 38,333, dividend floor(32,583 × 100 / 20,000) = 162 →
    // 32,400), under wins the total (p3 alone: 6,000 of 11,000, dividend 165 → 9,900).
    expect(await wallet().balance(e.p3)).toBe(100_000n - 26_000n + 32_400n + 9_900n);
  });

  it('keeps markets waiting on a postponement and pays nothing on a feed row the chain does not read', async () => {
    const postponed = await makeResult(world, 'settler/postponed', { status: ResultStatus.Postponed, values: [] });
    const p = await bettingOn(postponed.eventId);
    await markets().command(p.winner, 'close', admin);
    await markets().command(p.total, 'close', admin);
    await finalOnChain(postponed);

    // A lying feed: a final row the chain has never seen (the table is append-only, not the truth about the chain).
    const lie = await makeResult(world, 'settler/lie', { values: [5, 0] });
    const l = await bettingOn(lie.eventId);
    await markets().command(l.winner, 'close', admin);
    await b.pool.query(
      `insert into oracle_final_results (stream, event_id, version, status, values_, ended_at, final_block_number)
       values ($1, $2, 1, 1, '[5,0]', 1, 1)`,
      [`${world.chainId}:${world.address.toLowerCase()}`, lie.eventId],
    );
    const skipped: [string, string][] = [];
    const s = settler({ observer: { skipped: (id, reason) => skipped.push([id, reason]) } });
    await s.tick();
    expect(await liveSettlements(p.winner)).toEqual([]);
    expect(await liveSettlements(p.total)).toEqual([]);
    expect(await liveSettlements(l.winner)).toEqual([]);
    expect(skipped).toContainEqual([l.winner, 'unverified']);
    expect(await wallet().balance(l.p1)).toBe(100_000n - 14_000n);
    const states = await b.pool.query<{ state: string }>(
      'select state from betting.markets where id = any($1) order by id',
      [[p.winner, p.total]],
    );
    expect(states.rows.map((r) => r.state)).toEqual(['closed', 'closed']);
    const current = await b.pool.query('select status, state from betting.event_results where oracle_event_id = $1', [
      postponed.eventId,
    ]);
    expect(current.rows).toEqual([{ status: ResultStatus.Postponed, state: 'final' }]);
  });

  it('settles a later version after a final postponement, on chain (ResultsOracle supersedes a final Postponed)', async () => {
    const postponed = await makeResult(world, 'settler/postponed-then-played', {
      status: ResultStatus.Postponed,
      values: [],
    });
    const e = await bettingOn(postponed.eventId);
    await markets().command(e.winner, 'close', admin);
    await markets().command(e.total, 'close', admin);
    await finalOnChain(postponed);
    await settler().tick();
    expect(await liveSettlements(e.winner)).toEqual([]);
    expect(await liveSettlements(e.total)).toEqual([]);

    // The rescheduled match is played: version 2, signed in a fresh window, final on chain after its own window.
    const played = await makeResult(world, 'settler/postponed-then-played', { values: [1, 3], version: 2 });
    await finalOnChain(played);
    expect(await reader.isFinal(played.eventId)).toBe(true);
    await settler().tick();
    expect((await liveSettlements(e.winner)).map((s) => s.kind)).toEqual(['paid']);
    // Away wins the 1X2 (p2 alone: 5,000 of 38,333 → net 32,583, dividend 651: 32,550); over wins (4 goals).
    expect(await wallet().balance(e.p2)).toBe(100_000n - 9_333n + 32_550n + 1_980n);

    // A third final row without a retraction can only come from a lying feed (the contract refuses any version
    // after a final Completed): it is recorded as ignored and pays nothing.
    await b.pool.query(
      `insert into oracle_final_results (stream, event_id, version, status, values_, ended_at, final_block_number)
       values ($1, $2, 3, $3, '[0,0]', 1, 1)`,
      [`${world.chainId}:${world.address.toLowerCase()}`, played.eventId, ResultStatus.Completed],
    );
    await settler().tick();
    const applied = await b.pool.query<{ outcome: string }>(
      'select outcome from betting.settler_applied where oracle_event_id = $1 order by feed_row_id',
      [played.eventId],
    );
    expect(applied.rows.map((a) => a.outcome)).toEqual(['current', 'current', 'ignored']);
    expect(await wallet().balance(e.p2)).toBe(100_000n - 9_333n + 32_550n + 1_980n);
  });

  it('a retraction reverses the settlement (settlement_reversal), markets wait, and the new final settles', async () => {
    const first = await makeResult(world, 'settler/retracted', { values: [2, 1] });
    const e = await bettingOn(first.eventId);
    await markets().command(e.winner, 'close', admin);
    await markets().command(e.total, 'close', admin);
    const houseBefore = await houseTotal();
    const indexerOf = indexer();
    await indexerOf.tick();
    const snapshot = (await world.node.provider.send('evm_snapshot', [])) as string;
    await propose(first);
    await elapse(world, DISPUTE_WINDOW + 1);
    await indexerOf.tick();
    await settler().tick();
    expect(await wallet().balance(e.p1)).toBe(118_320n);

    // A reorg deeper than the indexer's confirmations takes the final result back; another payload on the new branch.
    expect(await world.node.provider.send('evm_revert', [snapshot])).toBe(true);
    await mine(world, 2);
    const second = { ...first, values: [0, 1] };
    await propose(second);
    expect((await indexerOf.tick()).retracted).toBe(1);
    const reversed: string[] = [];
    await settler({ observer: { reversed: (id) => reversed.push(id) } }).tick();
    expect(reversed.sort()).toEqual([e.winner, e.total].sort());
    expect(await wallet().balance(e.p1)).toBe(100_000n - 14_000n);
    expect(await wallet().balance(e.p2)).toBe(100_000n - 9_333n);
    expect(await houseTotal()).toBe(houseBefore);
    expect(await betStates(e.winner)).toEqual([
      ['accepted', null],
      ['accepted', null],
      ['accepted', null],
      ['accepted', null],
    ]);
    const states = await b.pool.query<{ state: string }>('select state from betting.markets where id = any($1)', [
      [e.winner, e.total],
    ]);
    expect(states.rows.map((r) => r.state)).toEqual(['closed', 'closed']);
    const kinds = await b.pool.query<{ kind: string; n: number }>(
      `select t.kind, count(*)::int as n from betting.settlements s join betting.ledger_transactions t on t.id = s.reversal_tx_id
        where s.market_id = any($1) group by t.kind`,
      [[e.winner, e.total]],
    );
    expect(kinds.rows).toEqual([{ kind: 'settlement_reversal', n: 2 }]);
    const audit = await b.pool.query(
      'select count(*)::int as n from betting.audit_log where action = $1 and target = $2',
      ['settlement.reverse', `market:${e.winner}`],
    );
    expect(audit.rows[0]).toEqual({ n: 1 });

    // The new payload becomes final: a new feed row, settled on its values (0-1: away; 1 goal: under).
    await elapse(world, DISPUTE_WINDOW + 1);
    await indexerOf.tick();
    await settler().tick();
    // 1X2 away: p2 5,000 → 32,550. Under: p3 alone, 6,000 of 11,000 → 9,900.
    expect(await wallet().balance(e.p2)).toBe(100_000n - 9_333n + 32_550n);
    expect(await wallet().balance(e.p3)).toBe(100_000n - 26_000n + 9_900n);
    expect(await wallet().balance(e.p1)).toBe(100_000n - 14_000n);
    expect(await b.ledgerTotal()).toBe(0n);
  });

  it('a settler killed in the middle of a market leaves nothing; after a restart every bet is settled once', async () => {
    const result = await makeResult(world, 'settler/crash', { values: [1, 0] });
    const e = await bettingOn(result.eventId);
    await markets().command(e.winner, 'close', admin);
    await markets().command(e.total, 'close', admin);
    await finalOnChain(result);
    // Hold p1's cash row: the settlement of the first market blocks inside its transaction, after
    // writing its settlement row and its bets, at the ledger entries that pay p1.
    const holder = new pg.Client({ connectionString: world.db.url });
    await holder.connect();
    await holder.query('begin');
    await holder.query(
      `select 1 from betting.ledger_accounts where kind = 'player_cash' and player_id = $1 for update`,
      [e.p1],
    );
    const victim = settler();
    const running = victim.tick().then(
      () => 'finished',
      (error: unknown) => String(error),
    );
    let pid: number | undefined;
    for (let i = 0; i < 200 && pid === undefined; i++) {
      const { rows } = await b.pool.query<{ pid: number }>(
        `select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'
            and query like '%settled as%'`,
      );
      pid = rows[0]?.pid;
      if (pid === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(pid).toBeDefined();
    const midway = await b.pool.query<{ n: number }>(
      `select count(*)::int as n from betting.settlements where market_id = any($1)`,
      [[e.winner, e.total]],
    );
    expect(midway.rows[0]!.n).toBe(0); // nothing of the market in progress is visible
    await b.pool.query('select pg_terminate_backend($1)', [pid]);
    const outcome = await running;
    await holder.query('rollback');
    await holder.end();
    expect(outcome).toMatch(/terminat/i);

    await settler().tick();
    const counts = await b.pool.query<{ market_id: string; n: number }>(
      `select market_id::text, count(*)::int as n from betting.settlements where market_id = any($1) group by market_id`,
      [[e.winner, e.total]],
    );
    expect(counts.rows.map((r) => r.n)).toEqual([1, 1]);
    const open = await b.pool.query(`select 1 from betting.bets where market_id = any($1) and state = 'accepted'`, [
      [e.winner, e.total],
    ]);
    expect(open.rowCount).toBe(0);
    // 1-0: home wins (24,400 and 8,132 as in the first test), under wins (p3: 9,900).
    expect(await wallet().balance(e.p1)).toBe(100_000n - 14_000n + 24_400n);
    expect(await wallet().balance(e.p3)).toBe(100_000n - 26_000n + 9_900n);
    expect(await b.ledgerTotal()).toBe(0n);
  });

  it('an admin void after settlement refunds every stake by compensating entries, with actor and reason audited', async () => {
    const result = await makeResult(world, 'settler/palpable', { values: [3, 0] });
    const e = await bettingOn(result.eventId);
    await markets().command(e.winner, 'close', admin);
    await markets().command(e.total, 'close', admin);
    const houseBefore = await houseTotal();
    await finalOnChain(result);
    await settler().tick();
    expect(await wallet().balance(e.p1)).toBe(118_320n);

    await expect(markets().command(e.winner, 'void', admin)).rejects.toMatchObject({ code: 'API_REQUEST_INVALID' });
    const voided = await markets().command(e.winner, 'void', { actor: 'staff:alice', reason: 'wrong score source' });
    expect(voided.state).toBe('voided');
    // 1X2 refunded: p1 gets back 10,000 instead of 24,400, p2 8,333 instead of 8,132, p3 20,000.
    expect(await wallet().balance(e.p1)).toBe(100_000n - 4_000n + 7_920n);
    expect(await wallet().balance(e.p2)).toBe(100_000n - 1_000n + 1_980n);
    expect(await wallet().balance(e.p3)).toBe(100_000n - 6_000n);
    expect((await houseTotal()) - houseBefore).toBe(1_100n); // only the over/under's takeout remains
    expect((await betStates(e.winner)).map(([state]) => state)).toEqual([
      'refunded',
      'refunded',
      'refunded',
      'refunded',
    ]);
    const audit = await b.pool.query<{ actor: string; detail: { reason: string } }>(
      `select actor, detail from betting.audit_log where action = 'market.void' and target = $1`,
      [`market:${e.winner}`],
    );
    expect(audit.rows.map((r) => [r.actor, r.detail.reason])).toEqual([['staff:alice', 'wrong score source']]);
    // The settler leaves it alone (a refund with no feed row is not reversed by a later pass).
    await settler().tick();
    expect(await wallet().balance(e.p3)).toBe(94_000n);

    // A winner who withdrew the payout: the void of the over/under cannot take it back, and writes nothing.
    await wallet().withdraw(e.p1, await wallet().balance(e.p1));
    try {
      await markets().command(e.total, 'void', { actor: 'staff:alice', reason: 'late goal' });
      throw new Error('expected SETTLEMENT_REVERSAL_BLOCKED');
    } catch (error) {
      expect(isApiError(error, 'SETTLEMENT_REVERSAL_BLOCKED')).toBe(true);
    }
    expect((await liveSettlements(e.total)).map((s) => s.kind)).toEqual(['paid']);
    expect(await b.ledgerTotal()).toBe(0n);
  });
});
