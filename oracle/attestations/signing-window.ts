import { isHexString } from 'ethers';
import { OracleError } from '../errors.js';
import { ResultStatus, type Outcome, type Result } from '../result.js';

/** Default signature lifetime: 7 days after the event ended. */
export const DEFAULT_SIGNATURE_TTL_SECONDS = 7n * 24n * 3600n;

/** What, besides the outcome, fixes the signed payload: the TTL (configuration) and the oracle's current epoch. */
export interface SigningWindow {
  /** Seconds from `endedAt` to `deadline`. Every attester of one deployment must use the same value. */
  readonly signatureTtl: bigint;
  /** The oracle's current attester epoch. */
  readonly epoch: number;
}

const UINT32_MAX = 0xffff_ffff;
const UINT64_MAX = (1n << 64n) - 1n;

/**
 * The EIP-712 `Result` every attester signs for `outcome`. Deterministic, so that independent
 * attesters (signer instances, wallets, the CLI) produce byte-identical payloads that the relayer
 * can put under one signature bundle: `notBefore = endedAt`, `deadline = endedAt + signatureTtl`,
 * `epoch = window.epoch`. Pure.
 *
 * @throws {OracleError} ORACLE_INVALID_OUTCOME when the outcome breaks the contract's rules.
 */
export function buildResult(outcome: Outcome, window: SigningWindow): Result {
  validateOutcome(outcome);
  if (window.signatureTtl <= 0n) throw new OracleError('ORACLE_INVALID_OUTCOME', 'signatureTtl: must be positive');
  if (!Number.isInteger(window.epoch) || window.epoch < 0 || window.epoch > UINT32_MAX) {
    throw new OracleError('ORACLE_INVALID_OUTCOME', `epoch: not a uint32 (${window.epoch})`);
  }
  const deadline = outcome.endedAt + window.signatureTtl;
  if (deadline > UINT64_MAX) throw new OracleError('ORACLE_INVALID_OUTCOME', 'endedAt: too large for the window');
  return {
    eventId: outcome.eventId.toLowerCase(),
    status: outcome.status,
    values: [...outcome.values],
    endedAt: outcome.endedAt,
    version: outcome.version,
    notBefore: outcome.endedAt,
    deadline,
    epoch: window.epoch,
  };
}

/**
 * Mirrors the contract's `InvalidOutcome` rule and the ABI ranges: a 32-byte event id, a status
 * other than `None`, 1..255 uint32 values with `Completed` and none otherwise, `endedAt` a
 * positive uint64, `version` a uint32 ≥ 1.
 *
 * @throws {OracleError} ORACLE_INVALID_OUTCOME naming the field.
 */
export function validateOutcome(outcome: Outcome): void {
  const fail = (field: string, why: string): never => {
    throw new OracleError('ORACLE_INVALID_OUTCOME', `${field}: ${why}`);
  };
  if (typeof outcome.eventId !== 'string' || !isHexString(outcome.eventId, 32)) {
    fail('eventId', 'must be 32 bytes of 0x-prefixed hex');
  }
  const statuses = Object.values(ResultStatus) as number[];
  if (!statuses.includes(outcome.status) || outcome.status === ResultStatus.None) {
    fail('status', `must be one of Completed, Cancelled, Postponed, Abandoned, Void (got ${String(outcome.status)})`);
  }
  if (!Array.isArray(outcome.values)) fail('values', 'must be an array');
  for (const v of outcome.values) {
    if (!Number.isInteger(v) || v < 0 || v > UINT32_MAX) fail('values', `not a uint32: ${String(v)}`);
  }
  if (outcome.status === ResultStatus.Completed) {
    if (outcome.values.length < 1 || outcome.values.length > 255) fail('values', 'Completed needs 1..255 values');
  } else if (outcome.values.length > 0) {
    fail('values', 'only a Completed result carries values');
  }
  if (typeof outcome.endedAt !== 'bigint' || outcome.endedAt <= 0n || outcome.endedAt > UINT64_MAX) {
    fail('endedAt', 'must be positive unix seconds');
  }
  if (!Number.isInteger(outcome.version) || outcome.version < 1 || outcome.version > UINT32_MAX) {
    fail('version', 'must be an integer from 1');
  }
}
