import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import {
  Transaction,
  isError,
  solidityPacked,
  keccak256,
  type AbstractProvider,
  type Contract,
  type FeeData,
  type TransactionReceipt,
  type TransactionRequest,
  type TypedDataDomain,
} from 'ethers';
import type { ReadyResult, ReadyResultSource } from '../attestations/ready-results.js';
import type { AttesterSetSource } from '../chain/attester-set-source.js';
import type { Logger } from '../chain/logger.js';
import { broadcastRaw } from '../chain/provider.js';
import { silentLogger } from '../chain/logger.js';
import {
  decodeOracleRevert,
  oracleContract,
  readResultView,
  type OracleRevert,
  type ResultView,
} from '../chain/oracle-contract.js';
import { isTransientProviderError, type ChainPolicy } from '../chain/resilience.js';
import { BrokenCircuitError } from 'cockatiel';
import { OracleError, isTransientOracleCode } from '../errors.js';
import type { OracleMetrics } from '../metrics.js';
import {
  BATCH_LEAF_ENCODING,
  batchDigest,
  batchLeaf,
  oracleDomain,
  packSignatures,
  PackedPayloadError,
  proposeBatchPackedData,
  proposePackedData,
  SignatureBundleError,
  type AttesterSignature,
  type Batch,
} from '../result.js';
import { Phase, type Outcome } from '../result.js';
import type { BatchSignatureStore } from './batch-requests.js';
import type { FeePolicy, Fees } from './fee-policy.js';
import type { ConfirmedBlock, OutboxStore, OutboxTransaction, Publication } from './outbox-store.js';
import {
  batchOfPayload,
  leafOfPayload,
  resultOfPayload,
  toBatchPayload,
  toProposePayload,
  type BatchPayload,
  type LeafPayload,
  type ProposePayload,
} from './payload.js';

/** The relayer account: signs transactions, never messages (it is not an attester). */
export interface TransactionSigner {
  readonly address: string;
  signTransaction(tx: TransactionRequest): Promise<string>;
}

export interface ResultRelayerOptions {
  /** Confirmations before a publication is `confirmed`. */
  readonly confirmations: number;
  /** A transaction not mined after this long is replaced with higher fees. */
  readonly replaceAfterMs: number;
  /** At least this many ready results at once → one batch root (needs `batchSignatures`). */
  readonly batchThreshold: number;
  readonly maxBatch: number;
  readonly maxInFlight: number;
  /** Signatures expiring within this many seconds (chain time) are never sent. */
  readonly deadlineMarginSeconds: number;
  /** Validity of a batch root's signatures, from its creation (chain time). Default one day. */
  readonly batchValiditySeconds?: number;
  /**
   * A batch root without a quorum of attester signatures after this long is abandoned and its results
   * are proposed one by one. Default 15 minutes.
   */
  readonly batchSignatureTimeoutMs?: number;
  /** How many ready results to read per tick. Default 4096. */
  readonly scanLimit?: number;
  /** First automatic retry of a publication failed with a transient code, after this (ms). Default 30 s; doubles. */
  readonly retryBaseMs?: number;
  /** Longest delay between automatic retries (ms). Default one hour. */
  readonly retryMaxMs?: number;
  /** Automatic retries of one publication at most; then it waits for `npm run oracle -- retry`. Default 10. */
  readonly maxAutoRetries?: number;
  /**
   * A transaction signed by another relayer account (a dead leader with another key) not mined after this
   * long: the publication is sent again from this account. Default 10 × `replaceAfterMs`.
   */
  readonly foreignTimeoutMs?: number;
}

export interface ResultRelayerDeps {
  readonly source: ReadyResultSource;
  readonly outbox: OutboxStore;
  readonly provider: AbstractProvider;
  readonly oracleAddress: string;
  readonly chainId: bigint;
  readonly signer: TransactionSigner;
  readonly attesterSets: AttesterSetSource & { invalidate?(): void };
  readonly policy: ChainPolicy;
  readonly fees: FeePolicy;
  /** Where batch roots get their attester signatures; without it the relayer only uses `propose`. */
  readonly batchSignatures?: BatchSignatureStore;
  readonly options: ResultRelayerOptions;
  readonly metrics?: OracleMetrics;
  readonly logger?: Logger;
  /** Wall clock in ms (replacement timing); injectable for tests. */
  readonly clock?: () => number;
}

/** Summary of one tick (tests, logs). */
export interface TickReport {
  readonly ready: number;
  readonly queued: number;
  readonly sent: number;
  readonly replaced: number;
  readonly confirmed: number;
  /** Leaf publications queued this tick (leaves of roots that became final). */
  readonly leaves: number;
}

/**
 * Publishes ready results to the oracle. One instance per chain is active (see `RelayerLock`); it is
 * driven by {@link tick}, which is idempotent and resumable: everything it knows is in the outbox.
 *
 * One tick:
 * 1. **reconcile** every open publication with the chain: receipt → `mined` → `confirmed` after N
 *    confirmations; a `signed` transaction (recorded, maybe never broadcast: crash) is broadcast again,
 *    byte for byte; a transaction not mined after `replaceAfterMs` is replaced (same nonce, fees +X%);
 *    a receipt that vanished (reorg) puts the publication back in flight.
 * 2. **collect** ready results the outbox does not hold yet: one `propose` publication each, or — when
 *    at least `batchThreshold` are waiting and a batch signature store exists — one batch root request;
 *    and, for every root this outbox published that is now final on-chain, one `leaf` publication per
 *    leaf (`publishFromBatch(root, leaf, proof)`), queued once per root and leaf.
 * 3. **send** pending publications (up to `maxInFlight` in flight) as packed calldata (`proposePacked()` /
 *    `proposeBatchPacked()`: selector ‖ packed payload ‖ bundle, the same payloads and errors as
 *    `propose` / `proposeBatch` for ≈1,700 gas less; the publication kinds keep their names): simulate
 *    with `eth_call` (a revert is decoded to the oracle's custom error: the same payload already on-chain
 *    is success, another payload is a conflict alert), estimate gas, sign with the next nonce, **record in the outbox**, then broadcast.
 */
