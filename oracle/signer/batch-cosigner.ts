import { PollLoop } from '../../lib/poll-loop.js';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { getAddress } from 'ethers';
import type { AttestationStore, StoredAttestation } from '../attestations/attestation-store.js';
import type { AttesterSet, AttesterSetSource } from '../attestations/attester-set.js';
import { silentLogger, type Logger } from '../chain/logger.js';
import type { OracleMetrics } from '../metrics.js';
import type { BatchRequest, BatchSignatureStore } from '../relayer/batch-requests.js';
import type { BatchItem } from '../relayer/outbox-store.js';
import { BATCH_LEAF_ENCODING, batchLeaf, outcomeKey, type Batch, type ResultStatus } from '../result.js';

/**
 * Answers the relayer's batch requests (`BatchSignatureStore.openRequests()`) for the signer instances
 * of this process. An instance signs a root only when
 *
 * - the root is exactly the Merkle root of the listed leaves (`count` included), one leaf per event;
 * - **every** leaf is an outcome its bound admin attested: the admin's current attestation for that
 *   `(eventId, version)`, made with this instance's key (still bound to the admin), of the current epoch
 *   and not expired, has the same status, values and end time;
 * - the batch is for the current epoch and the instance's key is in the current set;
 * - the signing window is sound: `notBefore ≤ now`, `deadline > now + deadlineMargin`,
 *   `deadline ≤ now + maxValidity`.
 *
 * Anything else is refused and logged, never signed. A batch signature therefore never says more than
 * the admin already said outcome by outcome: "a signer instance signs only what its bound admin
 * submitted" holds for roots too.
 *
 * Idempotent (a root the instance signed is skipped; `addSignature` ignores a second copy), bounded
 * (at most `maxRequestsPerTick` roots examined per tick) and isolated (an error on one root is logged and
 * the others go on).
 */

/** A signer instance as the cosigner needs it (`ResultSigner` implements it). */
export interface BatchSigningInstance {
  /** The admin whose attestations this instance vouches for, and nobody else's. */
  readonly adminId: string;
  /** Checksummed address of its key. */
  readonly attester: string;
  /** @throws {OracleError} ORACLE_SIGNER_FORBIDDEN when `adminId` is not its admin. */
  signBatch(request: { readonly adminId: string; readonly batch: Batch }): Promise<string>;
}

export interface BatchCosignerOptions {
  /** Roots examined per tick at most (those already signed or recently refused do not count). */
  readonly maxRequestsPerTick: number;
  /** Longest validity accepted: `deadline - now` (seconds, chain time). */
  readonly maxValiditySeconds: number;
  /** A root expiring within this many seconds is not signed (it could not be sent in time). */
  readonly deadlineMarginSeconds: number;
  /** A refused root is examined again after this long (the admin may attest meanwhile). Default 60 s. */
  readonly recheckAfterMs?: number;
  /** Attestation look-ups in parallel while checking one root. Default 8. */
  readonly lookupConcurrency?: number;
}

/** Why an instance did not sign a root. */
export type RefusalReason =
  'root_mismatch' | 'duplicate_event' | 'wrong_epoch' | 'not_in_set' | 'not_bound' | 'window' | 'not_attested';

export interface CosignerTickReport {
  /** Open requests listed. */
  readonly open: number;
  /** Roots examined this tick. */
  readonly examined: number;
  /** Signatures added. */
  readonly signed: number;
  /** (root, instance) pairs refused this tick. */
  readonly refused: number;
  /** Roots whose examination failed (logged; tried again next tick). */
  readonly errors: number;
}

/** Chain time in unix seconds (the relayer's clock: the latest block's timestamp). */
export type ChainClock = () => Promise<bigint>;

export class BatchCosigner {
  private readonly log: Logger;
  /** `${root}:${attester}` → when it was refused (wall clock ms). */
  private readonly refusedAt = new Map<string, number>();

  constructor(
    private readonly deps: {
      readonly instances: readonly BatchSigningInstance[];
      readonly requests: BatchSignatureStore;
      readonly attestations: Pick<AttestationStore, 'forEvent' | 'attesterOf'>;
      readonly attesterSets: AttesterSetSource;
      readonly now: ChainClock;
      readonly options: BatchCosignerOptions;
      readonly logger?: Logger;
      readonly metrics?: OracleMetrics;
      /** Wall clock (ms) for the refusal cache; tests inject it. */
      readonly clock?: () => number;
    },
  ) {
    this.log = deps.logger ?? silentLogger;
  }

