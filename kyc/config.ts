import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { z } from 'zod';
import { KycConfigError } from './errors.js';

/** Signing algorithms the client accepts for ID tokens and userinfo JWTs (pinned per provider). */
export type SigningAlg = 'ES256' | 'RS256' | 'PS256';

/** The pivot-identity fields the onboarding rules need, and where a provider puts them. */
export type PivotField = 'given_name' | 'family_name' | 'birthdate' | 'gender' | 'birthplace' | 'birthcountry';

/** One OpenID Connect provider the player may sign up with. */
export interface OidcProviderConfig {
  /** Route segment and audit label: `/auth/<id>`, `/auth/<id>/callback`. */
  readonly id: string;
  /** `franceconnect`: FC's whitelisted authorize parameters (no PKCE), signed userinfo, eIDAS acr. */
  readonly profile: 'franceconnect' | 'generic';
  readonly issuer: URL;
  readonly clientId: string;
  /** How the client authenticates at the token endpoint. Secrets and keys are never logged. */
  readonly clientAuth:
    | { readonly method: 'client_secret_post'; readonly secret: string }
    | { readonly method: 'private_key_jwt'; readonly privateJwk: PrivateJwk };
  /** Registered redirect URI, distinct per provider (mix-up defence). */
  readonly redirectUri: URL;
  /** Registered post-logout redirect URI; logout at the provider is skipped when absent. */
  readonly postLogoutRedirectUri: URL | undefined;
  readonly scopes: readonly string[];
  /** `acr_values` sent on the authorize request (FranceConnect requires it). */
  readonly acrValues: string | undefined;
  /** Known acr values, lowest first; an acr outside this list is refused. */
  readonly acrLevels: readonly string[];
  /** Minimum acr accepted; undefined = the provider asserts no level (assurance recorded as `none`). */
  readonly requiredAcr: string | undefined;
  readonly idTokenAlg: SigningAlg;
  /** Userinfo must be a JWT signed with this alg; undefined = plain JSON userinfo (generic providers). */
  readonly userinfoAlg: SigningAlg | undefined;
  /** PKCE S256; always false for the FranceConnect profile, whose authorize whitelist rejects it. */
  readonly pkce: boolean;
  /** Claim names at this provider for each pivot field (FranceConnect names by default). */
  readonly claimMapping: Readonly<Record<PivotField, string>>;
  /**
   * FranceConnect+: the ID token and the userinfo JWT must be encrypted (JWE) to one of these keys,
   * then verified with the pinned signing alg. A plain signed response is refused. Undefined = no
   * encryption expected (FranceConnect v2 standard, generic providers).
   */
  readonly responseEncryption: ResponseEncryption | undefined;
}

/** JWE key management algorithms FranceConnect+ accepts. */
export type EncryptionAlg = 'RSA-OAEP' | 'RSA-OAEP-256' | 'ECDH-ES';
/** JWE content encryption algorithms accepted. */
export type EncryptionEnc = 'A256GCM' | 'A192GCM' | 'A128GCM';

/** Decryption keys (private JWKs with a `kid`, all usable: rotation) and the expected JWE alg/enc. */
export interface ResponseEncryption {
  readonly alg: EncryptionAlg;
  readonly enc: EncryptionEnc;
  /** Private JWKs (RSA for RSA-OAEP*, EC P-256 for ECDH-ES). Never logged; public parts served on `/auth/jwks.json`. */
  readonly keys: readonly PrivateJwk[];
}

/** A private signing key (ES256 on P-256, or RS256) as a JWK, for `private_key_jwt`. */
export interface PrivateJwk {
  readonly kty: 'EC' | 'RSA';
  readonly d: string;
  readonly kid?: string | undefined;
  readonly [member: string]: unknown;
}

