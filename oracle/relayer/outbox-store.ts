/**
 * What the relayer publishes: one result (`propose`, sent as `proposePacked()`), one batch root
 * (`batch`, sent as `proposeBatchPacked()`), or one leaf of a final root written to storage (`leaf`, sent
 * as `publishFromBatch(root, leaf, proof)`).
 */
export type PublicationKind = 'propose' | 'batch' | 'leaf';

/** Deadline of a publication that carries no signature (a `leaf`): the largest value the column holds. */
export const NO_DEADLINE = 9_223_372_036_854_775_807n;

/** See `oracle/db/migrations/0002_chain.sql` for the meaning of each state. */
export type PublicationState =
  | 'pending'
  | 'awaiting_signatures'
  | 'awaiting_root'
  | 'sent'
  | 'mined'
  | 'confirmed'
  | 'already_published'
  | 'superseded'
  | 'conflict'
  | 'expired'
  | 'failed';

/** States the relayer still works on. */
export const OPEN_PUBLICATION_STATES: readonly PublicationState[] = [
  'pending',
  'awaiting_signatures',
  'awaiting_root',
  'sent',
  'mined',
];

export interface Publication {
  readonly id: string;
  readonly kind: PublicationKind;
  /** eventId (propose, leaf) or root (batch). */
  readonly subject: string;
  /** EIP-712 digest (propose), root (batch) or `<root>:<eventId>` (leaf). */
  readonly payloadKey: string;
  /** outcomeKey of the payload (propose, leaf). */
  readonly outcomeKey: string | null;
  readonly version: number | null;
  readonly digest: string | null;
  /** The signed payload and signatures, JSON-safe (see `relayer/payload.ts`). */
  readonly payload: unknown;
  readonly deadline: bigint;
  readonly state: PublicationState;
  readonly error: string | null;
  /** Stable code of the last failure (`failed`, `expired`, `conflict`): an `OracleErrorCode`. */
  readonly errorCode: string | null;
  /** Times the publication was put back in the queue after a failure (automatically or by command). */
  readonly retries: number;
  /** When a `failed` publication with a transient code goes back in the queue by itself; null: it waits. */
  readonly retryAt: Date | null;
  readonly txHash: string | null;
  readonly blockNumber: number | null;
  readonly createdAt: Date;
}

/** `signed`: recorded, maybe not broadcast; `broadcast`: handed to the provider; then one outcome. */
/** `reverted`: mined with a failed receipt (never again taken for the publication's receipt). */
export type TransactionState = 'signed' | 'broadcast' | 'mined' | 'reverted' | 'replaced' | 'dropped' | 'cancelled';

export interface OutboxTransaction {
  readonly id: string;
  readonly publicationId: string;
  readonly sender: string;
  readonly nonce: number;
  readonly attempt: number;
  readonly txHash: string;
  readonly rawTx: string;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
  readonly state: TransactionState;
  readonly broadcastAt: Date | null;
  readonly createdAt: Date;
}

export interface NewPublication {
  readonly kind: PublicationKind;
  readonly subject: string;
  readonly payloadKey: string;
  readonly outcomeKey: string | null;
  readonly version: number | null;
  readonly digest: string | null;
  readonly payload: unknown;
  readonly deadline: bigint;
  readonly state: 'pending' | 'awaiting_signatures';
}

