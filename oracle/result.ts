import {
  AbiCoder,
  TypedDataEncoder,
  concat,
  getAddress,
  id,
  isHexString,
  keccak256,
  toBeHex,
  zeroPadValue,
} from 'ethers';
import type { TypedDataDomain, TypedDataField } from 'ethers';

/**
 * TypeScript mirror of `contracts/interfaces/IResultsOracle.sol`: the EIP-712 domain and types,
 * the signature bundle (v2: an EOA signer's address is recovered on-chain, not sent), the packed
 * calldata of `proposePacked()` / `proposeBatchPacked()` (selector ‖ packed payload ‖ bundle, no ABI
 * head) and the batch leaf encoding. One source for
 * every TypeScript user (signer, relayer, indexer, API); `test/contracts-ts/digest.int.test.ts`
 * proves that the digests equal the contract's and `test/contracts-ts/packed.int.test.ts` that the
 * packed calldata means what the typed calls mean.
 */

/** `IResultsOracle.ResultStatus`. */
export const ResultStatus = {
  None: 0,
  Completed: 1,
  Cancelled: 2,
  Postponed: 3,
  Abandoned: 4,
  Void: 5,
} as const;
export type ResultStatus = (typeof ResultStatus)[keyof typeof ResultStatus];
export const RESULT_STATUS_NAMES = Object.keys(ResultStatus) as (keyof typeof ResultStatus)[];

/** `IResultsOracle.Phase`. `Final` is derived on-chain from `finalAt` for undisputed proposals. */
export const Phase = { None: 0, Proposed: 1, Disputed: 2, Final: 3 } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

/** The outcome an attester vouches for, without the signature-validity fields. */
export interface Outcome {
  /** 32-byte hex event id (see {@link eventIdOf}). */
  readonly eventId: string;
  readonly status: ResultStatus;
  /** `[home, away]` for a match; runners in finishing order for a race; empty unless `Completed`. */
  readonly values: readonly number[];
  /** Unix seconds. */
  readonly endedAt: bigint;
  readonly version: number;
}

/** `IResultsOracle.Result`: the EIP-712 payload attesters sign. */
export interface Result extends Outcome {
  readonly notBefore: bigint;
  readonly deadline: bigint;
  readonly epoch: number;
}

/** `IResultsOracle.Batch`. */
export interface Batch {
  readonly root: string;
  readonly count: number;
  readonly notBefore: bigint;
  readonly deadline: bigint;
  readonly epoch: number;
}

export const EIP712_NAME = 'Verdict ResultsOracle';
export const EIP712_VERSION = '1';

/** EIP-712 types, field for field the type strings of `libraries/ResultHash.sol`. */
export const RESULT_TYPES: Record<string, TypedDataField[]> = {
  Result: [
    { name: 'eventId', type: 'bytes32' },
    { name: 'status', type: 'uint8' },
    { name: 'values', type: 'uint32[]' },
    { name: 'endedAt', type: 'uint64' },
    { name: 'version', type: 'uint32' },
    { name: 'notBefore', type: 'uint64' },
    { name: 'deadline', type: 'uint64' },
    { name: 'epoch', type: 'uint32' },
  ],
};
export const BATCH_TYPES: Record<string, TypedDataField[]> = {
  Batch: [
    { name: 'root', type: 'bytes32' },
    { name: 'count', type: 'uint32' },
    { name: 'notBefore', type: 'uint64' },
    { name: 'deadline', type: 'uint64' },
    { name: 'epoch', type: 'uint32' },
  ],
};

/**
 * What `disputeThreshold` attesters sign to resolve a dispute (`resolve`): the fields of a `Result`
 * under the type name `Resolution`, so that a proposal's signatures never resolve its dispute.
 */
export const RESOLUTION_TYPES: Record<string, TypedDataField[]> = { Resolution: RESULT_TYPES.Result! };
/** What `disputeThreshold` attesters sign to uphold a disputed root (`resolveBatch`): a `Batch`'s fields. */
export const BATCH_RESOLUTION_TYPES: Record<string, TypedDataField[]> = { BatchResolution: BATCH_TYPES.Batch! };

/** The EIP-712 domain of one deployed oracle: bound to its chain and address. */
export function oracleDomain(chainId: bigint, verifyingContract: string): TypedDataDomain {
  return { name: EIP712_NAME, version: EIP712_VERSION, chainId, verifyingContract: getAddress(verifyingContract) };
}

/** Plain object for ethers' typed-data functions and for the contract call (`values` copied). */
export function resultMessage(result: Result): Record<string, unknown> {
  return { ...result, values: [...result.values] };
}

/** EIP-712 digest of a result (what `ResultsOracle.resultDigest` returns). */
export function resultDigest(domain: TypedDataDomain, result: Result): string {
  return TypedDataEncoder.hash(domain, RESULT_TYPES, resultMessage(result));
}

