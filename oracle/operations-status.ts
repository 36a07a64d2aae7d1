import type { Db } from '../lib/db/transaction.js';

/** Publications of one state and failure code (relayer outbox, one deployment). */
export interface PublicationCount {
  readonly state: string;
  /** Stable failure code (`OracleErrorCode`) of failed, expired and conflicting publications; null otherwise. */
  readonly errorCode: string | null;
  readonly count: number;
  /** The oldest of them (created_at): how long the queue has held it. */
  readonly oldestAt: Date;
}

/** Where the relayer's outbox stands: publications not yet done, and those that failed. */
export interface RelayerOperations {
  /** `pending`, `awaiting_signatures`, `sent`, `mined`: the relayer still has work on them. */
  readonly pending: number;
  /** `failed`, `expired`, `conflict`: an operator (or the automatic retry of a transient code) acts. */
  readonly failed: number;
  /** Those counts by state and failure code (done states, `confirmed` and `already_published`, left out). */
  readonly byState: readonly PublicationCount[];
}

/** Where the indexer stands, and the head of the final-result feed it writes. */
export interface IndexerOperations {
  /** The last block it indexed (at its confirmation depth), or null before its first tick. */
  readonly lastIndexedBlock: number | null;
  /** That block's timestamp (chain time, seconds) and when the checkpoint was written. */
  readonly lastIndexedBlockTimestamp: number | null;
  readonly indexedAt: Date | null;
  /** The feed's last row (`oracle_final_results`), or null when the feed is empty. */
  readonly feedHead: { readonly id: string; readonly at: Date } | null;
}

/** The feed rows after a consumer's cursor (the settler's lag). */
export interface FeedLag {
  /** Rows after the cursor, counted up to `limit` (`capped` when there are at least that many). */
  readonly rows: number;
  readonly capped: boolean;
  /** The first row after the cursor (the oldest not handled): its id and when it was written; null when caught up. */
  readonly oldest: { readonly id: string; readonly at: Date } | null;
}

/**
 * Read-only operational figures of one deployment's oracle tables (relayer outbox, indexer checkpoint,
 * final-result feed) for the API's operations view. Every query runs on an index of the table: the
 * outbox by deployment, the checkpoint by stream (its primary key), the feed by `(stream, id)`.
 */
export class OracleOperationsReader {
  private readonly db: Db;
  private readonly chainId: string;
  private readonly contract: string;
  private readonly stream: string;

  constructor(deps: { readonly db: Db; readonly chainId: bigint; readonly contract: string }) {
    this.db = deps.db;
    this.chainId = deps.chainId.toString();
    this.contract = deps.contract.toLowerCase();
    this.stream = `${this.chainId}:${this.contract}`;
  }

  /** Publications not done (pending or failed) by state and failure code. */
  async relayer(): Promise<RelayerOperations> {
    const { rows } = await this.db.query<{ state: string; error_code: string | null; n: number; oldest: Date }>(
      `select state, error_code, count(*)::int as n, min(created_at) as oldest from oracle_publications
        where chain_id = $1 and contract = $2
          and state not in ('confirmed', 'already_published')
        group by state, error_code order by state, error_code nulls first`,
      [this.chainId, this.contract],
    );
    const byState = rows.map((r) => ({ state: r.state, errorCode: r.error_code, count: r.n, oldestAt: r.oldest }));
    const sum = (states: readonly string[]) =>
      byState.filter((r) => states.includes(r.state)).reduce((a, r) => a + r.count, 0);
    return {
      pending: sum(['pending', 'awaiting_signatures', 'sent', 'mined']),
      failed: sum(['failed', 'expired', 'conflict']),
      byState,
    };
  }

  /** The indexer's checkpoint and the feed's last row. */
  async indexer(): Promise<IndexerOperations> {
    const { rows } = await this.db.query<{
      block_number: string | null;
      block_timestamp: string | null;
      updated_at: Date | null;
      head_id: string | null;
      head_at: Date | null;
    }>(
      `select c.block_number::text, c.block_timestamp::text, c.updated_at, h.id::text as head_id, h.created_at as head_at
         from (select 1) one
         left join oracle_chain_checkpoints c on c.stream = $1
         left join lateral (select id, created_at from oracle_final_results
                             where stream = $1 order by id desc limit 1) h on true`,
      [this.stream],
    );
    const r = rows[0]!;
    return {
      lastIndexedBlock: r.block_number === null ? null : Number(r.block_number),
      lastIndexedBlockTimestamp: r.block_timestamp === null ? null : Number(r.block_timestamp),
      indexedAt: r.updated_at,
      feedHead: r.head_id === null || r.head_at === null ? null : { id: r.head_id, at: r.head_at },
    };
  }

  /** Feed rows after `cursor` (exclusive), counted up to `limit` rows (an index range, never the whole feed). */
  async feedAfter(cursor: string, limit = 10_000): Promise<FeedLag> {
    if (!/^\d{1,19}$/.test(cursor)) throw new TypeError(`cursor: a row id (decimal digits), got ${cursor}`);
    const { rows } = await this.db.query<{ n: number; oldest_id: string | null; oldest_at: Date | null }>(
      `select (select count(*)::int from (select 1 from oracle_final_results
                 where stream = $1 and id > $2 order by id limit $3) r) as n,
              f.id::text as oldest_id, f.created_at as oldest_at
         from (select 1) one
         left join lateral (select id, created_at from oracle_final_results
                             where stream = $1 and id > $2 order by id limit 1) f on true`,
      [this.stream, cursor, limit],
    );
    const r = rows[0]!;
    return {
      rows: r.n,
      capped: r.n >= limit,
      oldest: r.oldest_id === null || r.oldest_at === null ? null : { id: r.oldest_id, at: r.oldest_at },
    };
  }
}
