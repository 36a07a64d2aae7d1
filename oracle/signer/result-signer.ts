import type { Signer, TypedDataDomain } from 'ethers';
import { getAddress } from 'ethers';
import type { AttestationSigner } from '../attestations/attestation-signer.js';
import { OracleError } from '../errors.js';
import { BATCH_TYPES, RESULT_TYPES, oracleDomain, resultMessage, type Batch, type Result } from '../result.js';

/**
 * A signer instance: holds exactly one attester key (an injected ethers `Signer`, typically a
 * `Wallet` from an encrypted keystore, see `oracle/keys`) and signs EIP-712 results only for the
 * admin that key is bound to. Refusing other admins here, and not only in the service, keeps the
 * one-key-one-admin rule true even when a caller bypasses the service.
 */
export class ResultSigner implements AttestationSigner {
  readonly adminId: string;
  readonly attester: string;
  private readonly signer: Signer;
  private readonly domain: TypedDataDomain;

  private constructor(deps: { adminId: string; attester: string; signer: Signer; domain: TypedDataDomain }) {
    this.adminId = deps.adminId;
    this.attester = deps.attester;
    this.signer = deps.signer;
    this.domain = deps.domain;
  }

  /**
   * @param deps.adminId - the admin this key belongs to.
   * @param deps.signer - the attester key (no provider needed: signing is offline).
   * @param deps.chainId - chain of the oracle (EIP-712 domain).
   * @param deps.oracleAddress - the deployed ResultsOracle (EIP-712 domain).
   */
  static async create(deps: {
    readonly adminId: string;
    readonly signer: Signer;
    readonly chainId: bigint;
    readonly oracleAddress: string;
  }): Promise<ResultSigner> {
    if (!deps.adminId) throw new OracleError('ORACLE_SIGNER_FORBIDDEN', 'adminId: a signer instance needs its admin');
    return new ResultSigner({
      adminId: deps.adminId,
      attester: getAddress(await deps.signer.getAddress()),
      signer: deps.signer,
      domain: oracleDomain(deps.chainId, deps.oracleAddress),
    });
  }

  /** @throws {OracleError} ORACLE_SIGNER_FORBIDDEN when `adminId` is not the admin of this instance. */
  async sign(request: { readonly adminId: string; readonly result: Result }): Promise<string> {
    if (request.adminId !== this.adminId) {
      throw new OracleError(
        'ORACLE_SIGNER_FORBIDDEN',
        `signer of ${this.attester} signs only for admin ${this.adminId}, not for ${request.adminId}`,
      );
    }
    return this.signer.signTypedData(this.domain, RESULT_TYPES, resultMessage(request.result));
  }

  /**
   * Signs the EIP-712 `Batch` (a batch root) under the oracle's domain. What the root may contain is
   * decided by the caller (`oracle/signer/batch-cosigner.ts`: only outcomes its admin attested).
   *
   * @throws {OracleError} ORACLE_SIGNER_FORBIDDEN when `adminId` is not the admin of this instance.
   */
  async signBatch(request: { readonly adminId: string; readonly batch: Batch }): Promise<string> {
    if (request.adminId !== this.adminId) {
      throw new OracleError(
        'ORACLE_SIGNER_FORBIDDEN',
        `signer of ${this.attester} signs only for admin ${this.adminId}, not for ${request.adminId}`,
      );
    }
    return this.signer.signTypedData(this.domain, BATCH_TYPES, { ...request.batch });
  }
}
