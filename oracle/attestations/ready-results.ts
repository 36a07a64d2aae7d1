import type { AttesterSignature, Result } from '../result.js';

/**
 * What the relayer consumes from the attestation side: payloads that distinct attesters of the
 * current epoch signed at least `threshold` times, not expired and not in conflict.
 */
export interface ReadyResult {
  /** The EIP-712 payload every signature covers (window and epoch included). */
  readonly result: Result;
  /** EIP-712 digest of `result` under the oracle's domain. */
  readonly digest: string;
  /** {@link outcomeKey} of the payload (groups attestations of one outcome). */
  readonly outcomeKey: string;
  /** At least `threshold` signatures from distinct attesters of `result.epoch`. */
  readonly signatures: readonly AttesterSignature[];
}

/** Ready payloads, read from Postgres so that every process and restart sees the same state. */
export interface ReadyResultSource {
  /**
   * Ready, unexpired (`deadline >= now`), non-conflicting payloads with `threshold` or more
   * signatures that the relayer's outbox does not hold yet, oldest first. A published result leaves
   * the set, so what is beyond `limit` is listed on the next calls.
   *
   * @param options.limit - at most this many results.
   * @param options.now - unix seconds used for the expiry check.
   */
  listReady(options: { limit: number; now: bigint }): Promise<ReadyResult[]>;
}
