/**
 * `npm run bench:ready-results`: the relayer's ready-results query (`PgAttestationStore.ready`) on the
 * machine's Postgres, at BENCH_READY_ATTESTATIONS attestations (default 100,000; also 3,600, the size of
 * the issue-10 report), on tables that were never analyzed (autovacuum off: the plan cannot rely on fresh
 * statistics) and again after ANALYZE. The former query shape is timed beside it, under a statement
 * timeout. Four attestations per event from five attesters (threshold 3), 5% of events in conflict, half
 * of the events already published (confirmed in the outbox), every signing window open.
 * Writes the `## Ready results (npm run bench:ready-results)` section of bench/RESULTS.md.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import pg from 'pg';
import { PgAttestationStore } from '../oracle/attestations/pg-attestation-store.js';
import { migrateOracle } from '../oracle/db/migrate-oracle.js';
import { createTestDatabase } from '../test/support/services.js';

const SIZES = (process.env.BENCH_READY_ATTESTATIONS ?? '3600,100000').split(',').map(Number);
const TIMEOUT_MS = Number(process.env.BENCH_READY_TIMEOUT_MS ?? 60_000);
const CHAIN_ID = 31337n;
const CONTRACT = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
const ATTESTERS = Array.from({ length: 5 }, (_, i) => `0x${String(i + 1).repeat(40)}`);
const SET = { epoch: 1, threshold: 3, attesters: ATTESTERS };
const LIMIT = 4096;

/** The query as it was before issue 10 (for comparison; it does not leave published results out). */
const FORMER = `with live as (
    select * from oracle_attestations where epoch = $1 and attester = any($2::text[])
  ), conflicted as (
    select event_id, version from live group by event_id, version having count(distinct outcome_key) > 1
  ), ready as (
    select digest, min(created_at) as first_at from live
    where not_before <= $4 and deadline >= $4
      and not exists (select 1 from conflicted c where c.event_id = live.event_id and c.version = live.version)
    group by digest
    having count(distinct attester) >= $3
    order by first_at, digest
    limit $5
  )
  select l.* from live l join ready r using (digest) order by r.first_at, l.digest, l.attester`;

async function seed(pool: pg.Pool, attestations: number): Promise<void> {
  const events = Math.floor(attestations / 4);
  for (const table of ['oracle_attestations', 'oracle_publications', 'oracle_batch_items']) {
    await pool.query(`alter table ${table} set (autovacuum_enabled = false)`);
  }
  // Event e: attesters 1..4; in 1 event of 20 attesters 3 and 4 sign another outcome (a conflict).
  await pool.query(
    `insert into oracle_attestations (event_id, version, attester, admin_id, outcome_key, status, outcome_values,
       ended_at, not_before, deadline, epoch, digest, signature, source, created_at)
     select '0x' || md5('e' || e) || md5('f' || e), 1, ($3::text[])[a], 'admin' || a,
            '0x' || md5('k' || e || c) || md5('l' || e || c), 1, '{1,0}', 1000, 1000, 4000000000, 1,
            '0x' || md5('d' || e || c) || md5('g' || e || c), '0x' || repeat('ab', 65), 'signer',
            now() - make_interval(secs => $1 - e)
       from generate_series(1, $1) as e, generate_series(1, 4) as a,
            lateral (select case when e % 20 = 0 and a > 2 then 2 else 1 end as c) as k
      where e * 4 + a - 4 <= $2`,
    [events, attestations, ATTESTERS],
  );
  await pool.query(
    `insert into oracle_publications (chain_id, contract, kind, subject, payload_key, outcome_key, version, digest,
       payload, deadline, state, tx_hash, block_number, block_hash)
     select $1, $2, 'propose', '0x' || md5('e' || e) || md5('f' || e), '0x' || md5('d' || e || 1) || md5('g' || e || 1),
            '0x' || md5('k' || e || 1) || md5('l' || e || 1), 1, '0x' || md5('d' || e || 1) || md5('g' || e || 1),
            '{}', 4000000000, 'confirmed', '0x' || md5('t' || e), e, '0x' || md5('b' || e)
       from generate_series(1, $3) as e where e % 2 = 1`,
    [CHAIN_ID.toString(), CONTRACT, events],
  );
}

async function timed(run: () => Promise<number>): Promise<{ ms: number; rows: number } | 'timeout'> {
  const started = performance.now();
  try {
    const rows = await run();
    return { ms: performance.now() - started, rows };
  } catch (error) {
    if ((error as { code?: string }).code === '57014') return 'timeout';
    throw error;
  }
}

