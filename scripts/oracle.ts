/**
 * Operator commands over the oracle's database and chain. Reads DATABASE_URL and the chain variables of
 * oracle/config.ts (no relayer key needed); applies the oracle migrations first.
 *
 * - `npm run oracle -- status <eventId | event key>`: everything known about one event's result —
 *   attestations and quorum per payload, conflicts, the relayer's publications (failure code, retries)
 *   and transactions, the on-chain status and the indexer's finality.
 * - `npm run oracle -- retry <publication id>... | --code <ORACLE_…> | --all`: failed publications back
 *   in the relayer's queue (those with a transient code are retried automatically; this is for the rest).
 */
import pg from 'pg';
import { PgAttestationStore } from '../oracle/attestations/pg-attestation-store.js';
import { ChainAttesterSetSource } from '../oracle/chain/attester-set-source.js';
import { oracleContract, readResultView } from '../oracle/chain/oracle-contract.js';
import { createProvider } from '../oracle/chain/provider.js';
import { loadOracleConfig, type OracleConfig } from '../oracle/config.js';
import { migrateOracle } from '../oracle/db/migrate-oracle.js';
import { isTransientOracleCode } from '../oracle/errors.js';
import { PgOutboxStore } from '../oracle/relayer/pg-outbox-store.js';
import { PublicationStatusReader } from '../oracle/admin.js';
import { Phase, RESULT_STATUS_NAMES, eventIdOf } from '../oracle/result.js';
import { UsageError, runCli } from './cli.js';

const PHASES = Object.keys(Phase);
const USAGE = [
  'usage: npm run oracle -- status <eventId | event key>',
  '       npm run oracle -- retry <publication id>... | --code <ORACLE_…> | --all',
].join('\n');

async function status(config: OracleConfig, pool: pg.Pool, arg: string): Promise<void> {
  const eventId = /^0x[0-9a-fA-F]{64}$/.test(arg) ? arg.toLowerCase() : eventIdOf(arg);
  const provider = createProvider(config.chain);
  try {
    const contract = oracleContract(config.chain.oracleAddress, provider);
    const set = await new ChainAttesterSetSource({ contract }).current();
    console.log(`event ${eventId}${arg === eventId ? '' : ` (${arg})`}`);
    console.log(`attester set: epoch ${set.epoch}, threshold ${set.threshold} of ${set.attesters.length}`);

    const store = new PgAttestationStore({ pool });
    const attestations = await store.forEvent(eventId);
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
    // A conflict is two payloads for ONE version among the current set (what readiness uses); a
    // correction (v1, then v2) is not one.
    for (const conflict of await store.conflicts(set, { eventId })) {
      console.log(
        `  CONFLICT v${conflict.version}: ${conflict.payloads.length} payloads signed by the current set; nothing of v${conflict.version} is published`,
      );
    }

    const publications = await new PublicationStatusReader({
      db: pool,
      chainId: config.chain.chainId,
      contract: config.chain.oracleAddress,
    }).forEvent(eventId);
    console.log(`\npublications: ${publications.length}`);
    for (const p of publications) {
      const code = p.errorCode && p.state !== 'confirmed' ? ` [${p.errorCode}]` : '';
      const retry =
        p.state !== 'failed'
          ? ''
          : p.retryAt
            ? `, automatic retry at ${p.retryAt.toISOString()}`
            : p.needsManualRetry
              ? `, ${isTransientOracleCode(p.errorCode) ? 'automatic retries exhausted: ' : ''}waits for \`npm run oracle -- retry ${p.id}\``
              : '';
      console.log(
        `  #${p.id} ${p.kind} ${p.state}${code}${p.txHash ? ` tx ${p.txHash}` : ''}` +
          `${p.retries > 0 ? `, ${p.retries} retr${p.retries === 1 ? 'y' : 'ies'}` : ''}${retry}` +
          `${p.error && p.state !== 'confirmed' ? ` (${p.error})` : ''}`,
      );
      for (const t of p.transactions) {
        console.log(`    ${t.sender} nonce ${t.nonce} attempt ${t.attempt} ${t.txHash} ${t.state}`);
      }
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
  }
}

async function retry(config: OracleConfig, pool: pg.Pool, args: readonly string[]): Promise<void> {
  let filter: { ids?: string[]; code?: string } | undefined;
  if (args[0] === '--all' && args.length === 1) filter = {};
  else if (args[0] === '--code' && args.length === 2) {
    if (!/^ORACLE_[A-Z_]+$/.test(args[1]!)) throw new UsageError(`--code: not an oracle error code: ${args[1]}`);
    filter = { code: args[1]! };
  } else if (args.length > 0 && args.every((a) => /^\d+$/.test(a))) filter = { ids: [...args] };
  else if (args.length > 0) {
    const bad = args.find((a) => !/^\d+$/.test(a));
    throw new UsageError(`publication id: not a number: ${bad}`);
  }
  if (!filter) throw new UsageError('retry: give publication ids, --code <ORACLE_…> or --all');
  const outbox = new PgOutboxStore({
    db: () => pool,
    chainId: config.chain.chainId,
    contract: config.chain.oracleAddress,
  });
  const ids = await outbox.retryFailed(filter);
  console.log(
    ids.length === 0
      ? 'no failed publication matched'
      : `${ids.length} publication(s) back in the relayer's queue: ${ids.map((id) => `#${id}`).join(', ')}`,
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command !== 'status' && command !== 'retry') {
    throw new UsageError(`command: status or retry, got ${JSON.stringify(command ?? '')}`);
  }
  if (command === 'status' && args.length !== 1) throw new UsageError('status: exactly one event id or key');
  let config: OracleConfig;
  try {
    config = loadOracleConfig(process.env);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
  try {
    await migrateOracle(pool);
    if (command === 'status') await status(config, pool, args[0]!);
    else await retry(config, pool, args);
    return 0;
  } finally {
    await pool.end();
  }
}

await runCli({ name: 'oracle', usage: USAGE, main: () => main(process.argv.slice(2)) });
