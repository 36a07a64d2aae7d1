import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { createMemoryEphemeral, createRedisEphemeral, type Ephemeral } from '../../lib/ephemeral/index.js';
import { createLivePublisher } from '../../api/live/index.js';
import { settleMarket } from '../../api/settlement/settle-market.js';
import { createMarketService } from '../../api/markets/market-service.js';
import { testRedisPrefix, testRedisUrl } from '../support/services.js';
import { createBettingDb, type BettingDb } from './support/db.js';
import { admin, openMarket } from './support/fixtures.js';
import {
  LiveClient,
  closeLive,
  getJson,
  placeBet,
  startLiveInstance,
  type Frame,
  type LiveInstance,
} from './support/live.js';

const isSnapshot = (channel: string) => (f: Frame) => f.type === 'snapshot' && f.channel === channel;
const isError = (channel: string | null, code: string) => (f: Frame) =>
  f.type === 'error' && f.channel === channel && f.code === code;
const poolOf = (f: Frame) => (f.data as { poolCents: number }).poolCents;

/**
 * The live edge on real Postgres, with the FanOut of each backend: Redis (production) and memory
 * (the local stack, one process). The same suite runs on both.
 */
describe.each(['redis', 'memory'] as const)('live updates over WebSocket (%s FanOut)', (backend) => {
  let b: BettingDb;
  let redis: Redis;
  let ephemeral: Ephemeral;
  let prefix: string;
  let node: LiveInstance;
  let marketId: string;
  const clients: LiveClient[] = [];
  const connect = async (options: Parameters<typeof LiveClient.connect>[1] = {}) => {
    const c = await LiveClient.connect(node.wsUrl, options);
    clients.push(c);
    return c;
  };
  const funded = async (cents = 100_000) => {
    const id = await b.account();
    await node.api.wallet.deposit(id, BigInt(cents));
    return { id, cookie: await node.signIn({ player: id }) };
  };

  beforeAll(async () => {
    b = await createBettingDb(`api_live_${backend}`, 30);
    redis = new Redis(testRedisUrl());
    prefix = testRedisPrefix(`api_live_${backend}`);
    ephemeral = backend === 'redis' ? createRedisEphemeral(redis) : createMemoryEphemeral();
    node = await startLiveInstance({
      pool: b.pool,
      ephemeral,
      redis,
      prefix,
      limits: { maxSubscriptions: 4, heartbeatMs: 300 },
      oracleEvent: (eventId) => Promise.resolve({ probe: `status of ${eventId}` }),
      oracleEventsInProgress: () => Promise.resolve([]),
    });
    marketId = await openMarket(b.pool);
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  afterAll(() => closeLive({ node, ephemeral, redis, prefix, b }));

  it('market: a snapshot on subscribe (the GET /markets/{id} JSON), then an update after a bet', async () => {
    const c = await connect();
    c.subscribe(`market:${marketId}`);
    const snapshot = await c.next(isSnapshot(`market:${marketId}`), 'snapshot');
    expect(snapshot.data).toEqual(await getJson(`${node.url}/markets/${marketId}`));
    const player = await funded();
    await placeBet(node.url, player.cookie, { marketId, selection: 'home', stakeCents: 1_500 });
    const after = await getJson(`${node.url}/markets/${marketId}`);
    const update = await c.next((f) => f.type === 'update' && poolOf(f) === after.poolCents, 'update');
    expect(update).toEqual({ type: 'update', channel: `market:${marketId}`, data: after });
    expect(poolOf(update)).toBe(poolOf(snapshot) + 1_500);
  });

  it('answers bad JSON, bad shapes, unknown channels and unknown markets with error codes, and keeps the socket', async () => {
    const c = await connect();
    c.send('{not json');
    await c.next(isError(null, 'LIVE_MESSAGE_INVALID'), 'bad JSON error');
    c.send({ type: 'publish', channel: 'me' });
    await c.next(isError(null, 'LIVE_MESSAGE_INVALID'), 'bad shape error');
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await c.next(isError(null, 'LIVE_MESSAGE_INVALID'), 'binary error');
    c.subscribe('market:abc');
    await c.next(isError('market:abc', 'LIVE_CHANNEL_UNKNOWN'), 'unknown channel');
    c.subscribe('orders');
    await c.next(isError('orders', 'LIVE_CHANNEL_UNKNOWN'), 'unknown channel');
    c.subscribe('market:999999999');
    await c.next(isError('market:999999999', 'MARKET_NOT_FOUND'), 'unknown market');
    c.subscribe(`market:${marketId}`);
    await c.next(isSnapshot(`market:${marketId}`), 'snapshot after errors');
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('bounds subscriptions per socket and closes on an oversize message (1009)', async () => {
    const ids = await Promise.all([1, 2, 3, 4].map(() => openMarket(b.pool)));
    const c = await connect();
    for (const id of ids) c.subscribe(`market:${id}`);
    for (const id of ids) await c.next(isSnapshot(`market:${id}`), 'snapshot');
    c.subscribe(`market:${marketId}`);
    await c.next(isError(`market:${marketId}`, 'LIVE_TOO_MANY_SUBSCRIPTIONS'), 'limit');
    c.send({ type: 'unsubscribe', channel: `market:${ids[0]}` });
    c.subscribe(`market:${marketId}`);
    await c.next(isSnapshot(`market:${marketId}`), 'snapshot once under the limit');
    c.send({ type: 'subscribe', channel: 'x'.repeat(5000) });
    expect((await c.whenClosed()).code).toBe(1009);
  });

  it('refuses an upgrade from another origin, or without one (403), and me/admin without their session', async () => {
    await expect(LiveClient.connect(node.wsUrl, { origin: 'https://evil.example' })).rejects.toThrow(
      'upgrade refused: 403',
    );
    await expect(LiveClient.connect(node.wsUrl, { origin: null })).rejects.toThrow('upgrade refused: 403');
    const anonymous = await connect();
    anonymous.subscribe('me');
    await anonymous.next(isError('me', 'LIVE_NOT_AUTHENTICATED'), 'me refused');
    anonymous.subscribe('admin');
    await anonymous.next(isError('admin', 'LIVE_STAFF_NOT_AUTHENTICATED'), 'admin refused');
    const forged = await connect({ cookie: 'verdict.sid=s%3Aforged.signature' });
    forged.subscribe('me');
    await forged.next(isError('me', 'LIVE_NOT_AUTHENTICATED'), 'forged cookie refused');
    const player = await funded();
    const asPlayer = await connect({ cookie: player.cookie });
    asPlayer.subscribe('admin');
    await asPlayer.next(isError('admin', 'LIVE_STAFF_NOT_AUTHENTICATED'), 'a player is not staff');
    const staff = await connect({ cookie: await node.signIn({ staff: 'staff-1' }) });
    staff.subscribe('me');
    await staff.next(isError('me', 'LIVE_NOT_AUTHENTICATED'), 'staff is not a player');
    staff.subscribe('admin');
    expect((await staff.next(isSnapshot('admin'), 'admin snapshot')).data).toEqual({
      kind: 'oracle.events',
      events: [],
    });
    // Betting event ids are uuids (betting.events.id); anything else on the FanOut is dropped.
    await node.publisher.oracleEvent('42');
    const uuid = '5f0c3c1e-2b7a-4d55-9a53-0f1e2d3c4b5a';
    await node.publisher.oracleEvent(uuid);
    expect((await staff.next((f) => f.type === 'update' && f.channel === 'admin', 'oracle.event uuid')).data).toEqual({
      kind: 'oracle.event',
      eventId: uuid,
      probe: `status of ${uuid}`,
    });
  });

  it('me: each player sees their own bets, settlements and balance, never another player’s', async () => {
    const m = await openMarket(b.pool, { closesAt: new Date(Date.now() + 3600_000) });
    const a = await funded(50_000);
    const bb = await funded(70_000);
    const ca = await connect({ cookie: a.cookie });
    const cb = await connect({ cookie: bb.cookie });
    ca.subscribe('me');
    cb.subscribe('me');
    expect((await ca.next(isSnapshot('me'))).data).toEqual({ kind: 'balance', balanceCents: 50_000 });
    expect((await cb.next(isSnapshot('me'))).data).toEqual({ kind: 'balance', balanceCents: 70_000 });
    const placedA = (await placeBet(node.url, a.cookie, { marketId: m, selection: 'home', stakeCents: 2_000 })) as {
      bets: { id: string }[];
    };
    const placedB = (await placeBet(node.url, bb.cookie, { marketId: m, selection: 'away', stakeCents: 3_000 })) as {
      bets: { id: string }[];
    };
    const acceptedA = await ca.next((f) => f.data?.kind === 'bet.accepted', 'bet.accepted');
    expect(acceptedA.data).toEqual({ kind: 'bet.accepted', bet: placedA.bets[0] });
    await ca.next((f) => f.data?.kind === 'balance' && f.data.balanceCents === 48_000, 'balance after bet');
    await cb.next((f) => f.data?.kind === 'bet.accepted' && (f.data.bet as { id: string }).id === placedB.bets[0]!.id);
    await cb.next((f) => f.data?.kind === 'balance' && f.data.balanceCents === 67_000, 'balance after bet');

    // Settlement (as the settler does it): close, settle on a home win, announce after the commit.
    const markets = createMarketService({ pool: b.pool });
    await markets.command(m, 'close', admin);
    const { rows } = await b.pool.query<{ oracle_event_id: string }>(
      'select e.oracle_event_id from betting.markets m join betting.events e on e.id = m.event_id where m.id = $1',
      [m],
    );
    await settleMarket(b.pool, m, {
      eventId: rows[0]!.oracle_event_id,
      version: 1,
      status: 1,
      values: [2, 0],
    });
    // The settler's publisher: its own Redis connection (another process), or the one memory FanOut.
    const settlerRedis = backend === 'redis' ? new Redis(testRedisUrl()) : undefined;
    const settler = createLivePublisher({
      fanOut: (settlerRedis ? createRedisEphemeral(settlerRedis) : ephemeral).fanOut,
      prefix,
    });
    await settler.settlementChanged(b.pool, m);
    settlerRedis?.disconnect();
    const won = await ca.next((f) => f.data?.kind === 'bet.settled', 'bet.settled');
    const mine = (await getJson(`${node.url}/me/bets`, a.cookie)) as { bets: Record<string, unknown>[] };
    expect(won.data).toEqual({ kind: 'bet.settled', bet: mine.bets.find((x) => x.id === placedA.bets[0]!.id) });
    expect((won.data!.bet as { state: string }).state).toBe('won');
    const balanceA = (await getJson(`${node.url}/me/balance`, a.cookie)).balanceCents;
    await ca.next((f) => f.data?.kind === 'balance' && f.data.balanceCents === balanceA, 'balance after payout');
    const lost = await cb.next((f) => f.data?.kind === 'bet.settled', 'bet.settled');
    expect((lost.data!.bet as { state: string }).state).toBe('lost');

    const idsSeen = (c: LiveClient) =>
      c.frames.flatMap((f) =>
        (f.data?.bet as { id?: string } | undefined)?.id ? [(f.data!.bet as { id: string }).id] : [],
      );
    expect(new Set(idsSeen(ca))).toEqual(new Set([placedA.bets[0]!.id]));
    expect(new Set(idsSeen(cb))).toEqual(new Set([placedB.bets[0]!.id]));
    expect(cb.frames.some((f) => f.data?.balanceCents === 48_000 || f.data?.balanceCents === balanceA)).toBe(false);
  });

  it('me ends when the session does: after sign-out the next heartbeat drops the subscription', async () => {
    const p = await funded();
    const c = await connect({ cookie: p.cookie });
    c.subscribe('me');
    await c.next(isSnapshot('me'));
    await node.signOut(p.cookie);
    await c.next(isError('me', 'LIVE_NOT_AUTHENTICATED'), 'subscription dropped after sign-out');
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('a client that reconnects gets the current state in its snapshot (no gap)', async () => {
    const p = await funded();
    const first = await connect({ cookie: p.cookie });
    first.subscribe(`market:${marketId}`);
    first.subscribe('me');
    await first.next(isSnapshot(`market:${marketId}`));
    await first.next(isSnapshot('me'));
    first.close();
    await first.whenClosed();
    await placeBet(node.url, p.cookie, { marketId, selection: 'draw', stakeCents: 700 });
    const again = await connect({ cookie: p.cookie });
    again.subscribe(`market:${marketId}`);
    again.subscribe('me');
    expect((await again.next(isSnapshot(`market:${marketId}`))).data).toEqual(
      await getJson(`${node.url}/markets/${marketId}`),
    );
    expect((await again.next(isSnapshot('me'))).data).toEqual({
      kind: 'balance',
      ...(await getJson(`${node.url}/me/balance`, p.cookie)),
    });
  });

  it('coalesces: many bets give far fewer updates, and the last state always goes out', async () => {
    const m = await openMarket(b.pool);
    const slow = await startLiveInstance({ pool: b.pool, ephemeral, redis, prefix, limits: { coalesceMs: 1_000 } });
    try {
      const c = await LiveClient.connect(slow.wsUrl);
      clients.push(c);
      c.subscribe(`market:${m}`);
      await c.next(isSnapshot(`market:${m}`));
      const players = await Promise.all([1, 2, 3, 4].map(() => funded()));
      const started = performance.now();
      const BETS = 40;
      await Promise.all(
        players.map(async (p, i) => {
          for (let k = 0; k < BETS / players.length; k++)
            await placeBet(node.url, p.cookie, {
              marketId: m,
              selection: ['home', 'draw', 'away'][k % 3]!,
              stakeCents: 100 + i,
            });
        }),
      );
      const final = await getJson(`${node.url}/markets/${m}`);
      const last = await c.next((f) => f.type === 'update' && poolOf(f) === final.poolCents, 'the final state');
      const elapsed = performance.now() - started;
      expect(last.data).toEqual(final);
      const updates = c.frames.filter((f) => f.type === 'update').length;
      // At most one update per interval (leading edge), plus the trailing one.
      expect(updates).toBeLessThanOrEqual(Math.ceil(elapsed / 1_000) + 1);
      expect(updates).toBeLessThan(BETS);
    } finally {
      await slow.close();
    }
  });
});
