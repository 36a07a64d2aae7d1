import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expectProblem } from './support/expect-problem.js';
import { startHarness, type Harness } from './support/harness.js';

/** A port nobody listens on, and a server that accepts connections and never answers. */
async function deadEnds(): Promise<{ refused: number; blackHole: Server; silent: number }> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const refused = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const blackHole = createServer(() => undefined);
  blackHole.listen(0, '127.0.0.1');
  await once(blackHole, 'listening');
  return { refused, blackHole, silent: (blackHole.address() as AddressInfo).port };
}

describe('login state expiry, required assurance level and unreachable providers', () => {
  let h: Harness;
  let dead: Awaited<ReturnType<typeof deadEnds>>;
  let before: Awaited<ReturnType<Harness['counts']>>;

  beforeAll(async () => {
    dead = await deadEnds();
    const generic = (id: string, port: number, appBase: string) => ({
      id,
      issuer: `http://127.0.0.1:${port}/api/v2`,
      clientId: `${id}-client`,
      clientSecret: 'x'.repeat(32),
      redirectUri: `${appBase}/auth/${id}/callback`,
    });
    h = await startHarness({
      label: 'kyc_outage',
      env: { KYC_LOGIN_STATE_TTL_SECONDS: '1', FRANCECONNECT_ACR: 'eidas2', KYC_HTTP_TIMEOUT_SECONDS: '1' },
      extraProviders: (appBase) => [generic('down', dead.refused, appBase), generic('silent', dead.silent, appBase)],
    });
  });
  afterAll(async () => {
    dead.blackHole.close();
    await h.close();
  });
  beforeEach(async () => {
    before = await h.counts();
  });
  const expectNothingCreated = async () => {
    const after = await h.counts();
    expect([after.accounts, after.identities, after.limits]).toEqual([
      before.accounts,
      before.identities,
      before.limits,
    ]);
  };

  it('requests and requires the configured level: eidas1 is lower than eidas2 and refused', async () => {
    const { response } = await h.signIn('dubois');
    expect(h.idp.authorizeRequests.at(-1)!.get('acr_values')).toBe('eidas2');
    await expectProblem(response, 403, 'KYC_ASSURANCE_INSUFFICIENT');
    await expectNothingCreated();
  });

  it('accepts eidas2 when eidas2 is required, and opens withdrawals (substantial level)', async () => {
    const { browser, response } = await h.signIn('plus');
    expect(response.status).toBe(303);
    const me = await browser.request(`${h.appBase}/auth/me`, { headers: { accept: 'application/json' } });
    expect(await me.json()).toMatchObject({ assuranceLevel: 'eidas2', withdrawalsAllowed: true });
  });

  it('rejects an expired login state (TTL 1 s)', async () => {
    const { browser, callbackUrl } = await h.authorize('abroad');
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await expectProblem(await h.callback(browser, callbackUrl), 400, 'KYC_LOGIN_STATE_INVALID');
    await expectNothingCreated();
  });

  it('answers 503 KYC_IDP_UNAVAILABLE when the provider refuses connections', async () => {
    const response = await fetch(`${h.appBase}/auth/down`, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
    });
    await expectProblem(response, 503, 'KYC_IDP_UNAVAILABLE');
  });

  it('answers 503 KYC_IDP_UNAVAILABLE when the provider does not answer within the timeout', async () => {
    const started = Date.now();
    const response = await fetch(`${h.appBase}/auth/silent`, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
    });
    await expectProblem(response, 503, 'KYC_IDP_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  // Last: stops the provider of this file.
  it('answers 503 KYC_IDP_UNAVAILABLE and creates nothing when the provider goes down before the token exchange', async () => {
    const { browser, callbackUrl } = await h.authorize('abroad');
    await h.idp.close();
    await expectProblem(await h.callback(browser, callbackUrl), 503, 'KYC_IDP_UNAVAILABLE');
    await expectNothingCreated();
    const { rows } = await h.pool.query<{ code: string }>(`select code from kyc.audit_log order by id desc limit 1`);
    expect(rows[0]?.code).toBe('KYC_IDP_UNAVAILABLE');
  });
});