export class ResultRelayer {
  private readonly deps: ResultRelayerDeps;
  private readonly contract: Contract;
  private readonly log: Logger;
  private readonly clock: () => number;
  private domain?: TypedDataDomain;

  constructor(deps: ResultRelayerDeps) {
    this.deps = deps;
    this.contract = oracleContract(deps.oracleAddress, deps.provider);
    this.log = deps.logger ?? silentLogger;
    this.clock = deps.clock ?? Date.now;
  }

  /** Relayer account address. */
  get address(): string {
    return this.deps.signer.address;
  }

  /** One pass of reconcile → collect → send. Throws on provider failure (the caller retries next tick). */
  async tick(): Promise<TickReport> {
    const head = await this.call(() => this.deps.provider.getBlock('latest'));
    if (!head) throw new Error('provider returned no latest block');
    const chainNow = BigInt(head.timestamp);
    await this.reopenReorged();
    const requeued = await this.deps.outbox.requeueDue(new Date(this.clock()));
    if (requeued > 0) this.log.info({ requeued }, 'failed publications with a transient code back in the queue');
    const reconciled = await this.reconcile(head.number, chainNow);
    const collected = await this.collect(chainNow);
    const leaves = await this.collectLeaves();
    const sent = await this.send(chainNow);
    await this.refreshGauges();
    return { ready: collected.ready, queued: collected.queued, sent, ...reconciled, leaves };
  }

  // DEEP REORGS

  /**
   * A `confirmed` publication whose block left the chain — a reorg deeper than the confirmation depth —
   * goes back in flight and its same signed bytes are broadcast again. A reorg replaces a suffix of the
   * chain, so the blocks holding confirmed publications are checked newest first and the walk stops at
   * the first one still on the chain: one `eth_getBlockByNumber` per tick when nothing moved, at any depth.
   */
  private async reopenReorged(): Promise<void> {
    const stale: ConfirmedBlock[] = [];
    const page = 32;
    for (let offset = 0; ; offset += page) {
      const blocks = await this.deps.outbox.confirmedBlocks({ limit: page, offset });
      let intact = false;
      for (const block of blocks) {
        const onChain = await this.call(() => this.deps.provider.getBlock(block.blockNumber));
        // No block at that height (yet): a node behind the others, or a new branch still shorter. Nothing
        // can be decided about it or below it this tick.
        if (!onChain || onChain.hash === block.blockHash) {
          intact = true;
          break;
        }
        stale.push(block);
      }
      if (intact || blocks.length < page) break;
    }
    if (stale.length === 0) return;
    const reopened = await this.deps.outbox.reopenConfirmed(stale);
    this.deps.metrics?.alerts.inc({ kind: 'deep_reorg' }, reopened.length);
    this.log.error(
      { publications: reopened.map((p) => p.id), blocks: stale.map((b) => b.blockNumber) },
      'ALERT: confirmed publications left the chain (reorg deeper than the confirmation depth): back in flight',
    );
    // In signing order, so the same signed bytes reach the node in nonce order.
    for (const publication of [...reopened].sort((a, b) => Number(a.id) - Number(b.id))) {
      const attempts = await this.deps.outbox.transactionsOf(publication.id);
      const wasMined = attempts.find((a) => a.state === 'broadcast' && a.txHash === publication.txHash);
      if (wasMined) {
        await this.broadcast(wasMined).catch((error: unknown) => {
          this.isolate(error, publication, 'reorg');
        });
      }
    }
  }

  // RECONCILE

  private async reconcile(headNumber: number, chainNow: bigint): Promise<{ replaced: number; confirmed: number }> {
    let replaced = 0;
    let confirmed = 0;
    const open = await this.deps.outbox.openPublications();
    await this.releaseLeaves(open.filter((p) => p.state === 'awaiting_root'));
    for (const publication of open) {
      try {
        const outcome = await this.reconcileOne(publication, headNumber, chainNow);
        if (outcome === 'replaced') replaced++;
        if (outcome === 'confirmed') confirmed++;
      } catch (error) {
        this.isolate(error, publication, 'reconcile');
      }
    }
    return { replaced, confirmed };
  }

