import type { AbstractProvider, Block, Log } from 'ethers';
import type pg from 'pg';
import { withTransaction } from '../../lib/db/transaction.js';
import type { Logger } from '../chain/logger.js';
import { silentLogger } from '../chain/logger.js';
import { oracleInterface } from '../chain/oracle-contract.js';
import type { ChainPolicy } from '../chain/resilience.js';
import type { OracleMetrics } from '../metrics.js';

/** Channel of `pg_notify` for every feed row (payload: `<kind>:<stream>:<eventId>:<row id>`). */
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
  /** Final rows added to the feed. */
  readonly finalized: number;
  /** Retraction rows added to the feed (each one is an alert: the confirmation depth was too shallow). */
  readonly retracted: number;
  /** Block the indexer rewound to, when it detected a reorg. */
  readonly rewoundTo?: number;
  /** Events replayed by the rewind (those of the results and roots the reorg touched, not the history). */
  readonly replayed?: number;
  /** True when another indexer wrote this stream meanwhile: this tick stopped without writing. */
  readonly preempted?: boolean;
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

interface Checkpoint {
  readonly number: number;
  readonly hash: string;
  readonly timestamp: bigint;
}

type Db = Pick<pg.PoolClient, 'query'>;

/** What the feed decided in one transaction. */
interface FeedChange {
  finalized: number;
  retracted: number;
}

/** `ResultStatus.Postponed`: the one final status a later version may follow. */
const POSTPONED = 3;

