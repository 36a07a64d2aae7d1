import { getAddress, verifyTypedData, type TypedDataDomain } from 'ethers';
import { OracleError } from '../errors.js';
import { BATCH_TYPES, batchDigest, type AttesterSignature, type Batch } from '../result.js';
import type { BatchItem } from './outbox-store.js';
import { batchOfPayload, type BatchPayload } from './payload.js';
import type { SqlRunner } from './pg-outbox-store.js';

/**
 * Batch roots need a quorum of attester signatures over the `Batch` payload, which the relayer cannot
 * make. The relayer therefore *requests* them: it records the root, its leaves and their proofs
 * (`oracle_publications` kind `batch` in state `awaiting_signatures`, `oracle_batch_items`), and the
 * attestation side — each signer instance, or an admin's wallet/CLI — reads the open requests, checks
 * that every leaf is an outcome its attester already signed individually, signs the `Batch` and hands the
 * signature back with {@link BatchSignatureStore.addSignature}. When `threshold` attesters of the current
 * epoch signed, the relayer publishes the root with `proposeBatchPacked`.
 */
export interface BatchRequest {
  readonly batch: Batch;
  /** EIP-712 digest attesters sign. */
  readonly digest: string;
  readonly items: readonly BatchItem[];
  /** Attesters that already signed. */
  readonly signedBy: readonly string[];
}

/** The attestation side's view of batch requests. */
export interface BatchSignatureStore {
  /** Batch roots waiting for signatures. */
  openRequests(): Promise<BatchRequest[]>;
  /**
   * Adds one attester's signature over `root` after checking that it recovers to `attester` over the
   * batch's EIP-712 digest (ERC-1271 signatures are checked by the contract at simulation time instead).
   * @returns false when the root is unknown or no longer waiting.
   * @throws {OracleError} ORACLE_INVALID_SIGNATURE when an ECDSA signature does not recover to `attester`.
   */
  addSignature(root: string, signature: AttesterSignature): Promise<boolean>;
  /** Signatures collected for `root`. */
  signaturesOf(root: string): Promise<AttesterSignature[]>;
}

export class PgBatchSignatureStore implements BatchSignatureStore {
  private readonly db: SqlRunner;
  private readonly domain: TypedDataDomain;

  constructor(deps: { db: SqlRunner; domain: TypedDataDomain }) {
    this.db = deps.db;
    this.domain = deps.domain;
  }

  async openRequests(): Promise<BatchRequest[]> {
    const { rows } = await this.db.query<{ payload: BatchPayload; subject: string; digest: string }>(
      `select payload, subject, digest from oracle_publications where kind = 'batch' and state = 'awaiting_signatures'
        order by id`,
    );
    const requests: BatchRequest[] = [];
    for (const row of rows) {
      const items = await this.db.query<{
        event_id: string;
        outcome_key: string;
        leaf_index: number;
        status: number;
        values_: number[];
        ended_at: string;
        version: number;
        proof: string[];
      }>('select * from oracle_batch_items where root = $1 order by leaf_index', [row.subject]);
      const signed = await this.db.query<{ attester: string }>(
        'select attester from oracle_batch_signatures where root = $1',
        [row.subject],
      );
      requests.push({
        batch: batchOfPayload(row.payload),
        digest: row.digest,
        items: items.rows.map((i) => ({
          eventId: i.event_id,
          outcomeKey: i.outcome_key,
          leafIndex: i.leaf_index,
          status: i.status,
          values: i.values_,
          endedAt: BigInt(i.ended_at),
          version: i.version,
          proof: i.proof,
        })),
        signedBy: signed.rows.map((r) => r.attester),
      });
    }
    return requests;
  }

  async addSignature(root: string, signature: AttesterSignature): Promise<boolean> {
    const { rows } = await this.db.query<{ payload: BatchPayload }>(
      `select payload from oracle_publications where kind = 'batch' and subject = $1 and state = 'awaiting_signatures'`,
      [root],
    );
    const row = rows[0];
    if (!row) return false;
    const batch = batchOfPayload(row.payload);
    const attester = getAddress(signature.attester);
    if (!signature.contract) {
      const recovered = verifyTypedData(this.domain, BATCH_TYPES, { ...batch }, signature.signature);
      if (recovered !== attester) {
        throw new OracleError('ORACLE_INVALID_SIGNATURE', `batch signature does not recover to ${attester}`);
      }
    }
    await this.db.query(
      `insert into oracle_batch_signatures (root, digest, attester, signature, is_contract)
       values ($1, $2, $3, $4, $5) on conflict (root, attester) do nothing`,
      [root, batchDigest(this.domain, batch), attester, signature.signature, signature.contract === true],
    );
    return true;
  }

  async signaturesOf(root: string): Promise<AttesterSignature[]> {
    const { rows } = await this.db.query<{ attester: string; signature: string; is_contract: boolean }>(
      'select attester, signature, is_contract from oracle_batch_signatures where root = $1',
      [root],
    );
    return rows.map((r) => ({
      attester: r.attester,
      signature: r.signature,
      ...(r.is_contract ? { contract: true } : {}),
    }));
  }
}
