/**
 * Bet placement benchmark (issue 13), side by side in ONE run so that the ratios hold on a loaded
 * machine: a reference server (minimal Express + pg, the same bet transaction — ledger transaction,
 * two entries, bet row — without auth or checks), the whole API over real HTTP (validation,
 * Idempotency-Key, kyc account FOR SHARE, market shared lock and state, player cash row, stake-limit
 * sum, balanced ledger transaction, bet row, Redis counter), the same API with group commit, and the
 * batch endpoint. Rounds alternate reference / API / group commit so that load changes hit all three.
 *
 *   npm run bench:bets                                 # 3 rounds × 1,500 single bets at concurrency 16, then batches
 *   BETS_BENCH_BETS=3000 BETS_BENCH_ROUNDS=2 BETS_BENCH_CONCURRENCY=16 BETS_BENCH_GROUP_CONCURRENCY=128 npm run bench:bets
 */
import { once } from 'node:events';
import express from 'express';
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

const BETS = Number(process.env.BETS_BENCH_BETS ?? 1_500);
const ROUNDS = Number(process.env.BETS_BENCH_ROUNDS ?? 3);
const GROUP_CONCURRENCY = Number(process.env.BETS_BENCH_GROUP_CONCURRENCY ?? 128);
const CONCURRENCY = Number(process.env.BETS_BENCH_CONCURRENCY ?? 16);
const PLAYERS = Number(process.env.BETS_BENCH_PLAYERS ?? 200);
const BATCHES = Number(process.env.BETS_BENCH_BATCHES ?? 100);

const db = await createTestDatabase('bench_bets');
const pool = new pg.Pool({ connectionString: db.url, max: CONCURRENCY + 4 });
pool.on('error', () => undefined);
const refPool = new pg.Pool({ connectionString: db.url, max: CONCURRENCY + 4 });
refPool.on('error', () => undefined);
const groupPool = new pg.Pool({ connectionString: db.url, max: 12 });
groupPool.on('error', () => undefined);
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
const grouped = createApiModule({
  pool: groupPool,
  redis,
  redisPrefix: prefix,
  players: sqlPlayerAccounts,
  http: testHttpPorts(),
  payments: { provider: new SandboxPaymentProvider({ mode: 'instant', secret }), webhookSecret: secret },
  betGroupCommit: {
    maxGroup: Number(process.env.BETS_BENCH_GROUP_MAX ?? 64),
    connections: Number(process.env.BETS_BENCH_GROUP_CONNECTIONS ?? 8),
  },
});

// The reference: the same bet transaction (ledger transaction, player and escrow entries, bet row)
// with no auth, no validation beyond JSON, no checks, no idempotency, no Redis.
const reference = express();
reference.use(express.json());
reference.post('/bets', async (req, res) => {
  const b = req.body as { playerCash: string; escrow: string; marketId: string; player: string; stakeCents: number };
  const c = await refPool.connect();
  try {
    await c.query('begin');
    const { rows } = await c.query<{ id: string }>(
      `with tx as (insert into betting.ledger_transactions (kind) values ('bet') returning id),
            e as (insert into betting.ledger_entries (transaction_id, account_id, amount_cents)
                  select tx.id, a, m from tx, unnest($1::bigint[], $2::bigint[]) as u(a, m) order by a),
            b as (insert into betting.bets (player_id, market_id, selection, stake_cents, placed_at, ledger_tx_id)
                  select $3, $4, 0, $5, now(), tx.id from tx returning id)
       select id::text from b`,
      [[b.playerCash, b.escrow], [-b.stakeCents, b.stakeCents], b.player, b.marketId, b.stakeCents],
    );
    await c.query('commit');
    res.status(201).json({ id: rows[0]!.id });
  } catch (error) {
    await c.query('rollback').catch(() => undefined);
    res.status(500).json({ error: String(error) });
  } finally {
    c.release();
  }
});

const listen = async (handler: Parameters<typeof createServer>[1]) => {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};
const full = await listen(api.app);
const groupedServer = await listen(grouped.app);
const referenceServer = await listen(reference);

const markets = await Promise.all(Array.from({ length: 4 }, () => openMarket(pool, { maxStakeCents: 10_000_000n })));
const players: string[] = [];
const cashOf = new Map<string, string>();
for (let i = 0; i < PLAYERS; i++) {
  const { rows } = await pool.query<{ id: string }>(
    `with a as (insert into kyc.accounts (assurance_level) values ('eidas1') returning id),
          l as (insert into kyc.limits (account_id, weekly_deposit_cents, weekly_stake_cents) select id, 1e12, 1e12 from a)
     select id from a`,
  );
  players.push(rows[0]!.id);
  await api.wallet.deposit(rows[0]!.id, 100_000_000n);
}
for (const r of (
  await pool.query<{ player_id: string; id: string }>(
    "select player_id::text, id::text from betting.ledger_accounts where kind = 'player_cash'",
  )
).rows)
  cashOf.set(r.player_id, r.id);
const escrows = (
  await pool.query<{ id: string }>(
    "select a.id::text from unnest($1::bigint[]) with ordinality u(m, o) join betting.ledger_accounts a on a.market_id = u.m and a.kind = 'pool_escrow' order by o",
    [markets],
  )
).rows.map((r) => r.id);