export interface NewTransaction {
  readonly publicationId: string;
  readonly sender: string;
  readonly nonce: number;
  readonly attempt: number;
  readonly txHash: string;
  readonly rawTx: string;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

/** A batch leaf with its proof, kept so that any consumer can prove the result against the root. */
export interface BatchItem {
  readonly eventId: string;
  readonly outcomeKey: string;
  readonly leafIndex: number;
  readonly status: number;
  readonly values: readonly number[];
  readonly endedAt: bigint;
  readonly version: number;
  readonly proof: readonly string[];
}

/**
 * The relayer's durable memory (Postgres in production). Every transaction is recorded here before it
 * is broadcast, so a restart resumes from it and never signs a second transaction for a payload whose
 * first one may be on its way.
 */
export interface OutboxStore {
  /**
   * Which of these outcome keys the outbox already holds — a publication or a batch item that is not
   * `expired`/`failed` — so the relayer never publishes one outcome twice, but does publish an outcome
   * re-signed with a fresh window after its first signatures expired.
   */
  heldOutcomeKeys(keys: readonly string[]): Promise<Set<string>>;
  /** Inserts a publication unless one exists for the same kind + payload key; returns it when inserted. */
  createPublication(publication: NewPublication, items?: readonly BatchItem[]): Promise<Publication | undefined>;
  /**
   * Batch roots this outbox published (`confirmed` or `already_published`) whose leaves are not queued yet,
   * oldest first: the roots in their dispute window (or final since the last tick), never the history.
   */
  rootsAwaitingLeaves(options: { limit: number }): Promise<string[]>;
  /** Leaves of `root` (with their proofs) that have no `leaf` publication yet, in leaf order. */
  unpublishedLeaves(root: string): Promise<BatchItem[]>;
  /**
   * Queues one `leaf` publication (state `pending`) per leaf of `root`, at most once per root and leaf, and
   * marks the root's leaves queued, in one statement. Returns how many publications it created.
   */
  queueLeaves(root: string, leaves: readonly BatchItem[]): Promise<number>;
  /** Marks the leaves of `root` handled without queueing any (a root governance rejected). */
  markLeavesQueued(root: string): Promise<void>;
  /** Which of these outcome keys were leaves of a batch root that was abandoned (failed or expired). */
  abandonedBatchOutcomeKeys(keys: readonly string[]): Promise<Set<string>>;
  openPublications(): Promise<Publication[]>;
  /** Number of publications per state (metrics). */
  countByState(): Promise<Record<string, number>>;
  transactionsOf(publicationId: string): Promise<OutboxTransaction[]>;
  /** Highest nonce of an unresolved (signed/broadcast) transaction of `sender`. */
  maxOpenNonce(sender: string): Promise<number | undefined>;
  /** Records a signed transaction (state `signed`) and moves its publication to `sent`, atomically. */
  recordTransaction(tx: NewTransaction): Promise<OutboxTransaction>;
  setTransactionState(
    id: string,
    state: TransactionState,
    fields?: { blockNumber?: number; blockHash?: string; receiptStatus?: number },
  ): Promise<void>;
  setPublicationState(id: string, state: PublicationState, fields?: PublicationFields): Promise<void>;
  /**
   * Deletes a `signed` transaction that every node refused (its nonce was never used), so that the nonce
   * and the same bytes can be signed again. Returns false when it was not `signed` any more.
   */
  discardRefusedTransaction(id: string): Promise<boolean>;
  /** Failed publications whose `retryAt` has come: back to `pending`, `retries` + 1. Returns how many. */
  requeueDue(now: Date): Promise<number>;
  /**
   * Distinct blocks (number, hash) holding `confirmed` publications, newest first, `limit` from `offset`:
   * what the relayer checks against the chain to notice a reorg at any depth.
   */
  confirmedBlocks(options: { limit: number; offset: number }): Promise<ConfirmedBlock[]>;
  /**
   * Puts the `confirmed` publications mined in these blocks back in flight (`sent`, their mined
   * transaction `broadcast` again), atomically; returns them.
   */
  reopenConfirmed(blocks: readonly ConfirmedBlock[]): Promise<Publication[]>;
}

/** What a state change may also record. */
export interface PublicationFields {
  readonly error?: string | null;
  /** An `OracleErrorCode`; null clears it. */
  readonly errorCode?: string | null;
  readonly retryAt?: Date | null;
  readonly txHash?: string;
  readonly blockNumber?: number;
  readonly blockHash?: string;
}

/** A block that holds confirmed publications, as recorded when they were confirmed. */
export interface ConfirmedBlock {
  readonly blockNumber: number;
  readonly blockHash: string;
}
