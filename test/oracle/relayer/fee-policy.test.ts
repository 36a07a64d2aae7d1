import { FeeData } from 'ethers';
import { FeePolicy } from '../../../oracle/relayer/fee-policy.js';

const gwei = (n: number): bigint => BigInt(Math.round(n * 1e9));
const market = (maxFee: number, tip: number): FeeData => new FeeData(null, gwei(maxFee), gwei(tip));

describe('FeePolicy', () => {
  const policy = new FeePolicy({ maxFeePerGas: gwei(100), maxPriorityFeePerGas: gwei(2), bumpPercent: 12.5 });

  it('takes EIP-1559 fees from the provider, tip and max fee capped', () => {
    expect(policy.initial(market(30, 1))).toEqual({ maxFeePerGas: gwei(30), maxPriorityFeePerGas: gwei(1) });
    expect(policy.initial(market(300, 5))).toEqual({ maxFeePerGas: gwei(100), maxPriorityFeePerGas: gwei(2) });
  });

  it('raises both fields by at least the bump on a replacement, or to the market when it moved more', () => {
    const first = policy.initial(market(30, 1));
    const bumped = policy.bump(first, market(30, 1))!;
    expect(bumped.maxFeePerGas * 1000n).toBeGreaterThanOrEqual(first.maxFeePerGas * 1125n);
    expect(bumped.maxPriorityFeePerGas * 1000n).toBeGreaterThanOrEqual(first.maxPriorityFeePerGas * 1125n);
    const surged = policy.bump(first, market(80, 2))!;
    expect(surged.maxFeePerGas).toBe(gwei(80));
  });

  it('refuses to replace above the cap (the caller keeps the transaction and alerts)', () => {
    expect(policy.bump({ maxFeePerGas: gwei(95), maxPriorityFeePerGas: gwei(2) }, market(30, 1))).toBeUndefined();
  });

  it('rejects a bump below 12.5% (nodes would refuse the replacement)', () => {
    expect(() => new FeePolicy({ maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, bumpPercent: 10 })).toThrow(RangeError);
  });
});
