import { randomBytes } from 'node:crypto';
import { KycConfigError, loadKycConfig, readRoles } from '../../kyc/index.js';
import { startLocalIdp } from '../../kyc/idp/index.js';

const key = () => randomBytes(32).toString('base64');
const base = {
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
const staffSecret = 'staff-secret-value-'.repeat(3);
const staff = {
  STAFF_OIDC_ISSUER: 'https://login.staff.example/realms/verdict',
  STAFF_OIDC_CLIENT_ID: 'verdict-admin',
  STAFF_OIDC_CLIENT_SECRET: staffSecret,
  STAFF_OIDC_REDIRECT_URI: 'https://verdict.example/admin/auth/callback',
};

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadKycConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(KycConfigError);
    expect((error as Error).message).not.toContain(staffSecret);
    return [...(error as KycConfigError).problems];
  }
  throw new Error('expected a KycConfigError');
};

describe('loadKycConfig: the staff section (STAFF_*)', () => {
  it('is absent without STAFF_OIDC_*; built with the documented defaults otherwise', () => {
    expect(loadKycConfig(base).staff).toBeUndefined();
    const config = loadKycConfig({ ...base, ...staff });
    expect(config.staff).toMatchObject({
      rolesClaim: 'roles',
      requiredRoles: ['verdict:admin'],
      attesterRole: 'verdict:attester',
      adminIdClaim: 'sub',
      absoluteTtlSeconds: 8 * 3600,
      idleTtlSeconds: 30 * 60,
      paths: { afterLogin: '/admin', afterLogout: '/' },
      provider: {
        id: 'staff',
        clientId: 'verdict-admin',
        pkce: true,
        idTokenAlg: 'RS256',
        userinfoAlg: undefined,
        scopes: ['openid', 'profile', 'roles'],
        clientAuth: { method: 'client_secret_post', secret: staffSecret },
      },
    });
    expect(config.staff!.provider.redirectUri.href).toBe(staff.STAFF_OIDC_REDIRECT_URI);
    // The staff callback's origin is allowed to send writes (logout) by default.
    expect(config.allowedOrigins).toEqual(['https://verdict.example']);
    expect(
      loadKycConfig({
        ...base,
        ...staff,
        STAFF_REQUIRED_ROLES: 'verdict:admin, verdict:ops',
        STAFF_ROLES_CLAIM: 'realm_access.roles',
      }).staff,
    ).toMatchObject({ requiredRoles: ['verdict:admin', 'verdict:ops'], rolesClaim: 'realm_access.roles' });
  });

  it('names every missing or invalid staff variable, never a value', () => {
    expect(problemsOf({ ...base, STAFF_OIDC_CLIENT_SECRET: staffSecret })).toEqual([
      expect.stringMatching(/^STAFF_OIDC_ISSUER: required/),
      expect.stringMatching(/^STAFF_OIDC_CLIENT_ID: required/),
      expect.stringMatching(/^STAFF_OIDC_REDIRECT_URI: required/),
    ]);
    const problems = problemsOf({
      ...base,
      ...staff,
      STAFF_OIDC_CLIENT_SECRET: 'short',
      STAFF_OIDC_ISSUER: 'not a url',
      STAFF_OIDC_ID_TOKEN_ALG: 'none',
      STAFF_ROLES_CLAIM: 'roles..x',
      STAFF_SESSION_IDLE_SECONDS: '10',
    });
    for (const name of [
      'STAFF_OIDC_CLIENT_SECRET',
      'STAFF_OIDC_ISSUER',
      'STAFF_OIDC_ID_TOKEN_ALG',
      'STAFF_ROLES_CLAIM',
      'STAFF_SESSION_IDLE_SECONDS',
    ]) {
      expect(problems.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
    expect(problems.join('\n')).not.toContain('short');
  });

  it('refuses an http issuer in production, idle longer than absolute, no role, no openid, a shared callback', () => {
    const problems = problemsOf({
      ...base,
      ...staff,
      STAFF_OIDC_ISSUER: 'http://login.staff.example',
      STAFF_SESSION_IDLE_SECONDS: '7200',
      STAFF_SESSION_ABSOLUTE_SECONDS: '3600',
      STAFF_REQUIRED_ROLES: ' , ',
      STAFF_OIDC_SCOPES: 'profile roles',
      STAFF_OIDC_REDIRECT_URI: 'https://verdict.example/auth/franceconnect/callback',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'STAFF_OIDC_ISSUER: must be https in production',
        'STAFF_SESSION_IDLE_SECONDS: must not exceed STAFF_SESSION_ABSOLUTE_SECONDS',
        expect.stringMatching(/^STAFF_REQUIRED_ROLES:/),
        'STAFF_OIDC_SCOPES: must include openid',
        expect.stringMatching(/^STAFF_OIDC_REDIRECT_URI: must differ/),
      ]),
    );
  });
});

describe('readRoles', () => {
  it('reads an array, a single string, or a dotted path; ignores anything else', () => {
    expect(readRoles({ roles: ['a', 'b', 'a', 3, ''] }, 'roles')).toEqual(['a', 'b']);
    expect(readRoles({ roles: 'verdict:admin' }, 'roles')).toEqual(['verdict:admin']);
    expect(readRoles({ realm_access: { roles: ['x'] } }, 'realm_access.roles')).toEqual(['x']);
    expect(readRoles({ roles: { admin: true } }, 'roles')).toEqual([]);
    expect(readRoles({}, 'roles')).toEqual([]);
    expect(readRoles({ roles: ['r'.repeat(129)] }, 'roles')).toEqual([]);
  });
});

describe('startLocalIdp with a staff client', () => {
  it('still refuses to run with NODE_ENV=production', async () => {
    await expect(
      startLocalIdp({
        clients: [{ clientId: 'staff', clientSecret: 'x'.repeat(32), redirectUris: ['http://a/cb'], staff: true }],
        nodeEnv: 'production',
      }),
    ).rejects.toThrow(/must not run with NODE_ENV=production/);
  });
});
