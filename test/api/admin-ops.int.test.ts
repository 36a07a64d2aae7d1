import { Browser } from '../kyc/support/browser.js';
import { OracleOperationsReader } from '../../oracle/admin.js';
import { createOperationsView, type OperationsSnapshot } from '../../api/admin/operations.js';
import {
  apiJson,
  attestThroughApi,
  createFullStack,
  finalizePublishedResults,
  relayReadyResults,
  staffBrowser,
  startApi,
  startSettler,
  type FullStack,
} from './support/full-stack.js';

/**
 * `GET /admin/ops` on the API process of api/process.ts against the real services: bets/s, open bets
 * and stakes by open market from Postgres, rejections by code from the instance's counters, the
 * relayer's outbox (a failed publication with its code), the indexer's checkpoint and the feed head,
 * the settler's cursor and lag before and after the settler process runs, the chain head of the
 * API's provider.
 */
describe('GET /admin/ops', () => {
  let stack: FullStack;
  let api: Awaited<ReturnType<typeof startApi>>;
  let staff: Browser;
  let player: Browser;
  let eventId: string;
  let winner: string;
  let total: string;
  const ops = async (): Promise<OperationsSnapshot> => {
    const r = await apiJson(stack, staff, '/admin/ops');
    expect(r.status).toBe(200);
    return r.body as unknown as OperationsSnapshot;
  };
  const bet = async (bets: object[], key: string) =>
    apiJson(stack, player, '/bets/batch', 'POST', { bets }, { 'idempotency-key': key });

  beforeAll(async () => {
    stack = await createFullStack('api_admin_ops', { extra: { API_RATE_LIMIT_IP: '100000/60' } });
    // Every request reads the open bets (the sharing over 5 s has its own test below).
    api = await startApi(stack, undefined, { operationsOpenMaxAgeMs: 0 });
    staff = await staffBrowser(stack, 'alice');
    const startsAt = new Date(Date.now() + 3600_000);
    const created = await apiJson(stack, staff, '/admin/events', 'POST', {
      oracleEventId: `0x${'ab'.repeat(31)}07`,
      schema: 'football.match/v1',
      name: 'Nantes v Rennes',
      startsAt: startsAt.toISOString(),
    });
    expect(created.status).toBe(201);
    eventId = created.body.id as string;
    const market = async (definition: object) => {
      const m = await apiJson(stack, staff, `/admin/events/${eventId}/markets`, 'POST', {
        definition,
        closesAt: new Date(startsAt.getTime() - 60_000).toISOString(),
        takeoutBps: 1500,
        minStakeCents: 100,
        maxStakeCents: 50_000,
      });
      expect(m.status).toBe(201);
      expect((await apiJson(stack, staff, `/admin/markets/${m.body.id as string}/open`, 'POST', {})).status).toBe(200);
      return m.body.id as string;
    };
    winner = await market({ type: 'match-winner' });
    total = await market({ type: 'total-goals', line: 2.5 });
    player = new Browser();
    const start = await player.request(`${stack.appBase}/auth/franceconnect`);
    const callback = await player.runToOrigin(start.headers.get('location')!, stack.appBase, 'dubois');
    expect((await player.request(callback, { headers: { accept: 'application/json' } })).status).toBe(303);
    expect(
      (
        await apiJson(stack, player, '/auth/me/limits', 'PUT', {
          weeklyDepositCents: 100_000,
          weeklyStakeCents: 50_000,
        })
      ).status,
    ).toBe(200);
    expect((await apiJson(stack, player, '/me/deposits', 'POST', { amountCents: 40_000 })).status).toBe(201);
  });

  afterAll(async () => {
    await api?.close();
    expect(await stack.b.ledgerTotal()).toBe(0n);
    await stack.close();
  });

  it('is for staff only', async () => {
    expect((await apiJson(stack, player, '/admin/ops')).status).toBe(401);
    expect((await apiJson(stack, new Browser(), '/admin/ops')).status).toBe(401);
    const doc = (await (await fetch(`${stack.appBase}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(doc.paths['/admin/ops']).toBeDefined();
  });

  it('bets, open bets and stakes by open market follow the bets; rejections by code', async () => {
    const before = await ops();
    expect(before.bets).toEqual({
      perSecond: 0,
      lastMinute: 0,
      estimated: false,
      openBets: 0,
      openStakeCents: 0,
    });
    expect(before.markets.map((m) => [m.marketId, m.openBets, m.stakeCents]).sort()).toEqual(
      [
        [winner, 0, 0],
        [total, 0, 0],
      ].sort(),
    );
    expect(before.chain.health).toBe('ok');
    expect(before.chain.headBlock).toEqual(await stack.world.node.provider.getBlockNumber());

    expect(
      (
        await bet(
          [
            { marketId: winner, selection: 'home', stakeCents: 2_500 },
            { marketId: winner, selection: 'away', stakeCents: 1_000 },
            { marketId: total, selection: 'over', stakeCents: 700 },
          ],
          'ops-1',
        )
      ).status,
    ).toBe(201);
    const refused = await bet([{ marketId: winner, selection: 'home', stakeCents: 60_000 }], 'ops-2');
    expect(refused.body.code).toBe('STAKE_OUT_OF_RANGE');

    const after = await ops();
    expect(after.bets).toMatchObject({ lastMinute: 3, perSecond: 0.05, estimated: false, openBets: 3 });
    expect(after.bets.openStakeCents).toBe(4_200);
    // Largest stake first.
    expect(after.markets.map((m) => [m.marketId, m.eventName, m.definition, m.openBets, m.stakeCents])).toEqual([
      [winner, 'Nantes v Rennes', { type: 'match-winner' }, 2, 3_500],
      [total, 'Nantes v Rennes', { type: 'total-goals', line: 2.5 }, 1, 700],
    ]);
    expect(after.rejections.scope).toBe('instance');
    expect(after.rejections.byCode).toContainEqual({ code: 'STAKE_OUT_OF_RANGE', count: 1 });
    // The figures come from Postgres, not this instance's counters: a bet placed without the HTTP API counts.
    const { rows } = await stack.b.pool.query<{ player_id: string }>('select player_id from betting.bets limit 1');
    await api.api.bets.place(rows[0]!.player_id, [{ marketId: total, selection: 'under', stakeCents: 300n }], {
      key: 'ops-3',
      fingerprint: Buffer.alloc(32),
    });
    expect((await ops()).bets).toMatchObject({ lastMinute: 4, openBets: 4, openStakeCents: 4_500 });
  });

  it('estimates bets/s from the newest bets when a minute holds more than the sample', async () => {
    const view = createOperationsView({
      pool: stack.b.pool,
      oracle: new OracleOperationsReader({
        db: stack.b.pool,
        chainId: stack.world.chainId,
        contract: stack.world.address,
      }),
      chainHead: () => stack.world.node.provider.getBlockNumber(),
      settlerCursor: 'none',
      rejections: () => Promise.resolve([]),
      startedAt: new Date(),
      thresholds: { rateSample: 2 },
    });
    const snapshot = await view();
    expect(snapshot.bets.estimated).toBe(true);
    expect(snapshot.bets.lastMinute).toBeNull();
    expect(snapshot.bets.perSecond).toBeGreaterThan(0);
    expect(snapshot.bets.openBets).toBe(4);
  });

  it('open bets and stakes are computed once per period per instance, their age in asOf', async () => {
    let clock = new Date('2026-12-06T12:00:00.000Z');
    const view = createOperationsView({
      pool: stack.b.pool,
      oracle: new OracleOperationsReader({
        db: stack.b.pool,
        chainId: stack.world.chainId,
        contract: stack.world.address,
      }),
      chainHead: () => stack.world.node.provider.getBlockNumber(),
      settlerCursor: 'none',
      rejections: () => Promise.resolve([]),
      startedAt: new Date(),
      now: () => clock,
    });
    const first = await view();
    expect(first.asOf).toBe(clock.toISOString());
    expect(first.at).toBe(first.asOf);
    const { rows } = await stack.b.pool.query<{ player_id: string }>('select player_id from betting.bets limit 1');
    await api.api.bets.place(rows[0]!.player_id, [{ marketId: total, selection: 'over', stakeCents: 200n }], {
      key: 'ops-shared',
      fingerprint: Buffer.alloc(32),
    });
    // 4.9 s later: the same aggregate (the new bet not in it), said to be as of the first read.
    clock = new Date(clock.getTime() + 4_900);
    const shared = await view();
    expect(shared.at).toBe(clock.toISOString());
    expect(shared.asOf).toBe(first.asOf);
    expect(shared.bets.openBets).toBe(first.bets.openBets);
    expect(shared.bets.openStakeCents).toBe(first.bets.openStakeCents);
    expect(shared.markets).toEqual(first.markets);
    // Concurrent calls in the period share it too.
    const both = await Promise.all([view(), view()]);
    expect(both.map((b) => b.asOf)).toEqual([first.asOf, first.asOf]);
    // 5 s after the first read: a new read, with the new bet.
    clock = new Date(new Date(first.asOf).getTime() + 5_000);
    const fresh = await view();
    expect(fresh.asOf).toBe(clock.toISOString());
    expect(fresh.bets.openBets).toBe(first.bets.openBets + 1);
    expect(fresh.bets.openStakeCents).toBe(first.bets.openStakeCents + 200);
    expect(fresh.markets.find((m) => m.marketId === total)!.stakeCents).toBe(
      first.markets.find((m) => m.marketId === total)!.stakeCents + 200,
    );
    // The HTTP answer says its asOf too (this test's API reads every time: asOf is its at).
    const answer = await ops();
    expect(answer.asOf).toBe(answer.at);
    expect(answer.bets.openBets).toBe(fresh.bets.openBets);
  });

  it('relayer, indexer and settler: a failed publication with its code, the feed head, the settler’s lag', async () => {
    const start = await ops();
    expect(start.relayer).toMatchObject({ health: 'ok', pending: 0, failed: 0, byState: [] });
    expect(start.indexer).toMatchObject({ health: 'unknown', lastIndexedBlock: null, feedHead: null });
    expect(start.settler).toMatchObject({ cursor: '0', lagRows: 0, lagSeconds: 0, feedHead: null });

    const outcome = { status: 1, values: [2, 1], endedAt: Math.floor(Date.now() / 1000) - 60, version: 1 };
    expect(await attestThroughApi(stack, eventId, outcome)).toMatchObject({ ready: true });
    await relayReadyResults(stack);
    await finalizePublishedResults(stack);
    // A publication the relayer gave up on (another deployment's stays out of the figures).
    for (const contract of [stack.world.address.toLowerCase(), `0x${'9'.repeat(40)}`]) {
      await stack.b.pool.query(
        `insert into oracle_publications (chain_id, contract, kind, subject, payload_key, payload, deadline, state, error, error_code)
         values ($1, $2, 'propose', $3, $4, '{}'::jsonb, 0, 'failed', 'reverted', 'ORACLE_TX_REVERTED')`,
        [stack.world.chainId.toString(), contract, `0x${'ef'.repeat(32)}`, `key-${contract}`],
      );
    }

    const published = await ops();
    expect(published.relayer).toMatchObject({ health: 'failing', failed: 1 });
    expect(published.relayer.byState).toContainEqual(
      expect.objectContaining({ state: 'failed', errorCode: 'ORACLE_TX_REVERTED', count: 1 }),
    );
    expect(published.indexer.lastIndexedBlock).toBeGreaterThan(0);
    expect(published.indexer.feedHead).not.toBeNull();
    expect(published.chain.lagBlocks).toBe(published.chain.headBlock! - published.indexer.lastIndexedBlock!);
    expect(published.indexer.health).toBe('ok');
    // No settler ran: the feed row waits.
    expect(published.settler).toMatchObject({ cursor: '0', lagRows: 1, feedHead: published.indexer.feedHead!.id });
    expect(published.settler.lagSeconds).toBeGreaterThanOrEqual(0);

    const settler = await startSettler(stack);
    try {
      let seen = published;
      for (let i = 0; i < 200 && seen.settler.lagRows !== 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        seen = await ops();
      }
      expect(seen.settler).toMatchObject({
        health: 'ok',
        cursor: published.indexer.feedHead!.id,
        lagRows: 0,
        lagSeconds: 0,
      });
      expect(seen.settler.cursorUpdatedAt).not.toBeNull();
    } finally {
      await settler.close();
    }
  });
});
