/**
 * Stable error codes of the oracle module. They are part of the public contract: the HTTP edge
 * maps each to a status and a problem+json `type`, the CLI prints them, and they never change
 * meaning. Messages name the field or the address at fault and never carry keys or passwords.
 * Shared by every part of oracle/: add codes, never remove or repurpose one.
 */
export type OracleErrorCode =
  /** The outcome does not fit the contract's rules (event id, status, values, end time, version). */
  | 'ORACLE_INVALID_OUTCOME'
  /** The signature is malformed, high-s, or does not recover to an attester over this exact payload. */
  | 'ORACLE_INVALID_SIGNATURE'
  /** The signing key is not in the attester set of the oracle's current epoch. */
  | 'ORACLE_NOT_ATTESTER'
  /** The admin has no attester key, or the signature comes from an attester bound to another admin. */
  | 'ORACLE_ATTESTER_NOT_BOUND'
  /** The signature was made for another attester epoch than the oracle's current one. */
  | 'ORACLE_WRONG_EPOCH'
  /** The signing window's deadline has passed: the contract would refuse the signature. */
  | 'ORACLE_SIGNATURE_EXPIRED'
  /** Attesters signed different payloads for one event and version: nothing of it is published. */
  | 'ORACLE_CONFLICT'
  /** A binding would give one attester key to two admins. */
  | 'ORACLE_BINDING_CONFLICT'
  /** No signer instance holds the admin's attester key (and no signature came with the submission). */
  | 'ORACLE_SIGNER_UNAVAILABLE'
  /** A signer instance was asked to sign for an admin other than the one it is bound to. */
  | 'ORACLE_SIGNER_FORBIDDEN'
  /** A key could not be loaded: keystore unreadable, wrong password, or a plaintext key where it is refused. */
  | 'ORACLE_KEY_REFUSED'
  /** The attester is a contract (ERC-1271) and this process has no chain access to call `isValidSignature`. */
  | 'ORACLE_VERIFIER_UNAVAILABLE'
  /** No RPC endpoint answered (refused, reset, timed out, 5xx, rate-limited): transient, retried. */
  | 'ORACLE_RPC_UNAVAILABLE'
  /** The relayer account cannot pay for the transaction: transient (retried once it is funded). */
  | 'ORACLE_INSUFFICIENT_FUNDS'
  /** Signed for another attester epoch or set than the oracle's current one: transient (the set is re-read). */
  | 'ORACLE_ATTESTER_SET_CHANGED'
  /** The chain holds another payload for the event than the one the relayer would publish: alert. */
  | 'ORACLE_CHAIN_CONFLICT'
  /** The oracle refused the publication (simulation or mined transaction reverted): permanent. */
  | 'ORACLE_PUBLICATION_REVERTED'
  /** A node refused the transaction itself (invalid, gas, fee rules): permanent. */
  | 'ORACLE_TRANSACTION_REFUSED'
  /** The stored payload or its signatures cannot be packed into calldata: permanent. */
  | 'ORACLE_PAYLOAD_INVALID'
  /** A batch root did not get a quorum of attester signatures in time (its results are proposed one by one). */
  | 'ORACLE_BATCH_UNSIGNED'
  /** The relayer's lock session is gone: this process is not the leader and must not write or send. */
  | 'ORACLE_LOCK_LOST'
  /** A standby's key differs from the account of the in-flight transactions it inherited. */
  | 'ORACLE_RELAYER_ACCOUNT_MISMATCH'
  /** Bad input to an oracle command (the message names the field). */
  | 'ORACLE_INVALID_INPUT';

/**
 * Failure codes after which a failed publication is put back in the queue automatically (with backoff):
 * the cause is outside the payload and goes away by itself or by an operator's action on something else.
 * Every other failure code waits for `npm run oracle -- retry`.
 */
export const TRANSIENT_ORACLE_CODES: ReadonlySet<OracleErrorCode> = new Set<OracleErrorCode>([
  'ORACLE_RPC_UNAVAILABLE',
  'ORACLE_INSUFFICIENT_FUNDS',
  'ORACLE_ATTESTER_SET_CHANGED',
]);

/** True for codes of {@link TRANSIENT_ORACLE_CODES}. */
export function isTransientOracleCode(code: string | null | undefined): boolean {
  return code !== null && code !== undefined && TRANSIENT_ORACLE_CODES.has(code as OracleErrorCode);
}

/**
 * HTTP status of each code at the API edge (admin pages): 4xx when the request is at fault, 409 for a state
 * that forbids it, 503 when a dependency is down. One table, complete by construction.
 */
export const ORACLE_ERROR_STATUS: Readonly<Record<OracleErrorCode, number>> = {
  ORACLE_INVALID_OUTCOME: 400,
  ORACLE_INVALID_SIGNATURE: 400,
  ORACLE_NOT_ATTESTER: 403,
  ORACLE_ATTESTER_NOT_BOUND: 403,
  ORACLE_WRONG_EPOCH: 409,
  ORACLE_SIGNATURE_EXPIRED: 409,
  ORACLE_CONFLICT: 409,
  ORACLE_BINDING_CONFLICT: 409,
  ORACLE_SIGNER_UNAVAILABLE: 503,
  ORACLE_SIGNER_FORBIDDEN: 403,
  ORACLE_KEY_REFUSED: 500,
  ORACLE_VERIFIER_UNAVAILABLE: 503,
  ORACLE_RPC_UNAVAILABLE: 503,
  ORACLE_INSUFFICIENT_FUNDS: 503,
  ORACLE_ATTESTER_SET_CHANGED: 409,
  ORACLE_CHAIN_CONFLICT: 409,
  ORACLE_PUBLICATION_REVERTED: 409,
  ORACLE_TRANSACTION_REFUSED: 502,
  ORACLE_PAYLOAD_INVALID: 422,
  ORACLE_BATCH_UNSIGNED: 409,
  ORACLE_LOCK_LOST: 503,
  ORACLE_RELAYER_ACCOUNT_MISMATCH: 500,
  ORACLE_INVALID_INPUT: 400,
};

/** A failure of the oracle module, with a stable {@link OracleErrorCode} and the original error as `cause`. */
export class OracleError extends Error {
  constructor(
    readonly code: OracleErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OracleError';
  }
}

/** Narrowing helper, optionally for one code. */
export function isOracleError(error: unknown, code?: OracleErrorCode): error is OracleError {
  return error instanceof OracleError && (code === undefined || error.code === code);
}

/** Invalid oracle configuration: one error listing every problem, naming variables, never values. */
export class OracleConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid oracle configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'OracleConfigError';
  }
}
