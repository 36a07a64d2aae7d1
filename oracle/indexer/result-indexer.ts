import type { AbstractProvider, Block, Log } from 'ethers';
import type pg from 'pg';
import type { Logger } from '../chain/logger.js';
import { silentLogger } from '../chain/logger.js';
import { oracleInterface } from '../chain/oracle-contract.js';
import type { ChainPolicy } from '../chain/resilience.js';
import type { OracleMetrics } from '../metrics.js';

/** Channel of `pg_notify` when results become final (payload: the event id). */
export const FINAL_CHANNEL = 'oracle_final';

export interface ResultIndexerOptions {
  /** Blocks behind the head the indexer reads at (0: the head itself). */
  readonly confirmations: number;
  /** Blocks per `eth_getLogs`. */
  readonly blockRange: number;
  /** Block the oracle was deployed in: indexing starts there. */
  readonly deploymentBlock: number;
}

export interface ResultIndexerDeps {
  readonly pool: pg.Pool;
  readonly provider: AbstractProvider;
  readonly oracleAddress: string;
  readonly chainId: bigint;
  readonly policy: ChainPolicy;
  readonly options: ResultIndexerOptions;
  readonly metrics?: OracleMetrics;
  readonly logger?: Logger;
}

/** What one tick did. */
export interface IndexReport {
  readonly fromBlock: number;
  readonly toBlock: number;
  readonly events: number;
  readonly finalized: number;
  /** Block the indexer rewound to, when it detected a reorg. */
  readonly rewoundTo?: number;
}

interface StoredEvent {
  block_number: string;
  block_hash: string;
  log_index: number;
  tx_hash: string;
  name: string;
  subject: string;
  args: Record<string, unknown>;
}

type Db = Pick<pg.PoolClient, 'query'>;

/**
 * SQL for the attester epoch in force at a log: `ResultProposed` does not carry it (gas), and the oracle only
 * accepts signatures of the current epoch, which is the one of the latest `AttestersRotated` before the log
 * (the constructor emits epoch 1 in the deployment block). Raw events of a range are stored before they are
 * applied, so a rotation earlier in the same range counts. Null when indexing started after the deployment.
 */
const EPOCH_AT = (stream: string, blockNumber: string, logIndex: string): string =>
  `(select (r.args->>'epoch')::int from oracle_chain_events r
     where r.stream = ${stream} and r.name = 'AttestersRotated'
       and (r.block_number, r.log_index) < (${blockNumber}, ${logIndex})
     order by r.block_number desc, r.log_index desc limit 1)`;

/**
 * Follows ResultsOracle's events at a confirmation depth and keeps Postgres' view of every result.
 *
 * - Raw events go to `oracle_chain_events` with their block number and hash; derived state goes to
 *   `oracle_results` and `oracle_batch_roots`, in the same transaction as the checkpoint, so a restart
 *   resumes exactly after the last indexed block.
 * - Reorgs: before each step the checkpoint's hash is compared with the chain's block at that height.
 *   On a mismatch the indexer walks back the recorded block hashes to the newest one the chain still
 *   has, deletes everything indexed after it, rebuilds the derived tables from the remaining raw events
 *   and goes on from there.
 * - Finality: a proposed result (or root) is final when the timestamp of a confirmed block reaches its
 *   `finalAt` and it is not disputed; a resolution is final at once; results of a final root are final.
 *   Each final result gets one row in `oracle_final_results` (the notification truth, consumers keep a
 *   cursor on its id) and a `pg_notify('oracle_final', eventId)` wake-up.
 */
export class ResultIndexer {
  private readonly deps: ResultIndexerDeps;
  private readonly stream: string;
  private readonly log: Logger;

  constructor(deps: ResultIndexerDeps) {
    this.deps = deps;
    this.stream = `${deps.chainId}:${deps.oracleAddress.toLowerCase()}`;
    this.log = deps.logger ?? silentLogger;
  }

  /** Name under which this deployment's rows are stored (`<chainId>:<address>`). */
  get streamName(): string {
    return this.stream;
  }

