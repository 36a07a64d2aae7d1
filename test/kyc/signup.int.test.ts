import { FRANCECONNECT_AUTHORIZE_PARAMS } from '../../kyc/idp/index.js';
import { expectProblem } from './support/expect-problem.js';
import { SESSION_COOKIE, startHarness, type Harness } from './support/harness.js';

describe('FranceConnect signup (real oidc-provider, Postgres, Redis)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ label: 'kyc_signup' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('sends FranceConnect exactly response_type, client_id, redirect_uri, scope, state, nonce and acr_values=eidas1', async () => {
    const { browser } = await h.authorize('abroad');
    void browser;
    const sent = h.idp.authorizeRequests.at(-1)!;
    expect([...sent.keys()].sort()).toEqual(
      ['acr_values', 'client_id', 'nonce', 'redirect_uri', 'response_type', 'scope', 'state'].sort(),
    );
    expect(sent.get('acr_values')).toBe('eidas1');
    expect(sent.get('response_type')).toBe('code');
    expect(sent.get('scope')).toBe('openid identite_pivot email');
    expect(sent.get('redirect_uri')).toBe(`${h.appBase}/auth/franceconnect/callback`);
    expect(sent.get('state')!.length).toBeGreaterThanOrEqual(22);
    expect(sent.get('nonce')!.length).toBeGreaterThanOrEqual(22);
    expect(sent.get('state')).not.toEqual(sent.get('nonce'));
    for (const key of sent.keys()) expect(FRANCECONNECT_AUTHORIZE_PARAMS).toContain(key);
  });

  it('is checked against a provider that, like FranceConnect, rejects PKCE and unknown authorize parameters', async () => {
    const { browser } = await h.authorize('abroad');
    void browser;
    const sent = new URL(`${h.idp.issuer}/authorize?${h.idp.authorizeRequests.at(-1)!.toString()}`);
    sent.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    sent.searchParams.set('code_challenge_method', 'S256');
    const refused = await fetch(sent, { redirect: 'manual' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('code_challenge');
  });

  it('creates exactly one account for an adult, changes the session id at login, and lands on the limits page', async () => {
    const before = await h.counts();
    const { browser, callbackUrl } = await h.authorize('dubois');
    const preLogin = browser.cookies(h.appBase).get(SESSION_COOKIE);
    expect(preLogin).toBeDefined();
    const response = await h.callback(browser, callbackUrl);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/account/limits');
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i); // KYC_COOKIE_SECURE=false for http://127.0.0.1
    const postLogin = browser.cookies(h.appBase).get(SESSION_COOKIE);
    expect(postLogin).toBeDefined();
    expect(postLogin).not.toEqual(preLogin);

    const after = await h.counts();
    expect(after.accounts - before.accounts).toBe(1);
    expect(after.identities - before.identities).toBe(1);
    expect(after.limits - before.limits).toBe(1);

    const me = await browser.request(`${h.appBase}/auth/me`, { headers: { accept: 'application/json' } });
    expect(me.status).toBe(200);
    const account = (await me.json()) as Record<string, unknown>;
    expect(account).toMatchObject({
      status: 'active',
      assuranceLevel: 'eidas1',
      withdrawalsAllowed: false,
      canPlay: false,
      limits: { weeklyDepositCents: null, weeklyStakeCents: null },
    });

    // The pre-login session id is dead: presenting it again does not authenticate.
    const stale = await fetch(`${h.appBase}/auth/me`, {
      headers: { accept: 'application/json', cookie: `${SESSION_COOKIE}=${preLogin}` },
    });
    expect(stale.status).toBe(401);
  });

  it('stores no identity in clear and no token: only provider, subject, HMAC key, acr and AES-256-GCM ciphertext', async () => {
    const { rows } = await h.pool.query<Record<string, unknown>>(
      `select i.*, a.assurance_level from kyc.identities i join kyc.accounts a on a.id = i.account_id`,
    );
    expect(rows.length).toBeGreaterThan(0);
    const dump = JSON.stringify(rows) + JSON.stringify((await h.pool.query('select * from kyc.audit_log')).rows);
    for (const value of ['DUBOIS', 'Angela', '1962-08-24', '75107', 'angela.dubois', 'GARCIA']) {
      expect(dump).not.toContain(value);
    }
    for (const row of rows) {
      expect(row.pivot_key_id).toBe('k1');
      expect((row.identity_key as Buffer).length).toBe(32);
      expect(row.acr).toBe('eidas1');
      expect(String(row.subject)).toMatch(/^[0-9a-f]{64}v1$/);
    }
    // Redis holds the raw ID token for logout, but not in any key name and never the access token.
    const keys = await h.redis.keys(`${h.config.redisPrefix}*`);
    expect(keys.join(' ')).not.toMatch(/eyJ/);
  });

  it('requires both weekly limits before the account can play', async () => {
    const { browser, response } = await h.signIn('plus');
    expect(response.status).toBe(303);
    const put = (body: unknown, type = 'application/json') =>
      browser.request(`${h.appBase}/auth/me/limits`, {
        method: 'PUT',
        body: JSON.stringify(body),
        headers: { accept: 'application/json', 'content-type': type },
      });
    const invalid = await put({ weeklyDepositCents: 10_000 });
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await invalid.json()) as { code: string }).code).toBe('KYC_LIMITS_INVALID');
    expect((await put({ weeklyDepositCents: -5, weeklyStakeCents: 100 })).status).toBe(422);
    expect((await put({ weeklyDepositCents: 1.5, weeklyStakeCents: 100 })).status).toBe(422);

    const ok = await put({ weeklyDepositCents: 20_000, weeklyStakeCents: 10_000 });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      canPlay: true,
      // eidas2 is substantial: withdrawals are open without a second measure.
      assuranceLevel: 'eidas2',
      withdrawalsAllowed: true,
      limits: { weeklyDepositCents: 20_000, weeklyStakeCents: 10_000 },
    });
  });

  it('keeps withdrawals blocked for eidas1 until a second measure is recorded', async () => {
    const { rows } = await h.pool.query<{ account_id: string }>(
      `select account_id from kyc.identities where acr = 'eidas1' limit 1`,
    );
    const id = rows[0]!.account_id;
    expect((await h.kyc.identityService.getAccount(id)).withdrawalsAllowed).toBe(false);
    const after = await h.kyc.identityService.recordAssuranceMeasure(id, 'payment_account_in_name', 'psp-ref-1');
    expect(after.withdrawalsAllowed).toBe(true);
  });

  it('signs a returning player in to the same account (no second account)', async () => {
    const before = await h.counts();
    const { response } = await h.signIn('plus');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/'); // limits already set
    const after = await h.counts();
    expect(after.accounts).toBe(before.accounts);
  });

  it('signs up through a generic OIDC provider with PKCE, private_key_jwt and its own redirect URI', async () => {
    const before = await h.counts();
    const { response } = await h.signIn('abroad', 'other');
    expect(response.status).toBe(303);
    const sent = h.idp.authorizeRequests.at(-1)!;
    expect(sent.get('client_id')).toBe('other-client');
    expect(sent.get('code_challenge_method')).toBe('S256');
    expect(sent.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(sent.get('redirect_uri')).toBe(`${h.appBase}/auth/other/callback`);
    expect((await h.counts()).accounts - before.accounts).toBe(1);
    // No acr_values requested from this provider: it asserts no level, recorded as `none`.
    const { rows } = await h.pool.query(
      `select i.acr, a.withdrawals_allowed from kyc.identities i join kyc.accounts a on a.id = i.account_id where provider = 'other'`,
    );
    expect(rows).toEqual([{ acr: 'none', withdrawals_allowed: false }]);
  });

  it('counts login outcomes and callback latency in Prometheus metrics', async () => {
    const text = await h.metrics.metrics();
    expect(text).toMatch(/kyc_login_outcomes_total\{provider="franceconnect",outcome="created"\} [1-9]/);
    expect(text).toMatch(/kyc_login_outcomes_total\{provider="franceconnect",outcome="returning"\} [1-9]/);
    expect(text).toMatch(/kyc_callback_duration_seconds_count\{provider="franceconnect"\} [1-9]/);
  });

  it('answers 404 problem+json for an unknown provider', async () => {
    const response = await fetch(`${h.appBase}/auth/nope`, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
    });
    await expectProblem(response, 404, 'KYC_UNKNOWN_PROVIDER');
  });
});