/** The kyc section of the application configuration. Built by {@link loadKycConfig}. */
export interface KycConfig {
  readonly providers: readonly OidcProviderConfig[];
  /** Key of HMAC-SHA-256 over the normalised pivot identity ("one person, one account"). */
  readonly identityHmacKey: Buffer;
  /** AES-256-GCM keyring for the pivot identity; new rows use `activeKeyId`, old ones keep theirs. */
  readonly encryption: { readonly activeKeyId: string; readonly keys: ReadonlyMap<string, Buffer> };
  /** Session cookie signing secrets, newest first (rotation: prepend a new one). */
  readonly sessionSecrets: readonly string[];
  readonly cookieSecure: boolean;
  readonly sessionTtlSeconds: number;
  readonly loginStateTtlSeconds: number;
  readonly clockToleranceSeconds: number;
  readonly httpTimeoutSeconds: number;
  /** Plain-http identity providers (loopback tests and the local stack only; refused in production). */
  readonly allowInsecureHttp: boolean;
  readonly exclusionRecheckDays: number;
  readonly redisPrefix: string;
  /** Origins whose pages may send cookie-authenticated writes (the Origin/CSRF check). */
  readonly allowedOrigins: readonly string[];
  /** Login starts (`GET /auth/:provider`) allowed per client address and window. */
  readonly loginRateLimit: { readonly limit: number; readonly windowSeconds: number };
  /** Where the browser lands after login (limits page first when limits are not set yet). */
  readonly paths: { readonly afterLogin: string; readonly setLimits: string; readonly afterLogout: string };
  /** Staff (admin) sign-in through the staff OpenID Connect provider; undefined when no STAFF_OIDC_* is set. */
  readonly staff: StaffAuthConfig | undefined;
}

/**
 * Staff sign-in (STAFF_*): admins sign in at the organisation's OpenID Connect provider, whose ID
 * token (or userinfo) carries their roles. See docs/kyc.md, "Staff sign-in".
 */
export interface StaffAuthConfig {
  /** The staff provider (generic profile, client_secret_post, PKCE, pinned ID token alg, plain JSON userinfo). */
  readonly provider: OidcProviderConfig;
  /** Claim holding the roles (array of strings, or one string); a dotted path reads nested claims (`realm_access.roles`). */
  readonly rolesClaim: string;
  /** Roles every staff sign-in needs (all of them); a sign-in without them is refused (KYC_STAFF_FORBIDDEN). */
  readonly requiredRoles: readonly string[];
  /** The role of admins who may attest results (oracle/); routes check it with `requireAdmin(attesterRole)`. */
  readonly attesterRole: string;
  /** Claim giving the admin's stable id (`adminId`, the key of oracle's admin ↔ attester bindings). */
  readonly adminIdClaim: string;
  /** A staff session ends this long after sign-in, whatever happens. */
  readonly absoluteTtlSeconds: number;
  /** A staff session ends after this long without an admin request. */
  readonly idleTtlSeconds: number;
  readonly paths: { readonly afterLogin: string; readonly afterLogout: string };
}

export const FRANCECONNECT_CLAIMS: Readonly<Record<PivotField, string>> = {
  given_name: 'given_name',
  family_name: 'family_name',
  birthdate: 'birthdate',
  gender: 'gender',
  birthplace: 'birthplace',
  birthcountry: 'birthcountry',
};

export const EIDAS_LEVELS = ['eidas1', 'eidas2', 'eidas3'] as const;

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const alg = z.enum(['ES256', 'RS256', 'PS256']);
const encryptionAlg = z.enum(['RSA-OAEP', 'RSA-OAEP-256', 'ECDH-ES']);
const encryptionEnc = z.enum(['A256GCM', 'A192GCM', 'A128GCM']);
const DecryptionJwks = z
  .array(
    z.looseObject({
      kty: z.enum(['EC', 'RSA']),
      kid: z.string().regex(/^[\w.-]{1,64}$/, 'each key needs a kid (1-64 of [A-Za-z0-9_.-])'),
      d: z.string().min(1, 'must be a private key (d)'),
      crv: z.string().optional(),
      n: z.string().optional(),
      use: z.literal('enc').optional(),
    }),
  )
  .min(1, 'at least one key');
