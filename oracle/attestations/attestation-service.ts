import { Signature, dataLength, getAddress, isHexString, verifyTypedData, type TypedDataDomain } from 'ethers';
import { OracleError } from '../errors.js';
import {
  RESULT_TYPES,
  eventIdOf,
  oracleDomain,
  outcomeKey,
  resultDigest,
  resultMessage,
  type Outcome,
  type Result,
} from '../result.js';
import type { AttestationSigner } from './attestation-signer.js';
import type { AttestationConflict, AttestationStore, ConflictRecord, StoredAttestation } from './attestation-store.js';
import type { AttesterSet, AttesterSetSource } from './attester-set.js';
import type { ContractSignatureVerifier } from './contract-signature-verifier.js';
import { DEFAULT_SIGNATURE_TTL_SECONDS, buildResult, validateOutcome } from './signing-window.js';

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** An admin's attestation of an event's outcome. */
export interface SubmitAttestation {
  readonly adminId: string;
  readonly outcome: Outcome;
  /**
   * An EIP-712 signature over `buildResult(outcome, window)` made with the admin's attester key
   * (their wallet, or the attest CLI), or, for a contract attester (ERC-1271, e.g. a Safe), the
   * bytes its `isValidSignature(digest, signature)` accepts. Absent: the admin's signer instance signs.
   */
  readonly signature?: string;
  /**
   * The window the signature was made for, when the submitter knows it (the attest CLI's output):
   * lets a stale epoch or an expired window be reported as such rather than as a bad signature.
   */
  readonly signedWindow?: { readonly notBefore: bigint; readonly deadline: bigint; readonly epoch: number };
}

/** What a submission did and where the payload stands. */
export interface SubmitReceipt {
  readonly action: 'created' | 'replaced' | 'unchanged';
  readonly attester: string;
  readonly result: Result;
  readonly digest: string;
  readonly outcomeKey: string;
  readonly signature: string;
  /** The attester is a contract: the signature was checked with ERC-1271 `isValidSignature`. */
  readonly contract: boolean;
  /** Distinct attesters of the current epoch behind this exact payload. */
  readonly support: number;
  readonly threshold: number;
  /** Two or more payloads are backed for this (event, version): nothing of it is ready. */
  readonly conflict: boolean;
  /** `support >= threshold` and no conflict. */
  readonly ready: boolean;
}

/** One payload of an event version, with its support (the `status` read model). */
export interface AttestationGroup {
  readonly version: number;
  readonly outcomeKey: string;
  readonly digest: string;
  readonly result: Result;
  /** Distinct attesters of the current set behind it (0 for a payload of an older epoch). */
  readonly signatures: number;
  readonly threshold: number;
  readonly attesters: readonly string[];
  readonly currentEpoch: boolean;
  readonly expired: boolean;
  readonly ready: boolean;
}

/** Everything the attestation side knows about one event (`oracle status`). */
export interface EventAttestations {
  readonly eventId: string;
  readonly epoch: number;
  readonly threshold: number;
  readonly attestations: readonly StoredAttestation[];
  readonly groups: readonly AttestationGroup[];
  /** Conflicts in force under the current set. */
  readonly conflicts: readonly AttestationConflict[];
  /** Recorded conflicts, resolved ones included, newest first. */
  readonly conflictHistory: readonly ConflictRecord[];
}

/** Seconds since the epoch, as a bigint. */
export type Clock = () => bigint;
const systemClock: Clock = () => BigInt(Math.floor(Date.now() / 1000));

/**
 * Turns admins' outcome submissions into verified, stored attestations, and answers where each
 * event stands. Every signature is checked before it is stored: over the deterministic `Result`
 * of the outcome, it must recover to the attester of the current epoch bound to the submitting
 * admin, or, when that attester is a contract (the binding says so, or the address holds code),
 * that contract's ERC-1271 `isValidSignature(digest, signature)` must return `0x1626ba7e`.
 */
export class AttestationService {
  private readonly store: AttestationStore;
  private readonly attesterSet: AttesterSetSource;
  private readonly signers: ReadonlyMap<string, AttestationSigner>;
  private readonly domain: TypedDataDomain;
  private readonly signatureTtl: bigint;
  private readonly clock: Clock;
  private readonly contractVerifier: ContractSignatureVerifier | undefined;

