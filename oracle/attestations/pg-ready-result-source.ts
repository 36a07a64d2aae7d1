import type { AttestationStore } from './attestation-store.js';
import type { AttesterSetSource } from './attester-set.js';
import type { ReadyResult, ReadyResultSource } from './ready-results.js';

/**
 * {@link ReadyResultSource} on the attestation store: payloads that distinct attesters of the
 * current set and epoch signed at least `threshold` times, inside their window at `now`
 * (`notBefore <= now <= deadline`), for an (event, version) in no conflict. Signatures are all
 * the supporting ones, in the attester set's rotation order; the relayer may keep the first
 * `threshold` of them. What the relayer's outbox holds is not ready any more (published results leave
 * the set, so the `limit` never fills up with them). A contract (ERC-1271) attester's entry says `contract: true`, so that
 * `packSignatures` encodes it as a 0x01 entry.
 */
export class PgReadyResultSource implements ReadyResultSource {
  private readonly store: AttestationStore;
  private readonly attesterSet: AttesterSetSource;
  private readonly deployment: { readonly chainId: bigint; readonly contract: string } | undefined;

  /**
   * @param deps.deployment - the oracle deployment the relayer publishes to: an outcome its outbox already
   *   holds (a live publication or batch) leaves the ready set, whatever digest it was re-signed under.
   *   Without it, only the exact payloads the outbox holds leave it.
   */
  constructor(deps: {
    readonly store: AttestationStore;
    readonly attesterSet: AttesterSetSource;
    readonly deployment?: { readonly chainId: bigint; readonly contract: string };
  }) {
    this.store = deps.store;
    this.attesterSet = deps.attesterSet;
    this.deployment = deps.deployment;
  }

  async listReady(options: { limit: number; now: bigint }): Promise<ReadyResult[]> {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit: a positive integer');
    const set = await this.attesterSet.current();
    const order = new Map(set.attesters.map((a, i) => [a.toLowerCase(), i]));
    const groups = await this.store.ready(set, {
      ...options,
      ...(this.deployment ? { deployment: this.deployment } : {}),
    });
    return groups.map((list) => {
      const first = list[0]!;
      const sorted = [...list].sort(
        (a, b) => order.get(a.attester.toLowerCase())! - order.get(b.attester.toLowerCase())!,
      );
      return {
        result: first.result,
        digest: first.digest,
        outcomeKey: first.outcomeKey,
        signatures: sorted.map((a) => ({
          attester: a.attester,
          signature: a.signature,
          ...(a.contract ? { contract: true } : {}),
        })),
      };
    });
  }
}