  private async reconcileOne(
    publication: Publication,
    headNumber: number,
    chainNow: bigint,
  ): Promise<'replaced' | 'confirmed' | undefined> {
    if (publication.state === 'awaiting_signatures') {
      await this.checkBatchSignatures(publication, chainNow);
      return undefined;
    }
    if (publication.state !== 'sent' && publication.state !== 'mined') return undefined;
    const attempts = await this.deps.outbox.transactionsOf(publication.id);
    const live = attempts.filter((a) => a.state !== 'dropped' && a.state !== 'reverted');
    if (live.length === 0) {
      await this.deps.outbox.setPublicationState(publication.id, 'pending');
      return undefined;
    }
    const found = await this.findReceipt(live);
    if (found) {
      const outcome = await this.onReceipt(publication, live, found.attempt, found.receipt, headNumber);
      return outcome === 'confirmed' ? 'confirmed' : undefined;
    }
    if (publication.state === 'mined') {
      // The receipt we saw is gone: a reorg took the block. The transaction is in flight again.
      this.log.warn({ publication: publication.id }, 'receipt vanished (reorg): transaction back in flight');
      await this.deps.outbox.setPublicationState(publication.id, 'sent');
      const wasMined = live.find((a) => a.state === 'mined');
      if (wasMined) {
        await this.deps.outbox.setTransactionState(wasMined.id, 'broadcast');
        // The same signed bytes again: nodes usually re-pool reorged transactions, not all do.
        await this.broadcast({ ...wasMined, state: 'broadcast' });
        return undefined;
      }
    }
    const latest = live[live.length - 1]!;
    // The nonce belongs to the account that signed the transaction: a standby with another key follows
    // the dead leader's account, never its own.
    const nonceNow = await this.call(() => this.deps.provider.getTransactionCount(latest.sender, 'latest'));
    if (nonceNow > latest.nonce) {
      // The nonce is used and no attempt has a receipt: something else took it. Start over (the
      // simulation will tell whether the payload is on-chain after all), from this relayer's account.
      const again = await this.findReceipt(live);
      if (again) return undefined;
      for (const a of live) await this.deps.outbox.setTransactionState(a.id, 'dropped');
      await this.deps.outbox.setPublicationState(publication.id, 'pending');
      this.log.warn({ publication: publication.id, nonce: latest.nonce }, 'nonce consumed elsewhere: re-queued');
      return undefined;
    }
    if (latest.sender.toLowerCase() !== this.address.toLowerCase()) {
      await this.followForeign(publication, live, latest);
      return undefined;
    }
    if (latest.state === 'signed') {
      // Recorded but maybe never broadcast (the process died in between): send the very same bytes.
      if (latest.attempt === 0 && live.length === 1) await this.firstBroadcast(publication, latest);
      else await this.broadcast(latest);
      return undefined;
    }
    const age = this.clock() - (latest.broadcastAt ?? latest.createdAt).getTime();
    if (age >= this.deps.options.replaceAfterMs) {
      if (await this.replace(publication, latest, chainNow)) return 'replaced';
    }
    return undefined;
  }

  /**
   * A transaction signed by another relayer account (a leader that died, this standby holding another
   * key): it cannot be replaced — its nonce is not ours — so it is followed to its end. Its signed bytes
   * are broadcast again whenever the node does not know them (anyone may relay a signed transaction);
   * a receipt confirms it as usual, a nonce used by something else re-queues the publication (above).
   * If it is neither mined nor replaced after `foreignTimeoutMs` (an underpriced transaction of a leader
   * that never comes back), the publication is re-queued and sent from this account: should the old
   * transaction still be mined, the second one reverts (`VersionNotHigher`) and counts as already published.
   */
  private async followForeign(
    publication: Publication,
    live: readonly OutboxTransaction[],
    latest: OutboxTransaction,
  ): Promise<void> {
    const age = this.clock() - (latest.broadcastAt ?? latest.createdAt).getTime();
    const timeout = this.deps.options.foreignTimeoutMs ?? 10 * this.deps.options.replaceAfterMs;
    if (age < timeout) {
      const known = await this.call(() => this.deps.provider.getTransaction(latest.txHash));
      if (!known) await this.broadcast(latest);
      return;
    }
    for (const a of live) await this.deps.outbox.setTransactionState(a.id, 'dropped');
    await this.deps.outbox.setPublicationState(publication.id, 'pending');
    this.deps.metrics?.alerts.inc({ kind: 'foreign_abandoned' });
    this.log.warn(
      { publication: publication.id, sender: latest.sender, nonce: latest.nonce, tx: latest.txHash },
      "another relayer account's transaction not mined in time: re-queued from this account",
    );
  }

  /**
   * A provider outage (transient error, open breaker), a database error or a lost lock session aborts
   * the tick: nothing else could work. An answer about this publication (a node refusing its
   * transaction, a bundle that cannot be packed) is logged and alerted, and the others go on.
   */
  private isolate(error: unknown, publication: Publication, stage: string): OracleError {
    const answered =
      error instanceof SignatureBundleError ||
      error instanceof PackedPayloadError ||
      (error instanceof OracleError && error.code !== 'ORACLE_LOCK_LOST' && !isTransientOracleCode(error.code)) ||
      isEthersError(error);
    if (!answered || isTransientProviderError(error) || error instanceof BrokenCircuitError) throw error;
    this.deps.metrics?.alerts.inc({ kind: 'error' });
    const failure = publicationFailure(error, stage);
    this.log.error(
      { err: error, code: failure.code, publication: publication.id, subject: publication.subject, stage },
      'publication step failed',
    );
    return failure;
  }

  private async findReceipt(
    attempts: readonly OutboxTransaction[],
  ): Promise<{ attempt: OutboxTransaction; receipt: TransactionReceipt } | undefined> {
    for (const attempt of [...attempts].reverse()) {
      const receipt = await this.call(() => this.deps.provider.getTransactionReceipt(attempt.txHash));
      if (receipt) return { attempt, receipt };
    }
    return undefined;
  }