  /** One pass over the open batch requests. Never throws for one root; a failure to list them throws. */
  async tick(): Promise<CosignerTickReport> {
    const requests = await this.deps.requests.openRequests();
    const wall = this.deps.clock ?? Date.now;
    const recheck = this.deps.options.recheckAfterMs ?? 60_000;
    this.forgetClosed(requests);
    let examined = 0;
    let signed = 0;
    let refused = 0;
    let errors = 0;
    if (requests.length === 0 || this.deps.instances.length === 0) {
      return { open: requests.length, examined, signed, refused, errors };
    }
    let set: AttesterSet | undefined;
    let now: bigint | undefined;
    for (const request of requests) {
      if (examined >= this.deps.options.maxRequestsPerTick) break;
      const signedBy = new Set(request.signedBy.map((a) => a.toLowerCase()));
      const pending = this.deps.instances.filter((instance) => {
        if (signedBy.has(instance.attester.toLowerCase())) return false;
        const at = this.refusedAt.get(refusalKey(request.batch.root, instance));
        return at === undefined || wall() - at >= recheck;
      });
      if (pending.length === 0) continue;
      examined++;
      try {
        set ??= await this.deps.attesterSets.current();
        now ??= await this.deps.now();
        const outcome = await this.examine(request, pending, set, now);
        signed += outcome.signed;
        refused += outcome.refused;
      } catch (error) {
        errors++;
        this.deps.metrics?.alerts.inc({ kind: 'error' });
        this.log.error({ err: error, root: request.batch.root }, 'batch request could not be examined');
      }
    }
    return { open: requests.length, examined, signed, refused, errors };
  }

  private async examine(
    request: BatchRequest,
    instances: readonly BatchSigningInstance[],
    set: AttesterSet,
    now: bigint,
  ): Promise<{ signed: number; refused: number }> {
    const { batch } = request;
    let signed = 0;
    let refused = 0;
    const refuse = (instance: BatchSigningInstance, reason: RefusalReason, details: object = {}): void => {
      refused++;
      const key = refusalKey(batch.root, instance);
      const first = !this.refusedAt.has(key);
      this.refusedAt.set(key, (this.deps.clock ?? Date.now)());
      if (first) this.deps.metrics?.alerts.inc({ kind: 'batch_refused' });
      const fields = { root: batch.root, admin: instance.adminId, attester: instance.attester, reason, ...details };
      if (first) this.log.warn(fields, 'batch root refused: not signed');
      else this.log.debug(fields, 'batch root still refused');
    };

    // Checks that do not depend on the instance.
    const common = this.checkBatch(request, set, now);
    if (common) {
      for (const instance of instances) refuse(instance, common.reason, common.details);
      return { signed, refused };
    }

    const attested = await this.lookUp(request.items);
    const members = new Set(set.attesters.map((a) => a.toLowerCase()));
    for (const instance of instances) {
      try {
        if (!members.has(instance.attester.toLowerCase())) {
          refuse(instance, 'not_in_set', { epoch: set.epoch });
          continue;
        }
        const bound = await this.deps.attestations.attesterOf(instance.adminId);
        if (!bound || getAddress(bound) !== getAddress(instance.attester)) {
          refuse(instance, 'not_bound');
          continue;
        }
        const unattested = this.unattested(request.items, attested, instance, set, now);
        if (unattested.length > 0) {
          refuse(instance, 'not_attested', {
            leaves: request.items.length,
            unattested: unattested.length,
            examples: unattested.slice(0, 5),
          });
          continue;
        }
        const signature = await instance.signBatch({ adminId: instance.adminId, batch });
        if (await this.deps.requests.addSignature(batch.root, { attester: instance.attester, signature })) {
          signed++;
          this.refusedAt.delete(refusalKey(batch.root, instance));
          this.log.info(
            { root: batch.root, count: batch.count, admin: instance.adminId, attester: instance.attester },
            'batch root co-signed',
          );
        }
      } catch (error) {
        this.deps.metrics?.alerts.inc({ kind: 'error' });
        this.log.error(
          { err: error, root: batch.root, admin: instance.adminId },
          'batch root: co-signing failed for one instance',
        );
      }
    }
    return { signed, refused };
  }

