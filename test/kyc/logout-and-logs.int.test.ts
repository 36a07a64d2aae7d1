import { expectProblem } from './support/expect-problem.js';
import { SESSION_COOKIE, startHarness, type Harness } from './support/harness.js';

describe('logout round trip, and what the logs may contain', () => {
  let h: Harness;
  /** Values seen during the flows of this file that must never reach a log line. */
  const sensitive = new Set<string>();

  beforeAll(async () => {
    h = await startHarness({ label: 'kyc_logout' });
  });
  afterAll(async () => {
    await h.close();
  });

  const remember = (url: URL) => {
    for (const key of ['code', 'state', 'nonce', 'id_token_hint']) {
      const value = url.searchParams.get(key);
      if (value) sensitive.add(value);
    }
  };

  it('logs out at the provider with id_token_hint and a fresh state, verified on return', async () => {
    const { browser, callbackUrl, response } = await h.signIn('dubois');
    remember(callbackUrl);
    expect(response.status).toBe(303);
    const signedIn = browser.cookies(h.appBase).get(SESSION_COOKIE);

    const logout = await browser.request(`${h.appBase}/auth/logout`, { method: 'POST' });
    expect(logout.status).toBe(303);
    const endSession = new URL(logout.headers.get('location')!);
    remember(endSession);
    expect(endSession.href.startsWith(`${h.idp.issuer}/session/end?`)).toBe(true);
    expect([...endSession.searchParams.keys()].sort()).toEqual(
      ['client_id', 'id_token_hint', 'post_logout_redirect_uri', 'state'].sort(),
    );
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(
      `${h.appBase}/auth/franceconnect/logout/callback`,
    );
    expect(endSession.searchParams.get('id_token_hint')).toMatch(/^eyJ/);
    expect(endSession.searchParams.get('state')!.length).toBeGreaterThanOrEqual(22);
    // Signed out locally before leaving: the old session id no longer authenticates.
    expect(browser.cookies(h.appBase).get(SESSION_COOKIE)).not.toEqual(signedIn);
    const stale = await fetch(`${h.appBase}/auth/me`, {
      headers: { accept: 'application/json', cookie: `${SESSION_COOKIE}=${signedIn}` },
    });
    expect(stale.status).toBe(401);

    const back = await browser.runToOrigin(endSession, h.appBase, 'none');
    expect(back.pathname).toBe('/auth/franceconnect/logout/callback');
    expect(back.searchParams.get('state')).toBe(endSession.searchParams.get('state'));
    const done = await browser.request(back);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/');

    await expectProblem(
      await browser.request(`${h.appBase}/auth/me`, { headers: { accept: 'application/json' } }),
      401,
      'KYC_NOT_AUTHENTICATED',
    );
    // The logout state is single-use.
    await expectProblem(
      await browser.request(back, { headers: { accept: 'application/json' } }),
      400,
      'KYC_LOGOUT_STATE_INVALID',
    );
    const audit = await h.pool.query(`select count(*)::int as n from kyc.audit_log where event = 'logout'`);
    expect(audit.rows[0]).toEqual({ n: 1 });
    // The ID token kept for logout is gone from Redis.
    const keys = await h.redis.keys(`${h.config.redisPrefix}idtoken:*`);
    expect(keys).toEqual([]);
  });

  it('rejects a logout return with a forged state', async () => {
    const { browser } = await h.signIn('abroad');
    const logout = await browser.request(`${h.appBase}/auth/logout`, { method: 'POST' });
    expect(logout.status).toBe(303);
    await expectProblem(
      await browser.request(`${h.appBase}/auth/franceconnect/logout/callback?state=forged-forged-forged-forged`, {
        headers: { accept: 'application/json' },
      }),
      400,
      'KYC_LOGOUT_STATE_INVALID',
    );
  });

  it('refuses POST /auth/logout without a signed-in player', async () => {
    await expectProblem(
      await fetch(`${h.appBase}/auth/logout`, {
        method: 'POST',
        headers: { accept: 'application/json' },
        redirect: 'manual',
      }),
      401,
      'KYC_NOT_AUTHENTICATED',
    );
  });

  it('writes no identity data, token, state, nonce, code or secret to the logs', async () => {
    // A few more flows so that rejections and policy paths log too.
    for (const identity of ['minor', 'tampered-userinfo', 'dubois-again', 'acr-eidas0']) {
      const { callbackUrl, response } = await h.signIn(identity);
      remember(callbackUrl);
      expect(response.status).toBeGreaterThanOrEqual(400);
    }
    const { rows } = await h.pool.query<{ subject: string }>('select subject from kyc.identities');
    const forbidden = [
      ...h.secrets,
      ...sensitive,
      ...rows.map((r) => r.subject),
      'DUBOIS',
      'Angela',
      'Angéla',
      '1962-08-24',
      '75107',
      'angela.dubois',
      'GARCIA',
      'Carmen',
      'MARTIN',
      'eyJ', // any JWT
    ];
    const text = h.logs.join('');
    expect(h.logs.length).toBeGreaterThan(10);
    expect(text).toContain('kyc.login_rejected'); // the capture works
    expect(text).toContain('KYC_UNDERAGE');
    for (const value of forbidden) expect({ value, found: text.includes(value) }).toEqual({ value, found: false });
  });
});
