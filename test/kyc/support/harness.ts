import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  type KycConfig,
  type KycModule,
  createKycModule,
  createSessionMiddleware,
  loadKycConfig,
  migrateKyc,
} from '../../../kyc/index.js';
import { startLocalIdp, type LocalIdp, type StaffTestIdentity, type TestIdentity } from '../../../kyc/idp/index.js';
import { createMemoryEphemeral, type Ephemeral } from '../../../lib/ephemeral/index.js';
import { createTestDatabase, testRedisPrefix, testRedisUrl, type TestDatabase } from '../../support/services.js';
import { Browser } from './browser.js';
import { kycEnv } from './kyc-env.js';

export const SESSION_COOKIE = 'verdict.sid';

export interface Harness {
  readonly appBase: string;
  readonly idp: LocalIdp;
  readonly kyc: KycModule;
  readonly config: KycConfig;
  readonly env: Readonly<Record<string, string>>;
  readonly pool: pg.Pool;
  readonly redis: Redis;
  readonly logs: string[];
  readonly metrics: Registry;
  /** Secret values that must never appear in logs. */
  readonly secrets: readonly string[];
  /** Starts a login in a fresh browser and runs the provider leg; returns the callback URL, not visited. */
  authorize(identity: string, provider?: string): Promise<{ browser: Browser; callbackUrl: URL }>;
  /** Visits the callback (JSON accept so errors come back as problem+json). */
  callback(browser: Browser, callbackUrl: URL | string): Promise<Response>;
  /** Staff sign-in up to the callback URL (not visited), in `browser` or a fresh one. */
  staffAuthorize(identity: string, browser?: Browser): Promise<{ browser: Browser; callbackUrl: URL }>;
  /** staffAuthorize + callback (JSON accept). */
  staffSignIn(identity: string, browser?: Browser): Promise<{ browser: Browser; response: Response; callbackUrl: URL }>;
  /** authorize + callback. */
  signIn(identity: string, provider?: string): Promise<{ browser: Browser; response: Response; callbackUrl: URL }>;
  counts(): Promise<{ accounts: number; identities: number; limits: number; audit: number }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly label: string;
  /**
   * `memory`: login state, rate limits and sessions in lib/ephemeral's in-memory implementations (the
   * local stack's default) instead of Redis. `redis` (default): on the real Redis.
   */
  readonly ephemeral?: 'redis' | 'memory';
  readonly env?: Readonly<Record<string, string>>;
  readonly now?: () => Date;
  /** More generic providers for KYC_OIDC_PROVIDERS (e.g. one whose issuer is down). */
  readonly extraProviders?: (appBase: string) => readonly Record<string, unknown>[];
  /**
   * FranceConnect+ (FRANCECONNECT_PROFILE=plus): the client publishes two decryption keys (rotation) on
   * /auth/jwks.json and the local provider encrypts to them; `idToken`/`userinfo: false` make the
   * provider send that response signed only (what the client must refuse).
   */
  /** Routes mounted on the app before the kyc router (e.g. routes guarded by `requirePlayer`). */
  readonly beforeRouter?: (app: express.Express, kyc: KycModule) => void;
  /** Routes mounted after the kyc router. */
  readonly afterRouter?: (app: express.Express, kyc: KycModule) => void;
  /** Staff identities of the local provider (default: the documented ones). */
  readonly staffIdentities?: readonly StaffTestIdentity[];
  /** Player identities of the local provider (default: the documented ones; bench/kyc.ts makes its own). */
  readonly identities?: readonly TestIdentity[];
  /** `discard`: log at warn level to nowhere, `logs` stays empty (benchmarks). Default `collect` (debug). */
  readonly logs?: 'collect' | 'discard';
  /** Size of the pg pool (default 8). */
  readonly poolMax?: number;
  readonly franceConnectPlus?: {
    readonly alg?: 'RSA-OAEP' | 'RSA-OAEP-256' | 'ECDH-ES';
    readonly idToken?: boolean;
    readonly userinfo?: boolean;
  };
}