const base64Key = (bytes: number) =>
  z
    .string()
    .transform((s) => Buffer.from(s, 'base64'))
    .refine((b) => b.length >= bytes, `must be base64 of at least ${bytes} bytes`);

const GenericProvider = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'lowercase id, 2-31 chars'),
  issuer: z.url(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(16).optional(),
  privateKeyJwk: z
    .looseObject({
      kty: z.enum(['EC', 'RSA']),
      d: z.string().min(1),
      kid: z.string().optional(),
      crv: z.string().optional(),
    })
    .refine((k) => k.kty === 'RSA' || k.crv === 'P-256', 'EC keys must be P-256 (ES256)')
    .optional(),
  redirectUri: z.url(),
  postLogoutRedirectUri: z.url().optional(),
  scopes: z.array(z.string().min(1)).default(['openid', 'profile']),
  acrValues: z.string().optional(),
  acrLevels: z.array(z.string().min(1)).default([]),
  requiredAcr: z.string().optional(),
  idTokenAlg: alg.default('RS256'),
  userinfoAlg: alg.optional(),
  claimMapping: z
    .object({
      given_name: z.string(),
      family_name: z.string(),
      birthdate: z.string(),
      gender: z.string(),
      birthplace: z.string(),
      birthcountry: z.string(),
    })
    .partial()
    .default({}),
});

