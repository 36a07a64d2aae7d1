import { randomBytes } from 'node:crypto';
import { kycEnv } from '../../kyc/support/kyc-env.js';

/**
 * A complete environment for `loadApiConfig`: kyc's variables (a FranceConnect-like provider at
 * `issuer`; discovery is lazy, so nothing needs to answer there until someone signs in), the oracle's
 * chain section, api's own. Secrets are random per call.
 */
export function processEnv(options: {
  databaseUrl: string;
  rpcUrl: string;
  oracleAddress: string;
  appBase?: string;
  issuer?: string;
  redisUrl?: string;
  redisPrefix?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  const appBase = options.appBase ?? 'http://127.0.0.1:3000';
  const issuer = options.issuer ?? 'http://127.0.0.1:9/';
  const prefix = options.redisPrefix ?? `test:process:${randomBytes(4).toString('hex')}:`;
  return {
    ...kycEnv({
      issuer,
      appBase,
      clientId: 'fc-client',
      clientSecret: randomBytes(24).toString('base64'),
      redisPrefix: `${prefix}kyc:`,
    }),
    DATABASE_URL: options.databaseUrl,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    SETTLER_PORT: '0',
    API_REDIS_PREFIX: `${prefix}api:`,
    PAYMENTS_WEBHOOK_SECRET: randomBytes(24).toString('base64'),
    API_LOG_LEVEL: 'info',
    ORACLE_RPC_URLS: options.rpcUrl,
    ORACLE_CHAIN_ID: '31337',
    ORACLE_ADDRESS: options.oracleAddress,
    ...options.extra,
  };
}