  /** Indexes up to the confirmed head (at most `maxRanges` getLogs ranges); returns what it did. */
  async tick(maxRanges = Number.POSITIVE_INFINITY): Promise<IndexReport> {
    const head = await this.call(() => this.deps.provider.getBlockNumber());
    const target = head - this.deps.options.confirmations;
    let rewoundTo: number | undefined;
    let checkpoint = await this.checkpoint();
    if (checkpoint) {
      const block = await this.call(() => this.deps.provider.getBlock(checkpoint!.number));
      if (!block || block.hash !== checkpoint.hash) {
        rewoundTo = await this.rewind();
        checkpoint = await this.checkpoint();
      }
    }
    const start = checkpoint ? checkpoint.number + 1 : this.deps.options.deploymentBlock;
    let from = start;
    let events = 0;
    let finalized = 0;
    let ranges = 0;
    while (from <= target && ranges < maxRanges) {
      const to = Math.min(from + this.deps.options.blockRange - 1, target);
      const [logs, toBlock] = await Promise.all([
        this.call(() => this.deps.provider.getLogs({ address: this.deps.oracleAddress, fromBlock: from, toBlock: to })),
        this.call(() => this.deps.provider.getBlock(to)),
      ]);
      if (!toBlock?.hash) throw new Error(`provider returned no block ${to}`);
      // A log from another branch than the block we fetched: the chain moved under us, retry next tick.
      if (logs.some((l) => l.blockNumber === to && l.blockHash !== toBlock.hash)) break;
      const done = await this.applyRange(logs, toBlock);
      events += logs.length;
      finalized += done;
      ranges++;
      from = to + 1;
    }
    const indexed = from - 1;
    this.deps.metrics?.indexedBlock.set(indexed);
    this.deps.metrics?.indexerLag.set(Math.max(0, head - indexed));
    return { fromBlock: start, toBlock: indexed, events, finalized, ...(rewoundTo === undefined ? {} : { rewoundTo }) };
  }

