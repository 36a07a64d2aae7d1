import { Redis } from 'ioredis';
import { createRedisEphemeral, type Ephemeral } from '../../lib/ephemeral/index.js';
import { ApiMetrics } from '../../api/metrics.js';
import { SANDBOX_SIGNATURE_HEADER } from '../../api/wallet/payment-provider.js';
import { testRedisPrefix, testRedisUrl } from '../support/services.js';
import { createBettingDb, type BettingDb } from './support/db.js';
import { openMarket } from './support/fixtures.js';
import { LiveClient, closeLive, placeBet, startLiveInstance, type Frame, type LiveInstance } from './support/live.js';

const isSnapshot = (channel: string) => (f: Frame) => f.type === 'snapshot' && f.channel === channel;
const isError = (channel: string, code: string) => (f: Frame) =>
  f.type === 'error' && f.channel === channel && f.code === code;
const LIMIT = 64 * 1024;

/**
 * The live edge's operations on real Postgres and Redis: the live figures on the API's /metrics, a
 * deposit the sandbox provider confirms later by its webhook reaching the player's `me` at once, and a
 * client that stops reading dropped as a slow consumer (4008) while the others go on.
 */
describe('live updates: metrics, webhook deposits, slow consumers', () => {
  let b: BettingDb;
  let redis: Redis;
  let ephemeral: Ephemeral;
  let prefix: string;
  let node: LiveInstance;
  let metrics: ApiMetrics;
  let marketId: string;
  const clients: LiveClient[] = [];
  const connect = async (options: Parameters<typeof LiveClient.connect>[1] = {}) => {
    const c = await LiveClient.connect(node.wsUrl, options);
    clients.push(c);
    return c;
  };
  const scrape = () => metrics.registry.metrics();

  beforeAll(async () => {
    b = await createBettingDb('api_live_ops', 10);
    redis = new Redis(testRedisUrl());
    prefix = testRedisPrefix('api_live_ops');
    ephemeral = createRedisEphemeral(redis);
    node = await startLiveInstance({
      pool: b.pool,
      ephemeral,
      redis,
      prefix,
      paymentMode: 'webhook',
      // A small send-buffer limit keeps the slow consumer's test to a few MB on loopback; the grace
      // before the cut leaves it all the time it needs to read its close frame.
      limits: { maxBufferedBytes: LIMIT, slowConsumerGraceMs: 60_000 },
    });
    metrics = new ApiMetrics();
    metrics.live(() => node.live.stats());
    marketId = await openMarket(b.pool);
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  afterAll(() => closeLive({ node, ephemeral, redis, prefix, b }));

  it('/metrics: connections, subscriptions by channel kind, frames sent, auth refusals', async () => {
    const player = await b.account();
    const anonymous = await connect();
    const signedIn = await connect({ cookie: await node.signIn({ player }) });
    anonymous.subscribe(`market:${marketId}`);
    signedIn.subscribe(`market:${marketId}`);
    signedIn.subscribe('me');
    await anonymous.next(isSnapshot(`market:${marketId}`));
    await signedIn.next(isSnapshot(`market:${marketId}`));
    await signedIn.next(isSnapshot('me'));
    anonymous.subscribe('me');
    signedIn.subscribe('admin');
    await anonymous.next(isError('me', 'LIVE_NOT_AUTHENTICATED'));
    await signedIn.next(isError('admin', 'LIVE_STAFF_NOT_AUTHENTICATED'));

    const text = await scrape();
    expect(text).toMatch(/^verdict_live_connections 2$/m);
    expect(text).toMatch(/^verdict_live_subscriptions\{kind="market"\} 2$/m);
    expect(text).toMatch(/^verdict_live_subscriptions\{kind="me"\} 1$/m);
    expect(text).toMatch(/^verdict_live_subscriptions\{kind="admin"\} 0$/m);
    expect(text).toMatch(/^verdict_live_frames_sent_total 5$/m); // three snapshots, two errors
    expect(text).toMatch(/^verdict_live_slow_consumers_dropped_total 0$/m);
    expect(text).toMatch(/^verdict_live_auth_refusals_total\{channel="me"\} 1$/m);
    expect(text).toMatch(/^verdict_live_auth_refusals_total\{channel="admin"\} 1$/m);
    expect(text).toMatch(/# TYPE verdict_live_frames_sent_total counter/);
  });

  it('me: a deposit confirmed later by the provider’s webhook pushes the new balance at once', async () => {
    const player = await b.account();
    const c = await connect({ cookie: await node.signIn({ player }) });
    c.subscribe('me');
    expect((await c.next(isSnapshot('me'))).data).toEqual({ kind: 'balance', balanceCents: 0 });
    const payment = await node.api.wallet.deposit(player, 4_200n);
    expect(payment.state).toBe('pending');
    const { rows } = await b.pool.query<{ provider_ref: string }>(
      'select provider_ref from betting.payments where id = $1',
      [payment.id],
    );
    const callback = node.sandbox.callback({
      paymentId: payment.id,
      reference: rows[0]!.provider_ref,
      status: 'completed',
    });
    const answer = await fetch(`${node.url}/webhooks/sandbox-payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: callback.signature },
      body: callback.body,
    });
    expect(answer.status).toBe(200);
    // No other event follows: the update comes from the webhook alone.
    const update = await c.next((f) => f.type === 'update' && f.channel === 'me', 'the balance update');
    expect(update.data).toEqual({ kind: 'balance', balanceCents: 4_200 });
  });

  it('a client that stops reading is dropped with 4008 once its send buffer passes the limit; others go on', async () => {
    const slow = await connect();
    const reader = await connect();
    for (const c of [slow, reader]) {
      c.subscribe(`market:${marketId}`);
      await c.next(isSnapshot(`market:${marketId}`));
    }
    slow.ws.pause(); // reads nothing from here on: the kernel's buffers, then the server's, fill
    const dropped = () => node.live.stats().slowConsumersDropped;
    const before = dropped();
    // Each subscribe to a held channel answers its snapshot again (~0.5 kB): at most 40 000 of them,
    // far more than loopback's socket buffers and the 64 kB limit hold.
    for (let i = 0; i < 400 && dropped() === before; i++) {
      for (let j = 0; j < 100; j++) slow.subscribe(`market:${marketId}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(dropped()).toBe(before + 1);
    slow.ws.resume();
    expect(await slow.whenClosed()).toEqual({ code: 4008, reason: 'slow consumer' });
    expect(await scrape()).toMatch(/^verdict_live_slow_consumers_dropped_total 1$/m);

    // The reader, on the same market, was not touched: it gets the next change.
    const player = await b.account();
    await node.api.wallet.deposit(player, 10_000n);
    const cookie = await node.signIn({ player });
    const deposit = await b.pool.query<{ id: string; provider_ref: string }>(
      'select id, provider_ref from betting.payments where player_id = $1',
      [player],
    );
    const callback = node.sandbox.callback({
      paymentId: deposit.rows[0]!.id,
      reference: deposit.rows[0]!.provider_ref,
      status: 'completed',
    });
    await fetch(`${node.url}/webhooks/sandbox-payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: callback.signature },
      body: callback.body,
    });
    await placeBet(node.url, cookie, { marketId, selection: 'home', stakeCents: 900 });
    const update = await reader.next(
      (f) => f.type === 'update' && (f.data as { poolCents: number }).poolCents === 900,
      'the market update',
    );
    expect(update.channel).toBe(`market:${marketId}`);
    expect(reader.closed).toBeUndefined();
  });
});