const show = (t: { ms: number; rows: number } | 'timeout'): string =>
  t === 'timeout' ? `> ${TIMEOUT_MS / 1000} s (cancelled)` : `${t.ms.toFixed(0)} ms (${t.rows} payloads)`;

async function measure(attestations: number): Promise<string[]> {
  const db = await createTestDatabase(`bench_ready_${attestations}`);
  const pool = new pg.Pool({
    connectionString: db.url,
    max: 2,
    options: `-c statement_timeout=${TIMEOUT_MS}`,
  });
  try {
    await migrateOracle(pool);
    await seed(pool, attestations);
    const store = new PgAttestationStore({ pool });
    const current = () =>
      timed(async () => {
        const groups = await store.ready(SET, {
          limit: LIMIT,
          now: 2_000_000_000n,
          deployment: { chainId: CHAIN_ID, contract: CONTRACT },
        });
        return groups.length;
      });
    const former = () =>
      timed(async () => {
        const { rows } = await pool.query<{ digest: string }>(FORMER, [
          SET.epoch,
          ATTESTERS,
          SET.threshold,
          '2000000000',
          LIMIT,
        ]);
        return new Set(rows.map((r) => r.digest)).size;
      });
    const lines: string[] = [];
    // Best of 3 (the machine is shared); the former query once when it times out.
    const best = async (run: typeof current) => {
      let fastest = await run();
      for (let i = 0; i < 2 && fastest !== 'timeout'; i++) {
        const again = await run();
        if (again !== 'timeout' && again.ms < fastest.ms) fastest = again;
      }
      return fastest;
    };
    const coldNew = await best(current);
    const coldOld = await best(former);
    await pool.query('analyze');
    const warmNew = await best(current);
    const warmOld = await best(former);
    lines.push(`| ${attestations.toLocaleString('en')} | never analyzed | ${show(coldNew)} | ${show(coldOld)} |`);
    lines.push(`| ${attestations.toLocaleString('en')} | after ANALYZE | ${show(warmNew)} | ${show(warmOld)} |`);
    console.log(lines.join('\n'));
    return lines;
  } finally {
    await pool.end();
    await db.drop();
  }
}

async function main(): Promise<void> {
  const lines: string[] = [];
  for (const size of SIZES) lines.push(...(await measure(size)));
  const section = [
    '## Ready results (npm run bench:ready-results)',
    '',
    `\`npm run bench:ready-results\` (\`bench/ready-results.ts\`), the machine's Postgres, ${new Date().toISOString().slice(0, 10)},`,
    `load average ${loadavg()[0]!.toFixed(1)} on 2 shared cores at the end of the run (figures are wall time, best of 3, rows`,
    'converted to `StoredAttestation` included; on this shared machine they vary by ±50% between runs).',
    'Four attestations per event (5 attesters, threshold 3), 5% of events in conflict, half of the events',
    'confirmed in the outbox, limit 4,096. "Never analyzed": autovacuum off on the tables, no ANALYZE, so the',
    'planner has no statistics. The former query also lists the published half (it did not leave them out).',
    '',
    '| attestations | statistics | `PgAttestationStore.ready` (now) | former query |',
    '| ---: | --- | --- | --- |',
    ...lines,
    '',
    "Reading: before ANALYZE the former query's plan is a nested loop over the grouped conflict CTE (8.9 s in",
    'the issue-10 report at 3,600 attestations; 5–24 s in our runs); the current one has the same plan with or',
    'without statistics: one grouping by digest, a window over (event, version) for conflicts, one index probe',
    'per payload for what the outbox holds (correlated scalar subqueries, never turned into joins), then the rows',
    'of the chosen digests. At 100,000 its cost is the grouping of the whole epoch (`work_mem` raised to 64 MB',
    'for this query alone so that the sort does not spill) and the conversion of 16,384 rows: linear in the',
    "epoch's attestations. Making it proportional to what is new would take an incremental ready table",
    'maintained on each attestation write (not done).',
    '',
  ].join('\n');
  const path = new URL('./RESULTS.md', import.meta.url);
  let text = await readFile(path, 'utf8');
  const heading = '## Ready results (npm run bench:ready-results)';
  const start = text.indexOf(heading);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + 1);
    text = text.slice(0, start) + (next >= 0 ? text.slice(next + 1) : '');
  }
  text = `${text.trimEnd()}\n\n${section}`;
  await writeFile(path, text);
}

await main();
