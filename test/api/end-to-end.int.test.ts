import { Browser } from '../kyc/support/browser.js';
import type { BettingDb } from './support/db.js';
import {
  attestThroughApi,
  createFullStack,
  finalizePublishedResults,
  relayReadyResults,
  staffBrowser,
  startApi,
  startSettler,
  type FullStack,
} from './support/full-stack.js';

describe('end to end: FranceConnect signup → deposit → bets → admins attest → relayer → indexer → settler', () => {
  let stack: FullStack;
  let b: BettingDb;
  let appBase: string;
  beforeAll(async () => {
    stack = await createFullStack('api_e2e');
    ({ b, appBase } = stack);
  });
  afterAll(async () => {
    expect(await b.ledgerTotal()).toBe(0n);
    await stack.close();
  });

  const json = async (browser: Browser, path: string, method = 'GET', body?: unknown, headers = {}) => {
    const r = await browser.request(`${appBase}${path}`, {
      method,
      headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const signUp = async (identity: string) => {
    const browser = new Browser();
    const start = await browser.request(`${appBase}/auth/franceconnect`);
    expect(start.status).toBe(303);
    const callback = await browser.runToOrigin(start.headers.get('location')!, appBase, identity);
    expect((await browser.request(callback, { headers: { accept: 'application/json' } })).status).toBe(303);
    const limits = await json(browser, '/auth/me/limits', 'PUT', {
      weeklyDepositCents: 100_000,
      weeklyStakeCents: 50_000,
    });
    expect(limits.status).toBe(200);
    return browser;
  };
  it('pays exactly as computed by hand', async () => {
    const api = await startApi(stack);
    const settler = await startSettler(stack);
    try {
      const alice = await staffBrowser(stack, 'alice');
      const startsAt = new Date(Date.now() + 3600_000);
      const created = await json(alice, '/admin/events', 'POST', {
        oracleEventId: `0x${'cd'.repeat(31)}02`,
        schema: 'football.match/v1',
        name: 'Lens v Brest',
        startsAt: startsAt.toISOString(),
      });
      expect(created.status).toBe(201);
      const eventId = created.body.id as string;
      const market = async (definition: object, takeoutBps: number) => {
        const m = await json(alice, `/admin/events/${eventId}/markets`, 'POST', {
          definition,
          closesAt: new Date(startsAt.getTime() - 60_000).toISOString(),
          takeoutBps,
          minStakeCents: 100,
          maxStakeCents: 50_000,
        });
        expect(m.status).toBe(201);
        expect((await json(alice, `/admin/markets/${m.body.id as string}/open`, 'POST', {})).status).toBe(200);
        return m.body.id as string;
      };
      const winner = await market({ type: 'match-winner' }, 1500);
      const total = await market({ type: 'total-goals', line: 1.5 }, 1000);

      const dubois = await signUp('dubois');
      const plus = await signUp('plus');
      for (const p of [dubois, plus]) {
        expect((await json(p, '/me/deposits', 'POST', { amountCents: 40_000 })).status).toBe(201);
      }
      const bet = async (p: Browser, key: string, bets: object[]) =>
        expect((await json(p, '/bets/batch', 'POST', { bets }, { 'idempotency-key': key })).status).toBe(201);
      await bet(dubois, 'd1', [
        { marketId: winner, selection: 'away', stakeCents: 5_000 },
        { marketId: total, selection: 'under', stakeCents: 3_000 },
      ]);
      await bet(plus, 'p1', [
        { marketId: winner, selection: 'home', stakeCents: 15_000 },
        { marketId: winner, selection: 'away', stakeCents: 1_000 },
        { marketId: total, selection: 'over', stakeCents: 7_000 },
      ]);
      for (const m of [winner, total]) {
        expect((await json(alice, `/admin/markets/${m}/close`, 'POST', {})).status).toBe(200);
      }

      // Three admins attest 0-1 through the API with their own keys; the relayer publishes.
      const outcome = { status: 1, values: [0, 1], endedAt: Math.floor(Date.now() / 1000) - 60, version: 1 };
      expect(await attestThroughApi(stack, eventId, outcome)).toMatchObject({ ready: true, support: 3 });
      await relayReadyResults(stack);
      const seen = await json(dubois, `/events/${eventId}`);
      expect(seen.body.result).toMatchObject({ phase: 'proposed', provisional: true, values: [0, 1] });
      await finalizePublishedResults(stack);

      const balance = async (p: Browser) => (await json(p, '/me/balance')).body.balanceCents as number;
      for (let i = 0; i < 200 && (await balance(dubois)) === 32_000; i++) await new Promise((x) => setTimeout(x, 100));
      // 1X2 (15 %): pool 21,000, net 17,850; away stake 6,000 → dividend floor(17,850 × 100 / 6,000) = 297:
      // dubois 5,000 → 14,850, plus 1,000 → 2,970; breakage 30; takeout 3,150.
      // Over/under 1.5 (1 goal: under, 10 %): pool 10,000, net 9,000; dubois alone on under: 3,000 → 300 → 9,000.
      expect(await balance(dubois)).toBe(40_000 - 8_000 + 14_850 + 9_000);
      expect(await balance(plus)).toBe(40_000 - 23_000 + 2_970);
      const house = await b.pool.query<{ t: string }>(
        `select coalesce(sum(e.amount_cents), 0)::text as t from betting.ledger_entries e
           join betting.ledger_accounts a on a.id = e.account_id where a.kind = 'house_revenue'`,
      );
      expect(house.rows[0]!.t).toBe(String(3_150 + 30 + 1_000));
      const statement = await json(dubois, '/me/statement');
      expect(
        (statement.body.lines as { amountCents: number }[]).map((l) => l.amountCents).sort((x, y) => x - y),
      ).toEqual([-8_000, 9_000, 14_850, 40_000]);
      const final = await json(plus, `/events/${eventId}`);
      expect(final.body.result).toMatchObject({ phase: 'final', provisional: false });
      const audit = await b.pool.query<{ actor: string; action: string }>(
        `select actor, action from betting.audit_log where action = 'attestation.submit' order by id`,
      );
      expect(audit.rows.length).toBe(3);
    } finally {
      await settler.close();
      await api.close();
    }
  });
});