  private async onReceipt(
    publication: Publication,
    attempts: readonly OutboxTransaction[],
    minedAttempt: OutboxTransaction,
    receipt: TransactionReceipt,
    headNumber: number,
  ): Promise<'mined' | 'confirmed' | 'other'> {
    for (const a of attempts) {
      if (a.id === minedAttempt.id) {
        if (a.state !== 'mined') {
          await this.deps.outbox.setTransactionState(a.id, 'mined', {
            blockNumber: receipt.blockNumber,
            blockHash: receipt.blockHash,
            receiptStatus: receipt.status ?? 0,
          });
        }
      } else if (a.state === 'signed' || a.state === 'broadcast') {
        await this.deps.outbox.setTransactionState(a.id, 'replaced');
      }
    }
    const cancelled = Transaction.from(minedAttempt.rawTx).data === '0x';
    if (cancelled) {
      await this.deps.outbox.setTransactionState(minedAttempt.id, 'cancelled');
      await this.deps.outbox.setPublicationState(publication.id, 'expired', {
        error: 'signatures expired while in flight; nonce freed by a cancellation',
        errorCode: 'ORACLE_SIGNATURE_EXPIRED',
      });
      return 'other';
    }
    if (receipt.status !== 1) {
      // Reverted on-chain: the simulation passed, so the state changed in between. Never this publication's
      // receipt again (it may be sent anew with another nonce); classify again.
      await this.deps.outbox.setTransactionState(minedAttempt.id, 'reverted');
      const revert = await this.simulate(publication);
      await this.classifyRevert(publication, revert, `reverted in ${receipt.hash}`);
      return 'other';
    }
    const confirmations = headNumber - receipt.blockNumber + 1;
    const fields = { txHash: receipt.hash, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash };
    if (confirmations >= this.deps.options.confirmations) {
      await this.deps.outbox.setPublicationState(publication.id, 'confirmed', fields);
      this.deps.metrics?.published.inc({ kind: publication.kind, outcome: 'confirmed' });
      this.log.info(
        { publication: publication.id, subject: publication.subject, tx: receipt.hash },
        'publication confirmed',
      );
      return 'confirmed';
    }
    if (publication.state !== 'mined') await this.deps.outbox.setPublicationState(publication.id, 'mined', fields);
    return 'mined';
  }

  private async replace(publication: Publication, latest: OutboxTransaction, chainNow: bigint): Promise<boolean> {
    const feeData = await this.call(() => this.deps.provider.getFeeData());
    const fees = this.deps.fees.bump(latest, feeData);
    if (!fees) {
      this.deps.metrics?.alerts.inc({ kind: 'fee_cap' });
      this.log.error(
        { publication: publication.id, tx: latest.txHash },
        'stuck transaction: fee cap leaves no room to replace',
      );
      await this.broadcast(latest);
      return false;
    }
    const previous = Transaction.from(latest.rawTx);
    const expired = publication.deadline <= chainNow + BigInt(this.deps.options.deadlineMarginSeconds);
    // Expired signatures are never sent again: the nonce is freed with a zero-value self-transfer.
    const request: TransactionRequest = expired
      ? { to: this.address, data: '0x', value: 0n, gasLimit: 21_000n }
      : { to: previous.to, data: previous.data, value: 0n, gasLimit: previous.gasLimit };
    const attempt = await this.signAndRecord(publication, request, latest.nonce, latest.attempt + 1, fees);
    this.deps.metrics?.transactions.inc({ reason: expired ? 'cancel' : 'replacement' });
    this.log.warn(
      {
        publication: publication.id,
        replaced: latest.txHash,
        tx: attempt.txHash,
        maxFeePerGas: fees.maxFeePerGas.toString(),
      },
      expired ? 'signatures expired in flight: cancelling' : 'transaction not mined in time: replaced with higher fees',
    );
    await this.broadcast(attempt);
    return true;
  }

  // COLLECT

  private async collect(chainNow: bigint): Promise<{ ready: number; queued: number }> {
    const minDeadline = chainNow + BigInt(this.deps.options.deadlineMarginSeconds);
    const ready = await this.deps.source.listReady({ limit: this.deps.options.scanLimit ?? 4096, now: minDeadline });
    this.deps.metrics?.ready.set(ready.length);
    if (ready.length === 0) return { ready: 0, queued: 0 };
    const held = await this.deps.outbox.heldOutcomeKeys(ready.map((r) => r.outcomeKey));
    const set = await this.deps.attesterSets.current();
    const fresh: ReadyResult[] = [];
    const seen = new Set<string>();
    for (const r of ready) {
      if (held.has(r.outcomeKey) || seen.has(r.outcomeKey)) continue;
      seen.add(r.outcomeKey);
      if (r.result.deadline < minDeadline) continue; // expired or about to: never sent
      if (r.result.epoch !== set.epoch) continue; // signed for another epoch: the contract would refuse
      fresh.push(r);
    }
    if (fresh.length === 0) return { ready: ready.length, queued: 0 };
    let queued = 0;
    let single = fresh;
    if (this.deps.batchSignatures) {
      // Results of an abandoned root (no signatures in time) are proposed alone, never batched again.
      const abandoned = await this.deps.outbox.abandonedBatchOutcomeKeys(fresh.map((r) => r.outcomeKey));
      const batchable = fresh.filter((r) => !abandoned.has(r.outcomeKey));
      single = fresh.filter((r) => abandoned.has(r.outcomeKey));
      if (batchable.length >= this.deps.options.batchThreshold) {
        for (let i = 0; i < batchable.length; i += this.deps.options.maxBatch) {
          const chunk = batchable.slice(i, i + this.deps.options.maxBatch);
          if (chunk.length < this.deps.options.batchThreshold && i > 0) break; // the rest waits for the next tick
          queued += await this.requestBatch(chunk, chainNow, set.epoch);
        }
      } else {
        single = fresh;
      }
    }
    for (const r of single) {
      const created = await this.deps.outbox.createPublication({
        kind: 'propose',
        subject: r.result.eventId,
        payloadKey: r.digest,
        outcomeKey: r.outcomeKey,
        version: r.result.version,
        digest: r.digest,
        payload: toProposePayload(r.result, r.signatures),
        deadline: r.result.deadline,
        state: 'pending',
      });
      if (created) queued++;
    }
    return { ready: ready.length, queued };
  }

