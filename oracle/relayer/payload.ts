import type { AttesterSignature, Batch, Outcome, Result, ResultStatus } from '../result.js';
import type { BatchItem } from './outbox-store.js';

/** A `propose` publication as stored in the outbox (JSON-safe: bigints as decimal strings). */
export interface ProposePayload {
  readonly result: {
    eventId: string;
    status: number;
    values: number[];
    endedAt: string;
    version: number;
    notBefore: string;
    deadline: string;
    epoch: number;
  };
  readonly signatures: AttesterSignature[];
}

/** A `batch` publication as stored in the outbox. */
export interface BatchPayload {
  readonly batch: { root: string; count: number; notBefore: string; deadline: string; epoch: number };
}

export function toProposePayload(result: Result, signatures: readonly AttesterSignature[]): ProposePayload {
  return {
    result: {
      eventId: result.eventId,
      status: result.status,
      values: [...result.values],
      endedAt: result.endedAt.toString(),
      version: result.version,
      notBefore: result.notBefore.toString(),
      deadline: result.deadline.toString(),
      epoch: result.epoch,
    },
    signatures: signatures.map((s) => ({
      attester: s.attester,
      signature: s.signature,
      ...(s.contract ? { contract: true } : {}),
    })),
  };
}

export function resultOfPayload(payload: ProposePayload): Result {
  const r = payload.result;
  return {
    eventId: r.eventId,
    status: r.status as ResultStatus,
    values: r.values,
    endedAt: BigInt(r.endedAt),
    version: r.version,
    notBefore: BigInt(r.notBefore),
    deadline: BigInt(r.deadline),
    epoch: r.epoch,
  };
}

export function toBatchPayload(batch: Batch): BatchPayload {
  return {
    batch: {
      root: batch.root,
      count: batch.count,
      notBefore: batch.notBefore.toString(),
      deadline: batch.deadline.toString(),
      epoch: batch.epoch,
    },
  };
}

export function batchOfPayload(payload: BatchPayload): Batch {
  const b = payload.batch;
  return { root: b.root, count: b.count, notBefore: BigInt(b.notBefore), deadline: BigInt(b.deadline), epoch: b.epoch };
}

/** A `leaf` publication as stored in the outbox: one leaf of a root and its Merkle proof. */
export interface LeafPayload {
  readonly root: string;
  readonly leaf: { eventId: string; status: number; values: number[]; endedAt: string; version: number };
  readonly proof: string[];
}

export function toLeafPayload(root: string, item: BatchItem): LeafPayload {
  return {
    root,
    leaf: {
      eventId: item.eventId,
      status: item.status,
      values: [...item.values],
      endedAt: item.endedAt.toString(),
      version: item.version,
    },
    proof: [...item.proof],
  };
}

/** The leaf of a `leaf` payload as an outcome (`IResultsOracle.BatchedResult`). */
export function leafOfPayload(payload: LeafPayload): Outcome {
  const l = payload.leaf;
  return {
    eventId: l.eventId,
    status: l.status as ResultStatus,
    values: l.values,
    endedAt: BigInt(l.endedAt),
    version: l.version,
  };
}
