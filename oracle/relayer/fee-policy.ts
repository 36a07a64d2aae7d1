import type { FeeData } from 'ethers';

/** EIP-1559 fees of one transaction. */
export interface Fees {
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

export interface FeePolicyOptions {
  /** Hard cap on `maxFeePerGas`: never paid above, whatever the provider says. */
  readonly maxFeePerGas: bigint;
  /** Cap on the tip. */
  readonly maxPriorityFeePerGas: bigint;
  /** Increase per replacement in percent; nodes accept a replacement from +10% (geth) / +12.5% (others). */
  readonly bumpPercent: number;
}

/**
 * Fees from the provider's `getFeeData()` (EIP-1559: `maxFeePerGas` = 2 × base fee + tip), capped.
 * A replacement pays at least `bumpPercent` more on both fields than the transaction it replaces,
 * and at least the current market: whichever is higher, still under the cap.
 */
export class FeePolicy {
  constructor(private readonly options: FeePolicyOptions) {
    if (options.bumpPercent < 12.5) throw new RangeError('a replacement must raise fees by at least 12.5%');
  }

  /** Fees of a first attempt. */
  initial(feeData: FeeData): Fees {
    const tip = min(feeData.maxPriorityFeePerGas ?? 1_000_000_000n, this.options.maxPriorityFeePerGas);
    const maxFee = feeData.maxFeePerGas ?? (feeData.gasPrice ?? 0n) * 2n + tip;
    const capped = min(max(maxFee, tip), this.options.maxFeePerGas);
    return { maxFeePerGas: capped, maxPriorityFeePerGas: min(tip, capped) };
  }

  /**
   * Fees of a replacement, or undefined when the cap leaves no room for a valid replacement (the
   * caller keeps the transaction it has and raises an alert).
   */
  bump(previous: Fees, feeData: FeeData): Fees | undefined {
    const factor = BigInt(Math.ceil(this.options.bumpPercent * 100));
    const raise = (v: bigint): bigint => (v * (10_000n + factor) + 9_999n) / 10_000n;
    const market = this.initial(feeData);
    const tip = max(raise(previous.maxPriorityFeePerGas), market.maxPriorityFeePerGas);
    const maxFee = max(raise(previous.maxFeePerGas), market.maxFeePerGas, tip);
    if (maxFee > this.options.maxFeePerGas) return undefined;
    return { maxFeePerGas: maxFee, maxPriorityFeePerGas: min(tip, maxFee) };
  }
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (...values: bigint[]): bigint => values.reduce((a, b) => (a > b ? a : b));
