import { generateKeyPairSync } from 'node:crypto';
import { KycConfigError, loadKycConfig } from '../../kyc/index.js';
import { expectProblem } from './support/expect-problem.js';
import { startHarness, type Harness } from './support/harness.js';

/** The protected header of a compact JWS/JWE. */
const header = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;

async function rejectsWithNothingCreated(h: Harness, identity: string): Promise<void> {
  const before = await h.counts();
  const { response } = await h.signIn(identity);
  const body = await expectProblem(response, 400, 'KYC_RESPONSE_INVALID');
  expect(String(body.detail)).toMatch(/not encrypted/);
  const after = await h.counts();
  expect({ accounts: after.accounts, identities: after.identities, limits: after.limits }).toEqual({
    accounts: before.accounts,
    identities: before.identities,
    limits: before.limits,
  });
}

describe('FranceConnect+: encrypted ID token and userinfo (JWE to the published keys)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ label: 'kyc_fcplus', franceConnectPlus: {} });
  });
  afterAll(async () => {
    await h.close();
  });

  it('serves only the public halves of the decryption keys on /auth/jwks.json', async () => {
    const response = await fetch(`${h.appBase}/auth/jwks.json`);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys.map((k) => k.kid)).toEqual(['fc-enc-2025', 'fc-enc-2026']);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'RSA', use: 'enc', alg: 'RSA-OAEP-256' });
      expect(typeof key.n).toBe('string');
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(member);
    }
  });

  it('signs up at eidas2 through an encrypted ID token and userinfo, and logs out with the signed inner ID token', async () => {
    const { browser, response } = await h.signIn('plus');
    expect(response.status).toBe(303);
    const me = await browser.request(`${h.appBase}/auth/me`, { headers: { accept: 'application/json' } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ assuranceLevel: 'eidas2', withdrawalsAllowed: true });

    const logout = await browser.request(`${h.appBase}/auth/logout`, { method: 'POST' });
    expect(logout.status).toBe(303);
    const endSession = new URL(logout.headers.get('location')!);
    const hint = endSession.searchParams.get('id_token_hint')!;
    // RP-Initiated Logout 1.0: the hint is the decrypted, signed ID token.
    expect(hint.split('.')).toHaveLength(3);
    expect(header(hint)).toMatchObject({ alg: 'ES256' });
    const back = await browser.runToOrigin(endSession, h.appBase, 'none');
    expect(back.pathname).toBe('/auth/franceconnect/logout/callback');
    expect((await browser.request(back)).status).toBe(303);
  });

  it('never logs the decryption keys', () => {
    const logs = h.logs.join('\n');
    for (const secret of h.secrets) expect(logs).not.toContain(secret);
  });
});

describe('FranceConnect+ with ECDH-ES keys', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ label: 'kyc_fcplus_ecdh', franceConnectPlus: { alg: 'ECDH-ES' } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('decrypts ECDH-ES + A256GCM and signs up', async () => {
    const { response } = await h.signIn('plus');
    expect(response.status).toBe(303);
    expect((await h.counts()).accounts).toBe(1);
  });
});

describe('FranceConnect+ refuses responses that are signed but not encrypted', () => {
  let plainIdToken: Harness;
  let plainUserinfo: Harness;
  beforeAll(async () => {
    plainIdToken = await startHarness({ label: 'kyc_fcplus_plain_idt', franceConnectPlus: { idToken: false } });
    plainUserinfo = await startHarness({ label: 'kyc_fcplus_plain_ui', franceConnectPlus: { userinfo: false } });
  });
  afterAll(async () => {
    await plainIdToken.close();
    await plainUserinfo.close();
  });

  it('rejects a signed-only ID token with KYC_RESPONSE_INVALID and creates nothing', async () => {
    await rejectsWithNothingCreated(plainIdToken, 'plus');
  });

  it('rejects a signed-only userinfo with KYC_RESPONSE_INVALID and creates nothing', async () => {
    await rejectsWithNothingCreated(plainUserinfo, 'plus');
  });
});