  /**
   * @param deps.signers - signer instances of this process, at most one per admin.
   * @param deps.signatureTtl - seconds from `endedAt` to `deadline` (default 7 days); the same for every attester.
   * @param deps.contractVerifier - asks the chain about contract attesters (`ProviderContractSignatureVerifier`).
   *   Without it, attesters bound as EOAs are verified by ECDSA only (no code lookup) and submissions of
   *   attesters bound as contracts are refused with ORACLE_VERIFIER_UNAVAILABLE.
   */
  constructor(deps: {
    readonly store: AttestationStore;
    readonly attesterSet: AttesterSetSource;
    readonly chainId: bigint;
    readonly oracleAddress: string;
    readonly signers?: readonly AttestationSigner[];
    readonly signatureTtl?: bigint;
    readonly clock?: Clock;
    readonly contractVerifier?: ContractSignatureVerifier;
  }) {
    this.store = deps.store;
    this.attesterSet = deps.attesterSet;
    this.domain = oracleDomain(deps.chainId, deps.oracleAddress);
    this.signatureTtl = deps.signatureTtl ?? DEFAULT_SIGNATURE_TTL_SECONDS;
    this.clock = deps.clock ?? systemClock;
    this.contractVerifier = deps.contractVerifier;
    const signers = new Map<string, AttestationSigner>();
    for (const signer of deps.signers ?? []) {
      if (signers.has(signer.adminId)) throw new TypeError(`two signer instances for admin ${signer.adminId}`);
      signers.set(signer.adminId, signer);
    }
    this.signers = signers;
  }

  /** The `Result` attesters sign for `outcome` under the oracle's current epoch. */
  async resultFor(outcome: Outcome): Promise<Result> {
    const set = await this.attesterSet.current();
    return buildResult(outcome, { signatureTtl: this.signatureTtl, epoch: set.epoch });
  }

  /**
   * Verifies (or has the admin's signer instance make) the admin's signature and stores it.
   * Idempotent: the same attestation again stores nothing (`action: 'unchanged'`). A different
   * payload from the same attester for the same (event, version) replaces the earlier one.
   *
   * @throws {OracleError} ORACLE_INVALID_OUTCOME, ORACLE_SIGNATURE_EXPIRED, ORACLE_ATTESTER_NOT_BOUND,
   *   ORACLE_NOT_ATTESTER, ORACLE_WRONG_EPOCH, ORACLE_INVALID_SIGNATURE, ORACLE_SIGNER_UNAVAILABLE,
   *   ORACLE_VERIFIER_UNAVAILABLE (contract attester, no verifier).
   * @throws the provider's error when a contract attester could not be asked (no verdict, nothing stored).
   */
  async submit(request: SubmitAttestation): Promise<SubmitReceipt> {
    validateOutcome(request.outcome);
    const set = await this.attesterSet.current();
    const result = buildResult(request.outcome, { signatureTtl: this.signatureTtl, epoch: set.epoch });
    const now = this.clock();
    if (now > result.deadline) {
      throw new OracleError(
        'ORACLE_SIGNATURE_EXPIRED',
        `the signing window of this outcome closed at ${result.deadline} (endedAt + ${this.signatureTtl} s); now ${now}`,
      );
    }
    const binding = await this.store.bindingOf(request.adminId);
    if (!binding) throw new OracleError('ORACLE_ATTESTER_NOT_BOUND', `admin ${request.adminId} has no attester key`);
    const bound = binding.attester;
    const inSet = (address: string) => set.attesters.some((a) => a.toLowerCase() === address.toLowerCase());
    if (!inSet(bound)) {
      throw new OracleError(
        'ORACLE_NOT_ATTESTER',
        `${bound} (admin ${request.adminId}) is not an attester of epoch ${set.epoch}`,
      );
    }
    const contract = binding.contract || ((await this.contractVerifier?.isContract(bound)) ?? false);
    if (contract && !this.contractVerifier) {
      throw new OracleError(
        'ORACLE_VERIFIER_UNAVAILABLE',
        `attester ${bound} (admin ${request.adminId}) is a contract (ERC-1271) and this service has no provider to verify its signature`,
      );
    }

    let signature: string;
    let source: 'submitted' | 'signer';
    if (request.signature !== undefined) {
      if (request.signedWindow) this.checkSignedWindow(request.signedWindow, result, set, now);
      signature = contract ? normaliseContractSignature(request.signature) : normaliseSignature(request.signature);
      source = 'submitted';
    } else {
      const signer = this.signers.get(request.adminId);
      if (!signer) {
        throw new OracleError(
          'ORACLE_SIGNER_UNAVAILABLE',
          `no signer instance holds the key of admin ${request.adminId}: submit a signature (attest CLI or wallet)`,
        );
      }
      if (getAddress(signer.attester) !== bound) {
        throw new OracleError(
          'ORACLE_ATTESTER_NOT_BOUND',
          `the signer instance of admin ${request.adminId} holds ${signer.attester}, but ${bound} is bound to them`,
        );
      }
      signature = normaliseSignature(await signer.sign({ adminId: request.adminId, result }));
      source = 'signer';
    }

    const digest = resultDigest(this.domain, result);
    if (contract) {
      if (!(await this.contractVerifier!.isValidSignature(bound, digest, signature))) {
        throw new OracleError(
          'ORACLE_INVALID_SIGNATURE',
          `contract attester ${bound} refuses the signature over this payload (isValidSignature(digest, signature) ` +
            `did not return 0x1626ba7e; epoch ${set.epoch}, deadline ${result.deadline})`,
        );
      }
    } else {
      this.checkRecovered(request.adminId, result, signature, bound, set, inSet);
    }

    const key = outcomeKey(result);
    const receipt = await this.store.put(
      { adminId: request.adminId, attester: bound, result, outcomeKey: key, digest, signature, source, contract },
      set,
    );
    return {
      action: receipt.action,
      attester: bound,
      result,
      digest,
      outcomeKey: key,
      signature,
      contract,
      support: receipt.support,
      threshold: set.threshold,
      conflict: receipt.conflict,
      ready: !receipt.conflict && receipt.support >= set.threshold,
    };
  }