  private async requestBatch(results: readonly ReadyResult[], chainNow: bigint, epoch: number): Promise<number> {
    // One leaf per event: a batch holds one payload per event id (the contract keys results by event).
    const byEvent = new Map<string, ReadyResult>();
    for (const r of results) if (!byEvent.has(r.result.eventId)) byEvent.set(r.result.eventId, r);
    const members = [...byEvent.values()];
    const tree = StandardMerkleTree.of(
      members.map((r) => batchLeaf(r.result)),
      [...BATCH_LEAF_ENCODING],
    );
    const batch: Batch = {
      root: tree.root,
      count: members.length,
      notBefore: chainNow - 60n > 0n ? chainNow - 60n : 0n,
      deadline: chainNow + BigInt(this.deps.options.batchValiditySeconds ?? 86_400),
      epoch,
    };
    // StandardMerkleTree sorts its leaves: look each event's leaf index up to get its proof.
    const indexOf = new Map<string, number>();
    for (const [index, leaf] of tree.entries()) indexOf.set(leaf[0], index);
    const items = members.map((r) => {
      const leafIndex = indexOf.get(r.result.eventId)!;
      return {
        eventId: r.result.eventId,
        outcomeKey: r.outcomeKey,
        leafIndex,
        status: r.result.status,
        values: [...r.result.values],
        endedAt: r.result.endedAt,
        version: r.result.version,
        proof: tree.getProof(leafIndex),
      };
    });
    const created = await this.deps.outbox.createPublication(
      {
        kind: 'batch',
        subject: batch.root,
        payloadKey: batch.root,
        outcomeKey: null,
        version: null,
        digest: batchDigest(this.oracleDomain(), batch),
        payload: toBatchPayload(batch),
        deadline: batch.deadline,
        state: 'awaiting_signatures',
      },
      items,
    );
    if (created) this.log.info({ root: batch.root, count: batch.count }, 'batch root requested from the attesters');
    return created ? members.length : 0;
  }

  private async checkBatchSignatures(publication: Publication, chainNow: bigint): Promise<void> {
    if (!this.deps.batchSignatures) return;
    if (publication.deadline <= chainNow + BigInt(this.deps.options.deadlineMarginSeconds)) {
      await this.deps.outbox.setPublicationState(publication.id, 'expired', {
        error: 'batch signatures not collected in time',
        errorCode: 'ORACLE_SIGNATURE_EXPIRED',
      });
      return;
    }
    const set = await this.deps.attesterSets.current();
    const members = new Set(set.attesters.map((a) => a.toLowerCase()));
    const signatures = (await this.deps.batchSignatures.signaturesOf(publication.subject)).filter((s) =>
      members.has(s.attester.toLowerCase()),
    );
    if (signatures.length >= set.threshold) {
      await this.deps.outbox.setPublicationState(publication.id, 'pending');
      return;
    }
    const waited = this.clock() - publication.createdAt.getTime();
    if (waited > (this.deps.options.batchSignatureTimeoutMs ?? 15 * 60_000)) {
      await this.deps.outbox.setPublicationState(publication.id, 'failed', {
        error: `${signatures.length} of ${set.threshold} batch signatures after ${Math.round(waited / 1000)} s: results fall back to propose`,
        errorCode: 'ORACLE_BATCH_UNSIGNED',
      });
      this.deps.metrics?.alerts.inc({ kind: 'batch_unsigned' });
      this.log.warn({ root: publication.subject }, 'batch root abandoned: its results will be proposed one by one');
    }
  }

  // LEAVES OF FINAL ROOTS

  /**
   * Every root this outbox published that is final on-chain gets one `leaf` publication per leaf, queued
   * with the root's mark in one statement (so once per root and leaf, across restarts and relayers). A
   * root still in its window (or disputed) is looked at again next tick: one `batchOf` per such root.
   * A root governance rejected never gets its leaves published (alert).
   */
  private async collectLeaves(): Promise<number> {
    let queued = 0;
    for (const root of await this.deps.outbox.rootsAwaitingLeaves({ limit: 256 })) {
      const state = await this.rootOnChain(root);
      if (state === 'rejected') {
        await this.deps.outbox.markLeavesQueued(root);
        this.deps.metrics?.alerts.inc({ kind: 'batch_rejected' });
        this.log.error({ root }, 'ALERT: batch root rejected by governance: its leaves are never published');
        continue;
      }
      if (state !== 'final') continue;
      const leaves = await this.deps.outbox.unpublishedLeaves(root);
      const created = await this.deps.outbox.queueLeaves(root, leaves);
      queued += created;
      this.log.info({ root, leaves: created }, 'batch root final: its leaves are queued for publishFromBatch');
    }
    return queued;
  }

  /** Leaves waiting for their root (`awaiting_root`): back to `pending` once it is final, one read per root. */
  private async releaseLeaves(waiting: readonly Publication[]): Promise<void> {
    const byRoot = new Map<string, Publication[]>();
    for (const p of waiting) {
      const root = (p.payload as LeafPayload).root;
      byRoot.set(root, [...(byRoot.get(root) ?? []), p]);
    }
    for (const [root, publications] of byRoot) {
      if ((await this.rootOnChain(root)) !== 'final') continue;
      for (const p of publications) await this.deps.outbox.setPublicationState(p.id, 'pending', { error: null });
    }
  }

  /** Where a root stands on-chain, as a `publishFromBatch` sent now would see it. */
  private async rootOnChain(root: string): Promise<'final' | 'pending' | 'rejected' | 'absent'> {
    const phase = await this.call(() => batchPhase(this.contract, root));
    if (phase === Phase.Final) return 'final';
    if (phase !== Phase.None) return 'pending';
    // `batchOf` reads None for an unknown root and for a rejected one: the stored word tells them apart.
    const word = (await this.call(() => this.contract.getFunction('batchWord').staticCall(root))) as bigint;
    return (word & 0xffn) === 4n ? 'rejected' : 'absent';
  }