  private async applyRange(logs: readonly Log[], toBlock: Block): Promise<number> {
    const client = await this.deps.pool.connect();
    try {
      await client.query('begin');
      const iface = oracleInterface();
      const sorted = [...logs].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
      const events: StoredEvent[] = [];
      for (const log of sorted) {
        const parsed = iface.parseLog(log);
        if (!parsed) continue;
        const args: Record<string, unknown> = {};
        parsed.fragment.inputs.forEach((input, i) => (args[input.name] = jsonSafe(parsed.args[i])));
        const key = args.eventId ?? args.root;
        events.push({
          block_number: String(log.blockNumber),
          block_hash: log.blockHash,
          log_index: log.index,
          tx_hash: log.transactionHash,
          name: parsed.name,
          subject: typeof key === 'string' ? key : '',
          args,
        });
      }
      // One statement for the raw events of the range; only those not seen before are applied.
      const inserted = await client.query<{ block_number: string; log_index: number }>(
        `insert into oracle_chain_events (stream, block_number, block_hash, log_index, tx_hash, name, subject, args)
         select $1, x.block_number, x.block_hash, x.log_index, x.tx_hash, x.name, x.subject, x.args
           from jsonb_to_recordset($2::jsonb) as x(block_number bigint, block_hash text, log_index int, tx_hash text,
                name text, subject text, args jsonb)
         on conflict do nothing
         returning block_number, log_index`,
        [this.stream, JSON.stringify(events)],
      );
      const fresh = new Set(inserted.rows.map((r) => `${r.block_number}:${r.log_index}`));
      const toApply = events.filter((e) => fresh.has(`${e.block_number}:${e.log_index}`));
      await this.applyEvents(client, toApply);
      for (const e of toApply) this.deps.metrics?.indexedEvents.inc({ event: e.name });
      const blocks = new Map<string, string>(toApply.map((e) => [e.block_number, e.block_hash]));
      blocks.set(String(toBlock.number), toBlock.hash!);
      await client.query(
        `insert into oracle_chain_blocks (stream, block_number, block_hash)
         select $1, n, h from unnest($2::bigint[], $3::text[]) as t(n, h)
         on conflict (stream, block_number) do update set block_hash = excluded.block_hash`,
        [this.stream, [...blocks.keys()], [...blocks.values()]],
      );
      const finalized = await this.finalize(client, toBlock.number, BigInt(toBlock.timestamp));
      await client.query(
        `insert into oracle_chain_checkpoints (stream, block_number, block_hash, block_timestamp) values ($1, $2, $3, $4)
         on conflict (stream) do update set block_number = excluded.block_number, block_hash = excluded.block_hash,
           block_timestamp = excluded.block_timestamp, updated_at = now()`,
        [this.stream, toBlock.number, toBlock.hash, toBlock.timestamp],
      );
      // Keep a bounded window of hashes for reorg detection (far deeper than any confirmation depth).
      await client.query('delete from oracle_chain_blocks where stream = $1 and block_number < $2', [
        this.stream,
        toBlock.number - 10_000,
      ]);
      await client.query('commit');
      return finalized;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Applies events in chain order. A run of consecutive `ResultProposed` events is applied with one
   * statement (the last proposal of an event in the run wins, exactly as applying them one by one
   * would, since nothing in between can make it final): that is what keeps catch-up fast.
   */
  private async applyEvents(db: Db, events: readonly StoredEvent[]): Promise<void> {
    let i = 0;
    while (i < events.length) {
      if (events[i]!.name !== 'ResultProposed') {
        await this.applyEvent(db, events[i]!);
        i++;
        continue;
      }
      let j = i;
      while (j < events.length && events[j]!.name === 'ResultProposed') j++;
      const last = new Map<string, StoredEvent>();
      for (const e of events.slice(i, j)) last.set(e.subject, e);
      await db.query(
        `insert into oracle_results (stream, event_id, version, status, values_, ended_at, epoch, phase, final_at,
           batch_root, block_number, block_hash, tx_hash, final_block_number)
         select $1, x.subject, (x.args->>'version')::int, (x.args->>'status')::smallint, x.args->'values',
                (x.args->>'endedAt')::bigint, ${EPOCH_AT('$1', 'x.block_number', 'x.log_index')}, 'proposed',
                (x.args->>'finalAt')::bigint, null, x.block_number, x.block_hash, x.tx_hash, null
           from jsonb_to_recordset($2::jsonb) as x(subject text, args jsonb, block_number bigint, log_index int,
                block_hash text, tx_hash text)
         on conflict (stream, event_id) do update set version = excluded.version, status = excluded.status,
           values_ = excluded.values_, ended_at = excluded.ended_at, epoch = excluded.epoch, phase = 'proposed',
           final_at = excluded.final_at, batch_root = null, block_number = excluded.block_number,
           block_hash = excluded.block_hash, tx_hash = excluded.tx_hash, final_block_number = null, updated_at = now()
         where oracle_results.phase <> 'final'`,
        [this.stream, JSON.stringify([...last.values()])],
      );
      i = j;
    }
  }

  /** Applies one event to the derived tables. */
  private async applyEvent(db: Db, e: StoredEvent): Promise<void> {
    const a = e.args;
    switch (e.name) {
      case 'ResultProposed':
        await db.query(
          `insert into oracle_results (stream, event_id, version, status, values_, ended_at, epoch, phase, final_at,
             batch_root, block_number, block_hash, tx_hash, final_block_number)
           values ($1, $2, $3, $4, $5, $6, ${EPOCH_AT('$1', '$9::bigint', '$7::int')}, 'proposed', $8, null, $9, $10,
             $11, null)
           on conflict (stream, event_id) do update set version = excluded.version, status = excluded.status,
             values_ = excluded.values_, ended_at = excluded.ended_at, epoch = excluded.epoch, phase = 'proposed',
             final_at = excluded.final_at, batch_root = null, block_number = excluded.block_number,
             block_hash = excluded.block_hash, tx_hash = excluded.tx_hash, final_block_number = null, updated_at = now()
           where oracle_results.phase <> 'final'`,
          [
            this.stream,
            e.subject,
            a.version,
            a.status,
            JSON.stringify(a.values),
            a.endedAt,
            e.log_index,
            a.finalAt,
            e.block_number,
            e.block_hash,
            e.tx_hash,
          ],
        );
        return;
      case 'ResultDisputed':
        await db.query(
          `update oracle_results set phase = 'disputed', final_at = null, updated_at = now()
            where stream = $1 and event_id = $2 and phase = 'proposed'`,
          [this.stream, e.subject],
        );
        return;
      case 'ResultResolved':
      case 'ResultPublishedFromBatch': {
        const root = e.name === 'ResultPublishedFromBatch' ? String(a.root) : null;
        await db.query(
          `insert into oracle_results (stream, event_id, version, status, values_, ended_at, epoch, phase, final_at,
             batch_root, block_number, block_hash, tx_hash, final_block_number)
           values ($1, $2, $3, $4, $5, $6, null, 'final', null, $7, $8, $9, $10, $8)
           on conflict (stream, event_id) do update set version = excluded.version, status = excluded.status,
             values_ = excluded.values_, ended_at = excluded.ended_at, phase = 'final', batch_root = excluded.batch_root,
             block_number = excluded.block_number, block_hash = excluded.block_hash, tx_hash = excluded.tx_hash,
             final_block_number = excluded.final_block_number, updated_at = now()
           where oracle_results.phase <> 'final'`,
          [
            this.stream,
            e.subject,
            a.version,
            a.status,
            JSON.stringify(a.values),
            a.endedAt,
            root,
            e.block_number,
            e.block_hash,
            e.tx_hash,
          ],
        );
        await this.emitFinal(db, `and r.event_id = $2`, [e.subject]);
        return;
      }
      case 'BatchProposed':
        await db.query(
          `insert into oracle_batch_roots (stream, root, count, epoch, phase, final_at, block_number, block_hash)
           values ($1, $2, $3, $4, 'proposed', $5, $6, $7) on conflict do nothing`,
          [this.stream, e.subject, a.count, a.epoch, a.finalAt, e.block_number, e.block_hash],
        );
        return;
      case 'BatchDisputed':
        await db.query(
          `update oracle_batch_roots set phase = 'disputed', final_at = null where stream = $1 and root = $2 and phase = 'proposed'`,
          [this.stream, e.subject],
        );
        return;
      case 'BatchResolved': {
        const upheld = a.upheld === true;
        await db.query(
          `update oracle_batch_roots set phase = $3, final_block_number = case when $3 = 'final' then $4::bigint end
            where stream = $1 and root = $2`,
          [this.stream, e.subject, upheld ? 'final' : 'rejected', e.block_number],
        );
        if (upheld) await this.finalizeBatchItems(db, [e.subject], Number(e.block_number));
        return;
      }
      default:
        return; // governance and consumer events: kept raw only
    }
  }

  /** Proposed results and roots whose window ended at `timestamp` (a confirmed block's) become final. */
  private async finalize(db: Db, blockNumber: number, timestamp: bigint): Promise<number> {
    const results = await db.query<{ event_id: string }>(
      `update oracle_results set phase = 'final', final_block_number = $2, updated_at = now()
        where stream = $1 and phase = 'proposed' and final_at <= $3 returning event_id`,
      [this.stream, blockNumber, timestamp.toString()],
    );
    const roots = await db.query<{ root: string }>(
      `update oracle_batch_roots set phase = 'final', final_block_number = $2
        where stream = $1 and phase = 'proposed' and final_at <= $3 returning root`,
      [this.stream, blockNumber, timestamp.toString()],
    );
    let count = 0;
    if (results.rows.length > 0) {
      count += await this.emitFinal(db, `and r.event_id = any($2::text[])`, [results.rows.map((r) => r.event_id)]);
    }
    if (roots.rows.length > 0) {
      count += await this.finalizeBatchItems(
        db,
        roots.rows.map((r) => r.root),
        blockNumber,
      );
    }
    return count;
  }

  /**
   * Results of final roots become final results (the relayer recorded each leaf and its proof in
   * `oracle_batch_items`). A result already final by another path keeps its first final value.
   */
  private async finalizeBatchItems(db: Db, roots: readonly string[], blockNumber: number): Promise<number> {
    const items = await db.query<{ event_id: string }>(
      `insert into oracle_results (stream, event_id, version, status, values_, ended_at, epoch, phase, final_at,
         batch_root, block_number, block_hash, tx_hash, final_block_number)
       select $1, i.event_id, i.version, i.status, i.values_, i.ended_at, b.epoch, 'final', b.final_at, i.root,
              b.block_number, b.block_hash, null, $3
         from oracle_batch_items i join oracle_batch_roots b on b.stream = $1 and b.root = i.root
        where i.root = any($2::text[])
       on conflict (stream, event_id) do update set version = excluded.version, status = excluded.status,
         values_ = excluded.values_, ended_at = excluded.ended_at, phase = 'final', batch_root = excluded.batch_root,
         final_block_number = excluded.final_block_number, updated_at = now()
       where oracle_results.phase <> 'final' and oracle_results.version <= excluded.version
       returning event_id`,
      [this.stream, roots, blockNumber],
    );
    if (items.rows.length === 0) return 0;
    return this.emitFinal(db, `and r.event_id = any($2::text[])`, [items.rows.map((r) => r.event_id)]);
  }

  /** Inserts the notification rows of newly final results and wakes listeners up. */
  private async emitFinal(db: Db, filter: string, params: unknown[]): Promise<number> {
    const inserted = await db.query<{ event_id: string }>(
      `insert into oracle_final_results (stream, event_id, version, status, values_, ended_at, batch_root, final_block_number)
       select r.stream, r.event_id, r.version, r.status, r.values_, r.ended_at, r.batch_root, r.final_block_number
         from oracle_results r where r.stream = $1 and r.phase = 'final' ${filter}
       on conflict (stream, event_id) do nothing
       returning event_id`,
      [this.stream, ...params],
    );
    for (const row of inserted.rows) {
      await db.query('select pg_notify($1, $2)', [FINAL_CHANNEL, row.event_id]);
    }
    if (inserted.rows.length > 0) this.deps.metrics?.finalResults.inc(inserted.rows.length);
    return inserted.rows.length;
  }

  private async checkpoint(): Promise<{ number: number; hash: string; timestamp: bigint } | undefined> {
    const { rows } = await this.deps.pool.query<{ block_number: string; block_hash: string; block_timestamp: string }>(
      'select block_number, block_hash, block_timestamp from oracle_chain_checkpoints where stream = $1',
      [this.stream],
    );
    const row = rows[0];
    return row
      ? { number: Number(row.block_number), hash: row.block_hash, timestamp: BigInt(row.block_timestamp) }
      : undefined;
  }

  /**
   * Finds the newest recorded block the chain still has, deletes what was indexed after it and rebuilds
   * the derived tables from the remaining raw events. Returns the block rewound to.
   */
  private async rewind(): Promise<number> {
    const { rows } = await this.deps.pool.query<{ block_number: string; block_hash: string }>(
      'select block_number, block_hash from oracle_chain_blocks where stream = $1 order by block_number desc limit 10000',
      [this.stream],
    );
    let ancestor: Block | undefined;
    for (const row of rows) {
      const block = await this.call(() => this.deps.provider.getBlock(Number(row.block_number)));
      if (block?.hash === row.block_hash) {
        ancestor = block;
        break;
      }
    }
    const keep = ancestor ? ancestor.number : this.deps.options.deploymentBlock - 1;
    this.deps.metrics?.reorgs.inc();
    this.log.warn({ stream: this.stream, rewindTo: keep }, 'reorg detected: rewinding');
    const client = await this.deps.pool.connect();
    try {
      await client.query('begin');
      await client.query('delete from oracle_chain_events where stream = $1 and block_number > $2', [
        this.stream,
        keep,
      ]);
      await client.query('delete from oracle_chain_blocks where stream = $1 and block_number > $2', [
        this.stream,
        keep,
      ]);
      // Final rows derived from blocks that are gone are retracted (they were final at a depth that a
      // reorg deeper than the confirmation depth undid; consumers see the row disappear).
      await client.query('delete from oracle_final_results where stream = $1 and final_block_number > $2', [
        this.stream,
        keep,
      ]);
      await client.query('delete from oracle_results where stream = $1', [this.stream]);
      await client.query('delete from oracle_batch_roots where stream = $1', [this.stream]);
      const events = await client.query<StoredEvent>(
        'select * from oracle_chain_events where stream = $1 order by block_number, log_index',
        [this.stream],
      );
      for (const event of events.rows) await this.applyEvent(client, event);
      if (ancestor) {
        await this.finalize(client, ancestor.number, BigInt(ancestor.timestamp));
        await client.query(
          `update oracle_chain_checkpoints set block_number = $2, block_hash = $3, block_timestamp = $4, updated_at = now()
            where stream = $1`,
          [this.stream, ancestor.number, ancestor.hash, ancestor.timestamp],
        );
      } else {
        await client.query('delete from oracle_chain_checkpoints where stream = $1', [this.stream]);
      }
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    return keep;
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return this.deps.policy.execute(fn);
  }
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object' && 'toArray' in value)
    return (value as { toArray(): unknown[] }).toArray().map(jsonSafe);
  return value;
}
