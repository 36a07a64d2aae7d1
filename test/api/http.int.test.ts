/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- supertest bodies are untyped JSON; the assertions are what check their shape */
import { Redis } from 'ioredis';
import request from 'supertest';
import { createApiModule, type ApiModule } from '../../api/app.js';
import { SANDBOX_SIGNATURE_HEADER, SandboxPaymentProvider, signSandbox } from '../../api/wallet/payment-provider.js';
import { testRedisPrefix, testRedisUrl } from '../support/services.js';
import { createBettingDb, type BettingDb } from './support/db.js';
import { oracleEventId } from './support/fixtures.js';
import { testHttpPorts } from './support/http-ports.js';
import { sqlPlayerAccounts } from './support/sql-player-accounts.js';

const SECRET = 'sandbox-webhook-secret-0123456789abcdef';
const ADMIN = { 'x-test-admin': 'oidc:staff-1' };

function expectProblem(res: request.Response, status: number, code: string) {
  expect([res.status, res.body?.code]).toEqual([status, code]);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({
    type: expect.stringContaining(code.toLowerCase().replace(/_/g, '-')),
    status,
    title: expect.any(String),
  });
  expect(res.body.requestId).toEqual(res.headers['x-request-id']);
}

describe('betting HTTP API (Express 5, real Postgres and Redis)', () => {
  let b: BettingDb;
  let redis: Redis;
  let prefix: string;
  let api: ApiModule;
  let sandbox: SandboxPaymentProvider;
  let ports: ReturnType<typeof testHttpPorts>;
  let marketId: string;
  let eventId: string;

  beforeAll(async () => {
    b = await createBettingDb('api_http', 60);
    redis = new Redis(testRedisUrl());
    prefix = testRedisPrefix('api_http');
    sandbox = new SandboxPaymentProvider({ mode: 'webhook', secret: SECRET });
    ports = testHttpPorts();
    api = createApiModule({
      pool: b.pool,
      redis,
      redisPrefix: prefix,
      players: sqlPlayerAccounts,
      http: ports,
      payments: { provider: sandbox, webhookSecret: SECRET },
    });
    const startsAt = new Date(Date.now() + 7200_000).toISOString();
    const event = await request(api.app)
      .post('/admin/events')
      .set(ADMIN)
      .send({ oracleEventId: oracleEventId(), schema: 'football.match/v1', name: 'Lyon v Lens', startsAt });
    expect(event.status).toBe(201);
    eventId = event.body.id;
    const market = await request(api.app)
      .post(`/admin/events/${eventId}/markets`)
      .set(ADMIN)
      .send({
        definition: { type: 'match-winner' },
        closesAt: new Date(Date.now() + 3600_000).toISOString(),
        takeoutBps: 1000,
        minStakeCents: 100,
        maxStakeCents: 100_000,
      });
    expect(market.status).toBe(201);
    marketId = market.body.id;
    expect((await request(api.app).post(`/admin/markets/${marketId}/open`).set(ADMIN).send({})).body.state).toBe(
      'open',
    );
  });

  afterAll(async () => {
    expect(await b.ledgerTotal()).toBe(0n);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await b.close();
  });

  /** A player with `cents` deposited through the API and the signed webhook. */
  async function funded(cents: number, options: Parameters<BettingDb['account']>[0] = {}): Promise<string> {
    const player = await b.account(options);
    const dep = await request(api.app).post('/me/deposits').set('x-test-player', player).send({ amountCents: cents });
    expect([dep.status, dep.body.state]).toEqual([201, 'pending']);
    const { body, signature } = sandbox.callback({ paymentId: dep.body.id, reference: 'r', status: 'completed' });
    const hook = await request(api.app)
      .post('/webhooks/sandbox-payments')
      .set(SANDBOX_SIGNATURE_HEADER, signature)
      .type('json')
      .send(body);
    expect([hook.status, hook.body.state]).toEqual([200, 'completed']);
    return player;
  }

  it('serves /health/live, /health/ready and an OpenAPI 3.1 description generated from the zod schemas', async () => {
    expect((await request(api.app).get('/health/live')).body).toEqual({ status: 'ok' });
    expect((await request(api.app).get('/health/ready')).body).toEqual({
      status: 'ok',
      checks: { postgres: 'ok', redis: 'ok' },
    });
    const doc = (await request(api.app).get('/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const r of api.routes) expect(doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method]).toBeDefined();
    const post = doc.paths['/bets'].post;
    expect(post.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['marketId', 'selection', 'stakeCents'],
      additionalProperties: false,
    });
    expect(post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true })]),
    );
    expect(doc.paths['/me/bets'].get.parameters.map((p: { name: string }) => p.name)).toEqual([
      'limit',
      'before',
      'state',
    ]);
  });

  it('lists events with markets and live indicative odds, counting each accepted bet', async () => {
    const p1 = await funded(10_000);
    const p2 = await funded(10_000);
    const bet = (player: string, selection: string, stakeCents: number, key: string) =>
      request(api.app)
        .post('/bets')
        .set('x-test-player', player)
        .set('idempotency-key', `"${key}"`)
        .send({ marketId, selection, stakeCents });
    expect((await bet(p1, 'home', 3_000, 'a1')).status).toBe(201);
    expect((await bet(p2, 'away', 1_000, 'a2')).status).toBe(201);
    const market = (await request(api.app).get(`/markets/${marketId}`)).body;
    expect(market.poolCents).toBe(4_000);
    // net = 3600: home pays floor(3600 × 100 / 3000) = 120 per €1, away 360, draw has no stake.
    expect(
      market.selections.map((s: { code: string; poolCents: number; indicativeDividendCents: number | null }) => [
        s.code,
        s.poolCents,
        s.indicativeDividendCents,
      ]),
    ).toEqual([
      ['home', 3_000, 120],
      ['draw', 0, null],
      ['away', 1_000, 360],
    ]);
    // Redis lost: the counters are rebuilt from Postgres.
    await redis.del(`${prefix}pool:${marketId}`);
    expect((await request(api.app).get(`/markets/${marketId}`)).body.poolCents).toBe(4_000);
    expect((await bet(p1, 'home', 500, 'a3')).status).toBe(201);
    expect((await request(api.app).get(`/markets/${marketId}`)).body.poolCents).toBe(4_500);
    const events = (await request(api.app).get('/events')).body.events;
    expect(events.find((e: { id: string }) => e.id === eventId).markets[0].poolCents).toBe(4_500);
    expect((await request(api.app).get(`/events/${eventId}`)).body.markets[0].id).toBe(marketId);
  });

  it('places bets and batches with Idempotency-Key: replay → first answer, other body → 422, missing → 400', async () => {
    const player = await funded(50_000);
    const send = (path: string, body: unknown, key?: string) => {
      const r = request(api.app).post(path).set('x-test-player', player);
      return (key ? r.set('idempotency-key', key) : r).send(body as object);
    };
    const first = await send('/bets', { marketId, selection: 'draw', stakeCents: 700 }, 'k-1');
    expect(first.status).toBe(201);
    const replay = await send('/bets', { stakeCents: 700, selection: 'draw', marketId }, 'k-1');
    expect([replay.status, replay.body, replay.headers['idempotent-replayed']]).toEqual([201, first.body, 'true']);
    expectProblem(
      await send('/bets', { marketId, selection: 'draw', stakeCents: 701 }, 'k-1'),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
    expectProblem(
      await send('/bets', { marketId, selection: 'draw', stakeCents: 700 }),
      400,
      'IDEMPOTENCY_KEY_MISSING',
    );
    const batch = {
      bets: Array.from({ length: 200 }, (_, i) => ({
        marketId,
        selection: ['home', 'draw', 'away'][i % 3]!,
        stakeCents: 100,
      })),
    };
    const placed = await send('/bets/batch', batch, 'k-2');
    expect([placed.status, placed.body.bets.length]).toEqual([201, 200]);
    expect((await request(api.app).get('/me/balance').set('x-test-player', player)).body).toEqual({
      balanceCents: 50_000 - 700 - 20_000,
    });
    const page = await request(api.app).get('/me/bets?limit=150&state=open').set('x-test-player', player);
    expect(page.body.bets).toHaveLength(150);
    const rest = await request(api.app)
      .get(`/me/bets?limit=150&before=${page.body.bets.at(-1).id}`)
      .set('x-test-player', player);
    expect(rest.body.bets).toHaveLength(51);
    const statement = await request(api.app).get('/me/statement?limit=2').set('x-test-player', player);
    expect(statement.body.lines.map((l: { kind: string; amountCents: number }) => [l.kind, l.amountCents])).toEqual([
      ['bet', -20_000],
      ['bet', -700],
    ]);
    expect(ports.csrfCalls).toBeGreaterThan(0);
  });

  it('never overdraws under 50 concurrent HTTP bets of one player', async () => {
    const player = await funded(2_500);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        request(api.app)
          .post('/bets')
          .set('x-test-player', player)
          .set('idempotency-key', `c-${i}`)
          .send({ marketId, selection: 'home', stakeCents: 100 }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(25);
    for (const r of results.filter((x) => x.status !== 201)) expectProblem(r, 402, 'INSUFFICIENT_FUNDS');
    expect((await request(api.app).get('/me/balance').set('x-test-player', player)).body.balanceCents).toBe(0);
  });

  it('verifies the webhook signature, and applies a replayed callback once', async () => {
    const player = await b.account();
    const dep = await request(api.app).post('/me/deposits').set('x-test-player', player).send({ amountCents: 1_000 });
    const { body, signature } = sandbox.callback({ paymentId: dep.body.id, reference: 'ref-9', status: 'completed' });
    const post = (sig: string | undefined, raw = body) => {
      const r = request(api.app).post('/webhooks/sandbox-payments').type('json');
      return (sig ? r.set(SANDBOX_SIGNATURE_HEADER, sig) : r).send(raw);
    };
    expectProblem(await post(undefined), 401, 'WEBHOOK_SIGNATURE_INVALID');
    // One hex digit of the MAC changed (to another digit: a MAC starting with 0 must not stay valid).
    const tampered = signature.replace(/v1=(.)/, (_m, c: string) => `v1=${c === '0' ? '1' : '0'}`);
    expect(tampered).not.toBe(signature);
    expectProblem(await post(tampered), 401, 'WEBHOOK_SIGNATURE_INVALID');
    expectProblem(await post(signature, body.replace('completed', 'failed')), 401, 'WEBHOOK_SIGNATURE_INVALID');
    const old = signSandbox(SECRET, body, Math.floor(Date.now() / 1000) - 3600);
    expectProblem(await post(old), 401, 'WEBHOOK_SIGNATURE_INVALID');
    expect((await request(api.app).get('/me/balance').set('x-test-player', player)).body.balanceCents).toBe(0);
    for (let i = 0; i < 3; i++) expect((await post(signature)).body.state).toBe('completed');
    expect((await request(api.app).get('/me/balance').set('x-test-player', player)).body.balanceCents).toBe(1_000);
    expect((await request(api.app).get(`/me/payments/${dep.body.id}`).set('x-test-player', player)).body.state).toBe(
      'completed',
    );
  });

  it('honours an Idempotency-Key on deposits and withdrawals: one payment, replayed', async () => {
    const player = await b.account({ withdrawalsAllowed: true });
    const deposit = (amountCents: number) =>
      request(api.app)
        .post('/me/deposits')
        .set('x-test-player', player)
        .set('idempotency-key', 'dep-1')
        .send({ amountCents });
    const first = await deposit(1_500);
    const again = await deposit(1_500);
    expect([again.status, again.body.id, again.headers['idempotent-replayed']]).toEqual([201, first.body.id, 'true']);
    expectProblem(await deposit(1_600), 422, 'IDEMPOTENCY_KEY_REUSED');
    const { body, signature } = sandbox.callback({ paymentId: first.body.id, reference: 'dep-1', status: 'completed' });
    await request(api.app)
      .post('/webhooks/sandbox-payments')
      .set(SANDBOX_SIGNATURE_HEADER, signature)
      .type('json')
      .send(body);
    expect((await deposit(1_500)).body.state).toBe('completed');
    const withdraw = () =>
      request(api.app)
        .post('/me/withdrawals')
        .set('x-test-player', player)
        .set('idempotency-key', 'wd-1')
        .send({ amountCents: 500 });
    const w1 = await withdraw();
    const w2 = await withdraw();
    expect([w1.status, w2.body.id]).toEqual([201, w1.body.id]);
    expect((await request(api.app).get('/me/balance').set('x-test-player', player)).body.balanceCents).toBe(1_000);
    const { rows } = await b.pool.query<{ n: number }>(
      'select count(*)::int as n from betting.payments where player_id = $1',
      [player],
    );
    expect(rows[0]!.n).toBe(2);
  });

  it('answers kyc and wallet refusals with their codes', async () => {
    expectProblem(await request(api.app).get('/me/balance'), 401, 'KYC_NOT_AUTHENTICATED');
    expectProblem(await request(api.app).post('/admin/events').send({}), 401, 'ADMIN_NOT_AUTHENTICATED');
    const suspended = await b.account({ status: 'suspended' });
    expectProblem(
      await request(api.app).post('/me/deposits').set('x-test-player', suspended).send({ amountCents: 100 }),
      403,
      'ACCOUNT_CANNOT_PLAY',
    );
    const player = await funded(1_000);
    expectProblem(
      await request(api.app).post('/me/withdrawals').set('x-test-player', player).send({ amountCents: 100 }),
      403,
      'WITHDRAWALS_NOT_ALLOWED',
    );
    expectProblem(
      await request(api.app).post('/me/deposits').set('x-test-player', player).send({ amountCents: 2_000_000 }),
      403,
      'DEPOSIT_LIMIT_EXCEEDED',
    );
    const closed = await request(api.app)
      .post(`/admin/markets/${marketId}/suspend`)
      .set(ADMIN)
      .send({ reason: 'goal' });
    expect(closed.body.state).toBe('suspended');
    expectProblem(
      await request(api.app)
        .post('/bets')
        .set('x-test-player', player)
        .set('idempotency-key', 'x')
        .send({ marketId, selection: 'home', stakeCents: 100 }),
      409,
      'MARKET_NOT_OPEN',
    );
    expectProblem(
      await request(api.app).post(`/admin/markets/${marketId}/suspend`).set(ADMIN).send({}),
      409,
      'MARKET_TRANSITION_INVALID',
    );
    expect((await request(api.app).post(`/admin/markets/${marketId}/open`).set(ADMIN).send({})).status).toBe(200);
    const audit = await b.pool.query<{ actor: string; action: string; request_id: string }>(
      'select actor, action, request_id from betting.audit_log where target = $1 order by id',
      [`market:${marketId}`],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['market.create', 'market.open', 'market.suspend', 'market.open']);
    expect(audit.rows.every((r) => r.actor === 'oidc:staff-1' && r.request_id)).toBe(true);
  });

  it('keeps accepting bets when Redis is down (odds from Postgres) and reports not ready', async () => {
    const dead = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const offline = createApiModule({
      pool: b.pool,
      redis: dead,
      redisPrefix: prefix,
      players: sqlPlayerAccounts,
      http: ports,
      payments: { provider: sandbox, webhookSecret: SECRET },
    });
    const player = await funded(1_000);
    const before = (await request(offline.app).get(`/markets/${marketId}`)).body.poolCents;
    const bet = await request(offline.app)
      .post('/bets')
      .set('x-test-player', player)
      .set('idempotency-key', 'offline-1')
      .send({ marketId, selection: 'away', stakeCents: 300 });
    expect(bet.status).toBe(201);
    expect((await request(offline.app).get(`/markets/${marketId}`)).body.poolCents).toBe(before + 300);
    const ready = await request(offline.app).get('/health/ready');
    expectProblem(ready, 503, 'API_UNAVAILABLE');
    expect(ready.body.checks).toEqual({ postgres: 'ok', redis: 'down' });
    dead.disconnect();
  });

  it('answers bad input on every endpoint with problem+json and a stable code, never a 500, writing nothing', async () => {
    const player = await funded(5_000);
    const P = { 'x-test-player': player };
    const counts = async () =>
      (
        await b.pool.query<{ c: string }>(
          `select (select count(*) from betting.bets) || '/' || (select count(*) from betting.ledger_entries) || '/' ||
                  (select count(*) from betting.payments) || '/' || (select count(*) from betting.events) || '/' ||
                  (select count(*) from betting.markets) || '/' || (select count(*) from betting.audit_log) || '/' ||
                  (select count(*) from betting.idempotency_keys) as c`,
        )
      ).rows[0]!.c;
    const before = await counts();
    const big = 'x'.repeat(300_000);
    type Case = [
      method: 'get' | 'post',
      path: string,
      body: unknown,
      headers: Record<string, string>,
      status: number,
      code: string,
    ];
    const K = { ...P, 'idempotency-key': 'bad-input' };
    const cases: Case[] = [
      ['get', '/nope', undefined, {}, 404, 'API_NOT_FOUND'],
      ['get', '/events?limit=0', undefined, {}, 400, 'API_REQUEST_INVALID'],
      ['get', '/events?limit=abc', undefined, {}, 400, 'API_REQUEST_INVALID'],
      ['get', '/events?from=yesterday', undefined, {}, 400, 'API_REQUEST_INVALID'],
      ['get', '/events?evil=1', undefined, {}, 400, 'API_REQUEST_INVALID'],
      ['get', '/events/not-a-uuid', undefined, {}, 400, 'API_REQUEST_INVALID'],
      ['get', '/events/00000000-0000-4000-8000-000000000000', undefined, {}, 404, 'EVENT_NOT_FOUND'],
      ['get', '/markets/0', undefined, {}, 400, 'API_REQUEST_INVALID'],
      ['get', '/markets/1e3', undefined, {}, 400, 'API_REQUEST_INVALID'],
      ['get', '/markets/99999999999999999999', undefined, {}, 400, 'API_REQUEST_INVALID'],
      ['get', '/markets/999999', undefined, {}, 404, 'MARKET_NOT_FOUND'],
      ['post', '/bets', '{"marketId":', K, 400, 'API_REQUEST_INVALID'],
      ['post', '/bets', [], K, 400, 'API_REQUEST_INVALID'],
      ['post', '/bets', { marketId, selection: 'home' }, K, 400, 'API_REQUEST_INVALID'],
      ['post', '/bets', { marketId, selection: 'home', stakeCents: 1.5 }, K, 400, 'API_REQUEST_INVALID'],
      ['post', '/bets', { marketId, selection: 'home', stakeCents: -100 }, K, 400, 'API_REQUEST_INVALID'],
      ['post', '/bets', { marketId, selection: 'home', stakeCents: '100' }, K, 400, 'API_REQUEST_INVALID'],
      ['post', '/bets', { marketId, selection: 'home', stakeCents: 1e300 }, K, 400, 'API_REQUEST_INVALID'],
      ['post', '/bets', { marketId, selection: 'home', stakeCents: 100, extra: true }, K, 400, 'API_REQUEST_INVALID'],
      [
        'post',
        '/bets',
        { marketId: '1; drop table x', selection: 'home', stakeCents: 100 },
        K,
        400,
        'API_REQUEST_INVALID',
      ],
      ['post', '/bets', { marketId, selection: 'nobody', stakeCents: 100 }, K, 422, 'SELECTION_NOT_FOUND'],
      ['post', '/bets', { marketId, selection: 'home', stakeCents: 50 }, K, 422, 'STAKE_OUT_OF_RANGE'],
      ['post', '/bets', { marketId, selection: 'home', stakeCents: 100_000 }, K, 402, 'INSUFFICIENT_FUNDS'],
      ['post', '/bets', { marketId: '424242', selection: 'home', stakeCents: 100 }, K, 404, 'MARKET_NOT_FOUND'],
      [
        'post',
        '/bets',
        { marketId, selection: 'home', stakeCents: 100 },
        { ...P, 'idempotency-key': 'has space' },
        400,
        'API_REQUEST_INVALID',
      ],
      [
        'post',
        '/bets',
        { marketId, selection: 'home', stakeCents: 100 },
        { ...P, 'idempotency-key': '' },
        400,
        'API_REQUEST_INVALID',
      ],
      ['post', '/bets', { big }, K, 413, 'API_PAYLOAD_TOO_LARGE'],
      ['post', '/bets/batch', { bets: [] }, K, 400, 'API_REQUEST_INVALID'],
      [
        'post',
        '/bets/batch',
        { bets: Array.from({ length: 201 }, () => ({ marketId, selection: 'home', stakeCents: 100 })) },
        K,
        400,
        'API_REQUEST_INVALID',
      ],
      [
        'post',
        '/bets/batch',
        {
          bets: [
            { marketId, selection: 'home', stakeCents: 100 },
            { marketId, selection: 'home', stakeCents: 0 },
          ],
        },
        K,
        400,
        'API_REQUEST_INVALID',
      ],
      [
        'post',
        '/bets/batch',
        {
          bets: [
            { marketId, selection: 'home', stakeCents: 100 },
            { marketId, selection: 'x', stakeCents: 100 },
          ],
        },
        K,
        422,
        'SELECTION_NOT_FOUND',
      ],
      ['get', '/me/bets?limit=1000', undefined, P, 400, 'API_REQUEST_INVALID'],
      ['get', '/me/bets?state=won', undefined, P, 400, 'API_REQUEST_INVALID'],
      ['get', '/me/bets?before=-1', undefined, P, 400, 'API_REQUEST_INVALID'],
      ['get', '/me/statement?before=abc', undefined, P, 400, 'API_REQUEST_INVALID'],
      ['get', '/me/payments/nope', undefined, P, 400, 'API_REQUEST_INVALID'],
      ['get', '/me/payments/00000000-0000-4000-8000-000000000000', undefined, P, 404, 'PAYMENT_NOT_FOUND'],
      ['post', '/me/deposits', { amountCents: 0 }, P, 400, 'API_REQUEST_INVALID'],
      ['post', '/me/deposits', { amountCents: '10' }, P, 400, 'API_REQUEST_INVALID'],
      ['post', '/me/deposits', 'amountCents=10', P, 400, 'API_REQUEST_INVALID'],
      ['post', '/me/withdrawals', { amountCents: -5 }, P, 400, 'API_REQUEST_INVALID'],
      ['post', '/me/withdrawals', {}, P, 400, 'API_REQUEST_INVALID'],
      ['post', '/webhooks/sandbox-payments', { paymentId: 'x' }, {}, 401, 'WEBHOOK_SIGNATURE_INVALID'],
      [
        'post',
        '/admin/events',
        { oracleEventId: '0x12', schema: 'football.match/v1', name: 'x', startsAt: 'now' },
        ADMIN,
        400,
        'API_REQUEST_INVALID',
      ],
      [
        'post',
        '/admin/events',
        { oracleEventId: oracleEventId(), schema: 'chess/v1', name: 'x', startsAt: new Date().toISOString() },
        ADMIN,
        400,
        'API_REQUEST_INVALID',
      ],
      [
        'post',
        '/admin/events',
        {
          oracleEventId: oracleEventId(),
          schema: 'horse-racing.race/v1',
          name: 'x',
          startsAt: new Date().toISOString(),
        },
        ADMIN,
        422,
        'MARKET_DEFINITION_INVALID',
      ],
      [
        'post',
        `/admin/events/${eventId}/markets`,
        {
          definition: { type: 'total-goals', line: 2 },
          closesAt: new Date().toISOString(),
          takeoutBps: 1000,
          minStakeCents: 1,
          maxStakeCents: 2,
        },
        ADMIN,
        422,
        'MARKET_DEFINITION_INVALID',
      ],
      [
        'post',
        `/admin/events/${eventId}/markets`,
        {
          definition: { type: 'race-win' },
          closesAt: new Date().toISOString(),
          takeoutBps: 1000,
          minStakeCents: 1,
          maxStakeCents: 2,
        },
        ADMIN,
        422,
        'MARKET_DEFINITION_INVALID',
      ],
      [
        'post',
        `/admin/events/${eventId}/markets`,
        {
          definition: { type: 'match-winner' },
          closesAt: new Date(Date.now() + 86_400_000).toISOString(),
          takeoutBps: 1000,
          minStakeCents: 1,
          maxStakeCents: 2,
        },
        ADMIN,
        422,
        'MARKET_DEFINITION_INVALID',
      ],
      [
        'post',
        `/admin/events/${eventId}/markets`,
        {
          definition: { type: 'match-winner' },
          closesAt: new Date().toISOString(),
          takeoutBps: 10_001,
          minStakeCents: 1,
          maxStakeCents: 2,
        },
        ADMIN,
        400,
        'API_REQUEST_INVALID',
      ],
      [
        'post',
        `/admin/events/${eventId}/markets`,
        {
          definition: { type: 'match-winner' },
          closesAt: new Date().toISOString(),
          takeoutBps: 0,
          minStakeCents: 5,
          maxStakeCents: 2,
        },
        ADMIN,
        422,
        'MARKET_DEFINITION_INVALID',
      ],
      [
        'post',
        '/admin/events/00000000-0000-4000-8000-000000000000/markets',
        {
          definition: { type: 'match-winner' },
          closesAt: new Date().toISOString(),
          takeoutBps: 0,
          minStakeCents: 1,
          maxStakeCents: 2,
        },
        ADMIN,
        404,
        'EVENT_NOT_FOUND',
      ],
      ['post', `/admin/markets/${marketId}/settle`, {}, ADMIN, 400, 'API_REQUEST_INVALID'],
      ['post', `/admin/markets/${marketId}/close`, { reason: 5 }, ADMIN, 400, 'API_REQUEST_INVALID'],
      ['post', '/admin/markets/424242/close', {}, ADMIN, 404, 'MARKET_NOT_FOUND'],
    ];
    for (const [method, path, body, headers, status, code] of cases) {
      let r = request(api.app)[method](path).set(headers);
      if (typeof body === 'string') r = r.type('json');
      const res = body === undefined ? await r : await r.send(body as object);
      expect([method, path, res.status, res.body.code]).toEqual([method, path, status, code]);
      expectProblem(res, status, code);
    }
    expect(await counts()).toBe(before);
  });
});
