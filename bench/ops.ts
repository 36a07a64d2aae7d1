/**
 * `GET /admin/ops`'s open bets and stakes at scale (docs/api.md, "Operations view"): a database of
 * its own (dropped at the end) with OPS_BENCH_TOTAL open bets (default 1,000,000) over 1,000 markets
 * (bench/settle-data.ts, set-based), half of the markets open; then the plan and time of the open bets'
 * aggregate, and of the operations view's answers: a fresh aggregate, then a shared one (< 5 s).
 * Run: `npm run bench:ops`.
 */
import pg from 'pg';
import { createOperationsView, migrateApi } from '../api/index.js';
import { migrateKyc } from '../kyc/index.js';
import { createTestDatabase } from '../test/support/services.js';
import { generateOpenBets } from './settle-data.js';

const TOTAL = Number(process.env.OPS_BENCH_TOTAL ?? 1_000_000);
const db = await createTestDatabase('bench_ops');
const pool = new pg.Pool({ connectionString: db.url, max: 4 });
pool.on('error', () => undefined);
const ms = (since: number) => (performance.now() - since).toFixed(1);
try {
  await migrateKyc(pool);
  await migrateApi(pool);
  await generateOpenBets(pool, {
    total: TOTAL,
    big: Math.floor(TOTAL / 2),
    mid: Math.floor(TOTAL / 10),
    players: 20_000,
    perTx: 200,
    chunk: 250_000,
    markets: 1_000,
    log: (line) => console.log(line),
  });
  // Half of the markets open (the view lists open markets), as the state machine's trigger allows.
  await pool
    .query(
      `update betting.markets set state = 'open' where id in (select id from betting.markets order by id limit 500)`,
    )
    .catch((error: unknown) => console.log(`markets left closed (${String(error)})`));
  await pool.query('vacuum analyze');
  const aggregate = `select market_id, count(*) as n, sum(stake_cents) as stake
                       from betting.bets where state = 'accepted' group by market_id`;
  const { rows: plan } = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${aggregate}`);
  console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));
  // The same without the sequential scan: the partial index bets_market_open alone (index-only).
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('set local enable_seqscan = off');
    const { rows: ios } = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${aggregate}`);
    console.log(ios.map((r) => r['QUERY PLAN']).join('\n'));
    await client.query('rollback');
  } finally {
    client.release();
  }
  let clock = new Date();
  const view = createOperationsView({
    pool,
    // No oracle tables here: those parts answer null (the view's 'unknown'), the bets' parts are measured.
    oracle: {
      relayer: () => Promise.reject(new Error('bench')),
      indexer: () => Promise.reject(new Error('bench')),
      feedAfter: () => Promise.reject(new Error('bench')),
    },
    chainHead: () => Promise.resolve(0),
    settlerCursor: 'bench',
    rejections: () => Promise.resolve([]),
    startedAt: clock,
    now: () => clock,
  });
  for (let i = 0; i < 3; i++) {
    clock = new Date(clock.getTime() + 10_000);
    let t = performance.now();
    const fresh = await view();
    const freshMs = ms(t);
    clock = new Date(clock.getTime() + 2_000);
    t = performance.now();
    const shared = await view();
    console.log(
      `view: fresh ${freshMs} ms (${fresh.bets.openBets} open bets, ${fresh.markets.length} markets), ` +
        `shared ${ms(t)} ms (asOf ${shared.asOf === fresh.asOf ? 'reused' : 'new'})`,
    );
  }
} finally {
  await pool.end();
  await db.drop();
}
