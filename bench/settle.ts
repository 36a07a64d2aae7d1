/**
 * Settlement benchmark (issue 13): a database of its own holding many open bets over 1,000 markets,
 * generated with set-based SQL (generate_series, in chunks of one transaction each, through the real
 * schema: every trigger, foreign key and deferred zero-sum check fires), then `settleMarket` timed on
 * a 100,000-bet market and on the large market. The footprint per open bet (bets + ledger entries +
 * ledger transactions, indexes included, after VACUUM ANALYZE) is measured before settling. The
 * database is dropped at the end.
 *
 *   npm run bench:settle                               # 1.2 M open bets: a 1 M market, a 100 k market, 100 k over 998 others
 *   SETTLE_BENCH_TOTAL=10000000 npm run bench:settle   # the data set: 10 M open bets (1 M, 100 k, 8.9 M over 998)
 *
 * Other knobs: SETTLE_BENCH_BIG (1,000,000), SETTLE_BENCH_MID (100,000), SETTLE_BENCH_PLAYERS (20,000),
 * SETTLE_BENCH_BETS_PER_TX (1: every bet a single placement with its own ledger transaction; 200 = batches),
 * SETTLE_BENCH_CHUNK (250,000 bets per generating transaction).
 */
import pg from 'pg';
import { migrateApi, settleMarket } from '../api/index.js';
import { migrateKyc } from '../kyc/index.js';
import { ResultStatus } from '../oracle/index.js';
import { createTestDatabase } from '../test/support/services.js';
import { generateOpenBets } from './settle-data.js';

const TOTAL = Number(process.env.SETTLE_BENCH_TOTAL ?? 1_200_000);
const BIG = Number(process.env.SETTLE_BENCH_BIG ?? 1_000_000);
const MID = Number(process.env.SETTLE_BENCH_MID ?? 100_000);
const PLAYERS = Number(process.env.SETTLE_BENCH_PLAYERS ?? 20_000);
const PER_TX = Number(process.env.SETTLE_BENCH_BETS_PER_TX ?? 1);
const CHUNK = Number(process.env.SETTLE_BENCH_CHUNK ?? 250_000);
const MARKETS = 1_000;
if (BIG + MID > TOTAL) throw new Error('SETTLE_BENCH_TOTAL must hold SETTLE_BENCH_BIG + SETTLE_BENCH_MID');

const db = await createTestDatabase('bench_settle');
const pool = new pg.Pool({ connectionString: db.url, max: 2 });
pool.on('error', () => undefined);
const t0 = performance.now();
const secs = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
try {
  await migrateKyc(pool);
  await migrateApi(pool);

  const ms = await generateOpenBets(pool, {
    total: TOTAL,
    big: BIG,
    mid: MID,
    players: PLAYERS,
    perTx: PER_TX,
    chunk: CHUNK,
    markets: MARKETS,
    log: (line) => console.log(line),
  });
  const [big, mid] = [ms[0]!, ms[1]!];
  const vac = performance.now();
  await pool.query('vacuum analyze');
  console.log(`vacuum analyze in ${secs(vac)} s`);
  const { rows: size } = await pool.query<{ open: string; bets: string; ledger: string }>(
    `select (select count(*) from betting.bets where state = 'accepted')::text as open,
            pg_total_relation_size('betting.bets')::text as bets,
            (pg_total_relation_size('betting.ledger_entries') + pg_total_relation_size('betting.ledger_transactions'))::text as ledger`,
  );
  const open = Number(size[0]!.open);
  const perBet = (Number(size[0]!.bets) + Number(size[0]!.ledger)) / open;
  console.log(
    `footprint: ${open} open bets, ${perBet.toFixed(0)} bytes per open bet ` +
      `(bets ${(Number(size[0]!.bets) / open).toFixed(0)} + ledger ${(Number(size[0]!.ledger) / open).toFixed(0)}, indexes included)`,
  );

  for (const [label, market] of [
    ['100k market', mid],
    ['large market', big],
  ] as const) {
    const started = performance.now();
    const s = await settleMarket(pool, market.id, {
      eventId: market.oracle,
      version: 1,
      status: ResultStatus.Completed,
      values: [2, 1],
    });
    console.log(
      `settleMarket ${label}: ${s.bets} bets in ${secs(started)} s (pool ${s.poolCents} cents, paid ${s.paidCents}, ${s.kind})`,
    );
  }
  const total = await pool.query<{ s: string }>(
    'select coalesce(sum(amount_cents), 0)::text as s from betting.ledger_entries',
  );
  if (total.rows[0]!.s !== '0') throw new Error('ledger does not sum to zero');
  const neg = await pool.query<{ n: number }>(
    "select count(*)::int as n from betting.ledger_accounts where kind = 'player_cash' and balance_cents < 0",
  );
  if (neg.rows[0]!.n !== 0) throw new Error('a negative balance');
  console.log(`total ${secs(t0)} s; ledger sums to zero`);
} finally {
  await pool.end();
  await db.drop();
}