  private checkRecovered(
    adminId: string,
    result: Result,
    signature: string,
    bound: string,
    set: AttesterSet,
    inSet: (address: string) => boolean,
  ): void {
    const recovered = getAddress(verifyTypedData(this.domain, RESULT_TYPES, resultMessage(result), signature));
    if (recovered !== bound) {
      if (inSet(recovered)) {
        throw new OracleError(
          'ORACLE_ATTESTER_NOT_BOUND',
          `signed by attester ${recovered}, which is not the key of admin ${adminId}`,
        );
      }
      throw new OracleError(
        'ORACLE_INVALID_SIGNATURE',
        `the signature does not recover to ${bound} over this payload (epoch ${set.epoch}, deadline ${result.deadline}): ` +
          'wrong outcome, window, epoch, chain or oracle address?',
      );
    }
  }

  /**
   * Withdraws the admin's attestation for (event, version), e.g. to clear a conflict without
   * taking a side. Returns false when there was nothing to withdraw.
   *
   * @throws {OracleError} ORACLE_ATTESTER_NOT_BOUND when the admin has no attester key.
   */
  async withdraw(request: { adminId: string; eventId: string; version: number }): Promise<boolean> {
    const bound = await this.store.attesterOf(request.adminId);
    if (!bound) throw new OracleError('ORACLE_ATTESTER_NOT_BOUND', `admin ${request.adminId} has no attester key`);
    const set = await this.attesterSet.current();
    return this.store.withdraw({ ...request, attester: bound }, set);
  }

  /** Conflicts in force (every event, or one). */
  async conflicts(eventId?: string): Promise<AttestationConflict[]> {
    const set = await this.attesterSet.current();
    return this.store.conflicts(set, eventId === undefined ? {} : { eventId });
  }