const RESULT_EVENTS = ['ResultProposed', 'ResultDisputed', 'ResultResolved', 'ResultPublishedFromBatch'];
const ROOT_EVENTS = ['BatchProposed', 'BatchDisputed', 'BatchResolved'];

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
 * The one upsert of `oracle_results`: `select` yields rows of {@link RESULT_COLUMNS}. What a row may replace:
 * a result not final yet (a proposal, a correction, a resolution, a leaf of a final root) with a version no
 * lower than the stored one; or a final `Postponed` result, by a higher version (a final Postponed is not
 * the end of the event: the played result, or a cancellation, comes as a later version). A final result
 * never changes otherwise. A proposal replaces every column; a final row keeps the stored epoch, `final_at`
 * and transaction when it carries none (a resolution has no window; a root's leaf has no transaction).
 */
const RESULT_COLUMNS =
  'stream, event_id, version, status, values_, ended_at, epoch, phase, final_at, batch_root, block_number, block_hash, tx_hash, final_block_number';
const keepUnlessProposed = (column: string): string =>
  `${column} = case when excluded.phase = 'proposed' then excluded.${column}
                    else coalesce(excluded.${column}, oracle_results.${column}) end`;
const UPSERT_RESULTS = (select: string): string =>
  `insert into oracle_results (${RESULT_COLUMNS})
   ${select}
   on conflict (stream, event_id) do update set version = excluded.version, status = excluded.status,
     values_ = excluded.values_, ended_at = excluded.ended_at, ${keepUnlessProposed('epoch')}, phase = excluded.phase,
     ${keepUnlessProposed('final_at')}, batch_root = excluded.batch_root, block_number = excluded.block_number,
     block_hash = excluded.block_hash, ${keepUnlessProposed('tx_hash')}, final_block_number = excluded.final_block_number,
     updated_at = now()
   where (oracle_results.phase <> 'final' and oracle_results.version <= excluded.version)
      or (oracle_results.phase = 'final' and oracle_results.status = ${POSTPONED}
          and oracle_results.version < excluded.version)
   returning event_id`;

/**
 * Follows ResultsOracle's events at a confirmation depth and keeps Postgres' view of every result.
 *
 * - Raw events go to `oracle_chain_events` with their block number and hash; derived state goes to
 *   `oracle_results` and `oracle_batch_roots`, in the same transaction as the checkpoint, so a restart
 *   resumes exactly after the last indexed block.
 * - One writer per stream: every write transaction first takes a transaction-level advisory lock on the
 *   stream and checks that the checkpoint is still the one the tick started from; if another indexer
 *   moved it, this tick stops without writing. So feed rows of a stream commit in id order, and a cursor
 *   (`id > cursor`) can never skip a row that commits later with a smaller id.
 * - Reorgs: before each step the checkpoint's hash is compared with the chain's block at that height.
 *   On a mismatch the indexer walks back the recorded block hashes to the newest one the chain still
 *   has, deletes the raw events after it and rebuilds only the results and roots those events (or a
 *   finality after the ancestor) touched, from their own remaining events: the cost follows the depth.
 * - Finality: a proposed result (or root) is final when the timestamp of a confirmed block reaches its
 *   `finalAt` and it is not disputed; a resolution is final at once; results of a final root are final.
 * - The feed (`oracle_final_results`) is append-only. A result that becomes final gets a `final` row; a
 *   final result the chain took back (a reorg deeper than the confirmation depth removed, disputed or
 *   replaced it) gets a `retracted` row pointing at it, an error log and `oracle_feed_retractions_total`;
 *   a final result whose finality block alone left the chain (same payload still pending) is held in
 *   doubt (`oracle_feed_doubts`) and retracted only if it does not become final again with the same
 *   payload. Every row is announced by `pg_notify('oracle_final', …)` in its transaction.
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
    let rewind: { keep: number; replayed: number; change: FeedChange } | undefined;
    let checkpoint = await this.checkpoint(this.deps.pool);
    if (checkpoint) {
      const observed: Checkpoint = checkpoint;
      const block = await this.call(() => this.deps.provider.getBlock(observed.number));
      if (!block || block.hash !== observed.hash) {
        rewind = await this.rewind(observed);
        if (!rewind) return this.preempted(observed.number + 1);
        checkpoint = await this.checkpoint(this.deps.pool);
      }
    }
    const start = checkpoint ? checkpoint.number + 1 : this.deps.options.deploymentBlock;
    let from = start;
    let events = 0;
    let finalized = rewind?.change.finalized ?? 0;
    let retracted = rewind?.change.retracted ?? 0;
    let ranges = 0;
    let preempted = false;
    while (from <= target && ranges < maxRanges) {
      const to = Math.min(from + this.deps.options.blockRange - 1, target);
      const [logs, toBlock] = await Promise.all([
        this.call(() => this.deps.provider.getLogs({ address: this.deps.oracleAddress, fromBlock: from, toBlock: to })),
        this.call(() => this.deps.provider.getBlock(to)),
      ]);
      if (!toBlock?.hash) throw new Error(`provider returned no block ${to}`);
      // A log from another branch than the block we fetched: the chain moved under us, retry next tick.
      if (logs.some((l) => l.blockNumber === to && l.blockHash !== toBlock.hash)) break;
      const done = await this.applyRange(logs, toBlock, checkpoint);
      if (!done) {
        preempted = true;
        break;
      }
      events += logs.length;
      finalized += done.finalized;
      retracted += done.retracted;
      ranges++;
      checkpoint = { number: toBlock.number, hash: toBlock.hash, timestamp: BigInt(toBlock.timestamp) };
      from = to + 1;
    }
    const indexed = from - 1;
    this.deps.metrics?.indexedBlock.set(indexed);
    this.deps.metrics?.indexerLag.set(Math.max(0, head - indexed));
    return {
      fromBlock: start,
      toBlock: indexed,
      events,
      finalized,
      retracted,
      ...(rewind ? { rewoundTo: rewind.keep, replayed: rewind.replayed } : {}),
      ...(preempted ? { preempted } : {}),
    };
  }

  private preempted(from: number): IndexReport {
    return { fromBlock: from, toBlock: from - 1, events: 0, finalized: 0, retracted: 0, preempted: true };
  }

  /**
   * Starts a write transaction of this stream: waits for the stream's writer lock, then checks that the
   * checkpoint is still `expected`. False when another indexer moved it (the caller writes nothing).
   */
  private async claim(db: Db, expected: Checkpoint | undefined): Promise<boolean> {
    await db.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`oracle-indexer:${this.stream}`]);
    const current = await this.checkpoint(db);
    return current?.number === expected?.number && current?.hash === expected?.hash;
  }

  /** One range in one transaction; undefined when another indexer wrote the stream meanwhile. */
  private async applyRange(
    logs: readonly Log[],
    toBlock: Block,
    expected: Checkpoint | undefined,
  ): Promise<FeedChange | undefined> {
    return withTransaction(this.deps.pool, async (client) => {
      if (!(await this.claim(client, expected))) return undefined;
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
      const touched = new Set<string>();
      await this.applyEvents(client, toApply, touched);
      for (const e of toApply) this.deps.metrics?.indexedEvents.inc({ event: e.name });
      const blocks = new Map<string, string>(toApply.map((e) => [e.block_number, e.block_hash]));
      blocks.set(String(toBlock.number), toBlock.hash!);
      await client.query(
        `insert into oracle_chain_blocks (stream, block_number, block_hash)
         select $1, n, h from unnest($2::bigint[], $3::text[]) as t(n, h)
         on conflict (stream, block_number) do update set block_hash = excluded.block_hash`,
        [this.stream, [...blocks.keys()], [...blocks.values()]],
      );
      await this.finalize(client, toBlock.number, BigInt(toBlock.timestamp), touched);
      const change = await this.reconcileFeed(client, touched, toBlock.number);
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
      return change;
    });
  }
  /**
   * Applies events in chain order. A run of consecutive `ResultProposed` events is applied with one
   * statement (the last proposal of an event in the run wins, exactly as applying them one by one
   * would, since nothing in between can make it final): that is what keeps catch-up fast.
   */
  private async applyEvents(db: Db, events: readonly StoredEvent[], touched: Set<string>): Promise<void> {
    let i = 0;
    while (i < events.length) {
      if (events[i]!.name !== 'ResultProposed') {
        await this.applyEvent(db, events[i]!, touched);
        i++;
        continue;
      }
      let j = i;
      while (j < events.length && events[j]!.name === 'ResultProposed') j++;
      const last = new Map<string, StoredEvent>();
      for (const e of events.slice(i, j)) {
        last.set(e.subject, e);
        touched.add(e.subject);
      }
      await this.applyProposals(db, [...last.values()]);
      i = j;
    }
  }

  /** `ResultProposed` events (at most one per event id), in one statement. */
  private async applyProposals(db: Db, proposals: readonly StoredEvent[]): Promise<void> {
    await db.query(
      UPSERT_RESULTS(`select $1, x.subject, (x.args->>'version')::int, (x.args->>'status')::smallint, x.args->'values',
                             (x.args->>'endedAt')::bigint, ${EPOCH_AT('$1', 'x.block_number', 'x.log_index')}, 'proposed',
                             (x.args->>'finalAt')::bigint, null, x.block_number, x.block_hash, x.tx_hash, null::bigint
                        from jsonb_to_recordset($2::jsonb) as x(subject text, args jsonb, block_number bigint,
                             log_index int, block_hash text, tx_hash text)`),
      [this.stream, JSON.stringify(proposals)],
    );
  }

  /** Applies one event to the derived tables; adds the event ids whose feed row may change to `touched`. */
  private async applyEvent(db: Db, e: StoredEvent, touched: Set<string>): Promise<void> {
    const a = e.args;
    if (RESULT_EVENTS.includes(e.name)) touched.add(e.subject);
    switch (e.name) {
      case 'ResultProposed':
        await this.applyProposals(db, [e]);
        return;
      case 'ResultDisputed':
        // The dispute lapses at `finalAt` (the proposal is then final, see `finalize`).
        await db.query(
          `update oracle_results set phase = 'disputed', final_at = $3, updated_at = now()
            where stream = $1 and event_id = $2 and phase = 'proposed'`,
          [this.stream, e.subject, a.finalAt],
        );
        return;
      case 'ResultPublishedFromBatch':
        // The leaf was proposed by the `ResultProposed` just before it (same transaction): name its root.
        await db.query(
          `update oracle_results set batch_root = $3, updated_at = now()
            where stream = $1 and event_id = $2 and version = $4 and phase <> 'final'`,
          [this.stream, e.subject, String(a.root), a.version],
        );
        return;
      case 'ResultResolved': {
        const root = null;
        await db.query(
          UPSERT_RESULTS(`values ($1, $2, $3::int, $4::smallint, $5::jsonb, $6::bigint, null::int, 'final', null::bigint,
                                  $7, $8::bigint, $9, $10, $8::bigint)`),
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
          `update oracle_batch_roots set phase = 'disputed', final_at = $3
            where stream = $1 and root = $2 and phase = 'proposed'`,
          [this.stream, e.subject, a.finalAt],
        );
        return;
      case 'BatchResolved': {
        const upheld = a.upheld === true;
        await db.query(
          `update oracle_batch_roots set phase = $3, final_block_number = case when $3 = 'final' then $4::bigint end
            where stream = $1 and root = $2`,
          [this.stream, e.subject, upheld ? 'final' : 'rejected', e.block_number],
        );
        if (upheld) await this.finalizeBatchItems(db, [e.subject], Number(e.block_number), touched);
        return;
      }
      default:
        return; // governance and consumer events: kept raw only
    }
  }

  /**
   * Proposed results and roots whose window ended (or disputed ones whose dispute lapsed) at `timestamp` (a confirmed block's) become final; the
   * event ids that did are added to `touched`.
   */
  private async finalize(db: Db, blockNumber: number, timestamp: bigint, touched: Set<string>): Promise<void> {
    const results = await db.query<{ event_id: string }>(
      `update oracle_results set phase = 'final', final_block_number = $2, updated_at = now()
        where stream = $1 and phase in ('proposed', 'disputed') and final_at <= $3 returning event_id`,
      [this.stream, blockNumber, timestamp.toString()],
    );
    for (const r of results.rows) touched.add(r.event_id);
    const roots = await db.query<{ root: string }>(
      `update oracle_batch_roots set phase = 'final', final_block_number = $2
        where stream = $1 and phase in ('proposed', 'disputed') and final_at <= $3 returning root`,
      [this.stream, blockNumber, timestamp.toString()],
    );
    if (roots.rows.length > 0) {
      await this.finalizeBatchItems(
        db,
        roots.rows.map((r) => r.root),
        blockNumber,
        touched,
      );
    }
  }

  /**
   * Results of final roots become final results (the relayer recorded each leaf and its proof in
   * `oracle_batch_items`). A result already final by another path keeps its first final value.
   */
  private async finalizeBatchItems(
    db: Db,
    roots: readonly string[],
    blockNumber: number,
    touched: Set<string>,
  ): Promise<void> {
    const items = await db.query<{ event_id: string }>(
      UPSERT_RESULTS(`select $1, i.event_id, i.version, i.status, i.values_, i.ended_at, b.epoch, 'final', b.final_at,
                             i.root, b.block_number, b.block_hash, null, $3::bigint
                        from oracle_batch_items i join oracle_batch_roots b on b.stream = $1 and b.root = i.root
                       where i.root = any($2::text[])`),
      [this.stream, roots, blockNumber],
    );
    for (const r of items.rows) touched.add(r.event_id);
  }

  /**
   * Brings the feed in line with the derived state for `touched` and the events in doubt, appending rows
   * only (decided at `blockNumber`):
   *
   * | latest feed row     | derived state                         | appended                                  |
   * | ------------------- | ------------------------------------- | ----------------------------------------- |
   * | none or `retracted` | final                                 | `final`                                   |
   * | `final`             | final, same payload                   | nothing (a doubt is lifted)               |
   * | `final`             | final, another payload                | `retracted` (the old one), then `final`   |
   * | `final`             | proposed, same payload (or a leaf of a proposed root) | nothing: held in doubt until it settles |
   * | `final`             | disputed, another payload or gone     | `retracted`                               |
   * | `final` Postponed   | a higher version, final               | `final` (no retraction: Postponed meant "wait") |
   * | `final` Postponed   | a higher version, not final yet       | nothing                                   |
   */
  private async reconcileFeed(db: Db, touched: ReadonlySet<string>, blockNumber: number): Promise<FeedChange> {
    const doubts = await db.query<{ event_id: string }>('select event_id from oracle_feed_doubts where stream = $1', [
      this.stream,
    ]);
    const candidates = [...new Set([...touched, ...doubts.rows.map((r) => r.event_id)])];
    if (candidates.length === 0) return { finalized: 0, retracted: 0 };
    const { rows } = await db.query<{
      event_id: string;
      head_id: string | null;
      head_kind: 'final' | 'retracted' | null;
      head_version: number | null;
      head_status: number | null;
      head_values: unknown;
      head_ended_at: string | null;
      phase: 'proposed' | 'disputed' | 'final' | null;
      version: number | null;
      status: number | null;
      values_: unknown;
      ended_at: string | null;
      doubted: boolean;
      pending_leaf: boolean;
    }>(
      `select c.event_id, h.id as head_id, h.kind as head_kind, h.version as head_version, h.status as head_status,
              h.values_ as head_values, h.ended_at as head_ended_at,
              r.phase, r.version, r.status, r.values_, r.ended_at, d.event_id is not null as doubted,
              exists (select 1 from oracle_batch_items i
                        join oracle_batch_roots b on b.stream = $1 and b.root = i.root and b.phase = 'proposed'
                       where i.event_id = c.event_id and i.version = h.version and i.status = h.status
                         and i.values_ = h.values_ and i.ended_at = h.ended_at) as pending_leaf
         from unnest($2::text[]) with ordinality as c(event_id, ord)
         left join lateral (select f.id, f.kind, f.version, f.status, f.values_, f.ended_at from oracle_final_results f
                             where f.stream = $1 and f.event_id = c.event_id order by f.id desc limit 1) h on true
         left join oracle_results r on r.stream = $1 and r.event_id = c.event_id
         left join oracle_feed_doubts d on d.stream = $1 and d.event_id = c.event_id
        order by c.ord`,
      [this.stream, candidates],
    );
    const retract: { eventId: string; headId: string }[] = [];
    const finals: string[] = [];
    const doubt: { eventId: string; headId: string }[] = [];
    const lift: string[] = [];
    for (const r of rows) {
      const derivedFinal = r.phase === 'final';
      if (r.head_kind !== 'final') {
        if (derivedFinal) finals.push(r.event_id);
        if (r.doubted) lift.push(r.event_id);
        continue;
      }
      if (r.head_status === POSTPONED && r.version !== null && r.version > r.head_version!) {
        // A later version after a final Postponed ("wait"): nothing was settled on the Postponed row, so it
        // is never retracted; the later version gets its own final row once final.
        if (derivedFinal) finals.push(r.event_id);
        if (r.doubted) lift.push(r.event_id);
        continue;
      }
      const same =
        r.phase !== null &&
        r.version === r.head_version &&
        r.status === r.head_status &&
        String(r.ended_at) === String(r.head_ended_at) &&
        JSON.stringify(r.values_) === JSON.stringify(r.head_values);
      if (same && derivedFinal) {
        if (r.doubted) lift.push(r.event_id);
      } else if ((same && r.phase === 'proposed') || ((r.phase === null || r.phase === 'proposed') && r.pending_leaf)) {
        // Pending again with the same payload: on its own, or as a leaf of a root still in its window.
        if (!r.doubted) doubt.push({ eventId: r.event_id, headId: r.head_id! });
      } else {
        retract.push({ eventId: r.event_id, headId: r.head_id! });
        if (r.doubted) lift.push(r.event_id);
        if (derivedFinal) finals.push(r.event_id);
      }
    }
    if (lift.length > 0) {
      await db.query('delete from oracle_feed_doubts where stream = $1 and event_id = any($2::text[])', [
        this.stream,
        lift,
      ]);
    }
    if (doubt.length > 0) {
      await db.query(
        `insert into oracle_feed_doubts (stream, event_id, final_id, since_block)
         select $1, e, f, $4 from unnest($2::text[], $3::bigint[]) as t(e, f) on conflict do nothing`,
        [this.stream, doubt.map((d) => d.eventId), doubt.map((d) => d.headId), blockNumber],
      );
      this.log.warn(
        { stream: this.stream, events: doubt.map((d) => d.eventId), block: blockNumber },
        'final results in doubt: the block that made them final left the chain (reorg deeper than the confirmation depth); same payload still pending',
      );
    }
    const notices: string[] = [];
    if (retract.length > 0) {
      // Retractions first: a result that came back with another payload reads retracted, then final.
      const inserted = await db.query<{ id: string; event_id: string; retracts: string }>(
        `insert into oracle_final_results (stream, event_id, version, status, values_, ended_at, batch_root,
           final_block_number, kind, retracts)
         select f.stream, f.event_id, f.version, f.status, f.values_, f.ended_at, f.batch_root, $2, 'retracted', f.id
           from unnest($3::bigint[]) with ordinality as t(id, ord)
           join oracle_final_results f on f.stream = $1 and f.id = t.id
          order by t.ord
         returning id, event_id, retracts`,
        [this.stream, blockNumber, retract.map((r) => r.headId)],
      );
      for (const row of inserted.rows) {
        notices.push(notice('retracted', this.stream, row.event_id, row.id));
        this.log.error(
          { stream: this.stream, eventId: row.event_id, retracts: row.retracts, row: row.id, block: blockNumber },
          'final result RETRACTED: a reorg deeper than INDEXER_CONFIRMATIONS took it back (the depth is too shallow); consumers must reverse it',
        );
      }
      this.deps.metrics?.feedRetractions.inc(inserted.rows.length);
    }
    let finalized = 0;
    if (finals.length > 0) {
      const inserted = await db.query<{ id: string; event_id: string }>(
        `insert into oracle_final_results (stream, event_id, version, status, values_, ended_at, batch_root,
           final_block_number, kind)
         select r.stream, r.event_id, r.version, r.status, r.values_, r.ended_at, r.batch_root, r.final_block_number,
                'final'
           from unnest($2::text[]) with ordinality as t(event_id, ord)
           join oracle_results r on r.stream = $1 and r.event_id = t.event_id and r.phase = 'final'
          order by t.ord
         returning id, event_id`,
        [this.stream, finals],
      );
      for (const row of inserted.rows) notices.push(notice('final', this.stream, row.event_id, row.id));
      finalized = inserted.rows.length;
      if (finalized > 0) this.deps.metrics?.finalResults.inc(finalized);
    }
    if (notices.length > 0) {
      await db.query('select pg_notify($1, n) from unnest($2::text[]) as t(n)', [FINAL_CHANNEL, notices]);
    }
    return { finalized, retracted: retract.length };
  }

  private async checkpoint(db: Db | pg.Pool): Promise<Checkpoint | undefined> {
    const { rows } = await db.query<{ block_number: string; block_hash: string; block_timestamp: string }>(
      'select block_number, block_hash, block_timestamp from oracle_chain_checkpoints where stream = $1',
      [this.stream],
    );
    const row = rows[0];
    return row
      ? { number: Number(row.block_number), hash: row.block_hash, timestamp: BigInt(row.block_timestamp) }
      : undefined;
  }

  /**
   * Finds the newest recorded block the chain still has (one `getBlock` per recorded block walked back:
   * the depth), deletes the raw events after it and rebuilds only what they touched: the results and roots
   * with a removed event, or made final after the ancestor, from their own remaining events. The feed is
   * then reconciled (retractions for what the chain took back). Undefined when another indexer moved the
   * checkpoint meanwhile (it handled the reorg).
   */
  private async rewind(
    observed: Checkpoint,
  ): Promise<{ keep: number; replayed: number; change: FeedChange } | undefined> {
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
    return withTransaction(this.deps.pool, async (db) => {
      if (!(await this.claim(db, observed))) return undefined;
      this.deps.metrics?.reorgs.inc();
      this.log.warn({ stream: this.stream, rewindTo: keep, from: observed.number }, 'reorg detected: rewinding');
      const removed = await db.query<{ name: string; subject: string }>(
        'delete from oracle_chain_events where stream = $1 and block_number > $2 returning name, subject',
        [this.stream, keep],
      );
      await db.query('delete from oracle_chain_blocks where stream = $1 and block_number > $2', [this.stream, keep]);
      const results = new Set<string>();
      const roots = new Set<string>();
      for (const e of removed.rows) {
        if (RESULT_EVENTS.includes(e.name)) results.add(e.subject);
        else if (ROOT_EVENTS.includes(e.name)) roots.add(e.subject);
      }
      const lateRoots = await db.query<{ root: string }>(
        'select root from oracle_batch_roots where stream = $1 and final_block_number > $2',
        [this.stream, keep],
      );
      for (const r of lateRoots.rows) roots.add(r.root);
      const lateResults = await db.query<{ event_id: string }>(
        `select event_id from oracle_results
          where stream = $1 and (final_block_number > $2 or batch_root = any($3::text[]))`,
        [this.stream, keep, [...roots]],
      );
      for (const r of lateResults.rows) results.add(r.event_id);
      await db.query('delete from oracle_results where stream = $1 and event_id = any($2::text[])', [
        this.stream,
        [...results],
      ]);
      await db.query('delete from oracle_batch_roots where stream = $1 and root = any($2::text[])', [
        this.stream,
        [...roots],
      ]);
      const replay = await db.query<StoredEvent>(
        `select block_number, block_hash, log_index, tx_hash, name, subject, args from oracle_chain_events
          where stream = $1 and subject = any($2::text[]) order by block_number, log_index`,
        [this.stream, [...results, ...roots]],
      );
      const touched = new Set<string>();
      await this.applyEvents(db, replay.rows, touched);
      // A rebuilt result may be final through a root that stayed final (before the ancestor).
      const finalRoots = await db.query<{ root: string; final_block_number: string }>(
        `select distinct b.root, b.final_block_number from oracle_batch_items i
           join oracle_batch_roots b on b.stream = $1 and b.root = i.root and b.phase = 'final'
          where i.event_id = any($2::text[])`,
        [this.stream, [...results]],
      );
      for (const r of finalRoots.rows) {
        await this.finalizeBatchItems(db, [r.root], Number(r.final_block_number), touched);
      }
      if (ancestor) await this.finalize(db, ancestor.number, BigInt(ancestor.timestamp), touched);
      const change = await this.reconcileFeed(db, new Set([...results, ...touched]), keep);
      if (ancestor) {
        await db.query(
          `update oracle_chain_checkpoints set block_number = $2, block_hash = $3, block_timestamp = $4, updated_at = now()
            where stream = $1`,
          [this.stream, ancestor.number, ancestor.hash, ancestor.timestamp],
        );
      } else {
        await db.query('delete from oracle_chain_checkpoints where stream = $1', [this.stream]);
      }
      return { keep, replayed: replay.rows.length, change };
    });
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return this.deps.policy.execute(fn);
  }
}

/** `pg_notify` payload of one feed row: `<kind>:<stream>:<eventId>:<row id>` (a wake-up; the table is the truth). */
function notice(kind: 'final' | 'retracted', stream: string, eventId: string, id: string): string {
  return `${kind}:${stream}:${eventId}:${id}`;
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object' && 'toArray' in value)
    return (value as { toArray(): unknown[] }).toArray().map(jsonSafe);
  return value;
}
