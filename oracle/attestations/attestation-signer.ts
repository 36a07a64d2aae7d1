import type { Result } from '../result.js';

/**
 * A signer instance as the attestation service sees it: one attester key, bound to one admin.
 * Implemented by `oracle/signer/result-signer.ts`; the service never holds a key itself.
 */
export interface AttestationSigner {
  /** The admin whose submissions this instance signs, and nobody else's. */
  readonly adminId: string;
  /** Checksummed address of the attester key it holds. */
  readonly attester: string;
  /**
   * Signs the EIP-712 `Result` under the oracle's domain.
   *
   * @throws {OracleError} ORACLE_SIGNER_FORBIDDEN when `adminId` is not its admin.
   */
  sign(request: { readonly adminId: string; readonly result: Result }): Promise<string>;
}
