/**
 * Bet placement benchmark (first figures; the full issue-13 bench with the reference server,
 * group commit and settlement at 10M bets is still to come): the whole API over real HTTP —
 * validation, Idempotency-Key, kyc account read (FOR SHARE), market FOR SHARE, player cash row,
 * stake-limit sum, balanced ledger transaction, bet row, Redis counter — with real Postgres and Redis.
 *
 *   npm run bench:bets                                 # 4,000 single bets at concurrency 16, then batches
 *   BETS_BENCH_BETS=10000 BETS_BENCH_CONCURRENCY=32 npm run bench:bets
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createApiModule, migrateApi, SandboxPaymentProvider } from '../api/index.js';
import { migrateKyc } from '../kyc/index.js';
import { openMarket } from '../test/api/support/fixtures.js';
import { testHttpPorts } from '../test/api/support/http-ports.js';
import { sqlPlayerAccounts } from '../test/api/support/sql-player-accounts.js';
import { createTestDatabase, testRedisPrefix, testRedisUrl } from '../test/support/services.js';

const BETS = Number(process.env.BETS_BENCH_BETS ?? 4_000);
const CONCURRENCY = Number(process.env.BETS_BENCH_CONCURRENCY ?? 16);
const PLAYERS = Number(process.env.BETS_BENCH_PLAYERS ?? 200);
const BATCHES = Number(process.env.BETS_BENCH_BATCHES ?? 100);

const db = await createTestDatabase('bench_bets');
const pool = new pg.Pool({ connectionString: db.url, max: CONCURRENCY + 4 });
pool.on('error', () => undefined);
await migrateKyc(pool);
await migrateApi(pool);
const redis = new Redis(testRedisUrl());
const prefix = testRedisPrefix('bench_bets');
const secret = 'bench-sandbox-secret-0123456789abcdef';
const api = createApiModule({
  pool,
  redis,
  redisPrefix: prefix,
  players: sqlPlayerAccounts,
  http: testHttpPorts(),
  payments: { provider: new SandboxPaymentProvider({ mode: 'instant', secret }), webhookSecret: secret },
});
const server = createServer(api.app);
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const markets = await Promise.all(Array.from({ length: 4 }, () => openMarket(pool, { maxStakeCents: 10_000_000n })));
const players: string[] = [];
for (let i = 0; i < PLAYERS; i++) {
  const { rows } = await pool.query<{ id: string }>(
    `with a as (insert into kyc.accounts (assurance_level) values ('eidas1') returning id),
          l as (insert into kyc.limits (account_id, weekly_deposit_cents, weekly_stake_cents) select id, 1e12, 1e12 from a)
     select id from a`,
  );
  players.push(rows[0]!.id);
  await api.wallet.deposit(rows[0]!.id, 100_000_000n);
}

const post = async (path: string, player: string, key: string, body: unknown) => {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-test-player': player, 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`${path}: ${res.status}`);
  return performance.now() - started;
};

async function run(label: string, count: number, one: (i: number) => Promise<number>, perRequest: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) latencies.push(await one(next++));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
  console.log(
    `${label}: ${count} requests, ${count * perRequest} bets in ${seconds.toFixed(2)} s → ${((count * perRequest) / seconds).toFixed(0)} bets/s, ` +
      `p50 ${q(0.5)} ms, p99 ${q(0.99)} ms (concurrency ${CONCURRENCY})`,
  );
}

// Warm-up, then single bets from many players over 4 markets, then batches of 200.
await run(
  'warm-up',
  200,
  (i) =>
    post('/bets', players[i % PLAYERS]!, `w-${i}`, { marketId: markets[i % 4], selection: 'home', stakeCents: 100 }),
  1,
);
await run(
  'POST /bets',
  BETS,
  (i) =>
    post('/bets', players[i % PLAYERS]!, `s-${i}`, {
      marketId: markets[i % 4],
      selection: ['home', 'draw', 'away'][i % 3],
      stakeCents: 100,
    }),
  1,
);
await run(
  'POST /bets/batch (200)',
  BATCHES,
  (i) =>
    post('/bets/batch', players[i % PLAYERS]!, `b-${i}`, {
      bets: Array.from({ length: 200 }, (_, j) => ({
        marketId: markets[j % 4],
        selection: ['home', 'draw', 'away'][j % 3],
        stakeCents: 100,
      })),
    }),
  200,
);

await pool.query('vacuum analyze');
const { rows } = await pool.query<{ bets: string; bytes: string }>(
  `select (select count(*) from betting.bets)::text as bets,
          (pg_total_relation_size('betting.bets') + pg_total_relation_size('betting.ledger_entries')
           + pg_total_relation_size('betting.ledger_transactions') + pg_total_relation_size('betting.idempotency_keys'))::text as bytes`,
);
console.log(
  `footprint: ${rows[0]!.bets} bets, ${(Number(rows[0]!.bytes) / Number(rows[0]!.bets)).toFixed(0)} bytes per bet (bets + ledger + idempotency keys, indexes included)`,
);
const total = await pool.query<{ s: string }>(
  'select coalesce(sum(amount_cents), 0)::text as s from betting.ledger_entries',
);
if (total.rows[0]!.s !== '0') throw new Error('ledger does not sum to zero');

server.close();
redis.disconnect();
await pool.end();
await db.drop();
