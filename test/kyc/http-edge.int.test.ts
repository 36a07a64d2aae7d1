import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { playerAccountId, requirePlayer } from '../../kyc/index.js';
import { expectProblem } from './support/expect-problem.js';
import { SESSION_COOKIE, startHarness, type Harness } from './support/harness.js';

/** A raw HTTP request (fetch normalises the path and refuses some headers). */
function raw(
  base: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: options.method, path: options.path, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers }));
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the kyc HTTP edge: client errors, guards, Origin', () => {
  let h: Harness;
  /** Cookie header of a signed-in player, and its account id. */
  let cookie: string;
  let accountId: string;
  const json = { accept: 'application/json' };

  beforeAll(async () => {
    h = await startHarness({
      label: 'kyc_edge',
      beforeRouter: (app) => {
        // Standalone guard, mounted before (and without) the kyc router.
        app.get('/test/guarded', requirePlayer, (req, res) => {
          res.json({ accountId: playerAccountId(req) });
        });
      },
      afterRouter: (app, kyc) => {
        app.get('/test/after', (req, res) => {
          res.json({ user: req.user ?? null });
        });
        app.post('/test/module-guarded', kyc.requirePlayer, kyc.originCheck, (req, res) => {
          res.json({ accountId: req.user!.accountId });
        });
      },
    });
    const { browser, response } = await h.signIn('dubois');
    expect(response.status).toBe(303);
    cookie = `${SESSION_COOKIE}=${browser.cookies(h.appBase).get(SESSION_COOKIE)!}`;
    const me = await fetch(`${h.appBase}/auth/me`, { headers: { ...json, cookie } });
    accountId = ((await me.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await h.close();
  });

  const putLimits = (headers: Record<string, string>, body: Buffer | string) =>
    raw(h.appBase, {
      method: 'PUT',
      path: '/auth/me/limits',
      headers: { ...json, origin: h.appBase, 'content-type': 'application/json', ...headers },
      body,
    });
  const validLimits = JSON.stringify({ weeklyDepositCents: 5_000, weeklyStakeCents: 5_000 });

  describe('client errors answer their 4xx status as problem+json, never 500', () => {
    it.each([['/auth/%E0%A4%A'], ['/auth/%'], ['/auth/%zz']])('malformed percent-encoding in %s', async (path) => {
      const response = await raw(h.appBase, { method: 'GET', path, headers: json });
      await expectProblem(response, 400, 'KYC_REQUEST_MALFORMED');
    });

    it('a body over the limit: 413', async () => {
      const big = JSON.stringify({ weeklyDepositCents: 1, weeklyStakeCents: 1, pad: 'x'.repeat(4_000) });
      await expectProblem(await putLimits({ cookie }, big), 413, 'KYC_BODY_TOO_LARGE');
    });

    it('an unsupported charset: 415', async () => {
      const response = await putLimits({ cookie, 'content-type': 'application/json; charset=koi8-r' }, validLimits);
      await expectProblem(response, 415, 'KYC_UNSUPPORTED_MEDIA_TYPE');
    });

    it('an unsupported content encoding: 415', async () => {
      await expectProblem(
        await putLimits({ cookie, 'content-encoding': 'compress' }, validLimits),
        415,
        'KYC_UNSUPPORTED_MEDIA_TYPE',
      );
    });

    it('a corrupt compressed body: 400', async () => {
      const corrupt = gzipSync(validLimits).subarray(0, 12);
      await expectProblem(
        await putLimits({ cookie, 'content-encoding': 'gzip' }, corrupt),
        400,
        'KYC_REQUEST_MALFORMED',
      );
    });

    it('a well-formed compressed body is still read', async () => {
      const response = await putLimits({ cookie, 'content-encoding': 'gzip' }, gzipSync(validLimits));
      expect(response.status).toBe(200);
    });

    it('invalid JSON stays KYC_LIMITS_INVALID', async () => {
      await expectProblem(await putLimits({ cookie }, '{"weekly'), 422, 'KYC_LIMITS_INVALID');
    });

    it('never logs these as internal errors', () => {
      expect(h.logs.join('')).not.toContain('kyc.internal_error');
    });
  });

  describe('authenticated routes check the session before reading the body', () => {
    it.each([
      ['a body over the limit', {}, JSON.stringify({ pad: 'x'.repeat(4_000) })],
      ['an unsupported charset', { 'content-type': 'application/json; charset=koi8-r' }, validLimits],
      ['a corrupt compressed body', { 'content-encoding': 'gzip' }, gzipSync(validLimits).subarray(0, 12)],
      ['invalid JSON', {}, '{"weekly'],
    ])('anonymous with %s: 401', async (_label, headers: Record<string, string>, body) => {
      await expectProblem(await putLimits(headers, body), 401, 'KYC_NOT_AUTHENTICATED');
    });
  });

  describe('requirePlayer', () => {
    it('standalone, without the kyc router: sets req.user.accountId from the session', async () => {
      const response = await fetch(`${h.appBase}/test/guarded`, { headers: { ...json, cookie } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ accountId });
    });

    it('answers 401 problem+json KYC_NOT_AUTHENTICATED without a player session', async () => {
      await expectProblem(await fetch(`${h.appBase}/test/guarded`, { headers: json }), 401, 'KYC_NOT_AUTHENTICATED');
      await expectProblem(
        await fetch(`${h.appBase}/test/guarded`, { headers: { ...json, cookie: `${SESSION_COOKIE}=s%3Aforged.sig` } }),
        401,
        'KYC_NOT_AUTHENTICATED',
      );
    });

    it('playerAccountId refuses a request the guard did not see', () => {
      expect(() => playerAccountId({ user: undefined } as never)).toThrow(
        expect.objectContaining({ code: 'KYC_NOT_AUTHENTICATED' }) as Error,
      );
    });

    it('the kyc router no longer sets req.user on routes it does not answer', async () => {
      const response = await fetch(`${h.appBase}/test/after`, { headers: { ...json, cookie } });
      expect(await response.json()).toEqual({ user: null });
    });

    it("is the module's guard too, with its Origin check", async () => {
      const ok = await fetch(`${h.appBase}/test/module-guarded`, {
        method: 'POST',
        headers: { ...json, cookie, origin: h.appBase },
      });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ accountId });
      await expectProblem(
        await fetch(`${h.appBase}/test/module-guarded`, {
          method: 'POST',
          headers: { ...json, cookie, origin: 'https://evil.example' },
        }),
        403,
        'KYC_ORIGIN_REFUSED',
      );
    });
  });

  describe('Origin check on cookie-authenticated writes', () => {
    it.each([
      ['another origin', { origin: 'https://evil.example' }],
      ['another port of the same host', { origin: 'http://127.0.0.1:1' }],
      ['Origin: null', { origin: 'null' }],
      ['no Origin, Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['no Origin, Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }],
      ['no Origin, a foreign Referer', { referer: 'https://evil.example/page' }],
      ['no Origin, Sec-Fetch-Site or Referer', {}],
    ])('refuses PUT /auth/me/limits from %s', async (_label, headers: Record<string, string>) => {
      const response = await raw(h.appBase, {
        method: 'PUT',
        path: '/auth/me/limits',
        headers: { ...json, cookie, 'content-type': 'application/json', ...headers },
        body: validLimits,
      });
      await expectProblem(response, 403, 'KYC_ORIGIN_REFUSED');
    });

    it.each([
      ['its own Origin', () => ({ origin: h.appBase })],
      ['Sec-Fetch-Site same-origin', () => ({ 'sec-fetch-site': 'same-origin' })],
      ['a Referer of its own origin', () => ({ referer: `${h.appBase}/account/limits` })],
    ])('accepts PUT /auth/me/limits with %s', async (_label, headers: () => Record<string, string>) => {
      const response = await raw(h.appBase, {
        method: 'PUT',
        path: '/auth/me/limits',
        headers: { ...json, cookie, 'content-type': 'application/json', ...headers() },
        body: validLimits,
      });
      expect(response.status).toBe(200);
    });

    it('refuses a cross-origin POST /auth/logout and keeps the player signed in', async () => {
      const response = await fetch(`${h.appBase}/auth/logout`, {
        method: 'POST',
        headers: { ...json, cookie, origin: 'https://evil.example' },
        redirect: 'manual',
      });
      await expectProblem(response, 403, 'KYC_ORIGIN_REFUSED');
      const me = await fetch(`${h.appBase}/auth/me`, { headers: { ...json, cookie } });
      expect(me.status).toBe(200);
      const { rows } = await h.pool.query(`select 1 from kyc.audit_log where event = 'logout'`);
      expect(rows).toHaveLength(0);
    });
  });
});