const Env = z.object({
  NODE_ENV: z.string().default('development'),
  FRANCECONNECT_ISSUER: z.url().describe('FC discovery base, e.g. https://oidc.franceconnect.gouv.fr/api/v2'),
  FRANCECONNECT_CLIENT_ID: z.string().min(1),
  FRANCECONNECT_CLIENT_SECRET: z.string().min(16).describe('client_secret_post secret; no default'),
  FRANCECONNECT_REDIRECT_URI: z.url().describe('registered callback, e.g. https://host/auth/franceconnect/callback'),
  FRANCECONNECT_POST_LOGOUT_REDIRECT_URI: z.url().describe('registered, e.g. https://host/auth/logout/callback'),
  FRANCECONNECT_PROFILE: z
    .enum(['standard', 'plus'])
    .default('standard')
    .describe('standard = FC v2 (eidas1); plus = FranceConnect+ (eidas2)'),
  FRANCECONNECT_ACR: z.enum(EIDAS_LEVELS).optional().describe('minimum and requested acr; default by profile'),
  FRANCECONNECT_SCOPES: z.string().default('openid identite_pivot email'),
  FRANCECONNECT_ID_TOKEN_ALG: alg.default('ES256'),
  FRANCECONNECT_USERINFO_ALG: alg.default('ES256'),
  FRANCECONNECT_DECRYPTION_JWKS: z
    .string()
    .optional()
    .describe('JSON array of private JWKs (with kid) for FranceConnect+ JWE; required when FRANCECONNECT_PROFILE=plus'),
  FRANCECONNECT_ENCRYPTION_ALG: encryptionAlg.default('RSA-OAEP-256'),
  FRANCECONNECT_ENCRYPTION_ENC: encryptionEnc.default('A256GCM'),
  KYC_OIDC_PROVIDERS: z
    .string()
    .default('[]')
    .describe('JSON array of other OpenID Connect providers (see docs/kyc.md)'),
  KYC_IDENTITY_HMAC_KEY: base64Key(32).describe('base64, >= 32 random bytes; no default'),
  KYC_ENCRYPTION_KEYS: z
    .string()
    .min(1)
    .describe('comma-separated keyId:base64(32 bytes) pairs, e.g. k2026a:...,k2025b:...'),
  KYC_ENCRYPTION_ACTIVE_KEY_ID: z.string().min(1),
  KYC_SESSION_SECRETS: z.string().min(1).describe('comma-separated, newest first, each >= 32 chars'),
  KYC_COOKIE_SECURE: bool.default(true).describe('Secure cookie flag; false only for http://localhost'),
  KYC_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3_600),
  KYC_LOGIN_STATE_TTL_SECONDS: z.coerce.number().int().min(1).max(1_800).default(600),
  KYC_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(60).default(30),
  KYC_HTTP_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
  KYC_ALLOW_INSECURE_HTTP: bool.default(false).describe('plain-http identity providers; refused in production'),
  KYC_EXCLUSION_RECHECK_DAYS: z.coerce.number().int().min(1).max(7).default(7),
  KYC_REDIS_PREFIX: z.string().default('kyc:'),
  KYC_ALLOWED_ORIGINS: z
    .string()
    .optional()
    .describe(
      "comma-separated origins allowed to send cookie-authenticated writes; default: the redirect URIs' origins",
    ),
  KYC_LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(20),
  KYC_LOGIN_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  KYC_AFTER_LOGIN_PATH: z.string().startsWith('/').default('/'),
  KYC_SET_LIMITS_PATH: z.string().startsWith('/').default('/account/limits'),
  KYC_AFTER_LOGOUT_PATH: z.string().startsWith('/').default('/'),
  STAFF_OIDC_ISSUER: z.url().optional().describe("the staff provider's issuer (discovery base)"),
  STAFF_OIDC_CLIENT_ID: z.string().min(1).optional(),
  STAFF_OIDC_CLIENT_SECRET: z.string().min(16).optional().describe('client_secret_post secret; no default'),
  STAFF_OIDC_REDIRECT_URI: z.url().optional().describe('registered callback, e.g. https://host/admin/auth/callback'),
  STAFF_OIDC_SCOPES: z.string().default('openid profile roles'),
  STAFF_OIDC_ID_TOKEN_ALG: alg.default('RS256'),
  STAFF_ROLES_CLAIM: z
    .string()
    .regex(/^[\w:-]+(\.[\w:-]+)*$/, 'a claim name or dotted path')
    .default('roles'),
  STAFF_REQUIRED_ROLES: z.string().default('verdict:admin'),
  STAFF_ATTESTER_ROLE: z
    .string()
    .regex(/^\S{1,128}$/, 'one role, no spaces')
    .default('verdict:attester'),
  STAFF_ADMIN_ID_CLAIM: z
    .string()
    .regex(/^[\w:-]+$/, 'a claim name')
    .default('sub'),
  STAFF_SESSION_ABSOLUTE_SECONDS: z.coerce.number().int().min(300).max(43_200).default(28_800),
  STAFF_SESSION_IDLE_SECONDS: z.coerce.number().int().min(60).max(7_200).default(1_800),
  STAFF_AFTER_LOGIN_PATH: z.string().startsWith('/').default('/admin'),
  STAFF_AFTER_LOGOUT_PATH: z.string().startsWith('/').default('/'),
});

const STAFF_REQUIRED_VARS = [
  'STAFF_OIDC_ISSUER',
  'STAFF_OIDC_CLIENT_ID',
  'STAFF_OIDC_CLIENT_SECRET',
  'STAFF_OIDC_REDIRECT_URI',
] as const;

