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
  | 'ORACLE_VERIFIER_UNAVAILABLE';

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
