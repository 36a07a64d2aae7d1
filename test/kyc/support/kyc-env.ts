import { randomBytes } from 'node:crypto';

/** What {@link kycEnv} needs: the FranceConnect-like provider, the app's origin and the Redis prefix. */
export interface KycEnvOptions {
  readonly issuer: string;
  readonly appBase: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redisPrefix: string;
}

/**
 * kyc's variables for a test or bench process over plain HTTP on loopback: FranceConnect at `issuer`
 * (callbacks under `appBase`), random identity HMAC, encryption (key id `k1`) and session secrets, and
 * insecure cookies. One definition for the kyc harness, the API's process environment and the benches.
 */
export function kycEnv(options: KycEnvOptions) {
  return {
    NODE_ENV: 'test',
    FRANCECONNECT_ISSUER: options.issuer,
    FRANCECONNECT_CLIENT_ID: options.clientId,
    FRANCECONNECT_CLIENT_SECRET: options.clientSecret,
    FRANCECONNECT_REDIRECT_URI: `${options.appBase}/auth/franceconnect/callback`,
    FRANCECONNECT_POST_LOGOUT_REDIRECT_URI: `${options.appBase}/auth/franceconnect/logout/callback`,
    KYC_IDENTITY_HMAC_KEY: randomBytes(32).toString('base64'),
    KYC_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    KYC_ENCRYPTION_ACTIVE_KEY_ID: 'k1',
    KYC_SESSION_SECRETS: randomBytes(32).toString('base64url'),
    KYC_COOKIE_SECURE: 'false',
    KYC_ALLOW_INSECURE_HTTP: 'true',
    KYC_REDIS_PREFIX: options.redisPrefix,
  } satisfies Record<string, string>;
}
