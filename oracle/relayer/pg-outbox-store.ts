import type pg from 'pg';
import type {
  BatchItem,
  ConfirmedBlock,
  NewPublication,
  NewTransaction,
  OutboxStore,
  OutboxTransaction,
  Publication,
  PublicationFields,
  PublicationState,
  TransactionState,
} from './outbox-store.js';
import { NO_DEADLINE } from './outbox-store.js';
import { toLeafPayload } from './payload.js';

/** Anything that runs one SQL statement: a `pg.Pool`, or the relayer lock's session. */
export interface SqlRunner {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

interface PublicationRow {
  id: string;
  kind: Publication['kind'];
  subject: string;
  payload_key: string;
  outcome_key: string | null;
  version: number | null;
  digest: string | null;
  payload: unknown;
  deadline: string;
  state: PublicationState;
  error: string | null;
  error_code: string | null;
  retries: number;
  retry_at: Date | null;
  tx_hash: string | null;
  block_number: string | null;
  created_at: Date;
}

interface TransactionRow {
  id: string;
  publication_id: string;
  sender: string;
  nonce: string;
  attempt: number;
  tx_hash: string;
  raw_tx: string;
  max_fee_per_gas: string;
  max_priority_fee_per_gas: string;
  state: TransactionState;
  broadcast_at: Date | null;
  created_at: Date;
}

/**
 * Postgres outbox of one relayer account on one oracle deployment. Each write is a single statement
 * (atomic without an explicit transaction), so it can run on the lock's session: a relayer whose
 * session is gone cannot record, hence cannot send.
 */
export class PgOutboxStore implements OutboxStore {
  private readonly db: () => SqlRunner;
  private readonly chainId: string;
  private readonly contract: string;

  /**
   * @param deps.db - returns the connection to use now (the lock session of the leader).
   * @param deps.chainId - chain of the deployment.
   * @param deps.contract - oracle address (lowercased in storage).
   */
  constructor(deps: { db: () => SqlRunner; chainId: bigint; contract: string }) {
    this.db = deps.db;
    this.chainId = deps.chainId.toString();
    this.contract = deps.contract.toLowerCase();
  }

  async heldOutcomeKeys(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const { rows } = await this.db().query<{ key: string }>(
      `select outcome_key as key from oracle_publications
        where chain_id = $1 and contract = $2 and kind = 'propose' and outcome_key = any($3::text[])
          and state not in ('expired', 'failed')
       union
       select i.outcome_key from oracle_batch_items i
         join oracle_publications p on p.kind = 'batch' and p.subject = i.root and p.chain_id = $1 and p.contract = $2
        where i.outcome_key = any($3::text[]) and p.state not in ('expired', 'failed')`,
      [this.chainId, this.contract, keys],
    );
    return new Set(rows.map((r) => r.key));
  }

  async createPublication(p: NewPublication, items: readonly BatchItem[] = []): Promise<Publication | undefined> {
    const { rows } = await this.db().query<PublicationRow>(
      `with p as (
         insert into oracle_publications
           (chain_id, contract, kind, subject, payload_key, version, digest, payload, deadline, state, outcome_key)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12)
         on conflict (chain_id, contract, kind, payload_key) do nothing
         returning *
       ), i as (
         insert into oracle_batch_items
           (root, event_id, outcome_key, leaf_index, status, values_, ended_at, version, proof)
         select $4, x.event_id, x.outcome_key, x.leaf_index, x.status, x.values_, x.ended_at, x.version, x.proof
           from jsonb_to_recordset($11::jsonb) as x(event_id text, outcome_key text, leaf_index int,
                status smallint, values_ jsonb, ended_at bigint, version int, proof jsonb)
          where exists (select 1 from p)
         on conflict do nothing
       )
       select * from p`,
      [
        this.chainId,
        this.contract,
        p.kind,
        p.subject,
        p.payloadKey,
        p.version,
        p.digest,
        JSON.stringify(p.payload),
        p.deadline.toString(),
        p.state,
        JSON.stringify(
          items.map((item) => ({
            event_id: item.eventId,
            outcome_key: item.outcomeKey,
            leaf_index: item.leafIndex,
            status: item.status,
            values_: item.values,
            ended_at: item.endedAt.toString(),
            version: item.version,
            proof: item.proof,
          })),
        ),
        p.outcomeKey,
      ],
    );
    return rows[0] ? toPublication(rows[0]) : undefined;
  }