/** EIP-712 digest of a batch (what `ResultsOracle.batchDigest` returns). */
export function batchDigest(domain: TypedDataDomain, batch: Batch): string {
  return TypedDataEncoder.hash(domain, BATCH_TYPES, { ...batch });
}

/** EIP-712 digest of the `Resolution` of a result (what `resolve` verifies its signatures against). */
export function resolutionDigest(domain: TypedDataDomain, result: Result): string {
  return TypedDataEncoder.hash(domain, RESOLUTION_TYPES, resultMessage(result));
}

/** EIP-712 digest of the `BatchResolution` of a batch (what `resolveBatch` verifies). */
export function batchResolutionDigest(domain: TypedDataDomain, batch: Batch): string {
  return TypedDataEncoder.hash(domain, BATCH_RESOLUTION_TYPES, { ...batch });
}

/** Hash of the payload alone: attestations over the same outcome share it (used to group and detect conflicts). */
export function outcomeKey(outcome: Outcome): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ['bytes32', 'uint8', 'uint32[]', 'uint64', 'uint32'],
      [outcome.eventId, outcome.status, outcome.values, outcome.endedAt, outcome.version],
    ),
  );
}

/** Leaf encoding of a batched result for `@openzeppelin/merkle-tree`'s StandardMerkleTree. */
export const BATCH_LEAF_ENCODING = ['bytes32', 'uint8', 'uint32[]', 'uint64', 'uint32'] as const;

/** The leaf tuple of an outcome, in {@link BATCH_LEAF_ENCODING} order. */
export function batchLeaf(outcome: Outcome): [string, number, number[], bigint, number] {
  return [outcome.eventId, outcome.status, [...outcome.values], outcome.endedAt, outcome.version];
}

/** Event id of an operator's event key (e.g. `"fr-ligue1-2026-psg-om"`). */
export function eventIdOf(key: string): string {
  return keccak256(new TextEncoder().encode(key));
}

/**
 * Commitment of the attester set, as kept in the oracle's config slot: the first 20 bytes of
 * `keccak256(abi.encodePacked(attesters))`, where each address of the array takes a whole word.
 */
export function attesterSetHash(attesters: readonly string[]): string {
  return keccak256(concat(attesters.map((a) => zeroPadValue(getAddress(a), 32)))).slice(0, 42);
}

/** One attester's signature: a 65-byte ECDSA signature (EOA) or arbitrary ERC-1271 bytes (contract). */
export interface AttesterSignature {
  readonly attester: string;
  readonly signature: string;
  /** True for an ERC-1271 contract attester. */
  readonly contract?: boolean;
}

/** Thrown by {@link packSignatures} on input that the contract would reject anyway. */
export class SignatureBundleError extends Error {
  override readonly name = 'SignatureBundleError';
}

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * Packs signatures into the bundle format of `IResultsOracle` (v2):
 * `n uint8 ‖ bitmap uint16 ‖` then, for each position i of the set in order, attester i's address
 * when it did not sign, or its entry when it did: `0x00 ‖ r ‖ yParityAndS` (EIP-2098 compact ECDSA,
 * the contract recovers the address) or `0x01 ‖ address ‖ len uint16 ‖ signature` (ERC-1271).
 * High-s signatures are refused rather than normalised, because the contract refuses them too.
 *
 * @param attesters - the current attester set, in rotation order.
 * @param signatures - at most one per attester, any order.
 * @throws {SignatureBundleError} for an unknown attester, a duplicate, or a malformed signature.
 */
export function packSignatures(attesters: readonly string[], signatures: readonly AttesterSignature[]): string {
  if (attesters.length === 0 || attesters.length > 16) throw new SignatureBundleError('attester set must hold 1..16');
  const set = attesters.map((a) => getAddress(a));
  const byIndex = new Map<number, AttesterSignature>();
  for (const sig of signatures) {
    const index = set.indexOf(getAddress(sig.attester));
    if (index < 0) throw new SignatureBundleError(`not an attester of the current set: ${sig.attester}`);
    if (byIndex.has(index)) throw new SignatureBundleError(`two signatures from ${sig.attester}`);
    byIndex.set(index, sig);
  }
  let bitmap = 0;
  const positions = set.map((address, index) => {
    const sig = byIndex.get(index);
    if (!sig) return address;
    bitmap |= 1 << index;
    return encodeEntry(address, sig);
  });
  return concat([toBeHex(set.length, 1), toBeHex(bitmap, 2), ...positions]);
}