describe('FranceConnect+ decryption keys configuration', () => {
  const base = {
    NODE_ENV: 'production',
    FRANCECONNECT_ISSUER: 'https://auth.franceconnect.gouv.fr/api/v2',
    FRANCECONNECT_CLIENT_ID: 'client',
    FRANCECONNECT_CLIENT_SECRET: 's'.repeat(40),
    FRANCECONNECT_REDIRECT_URI: 'https://verdict.example/auth/franceconnect/callback',
    FRANCECONNECT_POST_LOGOUT_REDIRECT_URI: 'https://verdict.example/auth/franceconnect/logout/callback',
    FRANCECONNECT_PROFILE: 'plus',
    KYC_IDENTITY_HMAC_KEY: Buffer.alloc(32, 1).toString('base64'),
    KYC_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 2).toString('base64')}`,
    KYC_ENCRYPTION_ACTIVE_KEY_ID: 'k1',
    KYC_SESSION_SECRETS: 'x'.repeat(32),
  };
  const rsa = (kid?: string) => ({
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    ...(kid ? { kid } : {}),
  });
  const problems = (env: Record<string, string | undefined>): string => {
    try {
      loadKycConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(KycConfigError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('builds the plus profile: ES256, eidas2, RSA-OAEP-256 + A256GCM by default', () => {
    const key = rsa('k1');
    const fc = loadKycConfig({ ...base, FRANCECONNECT_DECRYPTION_JWKS: JSON.stringify([key]) }).providers[0]!;
    expect(fc).toMatchObject({ idTokenAlg: 'ES256', userinfoAlg: 'ES256', requiredAcr: 'eidas2' });
    expect(fc.responseEncryption).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM' });
    expect(fc.responseEncryption!.keys.map((k) => k.kid)).toEqual(['k1']);
  });

  it('is required on the plus profile only, and errors name the variable without echoing keys', () => {
    expect(problems(base)).toMatch(/FRANCECONNECT_DECRYPTION_JWKS: required when FRANCECONNECT_PROFILE=plus/);
    expect(loadKycConfig({ ...base, FRANCECONNECT_PROFILE: 'standard' }).providers[0]!.responseEncryption).toBe(
      undefined,
    );
    expect(problems({ ...base, FRANCECONNECT_DECRYPTION_JWKS: '{nope' })).toMatch(
      /FRANCECONNECT_DECRYPTION_JWKS: not valid JSON/,
    );
    const noKid = rsa();
    const message = problems({ ...base, FRANCECONNECT_DECRYPTION_JWKS: JSON.stringify([noKid]) });
    expect(message).toMatch(/FRANCECONNECT_DECRYPTION_JWKS\.0\.kid/);
    expect(message).not.toContain(String(noKid.d));
    const { d: _d, ...publicOnly } = rsa('pub');
    expect(problems({ ...base, FRANCECONNECT_DECRYPTION_JWKS: JSON.stringify([publicOnly]) })).toMatch(
      /FRANCECONNECT_DECRYPTION_JWKS\.0\.d/,
    );
    expect(
      problems({
        ...base,
        FRANCECONNECT_DECRYPTION_JWKS: JSON.stringify([rsa('a')]),
        FRANCECONNECT_ENCRYPTION_ALG: 'ECDH-ES',
      }),
    ).toMatch(/FRANCECONNECT_DECRYPTION_JWKS\.0: FRANCECONNECT_ENCRYPTION_ALG=ECDH-ES needs EC P-256 keys/);
    const ec = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'e' };
    expect(
      problems({
        ...base,
        FRANCECONNECT_DECRYPTION_JWKS: JSON.stringify([{ ...ec, x: 'B'.repeat(43) }]),
        FRANCECONNECT_ENCRYPTION_ALG: 'ECDH-ES',
      }),
    ).toMatch(/FRANCECONNECT_DECRYPTION_JWKS\.0: not a usable private key/);
    expect(problems({ ...base, FRANCECONNECT_DECRYPTION_JWKS: JSON.stringify([rsa('a'), rsa('a')]) })).toMatch(
      /FRANCECONNECT_DECRYPTION_JWKS\.1\.kid: duplicate kid/,
    );
    expect(
      problems({
        ...base,
        FRANCECONNECT_DECRYPTION_JWKS: JSON.stringify([rsa('a')]),
        FRANCECONNECT_ENCRYPTION_ENC: 'A128CBC-HS256',
      }),
    ).toMatch(/FRANCECONNECT_ENCRYPTION_ENC/);
  });
});
