import { PgSelfExclusionRegister, adminOf } from '../../kyc/index.js';
import { Browser } from './support/browser.js';
import { expectProblem } from './support/expect-problem.js';
import { startHarness, type Harness } from './support/harness.js';

/**
 * The kyc flows on lib/ephemeral's in-memory implementations (what `npm start` uses without
 * REDIS_URL): the same module, the same routes, no Redis key written.
 */
describe('kyc on the in-memory ephemeral store (local stack default)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      label: 'kyc_memory',
      ephemeral: 'memory',
      env: { KYC_LOGIN_RATE_LIMIT: '40', KYC_LOGIN_RATE_WINDOW_SECONDS: '60' },
      beforeRouter(app, kyc) {
        app.get('/admin/whoami', kyc.requireAdmin(), (req, res) => {
          res.json(adminOf(req));
        });
      },
    });
    await new PgSelfExclusionRegister({ db: h.pool, hmacKey: h.config.identityHmacKey }).replaceAll('test-file', [
      { familyName: 'Durand', givenNames: 'Jean-Pierre', birthdate: '1975-11-02' },
    ]);
  });
  afterAll(async () => {
    await h.close();
  });

  const me = (browser: Browser) => browser.request(`${h.appBase}/auth/me`, { headers: { accept: 'application/json' } });

  it('signs an adult up, refuses the replayed callback, logs out with a single-use state; nothing in Redis', async () => {
    const { browser, callbackUrl, response } = await h.signIn('dubois');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/account/limits');
    expect((await me(browser)).status).toBe(200);
    await expectProblem(await h.callback(new Browser(), callbackUrl), 400, 'KYC_LOGIN_STATE_INVALID');

    const logout = await browser.request(`${h.appBase}/auth/logout`, { method: 'POST' });
    expect(logout.status).toBe(303);
    const endSession = new URL(logout.headers.get('location')!);
    expect(endSession.searchParams.get('id_token_hint')).toMatch(/^eyJ/);
    const back = await browser.runToOrigin(endSession, h.appBase, 'none');
    expect((await browser.request(back)).status).toBe(303);
    await expectProblem(await me(browser), 401, 'KYC_NOT_AUTHENTICATED');
    await expectProblem(
      await browser.request(back, { headers: { accept: 'application/json' } }),
      400,
      'KYC_LOGOUT_STATE_INVALID',
    );
    expect(await h.redis.keys(`${h.config.redisPrefix}*`)).toEqual([]);
  });

  it('refuses a minor and a self-excluded identity', async () => {
    const minor = await h.signIn('minor');
    await expectProblem(minor.response, 403, 'KYC_UNDERAGE');
    await expectProblem(await me(minor.browser), 401, 'KYC_NOT_AUTHENTICATED');
    await expectProblem((await h.signIn('excluded')).response, 403, 'KYC_SELF_EXCLUDED');
  });

  it('signs an admin in through the staff provider, with a session kept in memory', async () => {
    const { browser, response } = await h.staffSignIn('alice');
    expect(response.status).toBe(303);
    const whoami = await browser.request(`${h.appBase}/admin/whoami`, { headers: { accept: 'application/json' } });
    expect(whoami.status).toBe(200);
    expect(await whoami.json()).toMatchObject({ adminId: 'alice' });
  });

  it('limits login starts per client in memory (429 with Retry-After past the limit)', async () => {
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 60; i++) {
      const r = await fetch(`${h.appBase}/auth/franceconnect`, {
        headers: { accept: 'application/json' },
        redirect: 'manual',
      });
      statuses.push(r.status);
      if (r.status === 429) refused ??= r;
      else await r.body?.cancel();
    }
    // Starts of the earlier tests count too: the window is the file's.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 303).length).toBeLessThanOrEqual(40);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectProblem(refused!, 429, 'KYC_RATE_LIMITED');
  });
});