  /**
   * The `status` read model of one event: attestations, payload groups vs threshold, conflicts.
   *
   * @param event - a 0x 32-byte event id, or an operator's event key (hashed with `eventIdOf`).
   */
  async attestationsFor(event: string): Promise<EventAttestations> {
    const id = (isHexString(event, 32) ? event : eventIdOf(event)).toLowerCase();
    const set = await this.attesterSet.current();
    const now = this.clock();
    const [attestations, conflicts, conflictHistory] = await Promise.all([
      this.store.forEvent(id),
      this.store.conflicts(set, { eventId: id }),
      this.store.conflictHistory(id),
    ]);
    const current = new Set(set.attesters.map((a) => a.toLowerCase()));
    const conflicted = new Set(conflicts.map((c) => c.version));
    const byDigest = new Map<string, StoredAttestation[]>();
    for (const a of attestations) byDigest.set(a.digest, [...(byDigest.get(a.digest) ?? []), a]);
    const groups = [...byDigest.values()].map((list): AttestationGroup => {
      const first = list[0]!;
      const currentEpoch = first.result.epoch === set.epoch;
      const live = currentEpoch ? list.filter((a) => current.has(a.attester.toLowerCase())) : [];
      const expired = now > first.result.deadline;
      return {
        version: first.version,
        outcomeKey: first.outcomeKey,
        digest: first.digest,
        result: first.result,
        signatures: live.length,
        threshold: set.threshold,
        attesters: list.map((a) => a.attester),
        currentEpoch,
        expired,
        ready:
          live.length >= set.threshold && !expired && now >= first.result.notBefore && !conflicted.has(first.version),
      };
    });
    return {
      eventId: id,
      epoch: set.epoch,
      threshold: set.threshold,
      attestations,
      groups,
      conflicts,
      conflictHistory,
    };
  }

  private checkSignedWindow(
    window: NonNullable<SubmitAttestation['signedWindow']>,
    result: Result,
    set: AttesterSet,
    now: bigint,
  ): void {
    if (window.epoch !== set.epoch) {
      throw new OracleError(
        'ORACLE_WRONG_EPOCH',
        `signed for epoch ${window.epoch}; the oracle is at epoch ${set.epoch}`,
      );
    }
    if (now > window.deadline) {
      throw new OracleError(
        'ORACLE_SIGNATURE_EXPIRED',
        `the signature's deadline ${window.deadline} has passed (now ${now})`,
      );
    }
    if (window.notBefore !== result.notBefore || window.deadline !== result.deadline) {
      throw new OracleError(
        'ORACLE_INVALID_SIGNATURE',
        `signed for the window [${window.notBefore}, ${window.deadline}], expected [${result.notBefore}, ${result.deadline}] ` +
          '(notBefore = endedAt, deadline = endedAt + signature TTL)',
      );
    }
  }
}

/**
 * Parses a 65-byte or EIP-2098 64-byte ECDSA signature into canonical 65-byte `r ‖ s ‖ v`,
 * refusing high-s (the contract refuses it too).
 *
 * @throws {OracleError} ORACLE_INVALID_SIGNATURE
 */
export function normaliseSignature(signature: string): string {
  let parsed: Signature;
  try {
    parsed = Signature.from(signature);
  } catch (cause) {
    throw new OracleError('ORACLE_INVALID_SIGNATURE', 'signature: not a 65-byte (or 64-byte compact) ECDSA signature', {
      cause,
    });
  }
  if (BigInt(parsed.s) > SECP256K1_HALF_N) {
    throw new OracleError('ORACLE_INVALID_SIGNATURE', 'signature: high-s signatures are refused');
  }
  return parsed.serialized.toLowerCase();
}

/**
 * Checks the shape of a contract attester's (ERC-1271) signature: 1..65535 bytes of hex (the
 * bundle's length field is a uint16), returned lowercase. Its validity is the contract's call.
 *
 * @throws {OracleError} ORACLE_INVALID_SIGNATURE
 */
export function normaliseContractSignature(signature: string): string {
  const hex = signature.startsWith('0x') || signature.startsWith('0X') ? `0x${signature.slice(2)}` : `0x${signature}`;
  if (!isHexString(hex) || hex.length % 2 !== 0 || dataLength(hex) === 0 || dataLength(hex) > 0xffff) {
    throw new OracleError('ORACLE_INVALID_SIGNATURE', 'signature: an ERC-1271 signature is 1..65535 bytes of hex');
  }
  return hex.toLowerCase();
}
