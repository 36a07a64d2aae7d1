import type { Db } from '../../lib/db/transaction.js';
import type { PublicationKind, PublicationState, TransactionState } from './outbox-store.js';

/** One transaction of a publication, as the admin pages and the status CLI show it (no raw bytes). */
export interface TransactionStatus {
  readonly sender: string;
  readonly nonce: number;
  readonly attempt: number;
  readonly txHash: string;
  readonly state: TransactionState;
  readonly blockNumber: number | null;
}

/** One publication that carries an event (its own `propose`, or a batch root holding it). */
export interface PublicationStatus {
  readonly id: string;
  readonly kind: PublicationKind;
  readonly state: PublicationState;
  /** Stable failure code (`OracleErrorCode`) of a failed, expired or conflicting publication. */
  readonly errorCode: string | null;
  readonly error: string | null;
  readonly retries: number;
  /** A failed publication: when it goes back in the queue by itself, or null. */
  readonly retryAt: Date | null;
  /** A failed publication that only `npm run oracle -- retry` puts back in the queue. */
  readonly needsManualRetry: boolean;
  readonly txHash: string | null;
  readonly blockNumber: number | null;
  readonly createdAt: Date;
  readonly transactions: readonly TransactionStatus[];
}

/**
 * Read-only view of the relayer's outbox of one deployment, per event (admin pages, the status CLI).
 * Never writes; needs no lock and no key.
 */
export class PublicationStatusReader {
  private readonly db: Db;
  private readonly chainId: string;
  private readonly contract: string;

  constructor(deps: { readonly db: Db; readonly chainId: bigint; readonly contract: string }) {
    this.db = deps.db;
    this.chainId = deps.chainId.toString();
    this.contract = deps.contract.toLowerCase();
  }

  /** Publications of `eventId` (its own and the batch roots that hold it), oldest first, with their transactions. */
  async forEvent(eventId: string): Promise<PublicationStatus[]> {
    const { rows } = await this.db.query<{
      id: string;
      kind: PublicationKind;
      state: PublicationState;
      error: string | null;
      error_code: string | null;
      retries: number;
      retry_at: Date | null;
      tx_hash: string | null;
      block_number: string | null;
      created_at: Date;
      transactions: {
        sender: string;
        nonce: string;
        attempt: number;
        tx_hash: string;
        state: TransactionState;
        block_number: string | null;
      }[];
    }>(
      `select p.id, p.kind, p.state, p.error, p.error_code, p.retries, p.retry_at, p.tx_hash, p.block_number,
              p.created_at,
              coalesce((select json_agg(json_build_object('sender', t.sender, 'nonce', t.nonce::text,
                                 'attempt', t.attempt, 'tx_hash', t.tx_hash, 'state', t.state,
                                 'block_number', t.block_number::text) order by t.attempt)
                          from oracle_transactions t where t.publication_id = p.id), '[]') as transactions
         from oracle_publications p
        where p.chain_id = $2 and p.contract = $3
          and (p.subject = $1 or (p.kind = 'batch' and p.subject in (select root from oracle_batch_items where event_id = $1)))
        order by p.id`,
      [eventId.toLowerCase(), this.chainId, this.contract],
    );
    return rows.map((r) => ({
      id: String(r.id),
      kind: r.kind,
      state: r.state,
      errorCode: r.error_code,
      error: r.error,
      retries: r.retries,
      retryAt: r.retry_at,
      needsManualRetry: r.state === 'failed' && r.retry_at === null && r.error_code !== 'ORACLE_BATCH_UNSIGNED',
      txHash: r.tx_hash,
      blockNumber: r.block_number === null ? null : Number(r.block_number),
      createdAt: r.created_at,
      transactions: r.transactions.map((t) => ({
        sender: t.sender,
        nonce: Number(t.nonce),
        attempt: t.attempt,
        txHash: t.tx_hash,
        state: t.state,
        blockNumber: t.block_number === null ? null : Number(t.block_number),
      })),
    }));
  }

  /** Number of publications per state (the relayer's gauges, for a dashboard). */
  async countByState(): Promise<Partial<Record<PublicationState, number>>> {
    const { rows } = await this.db.query<{ state: PublicationState; n: number }>(
      `select state, count(*)::int as n from oracle_publications where chain_id = $1 and contract = $2 group by state`,
      [this.chainId, this.contract],
    );
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }
}