/** The staff section, or undefined when none of its required variables is set (every missing one is a problem otherwise). */
function parseStaff(e: z.infer<typeof Env>, problems: string[]): StaffAuthConfig | undefined {
  const set = STAFF_REQUIRED_VARS.filter((name) => e[name] !== undefined);
  if (set.length === 0) return undefined;
  const missing = STAFF_REQUIRED_VARS.filter((name) => e[name] === undefined);
  for (const name of missing) problems.push(`${name}: required when staff sign-in is configured (STAFF_OIDC_*)`);
  const scopes = e.STAFF_OIDC_SCOPES.split(/\s+/).filter(Boolean);
  if (!scopes.includes('openid')) problems.push('STAFF_OIDC_SCOPES: must include openid');
  const requiredRoles = e.STAFF_REQUIRED_ROLES.split(/[\s,]+/).filter(Boolean);
  if (requiredRoles.length === 0) problems.push('STAFF_REQUIRED_ROLES: at least one role (e.g. verdict:admin)');
  if (requiredRoles.some((r) => r.length > 128)) problems.push('STAFF_REQUIRED_ROLES: each role <= 128 chars');
  if (e.STAFF_SESSION_IDLE_SECONDS > e.STAFF_SESSION_ABSOLUTE_SECONDS) {
    problems.push('STAFF_SESSION_IDLE_SECONDS: must not exceed STAFF_SESSION_ABSOLUTE_SECONDS');
  }
  if (missing.length > 0) return undefined;
  return {
    provider: {
      id: 'staff',
      profile: 'generic',
      issuer: new URL(e.STAFF_OIDC_ISSUER!),
      clientId: e.STAFF_OIDC_CLIENT_ID!,
      clientAuth: { method: 'client_secret_post', secret: e.STAFF_OIDC_CLIENT_SECRET! },
      redirectUri: new URL(e.STAFF_OIDC_REDIRECT_URI!),
      postLogoutRedirectUri: undefined,
      scopes,
      acrValues: undefined,
      acrLevels: [],
      requiredAcr: undefined,
      idTokenAlg: e.STAFF_OIDC_ID_TOKEN_ALG,
      userinfoAlg: undefined,
      pkce: true,
      claimMapping: FRANCECONNECT_CLAIMS,
      responseEncryption: undefined,
    },
    rolesClaim: e.STAFF_ROLES_CLAIM,
    requiredRoles,
    attesterRole: e.STAFF_ATTESTER_ROLE,
    adminIdClaim: e.STAFF_ADMIN_ID_CLAIM,
    absoluteTtlSeconds: e.STAFF_SESSION_ABSOLUTE_SECONDS,
    idleTtlSeconds: e.STAFF_SESSION_IDLE_SECONDS,
    paths: { afterLogin: e.STAFF_AFTER_LOGIN_PATH, afterLogout: e.STAFF_AFTER_LOGOUT_PATH },
  };
}

/**
 * Reads and validates the kyc variables once. Pure: pass `process.env` from the composition root.
 *
 * @throws {KycConfigError} listing every invalid or missing variable by name (values are never echoed).
 */
