import { randomBytes } from 'node:crypto';
import { PgSelfExclusionRegister } from '../../kyc/index.js';
import { parisDate } from '../../kyc/policy/age.js';
import { expectProblem } from './support/expect-problem.js';
import { startHarness, type Harness } from './support/harness.js';

describe('callback rejections: a clear error and nothing created', () => {
  let h: Harness;
  let before: Awaited<ReturnType<Harness['counts']>>;

  beforeAll(async () => {
    h = await startHarness({ label: 'kyc_reject' });
    await new PgSelfExclusionRegister({ db: h.pool, hmacKey: h.config.identityHmacKey }).replaceAll('test-file', [
      { familyName: 'Durand', givenNames: 'Jean-Pierre', birthdate: '1975-11-02' },
    ]);
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    before = await h.counts();
  });
  const expectNothingCreated = async () => {
    const after = await h.counts();
    expect({ accounts: after.accounts, identities: after.identities, limits: after.limits }).toEqual({
      accounts: before.accounts,
      identities: before.identities,
      limits: before.limits,
    });
  };
  const withParam = (url: URL, key: string, value: string | null) => {
    const copy = new URL(url);
    if (value === null) copy.searchParams.delete(key);
    else copy.searchParams.set(key, value);
    return copy;
  };

  describe('state', () => {
    it('rejects a callback without state', async () => {
      const { browser, callbackUrl } = await h.authorize('dubois');
      await expectProblem(
        await h.callback(browser, withParam(callbackUrl, 'state', null)),
        400,
        'KYC_LOGIN_STATE_INVALID',
      );
      await expectNothingCreated();
    });

    it('rejects a mismatched state', async () => {
      const { browser, callbackUrl } = await h.authorize('dubois');
      const forged = withParam(callbackUrl, 'state', randomBytes(32).toString('base64url'));
      await expectProblem(await h.callback(browser, forged), 400, 'KYC_LOGIN_STATE_INVALID');
      await expectNothingCreated();
    });

    it('rejects a valid state presented from another browser session (state bound to the pre-login session)', async () => {
      const { callbackUrl } = await h.authorize('dubois');
      const { browser: other } = await h.authorize('abroad');
      await expectProblem(await h.callback(other, callbackUrl), 400, 'KYC_LOGIN_STATE_INVALID');
      await expectNothingCreated();
    });

    it('rejects a replayed callback (state is single-use)', async () => {
      const { browser, callbackUrl, response } = await h.signIn('abroad');
      expect(response.status).toBe(303);
      before = await h.counts();
      await expectProblem(await h.callback(browser, callbackUrl), 400, 'KYC_LOGIN_STATE_INVALID');
      await expectNothingCreated();
    });
  });

  it('rejects a replayed authorization code (the provider refuses it)', async () => {
    const first = await h.signIn('abroad');
    expect(first.response.status).toBe(303);
    // A new login in the same browser gives a fresh, valid state; the old code rides with it.
    const start = await first.browser.request(`${h.appBase}/auth/franceconnect`);
    const freshState = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const replay = withParam(first.callbackUrl, 'state', freshState);
    await expectProblem(await h.callback(first.browser, replay), 400, 'KYC_CODE_REJECTED');
    await expectNothingCreated();
  });

  it("rejects a FranceConnect response delivered to another provider's redirect URI (mix-up)", async () => {
    const { browser, callbackUrl } = await h.authorize('dubois');
    const elsewhere = new URL(`/auth/other/callback${callbackUrl.search}`, h.appBase);
    await expectProblem(await h.callback(browser, elsewhere), 400, 'KYC_LOGIN_STATE_INVALID');
    await expectNothingCreated();
  });

  it('rejects a swapped iss (mix-up)', async () => {
    const { browser, callbackUrl } = await h.authorize('dubois');
    const swapped = withParam(callbackUrl, 'iss', 'https://fcp-low.sbx.dev-franceconnect.fr/api/v2');
    await expectProblem(await h.callback(browser, swapped), 400, 'KYC_RESPONSE_INVALID');
    await expectNothingCreated();
  });

  it('rejects a missing iss', async () => {
    const { browser, callbackUrl } = await h.authorize('dubois');
    await expectProblem(await h.callback(browser, withParam(callbackUrl, 'iss', null)), 400, 'KYC_RESPONSE_INVALID');
    await expectNothingCreated();
  });

  it.each([
    ['nonce-mismatch', 'an ID token with another nonce'],
    ['wrong-aud', 'an ID token for another audience'],
    ['wrong-alg', 'an ID token signed RS256 when ES256 is pinned'],
    ['expired', 'an ID token outside the clock tolerance (client clock 120 s ahead)'],
    ['tampered-userinfo', 'a userinfo JWT whose payload was changed after signing'],
    ['userinfo-sub', 'a validly signed userinfo JWT about another sub'],
  ])('rejects %s: %s', async (identity) => {
    const { response } = await h.signIn(identity);
    await expectProblem(response, 400, 'KYC_RESPONSE_INVALID');
    await expectNothingCreated();
    const { rows } = await h.pool.query<{ code: string }>(
      `select code from kyc.audit_log where event = 'login_rejected' order by id desc limit 1`,
    );
    expect(rows[0]?.code).toBe('KYC_RESPONSE_INVALID');
  });

  it.each([
    ['acr-missing', 'no acr claim'],
    ['acr-eidas0', 'acr eidas0'],
  ])('rejects %s (%s) with KYC_ASSURANCE_INSUFFICIENT', async (identity) => {
    const { response } = await h.signIn(identity);
    await expectProblem(response, 403, 'KYC_ASSURANCE_INSUFFICIENT');
    await expectNothingCreated();
  });

  describe('onboarding policy (each rejection writes only an audit entry)', () => {
    const expectAudited = async (code: string) => {
      const after = await h.counts();
      expect(after.audit - before.audit).toBe(1);
      const { rows } = await h.pool.query<{ event: string; code: string; account_id: string | null }>(
        'select event, code, account_id from kyc.audit_log order by id desc limit 1',
      );
      expect(rows[0]).toEqual({ event: 'signup_rejected', code, account_id: null });
    };

    it('refuses a minor', async () => {
      const { response } = await h.signIn('minor');
      const body = await expectProblem(response, 403, 'KYC_UNDERAGE');
      expect(body.detail).toMatch(/18/);
      await expectNothingCreated();
      await expectAudited('KYC_UNDERAGE');
    });

    it('reads a presumed birthdate (YYYY-01-01, no idp_birthdate scope) at its latest possible day', async () => {
      const [, month, day] = parisDate(new Date());
      const { response } = await h.signIn('presumed');
      if (month === 12 && day === 31) {
        expect(response.status).toBe(303);
      } else {
        await expectProblem(response, 403, 'KYC_UNDERAGE');
        await expectNothingCreated();
      }
    });

    it('refuses a person listed in the self-exclusion register', async () => {
      const { response } = await h.signIn('excluded');
      await expectProblem(response, 403, 'KYC_SELF_EXCLUDED');
      await expectNothingCreated();
      await expectAudited('KYC_SELF_EXCLUDED');
    });

    it('refuses the same person twice, through the same or another provider', async () => {
      const first = await h.signIn('dubois');
      expect(first.response.status).toBe(303);
      before = await h.counts();
      const again = await h.signIn('dubois-again');
      const body = await expectProblem(again.response, 409, 'KYC_DUPLICATE_PERSON');
      expect(body.detail).toMatch(/already exists/);
      await expectNothingCreated();
      await expectAudited('KYC_DUPLICATE_PERSON');
      before = await h.counts();
      const viaOther = await h.signIn('dubois', 'other');
      await expectProblem(viaOther.response, 409, 'KYC_DUPLICATE_PERSON');
      await expectNothingCreated();
    });
  });

  describe('error callbacks', () => {
    it('ends a cancelled login (access_denied) on a clear page', async () => {
      const { browser, callbackUrl } = await h.authorize('cancel');
      expect(callbackUrl.searchParams.get('error')).toBe('access_denied');
      const page = await browser.request(callbackUrl);
      expect(page.status).toBe(400);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain('data-error-code="KYC_LOGIN_CANCELLED"');
      expect(html).toContain('You cancelled the sign-in');
      await expectNothingCreated();
    });

    it('answers problem+json KYC_PROVIDER_ERROR for server_error', async () => {
      const { browser, callbackUrl } = await h.authorize('dubois');
      const state = callbackUrl.searchParams.get('state')!;
      const iss = callbackUrl.searchParams.get('iss')!;
      const errorUrl = new URL(callbackUrl.pathname, callbackUrl);
      errorUrl.search = new URLSearchParams({
        error: 'server_error',
        error_description: 'authentication aborted due to a technical error on the authorization server',
        state,
        iss,
      }).toString();
      await expectProblem(await h.callback(browser, errorUrl), 502, 'KYC_PROVIDER_ERROR');
      await expectNothingCreated();
    });
  });

  it('creates exactly one account from two concurrent callbacks of the same login', async () => {
    const { browser, callbackUrl } = await h.authorize('plus');
    const responses = await Promise.all([h.callback(browser, callbackUrl), h.callback(browser, callbackUrl)]);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([303, 400]);
    const after = await h.counts();
    expect(after.accounts - before.accounts).toBe(1);
    expect(after.identities - before.identities).toBe(1);
  });
});
