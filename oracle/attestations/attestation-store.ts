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
  readonly signature: string;
  readonly source: AttestationSource;
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
  /** Binds an attester key to an admin (idempotent). @throws {OracleError} ORACLE_BINDING_CONFLICT */
  bind(adminId: string, attester: string): Promise<void>;
  /** The checksummed attester key bound to `adminId`, if any. */
  attesterOf(adminId: string): Promise<string | undefined>;
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
  /** Ready payloads under `set` at `now`; see `ReadyResultSource.listReady`. */
  ready(set: AttesterSet, options: { limit: number; now: bigint }): Promise<StoredAttestation[][]>;
}
