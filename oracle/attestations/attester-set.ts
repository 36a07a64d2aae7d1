import { getAddress } from 'ethers';

/** The oracle's current attester configuration (`attesterConfig()` + `attesters()` on-chain). */
export interface AttesterSet {
  readonly epoch: number;
  readonly threshold: number;
  /** Checksummed or not; compared case-insensitively. In rotation order. */
  readonly attesters: readonly string[];
}

/**
 * Where the attestation side learns the current epoch, threshold and set. The chain side
 * implements it on the deployed contract; {@link StaticAttesterSet} serves tests and tools.
 */
export interface AttesterSetSource {
  current(): Promise<AttesterSet>;
}

/** A fixed attester set (tests, the local stack, offline tools). */
export class StaticAttesterSet implements AttesterSetSource {
  private set: AttesterSet;

  constructor(set: AttesterSet) {
    this.set = normalise(set);
  }

  current(): Promise<AttesterSet> {
    return Promise.resolve(this.set);
  }

  /** Replaces the set, as a rotation on-chain would (tests). */
  rotate(set: AttesterSet): void {
    this.set = normalise(set);
  }
}

function normalise(set: AttesterSet): AttesterSet {
  return { epoch: set.epoch, threshold: set.threshold, attesters: set.attesters.map((a) => getAddress(a)) };
}