  /**
   * Settles a leaf against what the event's slot holds, without sending: the same record → published;
   * a higher version (a correction published another way) → `superseded`. When `revert` is given (the
   * contract refused the leaf) anything else is a conflict alert. Returns true when settled.
   */
  private async leafDecided(publication: Publication, revert?: string): Promise<boolean> {
    const leaf: Outcome = leafOfPayload(publication.payload as LeafPayload);
    const view = await this.call(() => readResultView(this.contract, leaf.eventId));
    if (view.phase !== Phase.None && sameRecord(view, leaf)) {
      await this.deps.outbox.setPublicationState(publication.id, 'already_published', { error: null });
      this.deps.metrics?.published.inc({ kind: 'leaf', outcome: 'already_published' });
      return true;
    }
    if (view.phase !== Phase.None && view.version > leaf.version) {
      await this.deps.outbox.setPublicationState(publication.id, 'superseded', {
        error: `the event holds version ${view.version} (status ${view.status}, phase ${view.phase})`,
      });
      this.log.info(
        { publication: publication.id, eventId: leaf.eventId, version: leaf.version, onChainVersion: view.version },
        'leaf superseded by a higher version: not published',
      );
      return true;
    }
    if (revert === undefined) return false;
    await this.deps.outbox.setPublicationState(publication.id, 'conflict', {
      error: `${revert}: the chain holds version ${view.version}, status ${view.status}, phase ${view.phase}`,
      errorCode: 'ORACLE_CHAIN_CONFLICT',
    });
    this.deps.metrics?.alerts.inc({ kind: 'conflict' });
    this.log.error(
      { publication: publication.id, eventId: leaf.eventId, onChainVersion: view.version, revert },
      'ALERT: the chain holds another payload for this leaf',
    );
    return true;
  }

  // SEND

  private async send(chainNow: bigint): Promise<number> {
    const open = await this.deps.outbox.openPublications();
    let inFlight = open.filter((p) => p.state === 'sent' || p.state === 'mined').length;
    const pending = open.filter((p) => p.state === 'pending');
    if (pending.length === 0) return 0;
    let nonce = await this.nextNonce();
    let sent = 0;
    for (const publication of pending) {
      if (inFlight >= this.deps.options.maxInFlight) break;
      if (publication.deadline < chainNow + BigInt(this.deps.options.deadlineMarginSeconds)) {
        await this.deps.outbox.setPublicationState(publication.id, 'expired', {
          error: 'signatures expired before sending',
          errorCode: 'ORACLE_SIGNATURE_EXPIRED',
        });
        continue;
      }
      let attempt: OutboxTransaction | undefined;
      try {
        if (publication.kind === 'leaf' && (await this.leafDecided(publication))) continue;
        const data = await this.calldata(publication);
        const revert = await this.simulate(publication, data);
        if (revert !== null) {
          await this.classifyRevert(publication, revert, 'simulation');
          continue;
        }
        const gas = await this.call(() =>
          this.deps.provider.estimateGas({ from: this.address, to: this.deps.oracleAddress, data }),
        );
        const feeData: FeeData = await this.call(() => this.deps.provider.getFeeData());
        const fees = this.deps.fees.initial(feeData);
        attempt = await this.signAndRecord(
          publication,
          { to: this.deps.oracleAddress, data, value: 0n, gasLimit: (gas * 125n) / 100n + 10_000n },
          nonce,
          0,
          fees,
        );
        this.deps.metrics?.transactions.inc({ reason: 'first' });
        nonce++;
        inFlight++;
        sent++;
        await this.firstBroadcast(publication, attempt);
      } catch (error) {
        const failure = this.isolate(error, publication, 'send');
        // Nothing recorded: no nonce used, the publication cannot be sent as it is.
        if (!attempt) await this.fail(publication, failure);
      }
    }
    return sent;
  }

  /**
   * Next nonce: the chain's pending count, or past the highest nonce the outbox still has in flight
   * (a recorded transaction the node may not know yet), whichever is higher.
   */
  private async nextNonce(): Promise<number> {
    const [pending, open] = await Promise.all([
      this.call(() => this.deps.provider.getTransactionCount(this.address, 'pending')),
      this.deps.outbox.maxOpenNonce(this.address),
    ]);
    return Math.max(pending, open === undefined ? 0 : open + 1);
  }

