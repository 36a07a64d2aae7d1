import pg from 'pg';
import { Redis } from 'ioredis';
import { WebSocket as NodeWebSocket } from 'ws';
import { createRedisEphemeral, type Ephemeral } from '../../lib/ephemeral/index.js';
import { testRedisPrefix, testRedisUrl } from '../support/services.js';
import { createBettingDb, type BettingDb } from './support/db.js';
import { openMarket } from './support/fixtures.js';
import { LiveClient, ORIGIN, getJson, placeBet, startLiveInstance, type LiveInstance } from './support/live.js';

const poolOf = (data: unknown) => (data as { poolCents: number }).poolCents;

/**
 * Two API instances, each with its own Postgres pool and its own Redis connections (as two
 * processes have), sharing one database and one Redis: what happens on one reaches the live
 * subscribers of the other through Redis pub/sub. And the browser client, /static/live.js.
 */
describe('live updates across two API instances (shared Postgres and Redis)', () => {
  let b: BettingDb;
  const redis: Redis[] = [];
  const ephemerals: Ephemeral[] = [];
  const pools: pg.Pool[] = [];
  let prefix: string;
  let A: LiveInstance;
  let B: LiveInstance;
  const clients: LiveClient[] = [];

  const instance = async () => {
    const r = new Redis(testRedisUrl());
    redis.push(r);
    const e = createRedisEphemeral(r);
    ephemerals.push(e);
    const pool = new pg.Pool({ connectionString: b.db.url, max: 10 });
    pools.push(pool);
    return startLiveInstance({
      pool,
      ephemeral: e,
      redis: r,
      prefix,
      oracleEvent: (eventId) => Promise.resolve({ seenBy: 'B', eventId }),
      oracleEventsInProgress: () => Promise.resolve([]),
    });
  };
  const funded = async (on: LiveInstance, cents = 100_000) => {
    const id = await b.account();
    await on.api.wallet.deposit(id, BigInt(cents));
    return { id, cookie: await on.signIn({ player: id }) };
  };

  beforeAll(async () => {
    b = await createBettingDb('api_live_two', 10);
    prefix = testRedisPrefix('api_live_two');
    A = await instance();
    B = await instance();
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await A.close();
    await B.close();
    for (const e of ephemerals) await e.close();
    for (const p of pools) await p.end();
    expect(await b.ledgerTotal()).toBe(0n);
    const keys = await redis[0]!.keys(`${prefix}*`);
    if (keys.length) await redis[0]!.del(...keys);
    for (const r of redis) r.disconnect();
    await b.close();
  });

  it('a bet placed on instance A updates the odds a client of instance B sees', async () => {
    const marketId = await openMarket(b.pool);
    const c = await LiveClient.connect(B.wsUrl);
    clients.push(c);
    c.subscribe(`market:${marketId}`);
    const snapshot = await c.next((f) => f.type === 'snapshot');
    const player = await funded(A);
    await placeBet(A.url, player.cookie, { marketId, selection: 'away', stakeCents: 2_500 });
    const after = await getJson(`${A.url}/markets/${marketId}`);
    expect(poolOf(after)).toBe(poolOf(snapshot.data) + 2_500);
    const update = await c.next((f) => f.type === 'update' && poolOf(f.data) === poolOf(after), 'update on B');
    expect(update.data).toEqual(after);
    expect(update.data).toEqual(await getJson(`${B.url}/markets/${marketId}`));
  });

  it('me and admin cross instances too: the player’s bet on A reaches their socket on B, an attestation on A the admins of B', async () => {
    const marketId = await openMarket(b.pool);
    // One session store (Redis): a cookie from A signs in on B.
    const player = await funded(A, 40_000);
    const c = await LiveClient.connect(B.wsUrl, { cookie: player.cookie });
    clients.push(c);
    c.subscribe('me');
    expect((await c.next((f) => f.type === 'snapshot')).data).toEqual({ kind: 'balance', balanceCents: 40_000 });
    const placed = (await placeBet(A.url, player.cookie, { marketId, selection: 'home', stakeCents: 1_000 })) as {
      bets: { id: string }[];
    };
    expect((await c.next((f) => f.data?.kind === 'bet.accepted')).data).toEqual({
      kind: 'bet.accepted',
      bet: placed.bets[0],
    });
    await c.next((f) => f.data?.kind === 'balance' && f.data.balanceCents === 39_000, 'balance on B');

    const staff = await LiveClient.connect(B.wsUrl, { cookie: await A.signIn({ staff: 'staff-2' }) });
    clients.push(staff);
    staff.subscribe('admin');
    await staff.next((f) => f.type === 'snapshot' && f.channel === 'admin');
    const eventId = '0b7e1f9a-3c2d-4e5f-8a6b-7c8d9e0f1a2b';
    await A.publisher.oracleEvent(eventId);
    expect((await staff.next((f) => f.type === 'update' && f.channel === 'admin')).data).toEqual({
      kind: 'oracle.event',
      eventId,
      seenBy: 'B',
    });
  });

  it('/static/live.js: snapshot, updates, and after the socket drops it reconnects, resubscribes and gets the current state', async () => {
    const marketId = await openMarket(b.pool);
    // The browser's WebSocket, from Node: ws with the page's Origin (a browser sends it by itself).
    const sockets: NodeWebSocket[] = [];
    class PageWebSocket extends NodeWebSocket {
      constructor(url: string) {
        super(url, { origin: ORIGIN });
        sockets.push(this);
      }
    }
    const g = globalThis as { WebSocket?: unknown };
    const saved = g.WebSocket;
    g.WebSocket = PageWebSocket;
    const clientModule: string = '../../api/web/static/live.js'; // plain JS, served as is: no declarations
    const { connectLive } = (await import(clientModule)) as {
      connectLive(options: { url: string }): {
        subscribe(channel: string, onData: (data: unknown, frame: { type: string }) => void): () => void;
        close(): void;
      };
    };
    const seen: { type: string; pool: number }[] = [];
    let wake: (() => void) | undefined;
    const until = async (test: () => boolean) => {
      while (!test()) await new Promise<void>((r) => (wake = r));
    };
    const live = connectLive({ url: A.wsUrl });
    try {
      live.subscribe(`market:${marketId}`, (data, frame) => {
        seen.push({ type: frame.type, pool: poolOf(data) });
        wake?.();
      });
      await until(() => seen.some((s) => s.type === 'snapshot'));
      const player = await funded(A);
      await placeBet(B.url, player.cookie, { marketId, selection: 'home', stakeCents: 300 });
      await until(() => seen.some((s) => s.type === 'update' && s.pool === 300));
      // The connection drops (network, server restart): a bet lands while the client is away.
      sockets.at(-1)!.terminate();
      await placeBet(B.url, player.cookie, { marketId, selection: 'draw', stakeCents: 400 });
      // A fresh snapshot after the reconnect, then (if the bet committed after it) an update: no gap.
      await until(() => seen.filter((s) => s.type === 'snapshot').length === 2 && seen.at(-1)!.pool === 700);
      expect(sockets.length).toBe(2);
      expect(poolOf(await getJson(`${A.url}/markets/${marketId}`))).toBe(700);
    } finally {
      live.close();
      g.WebSocket = saved;
    }
  });
});
