/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument -- supertest bodies are untyped JSON; the assertions are what check their shape */
import request from 'supertest';
import { createApiModule, type ApiModule } from '../../api/app.js';
import { settleMarket } from '../../api/settlement/settle-market.js';
import { SandboxPaymentProvider } from '../../api/wallet/payment-provider.js';
import { createBettingDb, type BettingDb } from './support/db.js';
import { oracleEventId } from './support/fixtures.js';
import { testHttpPorts } from './support/http-ports.js';
import { sqlPlayerAccounts } from './support/sql-player-accounts.js';

const ADMIN = { 'x-test-admin': 'oidc:staff-lists' };
const HOUR = 3600_000;

/**
 * The staff lists: `GET /admin/events` (every event, newest start first, markets in every state) and
 * `GET /admin/settlements` (settlement runs with the result used, totals, bets and reversal), on a
 * database of their own: a settled market, a settled-then-voided one (a reversed run and its refund),
 * inactive, open and suspended markets.
 */
describe('staff lists: GET /admin/events and GET /admin/settlements (real Postgres)', () => {
  let b: BettingDb;
  let api: ApiModule;
  const ids: { late: string; middle: string; early: string; settled: string; voided: string; suspended: string } = {
    late: '',
    middle: '',
    early: '',
    settled: '',
    voided: '',
    suspended: '',
  };
  const oracleIds: Record<string, string> = {};

  const post = (path: string, body: object) => request(api.app).post(path).set(ADMIN).send(body);
  async function event(name: string, startsInMs: number): Promise<string> {
    const oracle = oracleEventId();
    const r = await post('/admin/events', {
      oracleEventId: oracle,
      schema: 'football.match/v1',
      name,
      startsAt: new Date(Date.now() + startsInMs).toISOString(),
    });
    expect(r.status).toBe(201);
    oracleIds[r.body.id] = oracle;
    return r.body.id;
  }
  async function market(eventId: string, definition: object = { type: 'match-winner' }): Promise<string> {
    const r = await post(`/admin/events/${eventId}/markets`, {
      definition,
      closesAt: new Date(Date.now() + HOUR / 2).toISOString(),
      takeoutBps: 1000,
      minStakeCents: 100,
      maxStakeCents: 100_000,
    });
    expect(r.status).toBe(201);
    return r.body.id;
  }
  const command = async (marketId: string, name: string, body: object = {}) => {
    const r = await post(`/admin/markets/${marketId}/${name}`, body);
    expect(r.status).toBe(200);
    return r.body;
  };
  /** Two players bet home 30 € and away 10 €, the market closes and settles on 2-1 (home wins). */
  async function settleHomeWin(marketId: string, eventId: string) {
    await command(marketId, 'open');
    for (const [selection, stake] of [
      ['home', 3_000n],
      ['away', 1_000n],
    ] as const) {
      const player = await b.account();
      await api.wallet.deposit(player, 10_000n);
      await api.bets.place(player, [{ marketId, selection, stakeCents: stake }]);
    }
    await command(marketId, 'close');
    return settleMarket(b.pool, marketId, { eventId: oracleIds[eventId]!, version: 1, status: 1, values: [2, 1] });
  }

  beforeAll(async () => {
    b = await createBettingDb('api_admin_lists');
    api = createApiModule({
      pool: b.pool,
      players: sqlPlayerAccounts,
      http: testHttpPorts(),
      payments: {
        provider: new SandboxPaymentProvider({ mode: 'instant', secret: 'x'.repeat(32) }),
        webhookSecret: 'x'.repeat(32),
      },
    });
    ids.middle = await event('Nantes v Brest', 2 * HOUR);
    ids.late = await event('Lille v Nice', 3 * HOUR);
    ids.early = await event('Rennes v Metz', 1 * HOUR);
    ids.settled = await market(ids.middle);
    expect(await settleHomeWin(ids.settled, ids.middle)).toMatchObject({ kind: 'paid', poolCents: 4_000n });
    ids.voided = await market(ids.early);
    await settleHomeWin(ids.voided, ids.early);
    expect(await command(ids.voided, 'void', { reason: 'erreur manifeste de cote' })).toMatchObject({
      state: 'voided',
    });
    await market(ids.late, { type: 'total-goals', line: 2.5 });
    ids.suspended = await market(ids.late, { type: 'handicap', line: -1.5 });
    await command(ids.suspended, 'open');
    await command(ids.suspended, 'suspend');
  });

  afterAll(async () => {
    expect(await b.ledgerTotal()).toBe(0n);
    await b.close();
  });

  it.each(['/admin/events', '/admin/settlements'])('%s: 401 signed out or as a player, 200 for staff', async (path) => {
    for (const headers of [{}, { 'x-test-player': '00000000-0000-4000-8000-000000000001' }]) {
      const r = await request(api.app).get(path).set(headers);
      expect([r.status, r.body.code]).toEqual([401, 'ADMIN_NOT_AUTHENTICATED']);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await request(api.app).get(path).set(ADMIN)).status).toBe(200);
  });

  it('lists every event newest start first, with its markets in every state, paginated by event id', async () => {
    const all = (await request(api.app).get('/admin/events').set(ADMIN)).body.events;
    expect(all.map((e: { id: string }) => e.id)).toEqual([ids.late, ids.middle, ids.early]);
    const late = all[0];
    expect(late).toMatchObject({ name: 'Lille v Nice', schema: 'football.match/v1', runners: null });
    expect(
      late.markets.map((m: { definition: unknown; state: string; takeoutBps: number }) => [
        m.definition,
        m.state,
        m.takeoutBps,
      ]),
    ).toEqual([
      [{ type: 'total-goals', line: 2.5 }, 'inactive', 1000],
      [{ type: 'handicap', line: -1.5 }, 'suspended', 1000],
    ]);
    const settled = all[1].markets[0];
    expect(settled).toMatchObject({
      id: ids.settled,
      state: 'settled',
      minStakeCents: 100,
      maxStakeCents: 100_000,
      poolCents: 4_000,
    });
    expect(settled.selections.map((s: { code: string; poolCents: number }) => [s.code, s.poolCents])).toEqual([
      ['home', 3_000],
      ['draw', 0],
      ['away', 1_000],
    ]);
    expect(all[2].markets.map((m: { state: string }) => m.state)).toEqual(['voided']);
    // GET /events shows the same bodies (one serializer).
    const publicEvent = (await request(api.app).get(`/events/${ids.middle}`)).body;
    expect(all[1].markets).toEqual(publicEvent.markets);

    const first = (await request(api.app).get('/admin/events?limit=2').set(ADMIN)).body.events;
    expect(first.map((e: { id: string }) => e.id)).toEqual([ids.late, ids.middle]);
    const rest = (await request(api.app).get(`/admin/events?limit=2&before=${ids.middle}`).set(ADMIN)).body.events;
    expect(rest.map((e: { id: string }) => e.id)).toEqual([ids.early]);
    expect((await request(api.app).get(`/admin/events?before=${ids.early}`).set(ADMIN)).body.events).toEqual([]);
    const unknown = await request(api.app).get('/admin/events?before=00000000-0000-4000-8000-000000000000').set(ADMIN);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'EVENT_NOT_FOUND']);
    const bad = await request(api.app).get('/admin/events?limit=0&before=x').set(ADMIN);
    expect([bad.status, bad.body.code]).toEqual([400, 'API_REQUEST_INVALID']);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['query.before', 'query.limit']);
  });

  it('lists the settlement runs newest first: result, totals, dividends, bets, and the reversal of a void', async () => {
    const runs = (await request(api.app).get('/admin/settlements').set(ADMIN)).body.settlements;
    expect(runs.map((r: { marketId: string; kind: string }) => [r.marketId, r.kind])).toEqual([
      [ids.voided, 'refunded'],
      [ids.voided, 'paid'],
      [ids.settled, 'paid'],
    ]);
    const [refund, reversed, paid] = runs;
    // Pool 40 €, 10 % takeout: net 36 € over 30 € on home → dividend 1,20; 36 € paid, no breakage.
    expect(paid).toMatchObject({
      event: { id: ids.middle, name: 'Nantes v Brest', oracleEventId: oracleIds[ids.middle] },
      definition: { type: 'match-winner' },
      result: { status: 1, version: 1, values: [2, 1] },
      feedRowId: null,
      poolCents: 4_000,
      paidCents: 3_600,
      takeoutCents: 400,
      breakageCents: 0,
      refundedCents: 0,
      dividends: [{ selection: 0, code: 'home', winningStakeCents: 3_000, dividendCents: 120, unitCents: 100 }],
      bets: 2,
      reversal: null,
    });
    expect(Date.parse(paid.settledAt)).not.toBeNaN();
    expect(reversed).toMatchObject({
      kind: 'paid',
      result: { values: [2, 1] },
      paidCents: 3_600,
      bets: null,
      reversal: { by: 'oidc:staff-lists', reason: 'erreur manifeste de cote' },
    });
    expect(reversed.reversal.ledgerTxId).toEqual(refund.ledgerTxId);
    expect(refund).toMatchObject({
      result: null,
      poolCents: 4_000,
      refundedCents: 4_000,
      paidCents: 0,
      dividends: [],
      bets: 2,
      reversal: null,
    });

    const page1 = (await request(api.app).get('/admin/settlements?limit=2').set(ADMIN)).body.settlements;
    expect(page1.map((r: { id: string }) => r.id)).toEqual([refund.id, reversed.id]);
    const page2 = (await request(api.app).get(`/admin/settlements?limit=2&before=${reversed.id}`).set(ADMIN)).body
      .settlements;
    expect(page2.map((r: { id: string }) => r.id)).toEqual([paid.id]);
    const bad = await request(api.app).get('/admin/settlements?before=abc').set(ADMIN);
    expect([bad.status, bad.body.code]).toEqual([400, 'API_REQUEST_INVALID']);
  });
});
