import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { IdentityCipher, KycConfigError, loadKycConfig, parseRegisterFile } from '../../kyc/index.js';
import { startLocalIdp } from '../../kyc/idp/index.js';

const key = () => randomBytes(32).toString('base64');
const valid = {
  NODE_ENV: 'production',
  FRANCECONNECT_ISSUER: 'https://oidc.franceconnect.gouv.fr/api/v2',
  FRANCECONNECT_CLIENT_ID: 'client',
  FRANCECONNECT_CLIENT_SECRET: 's'.repeat(40),
  FRANCECONNECT_REDIRECT_URI: 'https://verdict.example/auth/franceconnect/callback',
  FRANCECONNECT_POST_LOGOUT_REDIRECT_URI: 'https://verdict.example/auth/franceconnect/logout/callback',
  KYC_IDENTITY_HMAC_KEY: key(),
  KYC_ENCRYPTION_KEYS: `k1:${key()}`,
  KYC_ENCRYPTION_ACTIVE_KEY_ID: 'k1',
  KYC_SESSION_SECRETS: 'x'.repeat(32),
};

describe('loadKycConfig', () => {
  it('builds the FranceConnect profile: eidas1, no PKCE, ES256, the pivot scopes', () => {
    const config = loadKycConfig(valid);
    const fc = config.providers[0]!;
    expect(fc).toMatchObject({
      id: 'franceconnect',
      pkce: false,
      acrValues: 'eidas1',
      requiredAcr: 'eidas1',
      idTokenAlg: 'ES256',
      userinfoAlg: 'ES256',
      scopes: ['openid', 'identite_pivot', 'email'],
    });
    expect(config.cookieSecure).toBe(true);
    expect(config.allowInsecureHttp).toBe(false);
    expect(config.loginStateTtlSeconds).toBe(600);
    const encryptionKey = {
      ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
      kid: 'enc-1',
    };
    expect(
      loadKycConfig({
        ...valid,
        FRANCECONNECT_PROFILE: 'plus',
        FRANCECONNECT_DECRYPTION_JWKS: JSON.stringify([encryptionKey]),
      }).providers[0],
    ).toMatchObject({
      requiredAcr: 'eidas2',
      idTokenAlg: 'ES256',
      responseEncryption: { alg: 'RSA-OAEP-256', enc: 'A256GCM' },
    });
  });

  it('derives the allowed origins from the redirect URIs, and reads the login rate limit', () => {
    const config = loadKycConfig(valid);
    expect(config.allowedOrigins).toEqual(['https://verdict.example']);
    expect(config.loginRateLimit).toEqual({ limit: 20, windowSeconds: 60 });
    expect(
      loadKycConfig({ ...valid, KYC_ALLOWED_ORIGINS: 'https://verdict.example, https://www.verdict.example:8443' })
        .allowedOrigins,
    ).toEqual(['https://verdict.example', 'https://www.verdict.example:8443']);
  });

  it.each([['verdict.example'], ['https://verdict.example/path'], ['ftp://verdict.example'], ['*']])(
    'refuses KYC_ALLOWED_ORIGINS=%s, naming the variable',
    (origins) => {
      expect(() => loadKycConfig({ ...valid, KYC_ALLOWED_ORIGINS: origins })).toThrow(/KYC_ALLOWED_ORIGINS/);
    },
  );

  it('lists every problem at once, naming variables and never echoing secret values', () => {
    const secret = 'short-secret';
    try {
      loadKycConfig({
        ...valid,
        FRANCECONNECT_CLIENT_SECRET: secret,
        KYC_IDENTITY_HMAC_KEY: undefined,
        FRANCECONNECT_ISSUER: 'nope',
      });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(KycConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/FRANCECONNECT_CLIENT_SECRET/);
      expect(message).toMatch(/KYC_IDENTITY_HMAC_KEY/);
      expect(message).toMatch(/FRANCECONNECT_ISSUER/);
      expect(message).not.toContain(secret);
    }
  });

  it('refuses insecure settings in production', () => {
    expect(() => loadKycConfig({ ...valid, KYC_ALLOW_INSECURE_HTTP: 'true' })).toThrow(/KYC_ALLOW_INSECURE_HTTP/);
    expect(() => loadKycConfig({ ...valid, KYC_COOKIE_SECURE: 'false' })).toThrow(/KYC_COOKIE_SECURE/);
    expect(() => loadKycConfig({ ...valid, FRANCECONNECT_ISSUER: 'http://fc.example/api/v2' })).toThrow(/https/);
    expect(() => loadKycConfig({ ...valid, NODE_ENV: 'test', KYC_ALLOW_INSECURE_HTTP: 'true' })).not.toThrow();
  });

  it('validates the keyring and the other providers', () => {
    expect(() => loadKycConfig({ ...valid, KYC_ENCRYPTION_ACTIVE_KEY_ID: 'k9' })).toThrow(
      /KYC_ENCRYPTION_ACTIVE_KEY_ID/,
    );
    expect(() => loadKycConfig({ ...valid, KYC_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' })).toThrow(/KYC_ENCRYPTION_KEYS/);
    expect(() => loadKycConfig({ ...valid, KYC_OIDC_PROVIDERS: '{' })).toThrow(/KYC_OIDC_PROVIDERS: not valid JSON/);
    const other = {
      id: 'bank-id',
      issuer: 'https://id.bank.example',
      clientId: 'c',
      clientSecret: 's'.repeat(20),
      redirectUri: valid.FRANCECONNECT_REDIRECT_URI,
    };
    expect(() => loadKycConfig({ ...valid, KYC_OIDC_PROVIDERS: JSON.stringify([other]) })).toThrow(/own redirectUri/);
    const ok = loadKycConfig({
      ...valid,
      KYC_OIDC_PROVIDERS: JSON.stringify([{ ...other, redirectUri: 'https://verdict.example/auth/bank-id/callback' }]),
    });
    expect(ok.providers[1]).toMatchObject({
      id: 'bank-id',
      pkce: true,
      profile: 'generic',
      clientAuth: { method: 'client_secret_post' },
    });
    const both = {
      ...other,
      redirectUri: 'https://verdict.example/auth/bank-id/callback',
      privateKeyJwk: { kty: 'EC', crv: 'P-256', d: 'x' },
    };
    expect(() => loadKycConfig({ ...valid, KYC_OIDC_PROVIDERS: JSON.stringify([both]) })).toThrow(
      /exactly one of clientSecret/,
    );
    const { clientSecret: _unused, ...keyOnly } = both;
    expect(loadKycConfig({ ...valid, KYC_OIDC_PROVIDERS: JSON.stringify([keyOnly]) }).providers[1]).toMatchObject({
      clientAuth: { method: 'private_key_jwt' },
    });
  });
});

describe('IdentityCipher (AES-256-GCM keyring)', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  it('opens what it sealed, records the key id, and fails on tampering or another row', () => {
    const cipher = new IdentityCipher({ activeKeyId: 'k1', keys: new Map([['k1', k1]]) });
    const box = cipher.seal(Buffer.from('{"familyName":"DUBOIS"}'), 'row-1');
    expect(box.keyId).toBe('k1');
    expect(box.data.toString('utf8')).not.toContain('DUBOIS');
    expect(cipher.open(box, 'row-1').toString()).toBe('{"familyName":"DUBOIS"}');
    expect(() => cipher.open(box, 'row-2')).toThrow();
    const tampered = Buffer.from(box.data);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => cipher.open({ keyId: 'k1', data: tampered }, 'row-1')).toThrow();
  });
  it('rotates without downtime: new data under the new key, old data still opens', () => {
    const old = new IdentityCipher({ activeKeyId: 'k1', keys: new Map([['k1', k1]]) });
    const box = old.seal(Buffer.from('x'), 'r');
    const rotated = new IdentityCipher({
      activeKeyId: 'k2',
      keys: new Map([
        ['k1', k1],
        ['k2', k2],
      ]),
    });
    expect(rotated.open(box, 'r').toString()).toBe('x');
    expect(rotated.seal(Buffer.from('y'), 'r').keyId).toBe('k2');
    const dropped = new IdentityCipher({ activeKeyId: 'k2', keys: new Map([['k2', k2]]) });
    expect(() => dropped.open(box, 'r')).toThrow(/k1 is not in the keyring/);
  });
});

describe('parseRegisterFile', () => {
  it('reads any column order, ; or , separators, comments and a BOM', () => {
    const text = '\uFEFFbirthdate,family_name,given_names\n# comment\n\n1975-11-02,DURAND,Jean Pierre\n';
    expect(parseRegisterFile(text)).toEqual([
      { birthdate: '1975-11-02', familyName: 'DURAND', givenNames: 'Jean Pierre' },
    ]);
  });
  it('names the first malformed line without echoing it', () => {
    expect(() => parseRegisterFile('family_name;given_names;birthdate\nSECRET NAME;X;1975-13')).toThrow(
      /^register file: line 2 is malformed$/,
    );
    expect(() => parseRegisterFile('name;birthdate\n')).toThrow(/lacks column family_name/);
  });
});

describe('startLocalIdp', () => {
  it('refuses to run with NODE_ENV=production', async () => {
    await expect(startLocalIdp({ clients: [], nodeEnv: 'production' })).rejects.toThrow(
      /must not run with NODE_ENV=production/,
    );
  });
});
