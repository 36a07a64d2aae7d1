import { buildResult, validateOutcome } from '../../../oracle/attestations/signing-window.js';
import { isOracleError } from '../../../oracle/errors.js';
import { ResultStatus, eventIdOf, outcomeKey, type Outcome } from '../../../oracle/result.js';

const outcome: Outcome = {
  eventId: eventIdOf('fr-ligue1-2026-psg-om'),
  status: ResultStatus.Completed,
  values: [2, 1],
  endedAt: 1_790_000_000n,
  version: 1,
};

function fieldOf(bad: Outcome): string | undefined {
  try {
    validateOutcome(bad);
    return undefined;
  } catch (error) {
    if (!isOracleError(error, 'ORACLE_INVALID_OUTCOME')) throw error;
    return error.message.split(':')[0];
  }
}

describe('buildResult', () => {
  it('derives the same window for every attester: notBefore = endedAt, deadline = endedAt + TTL, the current epoch', () => {
    const window = { signatureTtl: 604_800n, epoch: 3 };
    const a = buildResult(outcome, window);
    const b = buildResult({ ...outcome, eventId: outcome.eventId.toUpperCase().replace('0X', '0x') }, window);
    expect(a).toEqual({ ...outcome, notBefore: 1_790_000_000n, deadline: 1_790_604_800n, epoch: 3 });
    expect(b).toEqual(a);
    expect(outcomeKey(a)).toBe(outcomeKey(outcome));
  });

  it('refuses a non-positive TTL', () => {
    expect(() => buildResult(outcome, { signatureTtl: 0n, epoch: 1 })).toThrow(/signatureTtl/);
  });
});

describe('validateOutcome', () => {
  it('accepts a match score and a void result without values', () => {
    expect(fieldOf(outcome)).toBeUndefined();
    expect(fieldOf({ ...outcome, status: ResultStatus.Void, values: [] })).toBeUndefined();
  });

  it.each<[string, Partial<Outcome>]>([
    ['eventId', { eventId: '0x1234' }],
    ['status', { status: ResultStatus.None }],
    ['status', { status: 9 as ResultStatus }],
    ['values', { values: [] }],
    ['values', { values: [-1, 2] }],
    ['values', { values: [2 ** 32] }],
    ['values', { status: ResultStatus.Cancelled }],
    ['endedAt', { endedAt: 0n }],
    ['version', { version: 0 }],
  ])('names %s when it is wrong', (field, change) => {
    expect(fieldOf({ ...outcome, ...change })).toBe(field);
  });
});