export function loadKycConfig(env: Readonly<Record<string, string | undefined>>): KycConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new KycConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const production = e.NODE_ENV === 'production';

  const keys = parseKeyring(e.KYC_ENCRYPTION_KEYS, e.KYC_ENCRYPTION_ACTIVE_KEY_ID, problems);
  const sessionSecrets = e.KYC_SESSION_SECRETS.split(',').map((s) => s.trim());
  if (sessionSecrets.some((s) => s.length < 32)) problems.push('KYC_SESSION_SECRETS: each secret must be >= 32 chars');
  if (production && e.KYC_ALLOW_INSECURE_HTTP) problems.push('KYC_ALLOW_INSECURE_HTTP: must be false in production');
  if (production && !e.KYC_COOKIE_SECURE) problems.push('KYC_COOKIE_SECURE: must be true in production');

  const plus = e.FRANCECONNECT_PROFILE === 'plus';
  const responseEncryption = plus
    ? parseDecryptionJwks(
        e.FRANCECONNECT_DECRYPTION_JWKS,
        e.FRANCECONNECT_ENCRYPTION_ALG,
        e.FRANCECONNECT_ENCRYPTION_ENC,
        problems,
      )
    : undefined;
  const fcAcr = e.FRANCECONNECT_ACR ?? (plus ? 'eidas2' : 'eidas1');
  const providers: OidcProviderConfig[] = [
    {
      id: 'franceconnect',
      profile: 'franceconnect',
      issuer: new URL(e.FRANCECONNECT_ISSUER),
      clientId: e.FRANCECONNECT_CLIENT_ID,
      clientAuth: { method: 'client_secret_post', secret: e.FRANCECONNECT_CLIENT_SECRET },
      redirectUri: new URL(e.FRANCECONNECT_REDIRECT_URI),
      postLogoutRedirectUri: new URL(e.FRANCECONNECT_POST_LOGOUT_REDIRECT_URI),
      scopes: e.FRANCECONNECT_SCOPES.split(/\s+/).filter(Boolean),
      acrValues: fcAcr,
      acrLevels: EIDAS_LEVELS,
      requiredAcr: fcAcr,
      idTokenAlg: plus ? 'ES256' : e.FRANCECONNECT_ID_TOKEN_ALG,
      userinfoAlg: plus ? 'ES256' : e.FRANCECONNECT_USERINFO_ALG,
      pkce: false,
      claimMapping: FRANCECONNECT_CLAIMS,
      responseEncryption,
    },
  ];
  if (!e.FRANCECONNECT_SCOPES.split(/\s+/).includes('openid'))
    problems.push('FRANCECONNECT_SCOPES: must include openid');

  let others: unknown;
  try {
    others = JSON.parse(e.KYC_OIDC_PROVIDERS);
  } catch {
    problems.push('KYC_OIDC_PROVIDERS: not valid JSON');
  }
  const list = z.array(GenericProvider).safeParse(others ?? []);
  if (!list.success) {
    for (const i of list.error.issues) problems.push(`KYC_OIDC_PROVIDERS.${i.path.join('.')}: ${i.message}`);
  } else {
    for (const [index, p] of list.data.entries()) {
      const where = `KYC_OIDC_PROVIDERS.${index}`;
      if (providers.some((q) => q.id === p.id)) problems.push(`${where}.id: duplicate provider id ${p.id}`);
      if (p.requiredAcr !== undefined && !p.acrLevels.includes(p.requiredAcr)) {
        problems.push(`${where}.requiredAcr: must be one of acrLevels`);
      }
      if (!p.scopes.includes('openid')) problems.push(`${where}.scopes: must include openid`);
      if ((p.clientSecret === undefined) === (p.privateKeyJwk === undefined)) {
        problems.push(
          `${where}: set exactly one of clientSecret (client_secret_post) or privateKeyJwk (private_key_jwt)`,
        );
        continue;
      }
      providers.push({
        id: p.id,
        profile: 'generic',
        issuer: new URL(p.issuer),
        clientId: p.clientId,
        clientAuth: p.privateKeyJwk
          ? { method: 'private_key_jwt', privateJwk: p.privateKeyJwk }
          : { method: 'client_secret_post', secret: p.clientSecret! },
        redirectUri: new URL(p.redirectUri),
        postLogoutRedirectUri: p.postLogoutRedirectUri === undefined ? undefined : new URL(p.postLogoutRedirectUri),
        scopes: p.scopes,
        acrValues: p.acrValues,
        acrLevels: p.acrLevels,
        requiredAcr: p.requiredAcr,
        idTokenAlg: p.idTokenAlg,
        userinfoAlg: p.userinfoAlg,
        pkce: true,
        claimMapping: { ...FRANCECONNECT_CLAIMS, ...p.claimMapping },
        responseEncryption: undefined,
      });
    }
  }
  const redirects = providers.map((p) => p.redirectUri.href);
  if (new Set(redirects).size !== redirects.length) {
    problems.push('KYC_OIDC_PROVIDERS: each provider needs its own redirectUri (mix-up defence)');
  }
  const staff = parseStaff(e, problems);
  if (staff && providers.some((p) => p.redirectUri.pathname === staff.provider.redirectUri.pathname)) {
    problems.push("STAFF_OIDC_REDIRECT_URI: must differ from every player provider's redirect URI path");
  }
  if (production) {
    for (const p of providers) {
      if (p.issuer.protocol !== 'https:') problems.push(`issuer of provider ${p.id}: must be https in production`);
    }
    if (staff && staff.provider.issuer.protocol !== 'https:') {
      problems.push('STAFF_OIDC_ISSUER: must be https in production');
    }
  }
  const allowedOrigins = parseOrigins(
    e.KYC_ALLOWED_ORIGINS,
    staff ? [...providers, staff.provider] : providers,
    problems,
  );
  if (problems.length > 0) throw new KycConfigError(problems);

  return Object.freeze({
    providers,
    identityHmacKey: e.KYC_IDENTITY_HMAC_KEY,
    encryption: { activeKeyId: e.KYC_ENCRYPTION_ACTIVE_KEY_ID, keys },
    sessionSecrets,
    cookieSecure: e.KYC_COOKIE_SECURE,
    sessionTtlSeconds: e.KYC_SESSION_TTL_SECONDS,
    loginStateTtlSeconds: e.KYC_LOGIN_STATE_TTL_SECONDS,
    clockToleranceSeconds: e.KYC_CLOCK_TOLERANCE_SECONDS,
    httpTimeoutSeconds: e.KYC_HTTP_TIMEOUT_SECONDS,
    allowInsecureHttp: e.KYC_ALLOW_INSECURE_HTTP,
    exclusionRecheckDays: e.KYC_EXCLUSION_RECHECK_DAYS,
    redisPrefix: e.KYC_REDIS_PREFIX,
    allowedOrigins,
    loginRateLimit: { limit: e.KYC_LOGIN_RATE_LIMIT, windowSeconds: e.KYC_LOGIN_RATE_WINDOW_SECONDS },
    paths: {
      afterLogin: e.KYC_AFTER_LOGIN_PATH,
      setLimits: e.KYC_SET_LIMITS_PATH,
      afterLogout: e.KYC_AFTER_LOGOUT_PATH,
    },
    staff,
  });
}