const secret = () => randomBytes(32).toString('base64url');

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const db: TestDatabase = await createTestDatabase(options.label);
  const pool = new pg.Pool({ connectionString: db.url, max: options.poolMax ?? 8 });
  // Dropping the database at the end terminates idle connections: not an error here.
  pool.on('error', () => undefined);
  await migrateKyc(pool);
  const redis = new Redis(testRedisUrl());
  const prefix = testRedisPrefix(options.label);

  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const appBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fcSecret = secret();
  const staffSecret = secret();
  // The generic provider authenticates with private_key_jwt (ES256).
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const otherPrivateJwk = { ...otherKey.privateKey.export({ format: 'jwk' }), kid: 'other-1' };
  const otherPublicJwk = { ...otherKey.publicKey.export({ format: 'jwk' }), kid: 'other-1', alg: 'ES256', use: 'sig' };
  const plus = options.franceConnectPlus;
  const encAlg = plus?.alg ?? 'RSA-OAEP-256';
  const decryptionJwks = plus
    ? ['fc-enc-2025', 'fc-enc-2026'].map((kid) => {
        const pair =
          encAlg === 'ECDH-ES'
            ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
            : generateKeyPairSync('rsa', { modulusLength: 2048 });
        return { ...pair.privateKey.export({ format: 'jwk' }), kid };
      })
    : [];
  const idp = await startLocalIdp({
    clients: [
      {
        clientId: 'fc-client',
        clientSecret: fcSecret,
        redirectUris: [`${appBase}/auth/franceconnect/callback`],
        postLogoutRedirectUris: [`${appBase}/auth/franceconnect/logout/callback`],
        ...(plus
          ? {
              encryption: {
                alg: encAlg,
                idToken: plus.idToken ?? true,
                userinfo: plus.userinfo ?? true,
                jwksUri: `${appBase}/auth/jwks.json`,
              },
            }
          : {}),
      },
      {
        clientId: 'other-client',
        publicJwks: [otherPublicJwk],
        redirectUris: [`${appBase}/auth/other/callback`],
        idTokenAlg: 'RS256',
        userinfoAlg: null,
        franceConnectStrict: false,
      },
      {
        clientId: 'staff-client',
        clientSecret: staffSecret,
        redirectUris: [`${appBase}/admin/auth/callback`],
        idTokenAlg: 'RS256',
        userinfoAlg: null,
        staff: true,
      },
    ],
    ...(options.staffIdentities ? { staffIdentities: options.staffIdentities } : {}),
    ...(options.identities ? { identities: options.identities } : {}),
  });

  const base = kycEnv({
    issuer: idp.issuer,
    appBase,
    clientId: 'fc-client',
    clientSecret: fcSecret,
    redisPrefix: prefix,
  });
  const env: Record<string, string> = {
    ...base,
    KYC_OIDC_PROVIDERS: JSON.stringify([
      {
        id: 'other',
        issuer: idp.issuer,
        clientId: 'other-client',
        privateKeyJwk: otherPrivateJwk,
        redirectUri: `${appBase}/auth/other/callback`,
        scopes: ['openid', 'profile', 'birth', 'email'],
        idTokenAlg: 'RS256',
        acrLevels: ['eidas1', 'eidas2', 'eidas3'],
      },
      ...(options.extraProviders?.(appBase) ?? []),
    ]),
    STAFF_OIDC_ISSUER: idp.issuer,
    STAFF_OIDC_CLIENT_ID: 'staff-client',
    STAFF_OIDC_CLIENT_SECRET: staffSecret,
    STAFF_OIDC_REDIRECT_URI: `${appBase}/admin/auth/callback`,
    // Every test signs in from 127.0.0.1; the limit itself is tested with its own harness.
    KYC_LOGIN_RATE_LIMIT: '10000',
    ...(plus
      ? {
          FRANCECONNECT_PROFILE: 'plus',
          FRANCECONNECT_DECRYPTION_JWKS: JSON.stringify(decryptionJwks),
          FRANCECONNECT_ENCRYPTION_ALG: encAlg,
        }
      : {}),
    ...options.env,
  };
  const config = loadKycConfig(env);

  const logs: string[] = [];
  const collect = options.logs !== 'discard';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (collect) logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: collect ? 'debug' : 'warn' }, sink);
  const metrics = new Registry();
  const memory: Ephemeral | undefined = options.ephemeral === 'memory' ? createMemoryEphemeral() : undefined;
  const kyc = createKycModule({
    config,
    pool,
    ...(memory ? { ephemeral: memory } : { redis }),
    logger,
    metrics,
    ...(options.now ? { now: options.now } : {}),
  });

  const app = express();
  app.use(
    createSessionMiddleware({
      ...(memory ? { ephemeral: memory } : { redis }),
      prefix: `${prefix}sess:`,
      secrets: config.sessionSecrets,
      cookieSecure: config.cookieSecure,
      ttlSeconds: config.sessionTtlSeconds,
    }),
  );
  options.beforeRouter?.(app, kyc);
  app.use(kyc.router);
  options.afterRouter?.(app, kyc);
  app.get('/', (_req, res) => {
    res.type('text').send('home');
  });
  server.on('request', app);

  const harness: Harness = {
    appBase,
    idp,
    kyc,
    config,
    env,
    pool,
    redis,
    logs,
    metrics,
    secrets: [
      fcSecret,
      staffSecret,
      otherPrivateJwk.d!,
      base.KYC_IDENTITY_HMAC_KEY,
      base.KYC_ENCRYPTION_KEYS.slice('k1:'.length),
      base.KYC_SESSION_SECRETS,
      ...decryptionJwks.map((k) => k.d!),
    ],
    async authorize(identity, provider = 'franceconnect') {
      const browser = new Browser();
      const start = await browser.request(`${appBase}/auth/${provider}`);
      if (start.status !== 303) throw new Error(`login start answered ${start.status}: ${await start.text()}`);
      const callbackUrl = await browser.runToOrigin(start.headers.get('location')!, appBase, identity);
      return { browser, callbackUrl };
    },
    callback(browser, callbackUrl) {
      return browser.request(callbackUrl, { headers: { accept: 'application/json' } });
    },
    async staffAuthorize(identity, browser = new Browser()) {
      const start = await browser.request(`${appBase}/admin/auth/login`);
      if (start.status !== 303) throw new Error(`staff login start answered ${start.status}: ${await start.text()}`);
      const callbackUrl = await browser.runToOrigin(start.headers.get('location')!, appBase, identity);
      return { browser, callbackUrl };
    },
    async staffSignIn(identity, browser) {
      const authorized = await harness.staffAuthorize(identity, browser);
      return { ...authorized, response: await harness.callback(authorized.browser, authorized.callbackUrl) };
    },
    async signIn(identity, provider) {
      const { browser, callbackUrl } = await harness.authorize(identity, provider);
      return { browser, callbackUrl, response: await harness.callback(browser, callbackUrl) };
    },
    async counts() {
      const { rows } = await pool.query<{ accounts: number; identities: number; limits: number; audit: number }>(
        `select (select count(*) from kyc.accounts)::int as accounts, (select count(*) from kyc.identities)::int as identities,
                (select count(*) from kyc.limits)::int as limits, (select count(*) from kyc.audit_log)::int as audit`,
      );
      return rows[0]!;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await idp.close();
      await memory?.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await pool.end();
      await db.drop();
    },
  };
  return harness;
}
