/**
 * Settlement before / after a schema change, interleaved on one data set (the machine is shared: two
 * separate `bench:settle` runs minutes apart see different loads). One database holds the open bets
 * generated through the schema *before* the measured migrations (bench/settle-data.ts); each round
 * settles the same market twice, each time inside a transaction rolled back afterwards: once on that
 * schema ("before"), once after applying the measured migrations in the same transaction ("after"),
 * the order alternating between rounds. Only `settleMarket` is timed (its own transaction runs as a
 * savepoint of the outer one: same statements, no commit flush in either variant). VACUUM between
 * settlements (not timed) removes the rolled-back row versions.
 *
 *   npm run bench:settle-ab                              # the newest api migration, a 100k market, 3 rounds
 *   SETTLE_AB_FROM=0004 npm run bench:settle-ab          # every migration from 0004 on
 *   SETTLE_AB_FROM=0005 SETTLE_AB_TO=0005 npm run bench:settle-ab   # 0005 alone (0001–0004 before)
 *
 * Knobs: SETTLE_AB_FROM (first measured migration id prefix; default the newest), SETTLE_AB_TO (the last
 * one; default the newest; later migrations are not applied at all), SETTLE_AB_MARKET
 * (bets of the settled market, 100,000), SETTLE_AB_TOTAL (open bets in all, 300,000), SETTLE_AB_PLAYERS
 * (20,000), SETTLE_AB_ROUNDS (3), SETTLE_AB_BETS_PER_TX (1).
 */
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import pg from 'pg';
import { settleMarket } from '../api/index.js';
import { migrateKyc } from '../kyc/index.js';
import { loadMigrations, migrate } from '../lib/db/migrate.js';
import { ResultStatus } from '../oracle/index.js';
import { createTestDatabase } from '../test/support/services.js';
import { generateOpenBets } from './settle-data.js';

const MARKET = Number(process.env.SETTLE_AB_MARKET ?? 100_000);
const TOTAL = Number(process.env.SETTLE_AB_TOTAL ?? 300_000);
const PLAYERS = Number(process.env.SETTLE_AB_PLAYERS ?? 20_000);
const ROUNDS = Number(process.env.SETTLE_AB_ROUNDS ?? 3);
const PER_TX = Number(process.env.SETTLE_AB_BETS_PER_TX ?? 1);

const all = await loadMigrations(fileURLToPath(new URL('../api/db/migrations/', import.meta.url)));
const from = process.env.SETTLE_AB_FROM ?? all.at(-1)!.id.slice(0, 4);
const to = process.env.SETTLE_AB_TO ?? '9999';
const base = all.filter((m) => m.id < from);
const measured = all.filter((m) => m.id >= from && m.id.slice(0, 4) <= to);
if (measured.length === 0) throw new Error(`no api migration from ${from}`);

const db = await createTestDatabase('bench_settle_ab');
const pool = new pg.Pool({ connectionString: db.url, max: 2 });
pool.on('error', () => undefined);
const load = () => loadavg()[0]!.toFixed(1);
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
} catch {
  // not a checkout
}

/** settleMarket's own begin/commit/rollback as a savepoint of `client`'s open transaction. */
const insideOf = (client: pg.PoolClient) => ({
  connect: () =>
    Promise.resolve({
      query: (text: string, params?: unknown[]) =>
        client.query(
          text === 'begin'
            ? 'savepoint ab'
            : text === 'commit'
              ? 'release savepoint ab'
              : text === 'rollback'
                ? 'rollback to savepoint ab'
                : text,
          params,
        ),
      on: () => undefined,
      removeListener: () => undefined,
      release: () => undefined,
    } as unknown as pg.PoolClient),
});

try {
  await migrateKyc(pool);
  await migrate(pool, 'api', base);
  console.log(
    `commit ${commit}; schema before: api ${base.at(-1)!.id}; after: + ${measured.map((m) => m.id).join(', ')}; load ${load()}`,
  );
  const markets = await generateOpenBets(pool, {
    total: TOTAL,
    big: 0,
    mid: MARKET,
    players: PLAYERS,
    perTx: PER_TX,
    chunk: 250_000,
    markets: 1_000,
    log: (line) => console.log(line),
  });
  await pool.query('vacuum analyze');
  const market = markets[1]!;
  const result = { eventId: market.oracle, version: 1, status: ResultStatus.Completed, values: [2, 1] };

  const times: Record<'before' | 'after', number[]> = { before: [], after: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
    for (const variant of order) {
      const client = await pool.connect();
      let ms = 0;
      let bets = 0;
      const at = load();
      try {
        await client.query('begin');
        if (variant === 'after') for (const m of measured) await client.query(m.sql);
        const started = performance.now();
        const s = await settleMarket(insideOf(client), market.id, result);
        ms = performance.now() - started;
        bets = s.bets;
      } finally {
        await client.query('rollback');
        client.release();
      }
      times[variant].push(ms);
      console.log(`round ${round + 1} ${variant.padEnd(6)}: ${bets} bets in ${(ms / 1000).toFixed(2)} s (load ${at})`);
      await pool.query(
        'vacuum betting.bets, betting.ledger_entries, betting.ledger_transactions, betting.ledger_accounts',
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [b, a] = [median(times.before), median(times.after)];
  console.log(
    `median before ${(b / 1000).toFixed(2)} s, after ${(a / 1000).toFixed(2)} s (after/before ${(a / b).toFixed(2)}); load ${load()}`,
  );
} finally {
  await pool.end();
  await db.drop();
}