/** KYC_ALLOWED_ORIGINS, or the distinct origins of the providers' redirect URIs (the app's own origin). */
function parseOrigins(raw: string | undefined, providers: readonly OidcProviderConfig[], problems: string[]): string[] {
  if (raw === undefined || raw.trim() === '') return [...new Set(providers.map((p) => p.redirectUri.origin))];
  const origins: string[] = [];
  for (const item of raw.split(',').map((o) => o.trim())) {
    let url: URL | undefined;
    try {
      url = new URL(item);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== item.replace(/\/$/, '')) {
      problems.push('KYC_ALLOWED_ORIGINS: each entry must be an origin such as https://host[:port]');
      break;
    }
    origins.push(url.origin);
  }
  return origins;
}

const DECRYPTION_VAR = 'FRANCECONNECT_DECRYPTION_JWKS';

/** Validates the FranceConnect+ decryption keys; problems name the variable, never a key value. */
function parseDecryptionJwks(
  raw: string | undefined,
  alg: EncryptionAlg,
  enc: EncryptionEnc,
  problems: string[],
): ResponseEncryption | undefined {
  if (raw === undefined || raw.trim() === '') {
    problems.push(
      `${DECRYPTION_VAR}: required when FRANCECONNECT_PROFILE=plus (FranceConnect+ encrypts its responses)`,
    );
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    problems.push(`${DECRYPTION_VAR}: not valid JSON (expected an array of private JWKs)`);
    return undefined;
  }
  const parsed = DecryptionJwks.safeParse(json);
  if (!parsed.success) {
    for (const i of parsed.error.issues) problems.push(`${[DECRYPTION_VAR, ...i.path].join('.')}: ${i.message}`);
    return undefined;
  }
  const keys = parsed.data;
  let ok = true;
  for (const [index, k] of keys.entries()) {
    const where = `${DECRYPTION_VAR}.${index}`;
    if (alg === 'ECDH-ES' ? k.kty !== 'EC' || k.crv !== 'P-256' : k.kty !== 'RSA') {
      problems.push(
        `${where}: FRANCECONNECT_ENCRYPTION_ALG=${alg} needs ${alg === 'ECDH-ES' ? 'EC P-256' : 'RSA'} keys`,
      );
      ok = false;
    } else if (k.kty === 'RSA' && Buffer.from(k.n ?? '', 'base64url').length < 256) {
      problems.push(`${where}: RSA keys must be at least 2048 bits`);
      ok = false;
    }
    try {
      if (createPrivateKey({ key: k as unknown as JsonWebKey, format: 'jwk' }).type !== 'private') throw new Error();
    } catch {
      problems.push(`${where}: not a usable private key`);
      ok = false;
    }
    if (typeof k.alg === 'string' && k.alg !== alg) {
      problems.push(`${where}.alg: must be FRANCECONNECT_ENCRYPTION_ALG (${alg}) or absent`);
      ok = false;
    }
    if (keys.findIndex((o) => o.kid === k.kid) !== index) {
      problems.push(`${where}.kid: duplicate kid ${k.kid}`);
      ok = false;
    }
  }
  return ok ? { alg, enc, keys } : undefined;
}

