import { adminOf, requireAdmin } from '../../kyc/index.js';
import { type StaffTestIdentity, startLocalIdp, staffTestIdentities } from '../../kyc/idp/index.js';
import { Browser } from './support/browser.js';
import { expectProblem } from './support/expect-problem.js';
import { SESSION_COOKIE, startHarness, type Harness } from './support/harness.js';

const JSON_ACCEPT = { accept: 'application/json' };
const MINUTE = 60_000;

/** Staff sign-in against the real local provider, through the real routes and guards. */
describe('staff sign-in (admins)', () => {
  let h: Harness;
  let clock = Date.now();
  // Mutable copies: a test changes carol's roles at the provider between two sign-ins.
  const staff: StaffTestIdentity[] = staffTestIdentities().map((s) => ({
    ...s,
    claims: { ...s.claims, roles: [...s.claims.roles] },
  }));

  beforeAll(async () => {
    h = await startHarness({
      label: 'kyc_staff',
      now: () => new Date(clock),
      staffIdentities: staff,
      beforeRouter(app, kyc) {
        app.get('/admin/whoami', kyc.requireAdmin(), (req, res) => {
          res.json(adminOf(req));
        });
        app.post('/admin/attest', kyc.requireAdmin('verdict:attester'), kyc.originCheck, (req, res) => {
          res.json({ attestedBy: adminOf(req).adminId });
        });
        // The standalone guard, outside the module.
        app.get('/admin/standalone', requireAdmin('verdict:attester'), (req, res) => {
          res.json(adminOf(req));
        });
      },
    });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(() => {
    clock = Date.now();
  });

  const whoami = (browser: Browser) => browser.request(`${h.appBase}/admin/whoami`, { headers: JSON_ACCEPT });
  const audit = async (event: string) =>
    (
      await h.pool.query<{ actor: string | null; admin_id: string | null; code: string | null; detail: unknown }>(
        'select actor, admin_id, code, detail from kyc.staff_audit_log where event = $1 order by id',
        [event],
      )
    ).rows;
  const issuerHost = () => new URL(h.idp.issuer).host;

  it('signs in the five development admins with their roles and oracle admin ids, on a regenerated session', async () => {
    const admins = ['alice', 'bob', 'carol', 'dave', 'erin'];
    for (const id of admins) {
      const browser = new Browser();
      const start = await browser.request(`${h.appBase}/admin/auth/login`);
      expect(start.status).toBe(303);
      const authorize = new URL(start.headers.get('location')!);
      expect(authorize.href.startsWith(`${h.idp.issuer}/authorize?`)).toBe(true);
      expect(authorize.searchParams.get('client_id')).toBe('staff-client');
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize.searchParams.get('scope')).toBe('openid profile roles');
      const preLogin = browser.cookies(h.appBase).get(SESSION_COOKIE);
      expect(preLogin).toBeDefined();

      const callbackUrl = await browser.runToOrigin(authorize, h.appBase, id);
      expect(callbackUrl.pathname).toBe('/admin/auth/callback');
      const done = await h.callback(browser, callbackUrl);
      expect(done.status).toBe(303);
      expect(done.headers.get('location')).toBe('/admin');
      // Session fixation: the pre-login session id does not become the admin's.
      const signedIn = browser.cookies(h.appBase).get(SESSION_COOKIE);
      expect(signedIn).not.toEqual(preLogin);
      const stale = await fetch(`${h.appBase}/admin/whoami`, {
        headers: { ...JSON_ACCEPT, cookie: `${SESSION_COOKIE}=${preLogin}` },
      });
      await expectProblem(stale, 401, 'KYC_STAFF_NOT_AUTHENTICATED');

      const me = await whoami(browser);
      expect(me.status).toBe(200);
      expect(await me.json()).toEqual({
        actor: `oidc:${issuerHost()}:${id}`,
        adminId: id,
        roles: ['verdict:admin', 'verdict:attester'],
      });
      const attest = await browser.request(`${h.appBase}/admin/attest`, { method: 'POST', headers: JSON_ACCEPT });
      expect(attest.status).toBe(200);
      expect(await attest.json()).toEqual({ attestedBy: id });
      expect((await browser.request(`${h.appBase}/admin/standalone`, { headers: JSON_ACCEPT })).status).toBe(200);
    }
    const logins = await audit('staff_login');
    expect(logins.map((r) => r.admin_id)).toEqual(expect.arrayContaining(admins));
    expect(logins.find((r) => r.admin_id === 'alice')).toMatchObject({
      actor: `oidc:${issuerHost()}:alice`,
      code: null,
      detail: { roles: ['verdict:admin', 'verdict:attester'] },
    });
  });

  it('an admin session never grants the player routes', async () => {
    const { browser, response } = await h.staffSignIn('alice');
    expect(response.status).toBe(303);
    await expectProblem(
      await browser.request(`${h.appBase}/auth/me`, { headers: JSON_ACCEPT }),
      401,
      'KYC_NOT_AUTHENTICATED',
    );
  });

  it('a player session never grants the admin routes, and a staff sign-in replaces it', async () => {
    const { browser, response } = await h.signIn('dubois');
    expect(response.status).toBe(303);
    expect((await browser.request(`${h.appBase}/auth/me`, { headers: JSON_ACCEPT })).status).toBe(200);
    await expectProblem(await whoami(browser), 401, 'KYC_STAFF_NOT_AUTHENTICATED');
    await expectProblem(
      await browser.request(`${h.appBase}/admin/attest`, { method: 'POST', headers: JSON_ACCEPT }),
      401,
      'KYC_STAFF_NOT_AUTHENTICATED',
    );
    await expectProblem(
      await browser.request(`${h.appBase}/admin/auth/logout`, { method: 'POST', headers: JSON_ACCEPT }),
      401,
      'KYC_STAFF_NOT_AUTHENTICATED',
    );

    // The same browser signs in as staff: the player is signed out, the session is the admin's only.
    const staffed = await h.staffSignIn('bob', browser);
    expect(staffed.response.status).toBe(303);
    expect((await whoami(browser)).status).toBe(200);
    await expectProblem(
      await browser.request(`${h.appBase}/auth/me`, { headers: JSON_ACCEPT }),
      401,
      'KYC_NOT_AUTHENTICATED',
    );
  });

  it('a player sign-in in the browser of an admin drops the staff session', async () => {
    const { browser } = await h.staffSignIn('erin');
    expect((await whoami(browser)).status).toBe(200);
    const start = await browser.request(`${h.appBase}/auth/franceconnect`);
    const callbackUrl = await browser.runToOrigin(start.headers.get('location')!, h.appBase, 'dubois');
    expect((await h.callback(browser, callbackUrl)).status).toBe(303);
    expect((await browser.request(`${h.appBase}/auth/me`, { headers: JSON_ACCEPT })).status).toBe(200);
    await expectProblem(await whoami(browser), 401, 'KYC_STAFF_NOT_AUTHENTICATED');
  });

  it('the staff login page lists the staff only, and refuses a player identity posted to it', async () => {
    const browser = new Browser();
    const start = await browser.request(`${h.appBase}/admin/auth/login`);
    let url = new URL(start.headers.get('location')!);
    let page = await browser.request(url);
    while (page.status >= 300 && page.status < 400) {
      url = new URL(page.headers.get('location')!, url);
      page = await browser.request(url);
    }
    const html = await page.text();
    expect(html).toContain('Local staff sign-in');
    expect(html).toContain('value="alice"');
    expect(html).not.toContain('value="dubois"');
    const posted = await browser.request(new URL(`${url.pathname}/login`, url), {
      method: 'POST',
      body: new URLSearchParams({ identity: 'dubois' }),
    });
    expect(posted.status).toBe(400);
  });

  it('a staff member who cancels at the provider is not signed in (audited refusal)', async () => {
    const { browser, callbackUrl } = await h.staffAuthorize('cancel');
    expect(callbackUrl.searchParams.get('error')).toBe('access_denied');
    await expectProblem(await h.callback(browser, callbackUrl), 400, 'KYC_LOGIN_CANCELLED');
    await expectProblem(await whoami(browser), 401, 'KYC_STAFF_NOT_AUTHENTICATED');
    expect((await audit('staff_login_refused')).some((r) => r.code === 'KYC_LOGIN_CANCELLED' && !r.actor)).toBe(true);
  });

  it('refuses a staff member without the admin role at sign-in, and audits it', async () => {
    const { browser, response } = await h.staffSignIn('sam');
    await expectProblem(response, 403, 'KYC_STAFF_FORBIDDEN');
    await expectProblem(await whoami(browser), 401, 'KYC_STAFF_NOT_AUTHENTICATED');
    expect((await audit('staff_login_refused')).filter((r) => r.admin_id === 'sam')).toEqual([
      { actor: `oidc:${issuerHost()}:sam`, admin_id: 'sam', code: 'KYC_STAFF_FORBIDDEN', detail: {} },
    ]);
  });

  it('requireAdmin(role) answers 403 to an admin without the role (audited by the module guard)', async () => {
    const { browser, response } = await h.staffSignIn('frank');
    expect(response.status).toBe(303);
    expect((await whoami(browser)).status).toBe(200);
    await expectProblem(
      await browser.request(`${h.appBase}/admin/attest`, { method: 'POST', headers: JSON_ACCEPT }),
      403,
      'KYC_STAFF_FORBIDDEN',
    );
    await expectProblem(
      await browser.request(`${h.appBase}/admin/standalone`, { headers: JSON_ACCEPT }),
      403,
      'KYC_STAFF_FORBIDDEN',
    );
    expect(await audit('staff_forbidden')).toEqual([
      {
        actor: `oidc:${issuerHost()}:frank`,
        admin_id: 'frank',
        code: 'KYC_STAFF_FORBIDDEN',
        detail: { role: 'verdict:attester', method: 'POST', path: '/admin/attest' },
      },
    ]);
  });

  it('refuses a replayed state, in the same browser and in another one', async () => {
    const { browser, callbackUrl, response } = await h.staffSignIn('carol');
    expect(response.status).toBe(303);
    await expectProblem(await h.callback(browser, callbackUrl), 400, 'KYC_LOGIN_STATE_INVALID');
    const other = new Browser();
    await expectProblem(await h.callback(other, callbackUrl), 400, 'KYC_LOGIN_STATE_INVALID');
    await expectProblem(await whoami(other), 401, 'KYC_STAFF_NOT_AUTHENTICATED');
    // The signed-in admin is not signed out by someone replaying their callback.
    expect((await whoami(browser)).status).toBe(200);
    await expectProblem(
      await h.callback(new Browser(), `${h.appBase}/admin/auth/callback`),
      400,
      'KYC_LOGIN_STATE_INVALID',
    );
  });

  it("a player's login response never completes a staff sign-in (separate state space)", async () => {
    const { browser, callbackUrl } = await h.authorize('dubois');
    const asStaff = new URL(`/admin/auth/callback${callbackUrl.search}`, h.appBase);
    await expectProblem(await h.callback(browser, asStaff), 400, 'KYC_LOGIN_STATE_INVALID');
    await expectProblem(await whoami(browser), 401, 'KYC_STAFF_NOT_AUTHENTICATED');
    // Not burnt by the attempt: the player's own callback still completes.
    expect((await h.callback(browser, callbackUrl)).status).toBe(303);
    await expectProblem(await whoami(browser), 401, 'KYC_STAFF_NOT_AUTHENTICATED');
  });

  it('refuses a response from another issuer (mix-up), even one that knows the client', async () => {
    const evil = await startLocalIdp({
      clients: [
        {
          clientId: 'staff-client',
          clientSecret: h.env.STAFF_OIDC_CLIENT_SECRET!,
          redirectUris: [`${h.appBase}/admin/auth/callback`],
          idTokenAlg: 'RS256',
          userinfoAlg: null,
          staff: true,
        },
      ],
    });
    try {
      const browser = new Browser();
      const start = await browser.request(`${h.appBase}/admin/auth/login`);
      const authorize = start.headers.get('location')!;
      expect(authorize.startsWith(h.idp.issuer)).toBe(true);
      // The browser is sent to the other issuer with the real request (state, nonce, PKCE challenge).
      const callbackUrl = await browser.runToOrigin(authorize.replace(h.idp.issuer, evil.issuer), h.appBase, 'alice');
      expect(callbackUrl.searchParams.get('iss')).toBe(evil.issuer);
      await expectProblem(await h.callback(browser, callbackUrl), 400, 'KYC_RESPONSE_INVALID');
      // Refused by the RFC 9207 iss check, before any token request to the other issuer.
      const rejected = JSON.parse(h.logs.filter((l) => l.includes('kyc.staff_login_rejected')).at(-1)!) as object;
      expect(rejected).toMatchObject({ code: 'KYC_RESPONSE_INVALID', causeCode: 'OAUTH_INVALID_RESPONSE' });
      await expectProblem(await whoami(browser), 401, 'KYC_STAFF_NOT_AUTHENTICATED');
      // Same code, the iss parameter removed: still not a response of the configured issuer.
      callbackUrl.searchParams.delete('iss');
      await expectProblem(await h.callback(browser, callbackUrl), 400, 'KYC_LOGIN_STATE_INVALID');
    } finally {
      await evil.close();
    }
  });

  it('refuses a cross-origin logout; a same-origin one ends the staff session and is audited', async () => {
    const { browser, response } = await h.staffSignIn('dave');
    expect(response.status).toBe(303);
    const signedIn = browser.cookies(h.appBase).get(SESSION_COOKIE);
    await expectProblem(
      await browser.request(`${h.appBase}/admin/auth/logout`, {
        method: 'POST',
        headers: { ...JSON_ACCEPT, origin: 'http://evil.example' },
      }),
      403,
      'KYC_ORIGIN_REFUSED',
    );
    await expectProblem(
      await browser.request(`${h.appBase}/admin/auth/logout`, {
        method: 'POST',
        headers: { ...JSON_ACCEPT, origin: 'null', 'sec-fetch-site': 'cross-site' },
      }),
      403,
      'KYC_ORIGIN_REFUSED',
    );
    expect((await whoami(browser)).status).toBe(200);
    expect((await audit('staff_logout')).filter((r) => r.admin_id === 'dave')).toEqual([]);

    const out = await browser.request(`${h.appBase}/admin/auth/logout`, { method: 'POST' });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/');
    await expectProblem(await whoami(browser), 401, 'KYC_STAFF_NOT_AUTHENTICATED');
    const stale = await fetch(`${h.appBase}/admin/whoami`, {
      headers: { ...JSON_ACCEPT, cookie: `${SESSION_COOKIE}=${signedIn}` },
    });
    await expectProblem(stale, 401, 'KYC_STAFF_NOT_AUTHENTICATED');
    expect((await audit('staff_logout')).filter((r) => r.admin_id === 'dave')).toEqual([
      { actor: `oidc:${issuerHost()}:dave`, admin_id: 'dave', code: null, detail: {} },
    ]);
  });

  it('ends a staff session after 30 idle minutes', async () => {
    const { browser } = await h.staffSignIn('erin');
    clock += 29 * MINUTE;
    expect((await whoami(browser)).status).toBe(200);
    clock += 29 * MINUTE; // 29 min after the last request: still alive
    expect((await whoami(browser)).status).toBe(200);
    clock += 30 * MINUTE;
    const expired = await expectProblem(await whoami(browser), 401, 'KYC_STAFF_NOT_AUTHENTICATED');
    expect(expired.detail).toMatch(/expired/);
    // Removed from the session: going back in time does not revive it.
    clock -= 30 * MINUTE;
    await expectProblem(await whoami(browser), 401, 'KYC_STAFF_NOT_AUTHENTICATED');
  });

  it('ends a staff session 8 hours after sign-in, however active', async () => {
    const { browser } = await h.staffSignIn('alice');
    for (let elapsed = 20; elapsed < 480; elapsed += 20) {
      clock += 20 * MINUTE;
      expect({ elapsed, status: (await whoami(browser)).status }).toEqual({ elapsed, status: 200 });
    }
    clock += 20 * MINUTE; // 480 min
    await expectProblem(await whoami(browser), 401, 'KYC_STAFF_NOT_AUTHENTICATED');
  });

  it('re-reads the roles at each sign-in (a session keeps the roles of its sign-in until it ends)', async () => {
    const carol = staff.find((s) => s.id === 'carol')!;
    const roles = carol.claims.roles as string[];
    try {
      const before = await h.staffSignIn('carol');
      const attest = () =>
        before.browser.request(`${h.appBase}/admin/attest`, { method: 'POST', headers: JSON_ACCEPT });
      expect((await attest()).status).toBe(200);

      roles.splice(roles.indexOf('verdict:attester'), 1);
      expect((await attest()).status).toBe(200);
      const after = await h.staffSignIn('carol');
      expect(after.response.status).toBe(303);
      expect(await (await whoami(after.browser)).json()).toMatchObject({ roles: ['verdict:admin'] });
      await expectProblem(
        await after.browser.request(`${h.appBase}/admin/attest`, { method: 'POST', headers: JSON_ACCEPT }),
        403,
        'KYC_STAFF_FORBIDDEN',
      );

      roles.splice(0, roles.length);
      await expectProblem((await h.staffSignIn('carol')).response, 403, 'KYC_STAFF_FORBIDDEN');
    } finally {
      roles.splice(0, roles.length, 'verdict:admin', 'verdict:attester');
    }
  });

  it('never logs the staff client secret, codes or states', async () => {
    const { callbackUrl } = await h.staffSignIn('bob');
    const logs = h.logs.join('');
    expect(logs).toContain('kyc.staff_login_completed');
    for (const value of [h.env.STAFF_OIDC_CLIENT_SECRET!, callbackUrl.searchParams.get('code')!]) {
      expect(logs).not.toContain(value);
    }
    expect(logs).not.toContain(callbackUrl.searchParams.get('state')!);
  });
});

describe('staff sign-in with a pinned algorithm the provider does not use', () => {
  let h: Harness;
  beforeAll(async () => {
    // The local staff client signs RS256; the API pins ES256.
    h = await startHarness({ label: 'kyc_staff_alg', env: { STAFF_OIDC_ID_TOKEN_ALG: 'ES256' } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses the ID token (KYC_RESPONSE_INVALID) and creates no staff session', async () => {
    const { browser, response } = await h.staffSignIn('alice');
    await expectProblem(response, 400, 'KYC_RESPONSE_INVALID');
    await expectProblem(
      await browser.request(`${h.appBase}/admin/auth/logout`, { method: 'POST', headers: JSON_ACCEPT }),
      401,
      'KYC_STAFF_NOT_AUTHENTICATED',
    );
    const { rows } = await h.pool.query<{ event: string; code: string }>(
      'select event, code from kyc.staff_audit_log order by id',
    );
    expect(rows).toEqual([{ event: 'staff_login_refused', code: 'KYC_RESPONSE_INVALID' }]);
  });
});