  /** The root, the epoch and the window; undefined when they are sound. */
  private checkBatch(
    request: BatchRequest,
    set: AttesterSet,
    now: bigint,
  ): { reason: RefusalReason; details: object } | undefined {
    const { batch, items } = request;
    if (batch.epoch !== set.epoch)
      return { reason: 'wrong_epoch', details: { epoch: batch.epoch, current: set.epoch } };
    const { maxValiditySeconds, deadlineMarginSeconds } = this.deps.options;
    if (
      batch.notBefore > now ||
      batch.notBefore > batch.deadline ||
      batch.deadline <= now + BigInt(deadlineMarginSeconds) ||
      batch.deadline > now + BigInt(maxValiditySeconds)
    ) {
      return {
        reason: 'window',
        details: { notBefore: String(batch.notBefore), deadline: String(batch.deadline), now: String(now) },
      };
    }
    const events = new Set(items.map((i) => i.eventId.toLowerCase()));
    if (events.size !== items.length) return { reason: 'duplicate_event', details: {} };
    // The root must commit to exactly the listed leaves: nothing hidden, nothing extra.
    if (items.length === 0 || batch.count !== items.length) {
      return { reason: 'root_mismatch', details: { count: batch.count, leaves: items.length } };
    }
    const tree = StandardMerkleTree.of(
      items.map((i) => batchLeaf({ ...i, status: i.status as ResultStatus })),
      [...BATCH_LEAF_ENCODING],
    );
    if (tree.root.toLowerCase() !== batch.root.toLowerCase()) {
      return { reason: 'root_mismatch', details: { computed: tree.root } };
    }
    return undefined;
  }

  /** Every stored attestation of the leaves' events, by lowercase event id. */
  private async lookUp(items: readonly BatchItem[]): Promise<Map<string, StoredAttestation[]>> {
    const events = [...new Set(items.map((i) => i.eventId.toLowerCase()))];
    const found = new Map<string, StoredAttestation[]>();
    const concurrency = Math.max(1, this.deps.options.lookupConcurrency ?? 8);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < events.length) {
        const eventId = events[next++]!;
        found.set(eventId, await this.deps.attestations.forEvent(eventId));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, events.length) }, worker));
    return found;
  }

  /** Leaves that `instance`'s admin did not attest (as the admin's current, live attestation). */
  private unattested(
    items: readonly BatchItem[],
    attested: Map<string, StoredAttestation[]>,
    instance: BatchSigningInstance,
    set: AttesterSet,
    now: bigint,
  ): { eventId: string; version: number; why: string }[] {
    const attester = getAddress(instance.attester);
    const missing: { eventId: string; version: number; why: string }[] = [];
    for (const item of items) {
      const eventId = item.eventId.toLowerCase();
      const mine = (attested.get(eventId) ?? []).find(
        (a) => a.version === item.version && getAddress(a.attester) === attester && a.adminId === instance.adminId,
      );
      const why = !mine
        ? 'no attestation'
        : !sameOutcome(mine, item)
          ? 'another outcome'
          : mine.result.epoch !== set.epoch
            ? 'attested in another epoch'
            : mine.result.deadline < now
              ? 'attestation expired'
              : undefined;
      if (why) missing.push({ eventId, version: item.version, why });
    }
    return missing;
  }

  /** Drops refusals of roots that are no longer open (bounded memory). */
  private forgetClosed(requests: readonly BatchRequest[]): void {
    const open = new Set(requests.map((r) => r.batch.root.toLowerCase()));
    for (const key of this.refusedAt.keys()) {
      if (!open.has(key.slice(0, key.indexOf(':')))) this.refusedAt.delete(key);
    }
  }
}

function refusalKey(root: string, instance: BatchSigningInstance): string {
  return `${root.toLowerCase()}:${instance.attester.toLowerCase()}`;
}

/** Same facts: event, status, values, end time, version (the outcome key covers all five). */
function sameOutcome(attestation: StoredAttestation, item: BatchItem): boolean {
  const leafKey = outcomeKey({
    eventId: item.eventId.toLowerCase(),
    status: item.status as ResultStatus,
    values: item.values,
    endedAt: item.endedAt,
    version: item.version,
  });
  const r = attestation.result;
  return (
    leafKey === outcomeKey(r) &&
    r.eventId.toLowerCase() === item.eventId.toLowerCase() &&
    r.status === item.status &&
    r.endedAt === item.endedAt &&
    r.version === item.version &&
    r.values.length === item.values.length &&
    r.values.every((v, i) => v === item.values[i])
  );
}

/**
 * The cosigner's loop: one tick every `pollMs` (at once again while it examined a full tick's worth).
 * `stop()` lets the current tick finish.
 */
export class BatchCosignerService {
  private readonly loop: PollLoop;

  constructor(deps: { cosigner: BatchCosigner; pollMs: number; maxRequestsPerTick: number; logger?: Logger }) {
    const log = deps.logger ?? silentLogger;
    this.loop = new PollLoop(
      async () => {
        const report = await deps.cosigner.tick();
        if (report.signed > 0 || report.refused > 0 || report.errors > 0) log.info({ ...report }, 'cosigner tick');
        return report.examined >= deps.maxRequestsPerTick && report.errors === 0;
      },
      deps.pollMs,
      (error) => log.error({ err: error }, 'cosigner tick failed'),
    );
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