function parseKeyring(list: string, activeKeyId: string, problems: string[]): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const pair of list.split(',')) {
    const [id, b64] = pair.trim().split(':');
    const key = b64 === undefined ? undefined : Buffer.from(b64, 'base64');
    if (!id || !/^[\w.-]{1,32}$/.test(id) || key?.length !== 32) {
      problems.push('KYC_ENCRYPTION_KEYS: each entry must be keyId:base64 of exactly 32 bytes');
      break;
    }
    if (keys.has(id)) problems.push(`KYC_ENCRYPTION_KEYS: duplicate key id ${id}`);
    keys.set(id, key);
  }
  if (!keys.has(activeKeyId)) problems.push('KYC_ENCRYPTION_ACTIVE_KEY_ID: must name a key of KYC_ENCRYPTION_KEYS');
  return keys;
}

/** What the kyc admin scripts and jobs need (no provider or session settings). */
export interface KycJobConfig {
  readonly databaseUrl: string;
  readonly identityHmacKey: Buffer;
  readonly encryption: { readonly activeKeyId: string; readonly keys: ReadonlyMap<string, Buffer> };
  readonly exclusionRecheckDays: number;
}

const JobEnv = z.object({
  DATABASE_URL: z.url().describe('Postgres of the application'),
  KYC_IDENTITY_HMAC_KEY: base64Key(32),
  KYC_ENCRYPTION_KEYS: z.string().min(1),
  KYC_ENCRYPTION_ACTIVE_KEY_ID: z.string().min(1),
  KYC_EXCLUSION_RECHECK_DAYS: z.coerce.number().int().min(1).max(7).default(7),
});

/**
 * Config of the kyc scripts (`scripts/kyc-*.ts`).
 *
 * @throws {KycConfigError} naming every invalid variable.
 */
export function loadKycJobConfig(env: Readonly<Record<string, string | undefined>>): KycJobConfig {
  const parsed = JobEnv.safeParse(env);
  if (!parsed.success) throw new KycConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const problems: string[] = [];
  const keys = parseKeyring(parsed.data.KYC_ENCRYPTION_KEYS, parsed.data.KYC_ENCRYPTION_ACTIVE_KEY_ID, problems);
  if (problems.length > 0) throw new KycConfigError(problems);
  return {
    databaseUrl: parsed.data.DATABASE_URL,
    identityHmacKey: parsed.data.KYC_IDENTITY_HMAC_KEY,
    encryption: { activeKeyId: parsed.data.KYC_ENCRYPTION_ACTIVE_KEY_ID, keys },
    exclusionRecheckDays: parsed.data.KYC_EXCLUSION_RECHECK_DAYS,
  };
}
