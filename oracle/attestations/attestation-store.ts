import type { Result, ResultStatus } from '../result.js';
import type { AttesterSet } from './attester-set.js';

/** How an attestation reached the store. */
export type AttestationSource = 'submitted' | 'signer';

/** One attester's current attestation for one (event, version). Addresses checksummed. */
export interface StoredAttestation {
  readonly eventId: string;
  readonly version: number;
  readonly attester: string;
  readonly adminId: string;
  readonly outcomeKey: string;
  readonly result: Result;
  readonly digest: string;
  /** 65-byte ECDSA signature, or the ERC-1271 signature bytes when `contract`. */
  readonly signature: string;
  readonly source: AttestationSource;
  /** The attester is a contract (ERC-1271): the signature was checked with `isValidSignature`. */
  readonly contract: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A verified attestation about to be stored. */
export interface NewAttestation {
  readonly adminId: string;
  readonly attester: string;
  readonly result: Result;
  readonly outcomeKey: string;
  readonly digest: string;
  readonly signature: string;
  readonly source: AttestationSource;
  /** True for an ERC-1271 (contract) attester. */
  readonly contract: boolean;
}

/** Which attester key an admin holds. */
export interface AttesterBinding {
  readonly adminId: string;
  /** Checksummed address. */
  readonly attester: string;
  /** The attester is a contract (ERC-1271, e.g. a Safe), declared when binding. */
  readonly contract: boolean;
  readonly createdAt: Date;
}

/** What {@link AttestationStore.put} did. */
export interface PutReceipt {
  /** `unchanged`: the attester had already signed this exact payload (idempotent resubmission). */
  readonly action: 'created' | 'replaced' | 'unchanged';
  /** Distinct attesters of the current set and epoch behind this exact payload, after the write. */
  readonly support: number;
  /** True when attesters of the current epoch back two or more payloads of this (event, version). */
  readonly conflict: boolean;
}

/** One payload of a conflict and the attesters (current epoch and set) behind it. */
export interface ConflictPayload {
  readonly outcomeKey: string;
  readonly status: ResultStatus;
  readonly values: readonly number[];
  readonly endedAt: bigint;
  readonly attesters: readonly string[];
}

/** Two or more payloads backed for one (event, version): nothing of it is ready. */
export interface AttestationConflict {
  readonly eventId: string;
  readonly version: number;
  /** When the conflict was first recorded (undefined when it only arose through a rotation). */
  readonly openedAt: Date | undefined;
  readonly payloads: readonly ConflictPayload[];
}

/** A recorded conflict (open or resolved), from the conflicts table. */
export interface ConflictRecord {
  readonly eventId: string;
  readonly version: number;
  readonly epoch: number;
  readonly outcomeKeys: readonly string[];
  readonly openedAt: Date;
  readonly resolvedAt: Date | undefined;
}

/** Persistence of attestations, bindings and conflicts. */
export interface AttestationStore {
  /**
   * Binds an attester key to an admin. Idempotent for the same pair (which may change the
   * `contract` flag); audited in `oracle_attester_binding_history`.
   *
   * @param options.contract - the attester is a contract (ERC-1271); default false.
   * @returns `bound` (new), `updated` (the contract flag changed) or `unchanged`.
   * @throws {OracleError} ORACLE_BINDING_CONFLICT when the key or the admin is bound otherwise.
   */
  bind(
    adminId: string,
    attester: string,
    options?: { readonly contract?: boolean },
  ): Promise<'bound' | 'updated' | 'unchanged'>;
  /**
   * Removes the admin's binding and returns it (undefined when there was none, or when
   * `options.attester` is given and is not the bound key). Stored attestations stay.
   */
  unbind(adminId: string, options?: { readonly attester?: string }): Promise<AttesterBinding | undefined>;
  /** The checksummed attester key bound to `adminId`, if any. */
  attesterOf(adminId: string): Promise<string | undefined>;
  /** The binding of `adminId`, if any. */
  bindingOf(adminId: string): Promise<AttesterBinding | undefined>;
  /** Every binding, by admin id. */
  bindings(): Promise<AttesterBinding[]>;
  /**
   * Stores or replaces the attester's attestation for (event, version) and records the conflict
   * state of that (event, version) under `set`, in one transaction.
   */
  put(attestation: NewAttestation, set: AttesterSet): Promise<PutReceipt>;
  /** Removes the attester's attestation for (event, version); returns false when there was none. */
  withdraw(
    request: { adminId: string; attester: string; eventId: string; version: number },
    set: AttesterSet,
  ): Promise<boolean>;
  /** Every stored attestation of an event, any version and epoch. */
  forEvent(eventId: string): Promise<StoredAttestation[]>;
  /** Conflicts in force under `set` (live: recomputed from the attestations). */
  conflicts(set: AttesterSet, filter?: { eventId?: string }): Promise<AttestationConflict[]>;
  /** Recorded conflicts of an event, newest first. */
  conflictHistory(eventId: string): Promise<ConflictRecord[]>;
  /**
   * Ready payloads under `set` at `now`, oldest first; see `ReadyResultSource.listReady`. A payload the
   * relayer's outbox holds is not ready any more: its digest has a publication (any state), or — with
   * `deployment` — its outcome is held by a live publication or batch of that deployment.
   */
  ready(set: AttesterSet, options: ReadyQueryOptions): Promise<StoredAttestation[][]>;
}

/** Options of {@link AttestationStore.ready}. */
export interface ReadyQueryOptions {
  readonly limit: number;
  readonly now: bigint;
  /** The oracle deployment whose outbox decides what is already published (chain id, oracle address). */
  readonly deployment?: { readonly chainId: bigint; readonly contract: string };
}
