/**
 * `npm run oracle -- status <eventId | event key>`: everything known about one event's result —
 * attestations and quorum per payload, the relayer's publications and transactions, the on-chain
 * status and the indexer's finality. Reads DATABASE_URL and the chain variables of oracle/config.ts
 * (no relayer key needed). Applies the oracle migrations first (a fresh database works).
 */
import pg from 'pg';
import { PgAttestationStore } from '../oracle/attestations/pg-attestation-store.js';
import { ChainAttesterSetSource } from '../oracle/chain/attester-set-source.js';
import { oracleContract, readResultView } from '../oracle/chain/oracle-contract.js';
import { createProvider } from '../oracle/chain/provider.js';
import { loadOracleConfig } from '../oracle/config.js';
import { migrateOracle } from '../oracle/db/migrate-oracle.js';
import { Phase, RESULT_STATUS_NAMES, eventIdOf } from '../oracle/result.js';

const PHASES = Object.keys(Phase);

async function status(arg: string): Promise<void> {
  const config = loadOracleConfig(process.env);
  const eventId = /^0x[0-9a-fA-F]{64}$/.test(arg) ? arg.toLowerCase() : eventIdOf(arg);
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
  const provider = createProvider(config.chain);
  try {
    await migrateOracle(pool); // a fresh database works: the oracle schema is applied first (idempotent)
    const contract = oracleContract(config.chain.oracleAddress, provider);
    const set = await new ChainAttesterSetSource({ contract }).current();
    console.log(`event ${eventId}${arg === eventId ? '' : ` (${arg})`}`);
    console.log(`attester set: epoch ${set.epoch}, threshold ${set.threshold} of ${set.attesters.length}`);

    const attestations = await new PgAttestationStore({ pool }).forEvent(eventId);
    const groups = new Map<string, typeof attestations>();
    for (const a of attestations) {
      const key = `v${a.result.version} ${a.outcomeKey}`;
      groups.set(key, [...(groups.get(key) ?? []), a]);
    }
    console.log(`\nattestations: ${attestations.length}`);
    for (const [key, list] of groups) {
      const first = list[0]!.result;
      const current = new Set(list.filter((a) => a.result.epoch === set.epoch).map((a) => a.attester.toLowerCase()));
      const quorum = current.size >= set.threshold ? 'QUORUM' : `${current.size}/${set.threshold}`;
      console.log(
        `  ${key}: ${RESULT_STATUS_NAMES[first.status]} [${first.values.join(', ')}] — ${list.length} signature(s), ${quorum}`,
      );
      for (const a of list) console.log(`    ${a.attester} epoch ${a.result.epoch}`);
    }
    if (groups.size > 1) console.log('  CONFLICT: attesters signed different payloads; nothing is published');

    const pubs = await pool.query<{
      id: string;
      kind: string;
      state: string;
      error: string | null;
      tx_hash: string | null;
    }>(
      `select p.id, p.kind, p.state, p.error, p.tx_hash from oracle_publications p
        where p.subject = $1
           or p.subject in (select root from oracle_batch_items where event_id = $1)
        order by p.id`,
      [eventId],
    );
    console.log(`\npublications: ${pubs.rowCount}`);
    for (const p of pubs.rows) {
      console.log(
        `  #${p.id} ${p.kind} ${p.state}${p.tx_hash ? ` tx ${p.tx_hash}` : ''}${p.error ? ` (${p.error})` : ''}`,
      );
      const txs = await pool.query<{ nonce: string; attempt: number; tx_hash: string; state: string }>(
        'select nonce, attempt, tx_hash, state from oracle_transactions where publication_id = $1 order by attempt',
        [p.id],
      );
      for (const t of txs.rows) console.log(`    nonce ${t.nonce} attempt ${t.attempt} ${t.tx_hash} ${t.state}`);
    }

    const view = await readResultView(contract, eventId);
    console.log(
      `\non-chain: ${PHASES[view.phase]}${view.phase === Phase.None ? '' : ` v${view.version} ${RESULT_STATUS_NAMES[view.status]}`}` +
        `${view.finalAt > 0n ? `, final at ${new Date(Number(view.finalAt) * 1000).toISOString()}` : ''}`,
    );
    const indexed = await pool.query<{
      phase: string;
      version: number;
      block_number: string;
      final_block_number: string | null;
    }>('select phase, version, block_number, final_block_number from oracle_results where event_id = $1', [eventId]);
    const row = indexed.rows[0];
    console.log(
      row
        ? `indexer: ${row.phase} v${row.version} (block ${row.block_number}${row.final_block_number ? `, final at block ${row.final_block_number}` : ''})`
        : 'indexer: nothing indexed',
    );
  } finally {
    provider.destroy();
    await pool.end();
  }
}

const [command, arg] = process.argv.slice(2);
if (command === 'status' && arg) {
  await status(arg);
} else {
  console.error('usage: npm run oracle -- status <eventId | event key>');
  process.exit(2);
}