  async rootsAwaitingLeaves(options: { limit: number }): Promise<string[]> {
    const { rows } = await this.db().query<{ subject: string }>(
      `select subject from oracle_publications
        where chain_id = $1 and contract = $2 and kind = 'batch' and state in ('confirmed', 'already_published')
          and leaves_queued_at is null
        order by id limit $3`,
      [this.chainId, this.contract, options.limit],
    );
    return rows.map((r) => r.subject);
  }

  async unpublishedLeaves(root: string): Promise<BatchItem[]> {
    const { rows } = await this.db().query<{
      event_id: string;
      outcome_key: string;
      leaf_index: number;
      status: number;
      values_: number[];
      ended_at: string;
      version: number;
      proof: string[];
    }>(
      `select i.* from oracle_batch_items i
        where i.root = $3
          and not exists (select 1 from oracle_publications l
                           where l.chain_id = $1 and l.contract = $2 and l.kind = 'leaf'
                             and l.payload_key = i.root || ':' || i.event_id)
        order by i.leaf_index`,
      [this.chainId, this.contract, root],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      outcomeKey: r.outcome_key,
      leafIndex: r.leaf_index,
      status: r.status,
      values: r.values_,
      endedAt: BigInt(r.ended_at),
      version: r.version,
      proof: r.proof,
    }));
  }

  async queueLeaves(root: string, leaves: readonly BatchItem[]): Promise<number> {
    // One statement (it may run on the lock's session): the leaf publications, unique per root and leaf,
    // and the root's mark, together or not at all.
    const { rows } = await this.db().query<{ n: number }>(
      `with mark as (
         update oracle_publications set leaves_queued_at = now(), updated_at = now()
          where chain_id = $1 and contract = $2 and kind = 'batch' and subject = $3 and leaves_queued_at is null
       ), l as (
         insert into oracle_publications
           (chain_id, contract, kind, subject, payload_key, outcome_key, version, digest, payload, deadline, state)
         select $1, $2, 'leaf', x.event_id, $3 || ':' || x.event_id, x.outcome_key, x.version, null, x.payload, $5,
                'pending'
           from jsonb_to_recordset($4::jsonb) as x(event_id text, outcome_key text, version int, payload jsonb)
         on conflict (chain_id, contract, kind, payload_key) do nothing
         returning 1
       )
       select count(*)::int as n from l`,
      [
        this.chainId,
        this.contract,
        root,
        JSON.stringify(
          leaves.map((leaf) => ({
            event_id: leaf.eventId,
            outcome_key: leaf.outcomeKey,
            version: leaf.version,
            payload: toLeafPayload(root, leaf),
          })),
        ),
        NO_DEADLINE.toString(),
      ],
    );
    return rows[0]?.n ?? 0;
  }

  async markLeavesQueued(root: string): Promise<void> {
    await this.db().query(
      `update oracle_publications set leaves_queued_at = now(), updated_at = now()
        where chain_id = $1 and contract = $2 and kind = 'batch' and subject = $3 and leaves_queued_at is null`,
      [this.chainId, this.contract, root],
    );
  }

  async abandonedBatchOutcomeKeys(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const { rows } = await this.db().query<{ key: string }>(
      `select distinct i.outcome_key as key from oracle_batch_items i
         join oracle_publications p on p.kind = 'batch' and p.subject = i.root and p.chain_id = $1 and p.contract = $2
        where i.outcome_key = any($3::text[]) and p.state in ('expired', 'failed')`,
      [this.chainId, this.contract, keys],
    );
    return new Set(rows.map((r) => r.key));
  }

  async openPublications(): Promise<Publication[]> {
    const { rows } = await this.db().query<PublicationRow>(
      `select * from oracle_publications
        where chain_id = $1 and contract = $2
          and state in ('pending', 'awaiting_signatures', 'awaiting_root', 'sent', 'mined')
        order by id`,
      [this.chainId, this.contract],
    );
    return rows.map(toPublication);
  }

  async countByState(): Promise<Record<string, number>> {
    const { rows } = await this.db().query<{ state: string; n: number }>(
      `select state, count(*)::int as n from oracle_publications where chain_id = $1 and contract = $2 group by state`,
      [this.chainId, this.contract],
    );
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  async transactionsOf(publicationId: string): Promise<OutboxTransaction[]> {
    const { rows } = await this.db().query<TransactionRow>(
      // In signing order: the attempts of one nonce, then those of a later nonce (a publication sent again).
      'select * from oracle_transactions where publication_id = $1 order by id',
      [publicationId],
    );
    return rows.map(toTransaction);
  }

  async maxOpenNonce(sender: string): Promise<number | undefined> {
    const { rows } = await this.db().query<{ nonce: string | null }>(
      `select max(nonce)::text as nonce from oracle_transactions
        where chain_id = $1 and sender = $2 and state in ('signed', 'broadcast')`,
      [this.chainId, sender.toLowerCase()],
    );
    const nonce = rows[0]?.nonce;
    return nonce === null || nonce === undefined ? undefined : Number(nonce);
  }

  async recordTransaction(tx: NewTransaction): Promise<OutboxTransaction> {
    const { rows } = await this.db().query<TransactionRow>(
      `with t as (
         insert into oracle_transactions
           (publication_id, chain_id, sender, nonce, attempt, tx_hash, raw_tx, max_fee_per_gas,
            max_priority_fee_per_gas, state)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'signed')
         returning *
       ), p as (
         update oracle_publications set state = 'sent', tx_hash = $6, updated_at = now() where id = $1
       )
       select * from t`,
      [
        tx.publicationId,
        this.chainId,
        tx.sender.toLowerCase(),
        tx.nonce,
        tx.attempt,
        tx.txHash,
        tx.rawTx,
        tx.maxFeePerGas.toString(),
        tx.maxPriorityFeePerGas.toString(),
      ],
    );
    return toTransaction(rows[0]!);
  }

  async setTransactionState(
    id: string,
    state: TransactionState,
    fields: { blockNumber?: number; blockHash?: string; receiptStatus?: number } = {},
  ): Promise<void> {
    await this.db().query(
      `update oracle_transactions
          set state = $2, block_number = coalesce($3, block_number), block_hash = coalesce($4, block_hash),
              receipt_status = coalesce($5, receipt_status), updated_at = now(),
              broadcast_at = case when $2 = 'broadcast' then coalesce(broadcast_at, now()) else broadcast_at end
        where id = $1`,
      [id, state, fields.blockNumber ?? null, fields.blockHash ?? null, fields.receiptStatus ?? null],
    );
  }

  async setPublicationState(id: string, state: PublicationState, fields: PublicationFields = {}): Promise<void> {
    await this.db().query(
      `update oracle_publications
          set state = $2, error = case when $3::boolean then $4 else error end,
              tx_hash = coalesce($5, tx_hash), block_number = coalesce($6, block_number),
              block_hash = coalesce($7, block_hash),
              error_code = case when $8::boolean then $9 else error_code end,
              retry_at = case when $10::boolean then $11::timestamptz else null end,
              updated_at = now()
        where id = $1`,
      [
        id,
        state,
        fields.error !== undefined,
        fields.error ?? null,
        fields.txHash ?? null,
        fields.blockNumber ?? null,
        fields.blockHash ?? null,
        fields.errorCode !== undefined,
        fields.errorCode ?? null,
        fields.retryAt !== undefined && fields.retryAt !== null,
        fields.retryAt ?? null,
      ],
    );
  }

  /**
   * `npm run oracle -- retry`: failed publications of this deployment back to `pending` (`retries` + 1),
   * by id or by failure code, or all of them. An abandoned batch root (`ORACLE_BATCH_UNSIGNED`) is never
   * retried: its results were proposed one by one.
   *
   * @returns the ids put back in the queue.
   */
  async retryFailed(filter: { ids?: readonly string[]; code?: string }): Promise<string[]> {
    const { rows } = await this.db().query<{ id: string }>(
      `update oracle_publications set state = 'pending', retries = retries + 1, retry_at = null, updated_at = now()
        where chain_id = $1 and contract = $2 and state = 'failed'
          and error_code is distinct from 'ORACLE_BATCH_UNSIGNED'
          and ($3::bigint[] is null or id = any($3::bigint[]))
          and ($4::text is null or error_code = $4)
        returning id`,
      [this.chainId, this.contract, filter.ids ? [...filter.ids] : null, filter.code ?? null],
    );
    return rows.map((r) => String(r.id)).sort((a, b) => Number(a) - Number(b));
  }

  async discardRefusedTransaction(id: string): Promise<boolean> {
    const { rowCount } = await this.db().query(`delete from oracle_transactions where id = $1 and state = 'signed'`, [
      id,
    ]);
    return rowCount === 1;
  }

  async requeueDue(now: Date): Promise<number> {
    const { rowCount } = await this.db().query(
      `update oracle_publications set state = 'pending', retries = retries + 1, retry_at = null, updated_at = now()
        where chain_id = $1 and contract = $2 and state = 'failed' and retry_at is not null and retry_at <= $3`,
      [this.chainId, this.contract, now],
    );
    return rowCount ?? 0;
  }

  async confirmedBlocks(options: { limit: number; offset: number }): Promise<ConfirmedBlock[]> {
    const { rows } = await this.db().query<{ block_number: string; block_hash: string }>(
      `select distinct block_number, block_hash from oracle_publications
        where chain_id = $1 and contract = $2 and state = 'confirmed' and block_hash is not null
        order by block_number desc, block_hash
        limit $3 offset $4`,
      [this.chainId, this.contract, options.limit, options.offset],
    );
    return rows.map((r) => ({ blockNumber: Number(r.block_number), blockHash: r.block_hash }));
  }

  async reopenConfirmed(blocks: readonly ConfirmedBlock[]): Promise<Publication[]> {
    if (blocks.length === 0) return [];
    // One statement (it may run on the lock's session): publications back to `sent`, their mined
    // transactions back to `broadcast` with a fresh broadcast time (the replacement timer restarts).
    const { rows } = await this.db().query<PublicationRow>(
      `with stale as (
         select p.id from oracle_publications p
           join unnest($3::bigint[], $4::text[]) as b(block_number, block_hash)
             on b.block_number = p.block_number and b.block_hash = p.block_hash
          where p.chain_id = $1 and p.contract = $2 and p.state = 'confirmed'
       ), t as (
         update oracle_transactions t set state = 'broadcast', broadcast_at = now(), block_number = null,
                block_hash = null, receipt_status = null, updated_at = now()
          where t.publication_id in (select id from stale) and t.state = 'mined'
       )
       update oracle_publications p set state = 'sent', block_number = null, block_hash = null, updated_at = now()
        where p.id in (select id from stale)
       returning p.*`,
      [this.chainId, this.contract, blocks.map((b) => b.blockNumber), blocks.map((b) => b.blockHash)],
    );
    return rows.map(toPublication);
  }
}

function toPublication(row: PublicationRow): Publication {
  return {
    id: String(row.id),
    kind: row.kind,
    subject: row.subject,
    payloadKey: row.payload_key,
    outcomeKey: row.outcome_key,
    version: row.version,
    digest: row.digest,
    payload: row.payload,
    deadline: BigInt(row.deadline),
    state: row.state,
    error: row.error,
    errorCode: row.error_code,
    retries: row.retries,
    retryAt: row.retry_at,
    txHash: row.tx_hash,
    blockNumber: row.block_number === null ? null : Number(row.block_number),
    createdAt: row.created_at,
  };
}

function toTransaction(row: TransactionRow): OutboxTransaction {
  return {
    id: String(row.id),
    publicationId: String(row.publication_id),
    sender: row.sender,
    nonce: Number(row.nonce),
    attempt: row.attempt,
    txHash: row.tx_hash,
    rawTx: row.raw_tx,
    maxFeePerGas: BigInt(row.max_fee_per_gas),
    maxPriorityFeePerGas: BigInt(row.max_priority_fee_per_gas),
    state: row.state,
    broadcastAt: row.broadcast_at,
    createdAt: row.created_at,
  };
}
