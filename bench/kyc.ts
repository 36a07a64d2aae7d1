/**
 * KYC callback benchmark: the time our server spends on `GET /auth/franceconnect/callback`
 * (state consumption in Redis, token exchange, ID token checks, signed userinfo fetch and
 * verification, acr check, onboarding policy, the account transaction, session regeneration),
 * against the local FranceConnect-like provider over real HTTP, with real Postgres and Redis.
 * The browser leg (authorize + login at the provider) is prepared beforehand and not measured.
 *
 *   npm run bench:kyc                       # 600 signups, 8 concurrent callbacks
 *   KYC_BENCH_SIGNUPS=1000 KYC_BENCH_CONCURRENCY=16 npm run bench:kyc
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { Writable } from 'node:stream';
import express from 'express';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { createKycModule, createSessionMiddleware, loadKycConfig, migrateKyc } from '../kyc/index.js';
import { startLocalIdp, type TestIdentity } from '../kyc/idp/index.js';
import { Browser } from '../test/kyc/support/browser.js';
import { createTestDatabase, testRedisPrefix, testRedisUrl } from '../test/support/services.js';

const SIGNUPS = Number(process.env.KYC_BENCH_SIGNUPS ?? 600);
const CONCURRENCY = Number(process.env.KYC_BENCH_CONCURRENCY ?? 8);
// Codes live 30 s at the provider: prepare and fire in rounds well inside that.
const ROUND = 100;

const db = await createTestDatabase('bench_kyc');
const pool = new pg.Pool({ connectionString: db.url, max: 10 });
// Dropping the database at the end terminates idle connections: not an error here.
pool.on('error', () => undefined);
await migrateKyc(pool);
const redis = new Redis(testRedisUrl());
const prefix = testRedisPrefix('bench');
const server = createServer();
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const appBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const identities: TestIdentity[] = Array.from({ length: SIGNUPS }, (_, i) => ({
  id: `bench-${i}`,
  description: 'bench adult',
  claims: {
    given_name: `Camille ${i}`,
    family_name: `BENCH`,
    birthdate: '1985-06-15',
    gender: 'female',
    birthplace: '75056',
    birthcountry: '99100',
    email: `bench${i}@example.test`,
  },
}));
const clientSecret = randomBytes(32).toString('base64url');
const idp = await startLocalIdp({
  identities,
  clients: [
    {
      clientId: 'bench',
      clientSecret,
      redirectUris: [`${appBase}/auth/franceconnect/callback`],
      postLogoutRedirectUris: [`${appBase}/auth/franceconnect/logout/callback`],
    },
  ],
});
const config = loadKycConfig({
  NODE_ENV: 'test',
  FRANCECONNECT_ISSUER: idp.issuer,
  FRANCECONNECT_CLIENT_ID: 'bench',
  FRANCECONNECT_CLIENT_SECRET: clientSecret,
  FRANCECONNECT_REDIRECT_URI: `${appBase}/auth/franceconnect/callback`,
  FRANCECONNECT_POST_LOGOUT_REDIRECT_URI: `${appBase}/auth/franceconnect/logout/callback`,
  KYC_IDENTITY_HMAC_KEY: randomBytes(32).toString('base64'),
  KYC_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  KYC_ENCRYPTION_ACTIVE_KEY_ID: 'k1',
  KYC_SESSION_SECRETS: randomBytes(32).toString('base64url'),
  KYC_COOKIE_SECURE: 'false',
  KYC_ALLOW_INSECURE_HTTP: 'true',
  KYC_REDIS_PREFIX: prefix,
  // Every signup starts from 127.0.0.1: the per-client login rate limit would refuse them.
  KYC_LOGIN_RATE_LIMIT: '100000',
});
const logger = pino({ level: 'warn' }, new Writable({ write: (_c, _e, done) => done() }));
const kyc = createKycModule({ config, pool, redis, logger });
const app = express();
app.use(
  createSessionMiddleware({
    redis,
    prefix: `${prefix}sess:`,
    secrets: config.sessionSecrets,
    cookieSecure: false,
    ttlSeconds: 600,
  }),
);
app.use(kyc.router);
server.on('request', app);

async function prepare(identity: string): Promise<{ browser: Browser; callbackUrl: URL }> {
  const browser = new Browser();
  const start = await browser.request(`${appBase}/auth/franceconnect`);
  const callbackUrl = await browser.runToOrigin(start.headers.get('location')!, appBase, identity);
  return { browser, callbackUrl };
}

// Warm-up: discovery, JWKS fetch, JIT, pools.
for (let i = 0; i < 5; i++) {
  const { browser, callbackUrl } = await prepare(`bench-${SIGNUPS - 1 - i}`);
  const r = await browser.request(callbackUrl);
  if (r.status !== 303) throw new Error(`warm-up callback answered ${r.status}: ${await r.text()}`);
}

const latencies: number[] = [];
let busy = 0;
let failures = 0;
for (let offset = 0; offset < SIGNUPS - 5; offset += ROUND) {
  const batch: { browser: Browser; callbackUrl: URL }[] = [];
  for (let i = offset; i < Math.min(offset + ROUND, SIGNUPS - 5); i++) batch.push(await prepare(`bench-${i}`));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batch.length) {
        const { browser, callbackUrl } = batch[next++]!;
        const t0 = performance.now();
        const response = await browser.request(callbackUrl);
        latencies.push(performance.now() - t0);
        if (response.status !== 303) failures++;
        await response.arrayBuffer();
      }
    }),
  );
  busy += performance.now() - started;
}

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from kyc.accounts');
const result = {
  signups: latencies.length,
  failures,
  accounts: rows[0]!.n,
  concurrency: CONCURRENCY,
  p50_ms: Number(pct(50).toFixed(1)),
  p99_ms: Number(pct(99).toFixed(1)),
  max_ms: Number(latencies.at(-1)!.toFixed(1)),
  signups_per_s: Number(((latencies.length / busy) * 1000).toFixed(1)),
  cpus: cpus().length,
  node: process.version,
};
console.log(JSON.stringify(result, null, 2));

server.closeAllConnections();
server.close();
await idp.close();
const keys = await redis.keys(`${prefix}*`);
for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
redis.disconnect();
await pool.end();
await db.drop();
if (failures > 0 || result.accounts !== SIGNUPS) process.exitCode = 1;