const post = async (path: string, player: string, key: string, body: unknown, base = full.base) => {
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

const figures = new Map<string, { bets: number; seconds: number; latencies: number[] }>();

async function run(
  label: string,
  count: number,
  one: (i: number) => Promise<number>,
  perRequest: number,
  concurrency = CONCURRENCY,
) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) latencies.push(await one(next++));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const all = figures.get(label) ?? { bets: 0, seconds: 0, latencies: [] };
  figures.set(label, {
    bets: all.bets + count * perRequest,
    seconds: all.seconds + seconds,
    latencies: [...all.latencies, ...latencies],
  });
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
  console.log(
    `${label}: ${count} requests, ${count * perRequest} bets in ${seconds.toFixed(2)} s → ${((count * perRequest) / seconds).toFixed(0)} bets/s, ` +
      `p50 ${q(0.5)} ms, p99 ${q(0.99)} ms (concurrency ${concurrency})`,
  );
}

const summary = (label: string) => {
  const f = figures.get(label)!;
  const l = [...f.latencies].sort((a, b) => a - b);
  const q = (p: number) => l[Math.min(l.length - 1, Math.floor(p * l.length))]!;
  return { rate: f.bets / f.seconds, p50: q(0.5), p99: q(0.99) };
};

const referenceBet = (i: number) =>
  post(
    '/bets',
    players[i % PLAYERS]!,
    `r-${i}`,
    {
      playerCash: cashOf.get(players[i % PLAYERS]!),
      escrow: escrows[i % 4],
      marketId: markets[i % 4],
      player: players[i % PLAYERS],
      stakeCents: 100,
    },
    referenceServer.base,
  );

// Warm-up, then single bets from many players over 4 markets, then batches of 200.
await run(
  'warm-up',
  200,
  (i) =>
    post('/bets', players[i % PLAYERS]!, `w-${i}`, { marketId: markets[i % 4], selection: 'home', stakeCents: 100 }),
  1,
);
await run('warm-up reference', 200, referenceBet, 1);
await run(
  'warm-up group',
  200,
  (i) =>
    post(
      '/bets',
      players[i % PLAYERS]!,
      `wg-${i}`,
      { marketId: markets[i % 4], selection: 'home', stakeCents: 100 },
      groupedServer.base,
    ),
  1,
);
for (let round = 0; round < ROUNDS; round++) {
  const o = round * BETS;
  await run('reference POST /bets', BETS, (i) => referenceBet(o + i), 1);
  await run(
    'API POST /bets',
    BETS,
    (i) =>
      post('/bets', players[i % PLAYERS]!, `s-${o + i}`, {
        marketId: markets[i % 4],
        selection: ['home', 'draw', 'away'][i % 3],
        stakeCents: 100,
      }),
    1,
  );
  await run(
    'API POST /bets, group commit',
    BETS * 2,
    (i) =>
      post(
        '/bets',
        players[i % PLAYERS]!,
        `g-${o * 2 + i}`,
        { marketId: markets[i % 4], selection: ['home', 'draw', 'away'][i % 3], stakeCents: 100 },
        groupedServer.base,
      ),
    1,
    GROUP_CONCURRENCY,
  );
  await run(
    'reference POST /bets, group concurrency',
    BETS,
    (i) => referenceBet(o + 10_000_000 + i),
    1,
    GROUP_CONCURRENCY,
  );
}
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

// Without HTTP (the client and the three servers share this process's one thread): the bet
// service itself, alone and with group commit, called by GROUP_CONCURRENCY callers.
const direct = async (label: string, service: typeof api.bets, tag: string) =>
  run(
    label,
    BETS * 2,
    async (i) => {
      const started = performance.now();
      await service.place(
        players[i % PLAYERS]!,
        [{ marketId: markets[i % 4]!, selection: ['home', 'draw', 'away'][i % 3]!, stakeCents: 100n }],
        { key: `${tag}-${i}`, fingerprint: Buffer.alloc(32, i % 251) },
      );
      return performance.now() - started;
    },
    1,
    GROUP_CONCURRENCY,
  );
for (let round = 0; round < ROUNDS; round++) {
  await direct('service place(), one transaction each', api.bets, `d${round}`);
  await direct('service place(), group commit', grouped.bets, `dg${round}`);
}

const ref = summary('reference POST /bets');
const ours = summary('API POST /bets');
const grp = summary('API POST /bets, group commit');
const refHigh = summary('reference POST /bets, group concurrency');
const fmt = (f: { rate: number; p50: number; p99: number }) =>
  `${f.rate.toFixed(0)} bets/s, p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms`;
console.log(
  `\nall rounds (concurrency ${CONCURRENCY}): reference ${fmt(ref)}; API ${fmt(ours)}; ratio ${(ours.rate / ref.rate).toFixed(2)}`,
);
console.log(
  `all rounds (concurrency ${GROUP_CONCURRENCY}): reference ${fmt(refHigh)}; API group commit ${fmt(grp)}; ratio to the reference at ${CONCURRENCY}: ${(grp.rate / ref.rate).toFixed(2)}`,
);

const alone = summary('service place(), one transaction each');
const groupDirect = summary('service place(), group commit');
console.log(
  `all rounds (service, concurrency ${GROUP_CONCURRENCY}): one transaction each ${fmt(alone)}; group commit ${fmt(groupDirect)}`,
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

for (const s of [full, groupedServer, referenceServer]) s.server.close();
redis.disconnect();
await pool.end();
await refPool.end();
await groupPool.end();
await db.drop();
