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
import { cpus } from 'node:os';
import type { TestIdentity } from '../kyc/idp/index.js';
import type { Browser } from '../test/kyc/support/browser.js';
import { startHarness } from '../test/kyc/support/harness.js';

const SIGNUPS = Number(process.env.KYC_BENCH_SIGNUPS ?? 600);
const CONCURRENCY = Number(process.env.KYC_BENCH_CONCURRENCY ?? 8);
// Codes live 30 s at the provider: prepare and fire in rounds well inside that.
const ROUND = 100;

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
// The kyc tests' wiring (database, Redis, local provider, session middleware, kyc router), without log capture.
const h = await startHarness({
  label: 'bench_kyc',
  identities,
  logs: 'discard',
  poolMax: Math.max(10, CONCURRENCY + 2),
  // Every signup starts from 127.0.0.1: the per-client login rate limit would refuse them.
  env: { KYC_LOGIN_RATE_LIMIT: '100000' },
});

const prepare = (identity: string): Promise<{ browser: Browser; callbackUrl: URL }> => h.authorize(identity);

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
const { accounts } = await h.counts();
const result = {
  signups: latencies.length,
  failures,
  accounts,
  concurrency: CONCURRENCY,
  p50_ms: Number(pct(50).toFixed(1)),
  p99_ms: Number(pct(99).toFixed(1)),
  max_ms: Number(latencies.at(-1)!.toFixed(1)),
  signups_per_s: Number(((latencies.length / busy) * 1000).toFixed(1)),
  cpus: cpus().length,
  node: process.version,
};
console.log(JSON.stringify(result, null, 2));

await h.close();
if (failures > 0 || result.accounts !== SIGNUPS) process.exitCode = 1;