  private async signAndRecord(
    publication: Publication,
    request: TransactionRequest,
    nonce: number,
    attemptNumber: number,
    fees: Fees,
  ): Promise<OutboxTransaction> {
    const raw = await this.deps.signer.signTransaction({
      ...request,
      type: 2,
      chainId: this.deps.chainId,
      nonce,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    // Recorded BEFORE broadcasting: a crash after this line resends these exact bytes, never new ones.
    return this.deps.outbox.recordTransaction({
      publicationId: publication.id,
      sender: this.address,
      nonce,
      attempt: attemptNumber,
      txHash: Transaction.from(raw).hash!,
      rawTx: raw,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
  }

  private async broadcast(attempt: OutboxTransaction): Promise<void> {
    try {
      await this.call(() => broadcastRaw(this.deps.provider, attempt.rawTx));
    } catch (error) {
      // A resend after a crash, or after it was mined: the node refuses it ("already known", "nonce too
      // low"). Decided by asking the chain about this very transaction, never by reading the message.
      if (!isEthersError(error) || isTransientProviderError(error)) throw error;
      const known =
        isError(error, 'NONCE_EXPIRED') ||
        (await this.call(() => this.deps.provider.getTransaction(attempt.txHash))) !== null;
      if (!known) throw error;
    }
    if (attempt.state === 'signed') await this.deps.outbox.setTransactionState(attempt.id, 'broadcast');
  }

  /**
   * Broadcast of a publication's only transaction. When a node refuses it (an answer, not a transport
   * failure) and no node knows it, its nonce was never used: the transaction row is discarded (its hash
   * stays in the publication's error) and the publication `failed` with the refusal's code — retried automatically if transient (insufficient
   * funds), else by `npm run oracle -- retry` (which signs a new transaction). Never resent every tick.
   */
  private async firstBroadcast(publication: Publication, attempt: OutboxTransaction): Promise<void> {
    try {
      await this.broadcast(attempt);
    } catch (error) {
      const failure = this.isolate(error, publication, 'broadcast');
      if (!(await this.deps.outbox.discardRefusedTransaction(attempt.id))) return;
      await this.fail(
        publication,
        new OracleError(
          failure.code,
          `${failure.message} (refused transaction ${attempt.txHash}, nonce ${attempt.nonce})`,
          {
            cause: failure.cause,
          },
        ),
      );
    }
  }

  /**
   * Calldata of a publication: the `proposePacked()` selector ‖ packed result ‖ bundle, or the
   * `proposeBatchPacked()` selector ‖ packed batch ‖ bundle; the bundle is packed for the current attester set.
   */
  private async calldata(publication: Publication): Promise<string> {
    if (publication.kind === 'leaf') {
      const payload = publication.payload as LeafPayload;
      const leaf = leafOfPayload(payload);
      return this.contract.interface.encodeFunctionData('publishFromBatch', [
        payload.root,
        {
          eventId: leaf.eventId,
          status: leaf.status,
          values: [...leaf.values],
          endedAt: leaf.endedAt,
          version: leaf.version,
        },
        payload.proof,
      ]);
    }
    const set = await this.deps.attesterSets.current();
    if (publication.kind === 'propose') {
      const payload = publication.payload as ProposePayload;
      // The source may list every supporting signature: `threshold` of the current set are enough
      // (each extra one costs an ecrecover).
      const members = new Set(set.attesters.map((a) => a.toLowerCase()));
      const usable = payload.signatures.filter((sig) => members.has(sig.attester.toLowerCase()));
      const bundle = packSignatures(set.attesters, usable.slice(0, Math.max(set.threshold, 1)));
      return proposePackedData(resultOfPayload(payload), bundle);
    }
    const batch = batchOfPayload(publication.payload as BatchPayload);
    const members = new Set(set.attesters.map((a) => a.toLowerCase()));
    const signatures: AttesterSignature[] = (await this.deps.batchSignatures!.signaturesOf(batch.root)).filter((s) =>
      members.has(s.attester.toLowerCase()),
    );
    const bundle = packSignatures(set.attesters, signatures.slice(0, Math.max(set.threshold, 1)));
    return proposeBatchPackedData(batch, bundle);
  }

  /** `eth_call` of the publication: null when it would succeed, else the decoded revert (or a raw error). */
  private async simulate(publication: Publication, data?: string): Promise<OracleRevert | Error | null> {
    const calldata = data ?? (await this.calldata(publication));
    try {
      await this.call(() =>
        this.deps.provider.call({ from: this.address, to: this.deps.oracleAddress, data: calldata }),
      );
      return null;
    } catch (error) {
      const revert = decodeOracleRevert(error);
      if (revert) return revert;
      if (isError(error, 'CALL_EXCEPTION')) return error instanceof Error ? error : new Error(String(error));
      throw error;
    }
  }

  private async classifyRevert(
    publication: Publication,
    revert: OracleRevert | Error | null,
    context: string,
  ): Promise<void> {
    if (revert === null) {
      // Would succeed now (e.g. a reverted tx whose cause went away): send again.
      await this.deps.outbox.setPublicationState(publication.id, 'pending');
      return;
    }
    const name = revert instanceof Error ? undefined : revert.name;
    const describe =
      revert instanceof Error ? revert.message : `${revert.name}(${revert.args.map((v) => String(v)).join(', ')})`;
    if (
      publication.kind === 'propose' &&
      (name === 'VersionNotHigher' || name === 'ResultAlreadyFinal' || name === 'ResultIsDisputed')
    ) {
      const result = resultOfPayload(publication.payload as ProposePayload);
      const view = await this.call(() => readResultView(this.contract, result.eventId));
      if (sameRecord(view, result)) {
        await this.deps.outbox.setPublicationState(publication.id, 'already_published', { error: null });
        this.deps.metrics?.published.inc({ kind: 'propose', outcome: 'already_published' });
        this.log.info(
          { publication: publication.id, eventId: result.eventId },
          'already published with the same payload',
        );
        return;
      }
      await this.deps.outbox.setPublicationState(publication.id, 'conflict', {
        error: `${describe}: the chain holds version ${view.version}, status ${view.status}, phase ${view.phase}`,
        errorCode: 'ORACLE_CHAIN_CONFLICT',
      });
      this.deps.metrics?.alerts.inc({ kind: 'conflict' });
      this.log.error(
        { publication: publication.id, eventId: result.eventId, onChainVersion: view.version, revert: describe },
        'ALERT: the chain holds another payload for this event',
      );
      return;
    }
    if (publication.kind === 'leaf') {
      if (name === 'BatchNotFinal') {
        // The root is not final on-chain (any more): a reorg took its block, or it is disputed.
        await this.deps.outbox.setPublicationState(publication.id, 'awaiting_root', { error: describe });
        this.log.warn({ publication: publication.id, revert: describe }, 'leaf waits for its root to be final');
        return;
      }
      if (name === 'VersionNotHigher' || name === 'ResultAlreadyFinal' || name === 'ResultIsDisputed') {
        if (await this.leafDecided(publication, describe)) return;
      }
    }
    if (publication.kind === 'batch' && name === 'BatchAlreadyProposed') {
      await this.deps.outbox.setPublicationState(publication.id, 'already_published', { error: null });
      this.deps.metrics?.published.inc({ kind: 'batch', outcome: 'already_published' });
      return;
    }
    if (name === 'SignatureNotYetValid') {
      await this.deps.outbox.setPublicationState(publication.id, 'pending', { error: describe });
      return;
    }
    if (name === 'SignatureExpired') {
      await this.deps.outbox.setPublicationState(publication.id, 'expired', {
        error: describe,
        errorCode: 'ORACLE_SIGNATURE_EXPIRED',
      });
      return;
    }
    const setChanged = name === 'WrongEpoch' || name === 'AttesterSetMismatch';
    if (setChanged) this.deps.attesterSets.invalidate?.();
    this.deps.metrics?.alerts.inc({ kind: 'revert' });
    await this.fail(
      publication,
      new OracleError(
        setChanged ? 'ORACLE_ATTESTER_SET_CHANGED' : 'ORACLE_PUBLICATION_REVERTED',
        `${context}: ${describe}`,
        {
          cause: revert,
        },
      ),
    );
  }

  /**
   * Records a failed publication with its stable code. A transient code (`TRANSIENT_ORACLE_CODES`) is
   * retried by itself after a backoff (doubling from `retryBaseMs`, `maxAutoRetries` times); any other
   * waits for `npm run oracle -- retry`.
   */
  private async fail(publication: Publication, failure: OracleError): Promise<void> {
    const auto = isTransientOracleCode(failure.code) && publication.retries < (this.deps.options.maxAutoRetries ?? 10);
    const delay = Math.min(
      (this.deps.options.retryBaseMs ?? 30_000) * 2 ** publication.retries,
      this.deps.options.retryMaxMs ?? 3_600_000,
    );
    const retryAt = auto ? new Date(this.clock() + delay) : null;
    await this.deps.outbox.setPublicationState(publication.id, 'failed', {
      error: failure.message,
      errorCode: failure.code,
      retryAt,
    });
    this.log.error(
      { publication: publication.id, subject: publication.subject, code: failure.code, err: failure.cause, retryAt },
      auto ? 'publication failed (transient): retried automatically' : 'publication failed: waits for `oracle retry`',
    );
  }

  private oracleDomain(): TypedDataDomain {
    this.domain ??= oracleDomain(this.deps.chainId, this.deps.oracleAddress);
    return this.domain;
  }

  private async refreshGauges(): Promise<void> {
    const metrics = this.deps.metrics;
    if (!metrics) return;
    const counts = await this.deps.outbox.countByState();
    for (const state of [
      'pending',
      'awaiting_signatures',
      'awaiting_root',
      'sent',
      'mined',
      'confirmed',
      'already_published',
      'superseded',
      'conflict',
      'expired',
      'failed',
    ]) {
      metrics.publications.set({ state }, counts[state] ?? 0);
    }
    const balance = await this.call(() => this.deps.provider.getBalance(this.address)).catch(() => undefined);
    if (balance !== undefined) metrics.relayerBalance.set(Number(balance));
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return this.deps.policy.execute(fn);
  }
}

/** Phase of a root as `batchOf` reports it (used by tests and the status CLI). */
export async function batchPhase(contract: Contract, root: string): Promise<Phase> {
  const [phase] = (await contract.getFunction('batchOf').staticCall(root)) as [bigint, bigint, bigint];
  return Number(phase) as Phase;
}

/**
 * The stable code of a failure the node or the payload answered (never a transport failure): decided on
 * error classes and ethers codes, never on message text.
 */
export function publicationFailure(error: unknown, stage: string): OracleError {
  if (error instanceof OracleError) return error;
  const message = `${stage}: ${errorMessage(error)}`.slice(0, 500);
  if (error instanceof SignatureBundleError || error instanceof PackedPayloadError) {
    return new OracleError('ORACLE_PAYLOAD_INVALID', message, { cause: error });
  }
  if (isError(error, 'INSUFFICIENT_FUNDS'))
    return new OracleError('ORACLE_INSUFFICIENT_FUNDS', message, { cause: error });
  if (isError(error, 'CALL_EXCEPTION'))
    return new OracleError('ORACLE_PUBLICATION_REVERTED', message, { cause: error });
  return new OracleError('ORACLE_TRANSACTION_REFUSED', message, { cause: error });
}

/** True when the stored record of an event is exactly `outcome` (version, status, values). */
function sameRecord(view: ResultView, outcome: Outcome): boolean {
  return (
    view.version === outcome.version &&
    view.status === outcome.status &&
    view.valuesHash === keccak256(solidityPacked(['uint32[]'], [[...outcome.values]]))
  );
}

function errorMessage(error: unknown): string {
  if (!error || typeof error !== 'object') return String(error);
  const e = error as {
    message?: string;
    shortMessage?: string;
    info?: { error?: { message?: string } };
    error?: { message?: string };
  };
  return [e.shortMessage, e.message, e.info?.error?.message, e.error?.message].filter(Boolean).join(' | ');
}

function isEthersError(error: unknown): boolean {
  return !!error && typeof error === 'object' && typeof (error as { shortMessage?: unknown }).shortMessage === 'string';
}
