import { getAddress, type Contract } from 'ethers';
import type { AttesterSet, AttesterSetSource } from '../attestations/attester-set.js';

export type { AttesterSet, AttesterSetSource };

/**
 * Reads `attesterConfig()` and `attesters()` of the oracle, caching the answer for `ttlMs` so that a
 * relayer tick or a burst of attestations costs one round trip. A rotation is seen within `ttlMs`.
 */
export class ChainAttesterSetSource implements AttesterSetSource {
  private readonly contract: Contract;
  private readonly ttlMs: number;
  private cache?: { at: number; value: AttesterSet };

  constructor(deps: { contract: Contract; ttlMs?: number }) {
    this.contract = deps.contract;
    this.ttlMs = deps.ttlMs ?? 5_000;
  }

  async current(): Promise<AttesterSet> {
    if (this.cache && Date.now() - this.cache.at < this.ttlMs) return this.cache.value;
    const [config, attesters] = await Promise.all([
      this.contract.getFunction('attesterConfig').staticCall() as Promise<[bigint, bigint, bigint, bigint, string]>,
      this.contract.getFunction('attesters').staticCall() as Promise<string[]>,
    ]);
    const value: AttesterSet = {
      epoch: Number(config[0]),
      threshold: Number(config[1]),
      attesters: attesters.map((a) => getAddress(a)),
    };
    this.cache = { at: Date.now(), value };
    return value;
  }

  /** Forgets the cached set (after a `WrongEpoch`/`AttesterSetMismatch` revert). */
  invalidate(): void {
    this.cache = undefined;
  }
}