/** The bundle entry of `attester`'s signature (bit set): ECDSA compact or ERC-1271 with its address. */
function encodeEntry(attester: string, sig: AttesterSignature): string {
  const bytes = sig.signature.startsWith('0x') ? sig.signature : `0x${sig.signature}`;
  if (sig.contract) {
    const length = (bytes.length - 2) / 2;
    if (length > 0xffff) throw new SignatureBundleError('ERC-1271 signature longer than 65535 bytes');
    return concat(['0x01', attester, toBeHex(length, 2), bytes]);
  }
  if (bytes.length !== 132) throw new SignatureBundleError(`ECDSA signature of ${sig.attester} is not 65 bytes`);
  const r = `0x${bytes.slice(2, 66)}`;
  const s = BigInt(`0x${bytes.slice(66, 130)}`);
  const v = Number.parseInt(bytes.slice(130, 132), 16);
  if (s > SECP256K1_HALF_N) throw new SignatureBundleError(`high-s signature from ${sig.attester}`);
  const yParity = v === 27 || v === 0 ? 0n : v === 28 || v === 1 ? 1n : -1n;
  if (yParity < 0n) throw new SignatureBundleError(`bad recovery id in the signature of ${sig.attester}`);
  const yParityAndS = (yParity << 255n) | s;
  return concat(['0x00', r, toBeHex(yParityAndS, 32)]);
}

// PACKED CALLDATA (`proposePacked()`, `proposeBatchPacked()`)

/** Thrown by {@link packResult} and {@link packBatch} for a field that does not fit its packed width. */
export class PackedPayloadError extends RangeError {
  override readonly name = 'PackedPayloadError';
}

/**
 * The packed result of `IResultsOracle.proposePacked()`, big-endian without padding:
 * `eventId (32) ‖ status uint8 ‖ count uint8 ‖ values (count × uint32) ‖ endedAt uint64 ‖
 * version uint32 ‖ notBefore uint64 ‖ deadline uint64 ‖ epoch uint32`.
 *
 * @throws {PackedPayloadError} naming the field that is out of range (at most 255 values).
 */
export function packResult(result: Result): string {
  if (result.values.length > 255) {
    throw new PackedPayloadError(`values: at most 255 values can be packed, got ${result.values.length}`);
  }
  return concat([
    packBytes32(result.eventId, 'eventId'),
    packUint(result.status, 8, 'status'),
    packUint(result.values.length, 8, 'values.length'),
    ...result.values.map((value, i) => packUint(value, 32, `values[${i}]`)),
    packUint(result.endedAt, 64, 'endedAt'),
    packUint(result.version, 32, 'version'),
    packUint(result.notBefore, 64, 'notBefore'),
    packUint(result.deadline, 64, 'deadline'),
    packUint(result.epoch, 32, 'epoch'),
  ]);
}

/**
 * The packed batch of `IResultsOracle.proposeBatchPacked()`, big-endian without padding:
 * `root (32) ‖ count uint32 ‖ notBefore uint64 ‖ deadline uint64 ‖ epoch uint32`.
 *
 * @throws {PackedPayloadError} naming the field that is out of range.
 */
export function packBatch(batch: Batch): string {
  return concat([
    packBytes32(batch.root, 'root'),
    packUint(batch.count, 32, 'count'),
    packUint(batch.notBefore, 64, 'notBefore'),
    packUint(batch.deadline, 64, 'deadline'),
    packUint(batch.epoch, 32, 'epoch'),
  ]);
}

/** Selector of `proposePacked()`: the function declares no parameter and reads what follows the selector. */
export const PROPOSE_PACKED_SELECTOR = id('proposePacked()').slice(0, 10);
/** Selector of `proposeBatchPacked()`. */
export const PROPOSE_BATCH_PACKED_SELECTOR = id('proposeBatchPacked()').slice(0, 10);

/**
 * The whole calldata of `proposePacked()`: selector ‖ packed result ‖ signature bundle, with no ABI head
 * (the contract reads the payload right after the selector).
 */
export function proposePackedData(result: Result, bundle: string): string {
  return concat([PROPOSE_PACKED_SELECTOR, packResult(result), bundle]);
}

/** The whole calldata of `proposeBatchPacked()`: selector ‖ packed batch ‖ signature bundle. */
export function proposeBatchPackedData(batch: Batch, bundle: string): string {
  return concat([PROPOSE_BATCH_PACKED_SELECTOR, packBatch(batch), bundle]);
}

/** `value` as a big-endian unsigned integer of `bits` bits (8, 32 or 64). */
function packUint(value: number | bigint, bits: number, field: string): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new PackedPayloadError(`${field}: ${value} is not an integer`);
  }
  const big = BigInt(value);
  if (big < 0n || big >= 1n << BigInt(bits)) {
    throw new PackedPayloadError(`${field}: ${big} is out of the uint${bits} range`);
  }
  return toBeHex(big, bits / 8);
}

/** `value` as 32 bytes (a `bytes32` field: event id or root). */
function packBytes32(value: string, field: string): string {
  if (!isHexString(value, 32)) throw new PackedPayloadError(`${field}: not a 32-byte hex string: ${value}`);
  return value.toLowerCase();
}
