import { JsonRpcProvider, Wallet, dataSlice, type ContractTransactionResponse } from 'ethers';
import { AttestationService } from '../../../oracle/attestations/attestation-service.js';
import { PgAttestationStore } from '../../../oracle/attestations/pg-attestation-store.js';
import { PgReadyResultSource } from '../../../oracle/attestations/pg-ready-result-source.js';
import { ChainAttesterSetSource } from '../../../oracle/chain/attester-set-source.js';
import { ResultSigner } from '../../../oracle/signer/result-signer.js';
import { PgBatchSignatureStore } from '../../../oracle/relayer/batch-requests.js';
import {
  ListReadySource,
  chainNow,
  mine,
  createWorld,
  elapse,
  makeIndexer,
  makeRelayer,
  makeResult,
  proposedCount,
  readyOf,
  sign,
  DISPUTE_WINDOW,
  type OracleWorld,
} from '../chain/harness.js';
import { readResultView } from '../../../oracle/chain/oracle-contract.js';
import {
  Phase,
  ResultStatus,
  eventIdOf,
  oracleDomain,
  packSignatures,
  proposePackedData,
  resultMessage,
  type Outcome,
} from '../../../oracle/result.js';
import { OracleMetrics, serveMetrics } from '../../../oracle/metrics.js';
import { createOracleReader } from '../../../oracle/index.js';
import type { ReadyResultSource } from '../../../oracle/attestations/ready-results.js';

describe('ResultRelayer (Hardhat node over JSON-RPC, real Postgres)', () => {
  let world: OracleWorld;
  beforeAll(async () => {
    world = await createWorld('relayer');
  });
  afterAll(async () => {
    await world.close();
  });

  const publications = async (subject: string) =>
    (
      await world.pool.query<{ state: string; tx_hash: string | null; error: string | null }>(
        'select state, tx_hash, error from oracle_publications where subject = $1 order by id',
        [subject],
      )
    ).rows;

  it('publishes a 3-of-5 result with proposePacked; the indexer sees it and derives finality after the window', async () => {
    const source = new ListReadySource();
    const result = await makeResult(world, 'e2e-3-of-5');
    const signatures = await sign(world, result, [1, 3, 5]);
    source.add(readyOf(world, result, signatures));
    const { service } = makeRelayer(world, source);
    try {
      await service.runOnce(); // sends (automine: mined at once)
      await service.runOnce(); // receipt with 1 confirmation → confirmed
    } finally {
      await service.stop();
    }
    const rows = await publications(result.eventId);
    expect(rows).toEqual([expect.objectContaining({ state: 'confirmed' })]);
    // Sent as packed calldata: proposePacked()'s selector (as the artifact's ABI has it), the packed result,
    // then bundle v2 for the current set.
    const sentTx = await world.node.provider.getTransaction(rows[0]!.tx_hash!);
    expect(dataSlice(sentTx!.data, 0, 4)).toBe(world.oracle.interface.getFunction('proposePacked')!.selector);
    const attesters = [1, 2, 3, 4, 5].map((i) => world.node.wallet(i).address);
    expect(sentTx!.data).toBe(proposePackedData(result, packSignatures(attesters, signatures)));
    expect(await proposedCount(world, result.eventId)).toBe(1);
    expect((await readResultView(world.oracle, result.eventId)).phase).toBe(Phase.Proposed);

    const indexer = makeIndexer(world);
    await indexer.tick();
    const before = await world.pool.query('select phase from oracle_results where event_id = $1', [result.eventId]);
    expect(before.rows).toEqual([{ phase: 'proposed' }]);

    await elapse(world, DISPUTE_WINDOW + 1);
    const report = await indexer.tick();
    expect(report.finalized).toBe(1);
    const after = await world.pool.query('select phase, version, values_ from oracle_results where event_id = $1', [
      result.eventId,
    ]);
    expect(after.rows).toEqual([{ phase: 'final', version: 1, values_: [2, 1] }]);
    const notified = await world.pool.query('select event_id from oracle_final_results where event_id = $1', [
      result.eventId,
    ]);
    expect(notified.rowCount).toBe(1);
    expect(await world.oracle.getFunction('isFinal').staticCall(result.eventId)).toBe(true);

    const reader = createOracleReader({ provider: world.node.provider, address: world.address, pool: world.pool });
    expect(await reader.isFinal(result.eventId)).toBe(true);
    const feed = await reader.finalResultsSince('0');
    expect(feed).toEqual([expect.objectContaining({ eventId: result.eventId, version: 1, values: [2, 1] })]);
    expect(await reader.finalResultsSince(feed[0]!.id)).toEqual([]);
  });

  it('serves Prometheus metrics on /metrics', async () => {
    const metrics = new OracleMetrics();
    metrics.relayerBalance.set(42);
    const server = await serveMetrics(metrics, { port: 0, host: '127.0.0.1' });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/oracle_relayer_balance_wei 42/);
    } finally {
      await server.close();
    }
  });

  const relayerNonce = (index: number) =>
    world.node.provider.getTransactionCount(world.node.wallet(index).address, 'latest');
  const txRows = async (subject: string) =>
    (
      await world.pool.query<{
        tx_hash: string;
        state: string;
        attempt: number;
        max_fee_per_gas: string;
        nonce: string;
      }>(
        `select t.tx_hash, t.state, t.attempt, t.max_fee_per_gas, t.nonce from oracle_transactions t
           join oracle_publications p on p.id = t.publication_id where p.subject = $1 order by t.attempt`,
        [subject],
      )
    ).rows;

  it('publishes the same attestation listed twice (and again on later ticks) once', async () => {
    const source = new ListReadySource();
    const result = await makeResult(world, 'same-twice');
    const ready = readyOf(world, result, await sign(world, result, [1, 2, 3]));
    source.add(ready, ready);
    const { service } = makeRelayer(world, source);
    try {
      for (let i = 0; i < 4; i++) await service.runOnce();
    } finally {
      await service.stop();
    }
    expect(await publications(result.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
    expect(await txRows(result.eventId)).toHaveLength(1);
    expect(await proposedCount(world, result.eventId)).toBe(1);
  });

  it('never sends an expired signature', async () => {
    const now = await chainNow(world.node.provider);
    const result = await makeResult(world, 'expired', { deadline: now + 5n });
    const ready = readyOf(world, result, await sign(world, result, [1, 2, 3]));
    // A source that does not filter by deadline: the relayer must refuse on its own.
    const careless: ReadyResultSource = { listReady: () => Promise.resolve([ready]) };
    const before = await relayerNonce(7);
    const { service } = makeRelayer(world, careless);
    try {
      await service.runOnce();
      await service.runOnce();
    } finally {
      await service.stop();
    }
    expect(await publications(result.eventId)).toEqual([]);
    expect(await relayerNonce(7)).toBe(before);
    expect(await proposedCount(world, result.eventId)).toBe(0);
  });

  it('sends nothing when the source lists nothing (a conflict is never listed as ready)', async () => {
    const before = await relayerNonce(7);
    const source = new ListReadySource();
    const { service } = makeRelayer(world, source);
    try {
      await service.runOnce();
    } finally {
      await service.stop();
    }
    expect(source.calls).toBe(1);
    expect(await relayerNonce(7)).toBe(before);
  });

  it('counts a payload already on-chain as published, and raises an alert for another payload', async () => {
    const result = await makeResult(world, 'published-elsewhere');
    const signatures = await sign(world, result, [2, 4, 5]);
    // Someone else relays it first.
    const attesters = [1, 2, 3, 4, 5].map((i) => world.node.wallet(i).address);
    const other = world.oracle.connect(world.node.wallet(8)) as typeof world.oracle;
    const sent = (await other.getFunction('propose')(
      resultMessage(result),
      packSignatures(attesters, signatures),
    )) as ContractTransactionResponse;
    await sent.wait();

    const conflicting = { ...result, values: [0, 3], deadline: result.deadline + 1n };
    const source = new ListReadySource();
    source.add(
      readyOf(world, result, signatures),
      readyOf(world, conflicting, await sign(world, conflicting, [1, 2, 3])),
    );
    const metrics = new OracleMetrics();
    const before = await relayerNonce(7);
    const { relayer, lock } = makeRelayer(world, source, { metrics });
    await lock.tryAcquire();
    try {
      await relayer.tick();
    } finally {
      await lock.release();
    }
    const states = await publications(result.eventId);
    expect(states.map((p) => p.state).sort()).toEqual(['already_published', 'conflict']);
    expect(states.find((p) => p.state === 'conflict')?.error).toMatch(/VersionNotHigher/);
    expect(await relayerNonce(7)).toBe(before);
    expect(await proposedCount(world, result.eventId)).toBe(1);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/oracle_alerts_total\{kind="conflict"\} 1/);
    expect(text).toMatch(/oracle_publications\{state="conflict"\} 1/);
    expect(text).toMatch(/oracle_relayer_balance_wei \d+/);
  });

  /** A provider that dies with the process: `when` decides whether the raw tx reached the node first. */
  class DyingProvider extends JsonRpcProvider {
    constructor(
      url: string,
      private readonly when: 'before-broadcast' | 'after-broadcast',
    ) {
      super(url, 31337, { staticNetwork: true, cacheTimeout: -1 });
    }
    override async broadcastTransaction(signedTx: string): ReturnType<JsonRpcProvider['broadcastTransaction']> {
      if (this.when === 'after-broadcast') await super.broadcastTransaction(signedTx);
      throw new Error('relayer process killed');
    }
  }

  it.each(['after-broadcast', 'before-broadcast'] as const)(
    'a relayer killed %s and before recording the receipt resumes without a second publish',
    async (when) => {
      const source = new ListReadySource();
      const result = await makeResult(world, `killed-${when}`);
      source.add(readyOf(world, result, await sign(world, result, [1, 2, 4])));
      const nonceBefore = await relayerNonce(9);
      const dying = new DyingProvider(world.node.url, when);
      const first = makeRelayer(world, source, { walletIndex: 9, provider: dying });
      await expect(first.service.runOnce()).rejects.toThrow('relayer process killed');
      await first.lock.release(); // the process is gone: its session, hence its lock, ends
      dying.destroy();
      const recorded = await txRows(result.eventId);
      expect(recorded).toEqual([expect.objectContaining({ state: 'signed' })]);

      const second = makeRelayer(world, source, { walletIndex: 9 });
      try {
        await second.service.runOnce();
        await second.service.runOnce();
        await second.service.runOnce();
      } finally {
        await second.service.stop();
      }
      expect(await publications(result.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
      const rows = await txRows(result.eventId);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.tx_hash).toBe(recorded[0]!.tx_hash); // the same signed bytes, never a new transaction
      expect(await proposedCount(world, result.eventId)).toBe(1);
      expect(await relayerNonce(9)).toBe(nonceBefore + 1);
    },
  );

  it('elects one active relayer among two; the standby takes over when the leader stops', async () => {
    const source = new ListReadySource();
    const first = await makeResult(world, 'two-relayers-1');
    source.add(readyOf(world, first, await sign(world, first, [1, 2, 3])));
    const a = makeRelayer(world, source, { walletIndex: 7 });
    const b = makeRelayer(world, source, { walletIndex: 8 });
    try {
      const [ra, rb] = await Promise.all([a.service.runOnce(), b.service.runOnce()]);
      expect([ra, rb].filter((r) => r === 'standby')).toHaveLength(1);
      const [leader, standby] = ra === 'standby' ? [b, a] : [a, b];
      await Promise.all([leader.service.runOnce(), standby.service.runOnce()]);
      expect(await proposedCount(world, first.eventId)).toBe(1);
      expect(await publications(first.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);

      await leader.service.stop(); // or dies: its session ends either way
      const second = await makeResult(world, 'two-relayers-2');
      source.add(readyOf(world, second, await sign(world, second, [3, 4, 5])));
      expect(await standby.service.runOnce()).not.toBe('standby');
      await standby.service.runOnce();
      expect(await publications(second.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
      expect(await proposedCount(world, second.eventId)).toBe(1);
    } finally {
      await a.service.stop();
      await b.service.stop();
    }
  });

  it('replaces a dropped or underpriced transaction with higher fees (same nonce) and publishes once', async () => {
    await world.node.provider.send('evm_setAutomine', [false]);
    try {
      const source = new ListReadySource();
      const result = await makeResult(world, 'replaced');
      source.add(readyOf(world, result, await sign(world, result, [1, 2, 5])));
      let offset = 0; // the relayer's clock runs ahead of the wall clock by `offset` ms
      const { service } = makeRelayer(world, source, {
        relayer: { replaceAfterMs: 5_000 },
        clock: () => Date.now() + offset,
      });
      try {
        await service.runOnce(); // sent, sits in the mempool
        const [first] = await txRows(result.eventId);
        expect(first).toEqual(expect.objectContaining({ state: 'broadcast', attempt: 0 }));
        await world.node.provider.send('hardhat_dropTransaction', [first!.tx_hash]);
        await service.runOnce(); // not old enough: nothing
        expect(await txRows(result.eventId)).toHaveLength(1);
        offset += 6_000;
        await service.runOnce(); // replaced
        const rows = await txRows(result.eventId);
        expect(rows).toHaveLength(2);
        expect(rows[1]!.nonce).toBe(rows[0]!.nonce);
        expect(BigInt(rows[1]!.max_fee_per_gas) * 1000n).toBeGreaterThanOrEqual(
          BigInt(rows[0]!.max_fee_per_gas) * 1125n,
        );
        offset += 6_000;
        await service.runOnce(); // still unmined (automine off): replaced again, the mempool swaps it
        await mine(world);
        await service.runOnce();
        const final = await txRows(result.eventId);
        expect(final.filter((r) => r.state === 'mined')).toHaveLength(1);
        expect(final[final.length - 1]!.state).toBe('mined');
        expect(await publications(result.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
        expect(await proposedCount(world, result.eventId)).toBe(1);
      } finally {
        await service.stop();
      }
    } finally {
      await world.node.provider.send('evm_setAutomine', [true]);
    }
  });

  it('cancels a transaction whose signatures expired in flight, then publishes the outcome re-signed with a new window', async () => {
    await world.node.provider.send('evm_setAutomine', [false]);
    let offset = 0; // the relayer's clock runs ahead of the wall clock by `offset` ms
    const source = new ListReadySource();
    const result = await makeResult(world, 'expired-in-flight', {
      deadline: (await chainNow(world.node.provider)) + 120n,
    });
    source.add(readyOf(world, result, await sign(world, result, [1, 2, 3])));
    const { service } = makeRelayer(world, source, {
      relayer: { replaceAfterMs: 5_000 },
      clock: () => Date.now() + offset,
    });
    try {
      await service.runOnce(); // sent, pending in the mempool
      const [first] = await txRows(result.eventId);
      await world.node.provider.send('hardhat_dropTransaction', [first!.tx_hash]);
      await world.node.provider.send('evm_increaseTime', [300]);
      await mine(world); // an empty block: chain time is past the deadline
      offset += 6_000;
      await service.runOnce(); // replacement time: the signatures expired → cancellation, same nonce
      await mine(world);
      await service.runOnce();
      expect(await publications(result.eventId)).toEqual([expect.objectContaining({ state: 'expired' })]);
      const rows = await txRows(result.eventId);
      expect(rows.map((r) => r.state)).toEqual(['replaced', 'cancelled']);
      expect(await proposedCount(world, result.eventId)).toBe(0);
    } finally {
      await service.stop();
      await world.node.provider.send('evm_setAutomine', [true]);
    }

    // The admins' signers sign the same outcome again with a fresh window: a new digest, published once.
    const now2 = await chainNow(world.node.provider);
    const again = { ...result, notBefore: now2 - 10n, deadline: now2 + 3600n };
    source.add(readyOf(world, again, await sign(world, again, [3, 4, 5])));
    const second = makeRelayer(world, source);
    try {
      await second.service.runOnce();
      await second.service.runOnce();
    } finally {
      await second.service.stop();
    }
    const states = (await publications(result.eventId)).map((p) => p.state);
    expect(states).toEqual(['expired', 'confirmed']);
    expect(await proposedCount(world, result.eventId)).toBe(1);
  });

  it('a reorg that removes its receipt puts the transaction back in flight: the same bytes are mined again, once', async () => {
    const source = new ListReadySource();
    const result = await makeResult(world, 'relayer-reorg');
    source.add(readyOf(world, result, await sign(world, result, [1, 4, 5])));
    const { service } = makeRelayer(world, source, { relayer: { confirmations: 3 } });
    try {
      const snapshot = (await world.node.provider.send('evm_snapshot', [])) as string;
      await service.runOnce(); // sent and mined at once (automine)
      await service.runOnce(); // receipt, 1 of 3 confirmations
      expect(await publications(result.eventId)).toEqual([expect.objectContaining({ state: 'mined' })]);
      const [sent] = await txRows(result.eventId);
      expect(await world.node.provider.send('evm_revert', [snapshot])).toBe(true); // the block is gone
      expect(await proposedCount(world, result.eventId)).toBe(0);
      await service.runOnce(); // receipt vanished → rebroadcast the same signed transaction
      await mine(world, 2);
      await service.runOnce();
      expect(await publications(result.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
      const rows = await txRows(result.eventId);
      expect(rows).toEqual([expect.objectContaining({ tx_hash: sent!.tx_hash, state: 'mined' })]);
      expect(await proposedCount(world, result.eventId)).toBe(1);
    } finally {
      await service.stop();
    }
  });

  it('a reorg deeper than the confirmation depth takes a confirmed publication back: noticed, rebroadcast, confirmed again', async () => {
    const source = new ListReadySource();
    const result = await makeResult(world, 'relayer-deep-reorg');
    source.add(readyOf(world, result, await sign(world, result, [2, 3, 5])));
    const metrics = new OracleMetrics();
    const { service } = makeRelayer(world, source, { relayer: { confirmations: 2 }, metrics });
    try {
      const snapshot = (await world.node.provider.send('evm_snapshot', [])) as string;
      await service.runOnce(); // sent and mined at once (automine)
      await mine(world, 6);
      await service.runOnce(); // 7 confirmations of 2: confirmed
      expect(await publications(result.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
      const [sent] = await txRows(result.eventId);
      await service.runOnce(); // nothing moved: stays confirmed
      expect(await publications(result.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);

      expect(await world.node.provider.send('evm_revert', [snapshot])).toBe(true); // 7 blocks deep
      await mine(world, 10); // the new chain is longer than the old one
      expect(await proposedCount(world, result.eventId)).toBe(0);
      await service.runOnce(); // block hash differs → back in flight, same bytes broadcast again
      expect(await proposedCount(world, result.eventId)).toBe(1);
      await mine(world, 2);
      await service.runOnce();
      expect(await publications(result.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
      expect(await txRows(result.eventId)).toEqual([
        expect.objectContaining({ tx_hash: sent!.tx_hash, state: 'mined' }),
      ]);
      expect(await metrics.registry.metrics()).toMatch(/oracle_alerts_total\{kind="deep_reorg"\} 1/);
    } finally {
      await service.stop();
    }
  });

  it('abandons a batch root that gets no attester signatures in time: its results are proposed one by one', async () => {
    const source = new ListReadySource();
    const results = await Promise.all(
      ['unsigned-batch-1', 'unsigned-batch-2', 'unsigned-batch-3'].map((k) => makeResult(world, k)),
    );
    for (const r of results) source.add(readyOf(world, r, await sign(world, r, [2, 3, 4])));
    const store = new PgBatchSignatureStore({ db: world.pool, domain: oracleDomain(world.chainId, world.address) });
    let offset = 0;
    const { service } = makeRelayer(world, source, {
      batchSignatures: store,
      relayer: { batchThreshold: 2, batchSignatureTimeoutMs: 60_000 },
      clock: () => Date.now() + offset,
    });
    try {
      await service.runOnce(); // one root requested for the three results
      const [request] = (await store.openRequests()).filter((r) =>
        r.items.some((i) => i.eventId === results[0]!.eventId),
      );
      expect(request!.items).toHaveLength(3);
      offset += 120_000; // nobody signed within the timeout
      await service.runOnce(); // root abandoned; the three results are proposed alone
      await service.runOnce();
      const root = await world.pool.query<{ state: string }>(
        'select state from oracle_publications where subject = $1',
        [request!.batch.root],
      );
      expect(root.rows).toEqual([{ state: 'failed' }]);
      for (const r of results) {
        expect(await publications(r.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
        expect(await proposedCount(world, r.eventId)).toBe(1);
      }
      await service.runOnce(); // and they are never batched again
      expect(await store.openRequests()).toEqual([]);
    } finally {
      await service.stop();
    }
  });

  describe('with the attestation side (AttestationService, PgReadyResultSource, signer instances)', () => {
    const admins = ['alice', 'bob', 'carol', 'dave', 'erin'];
    let service: AttestationService;
    let ready: PgReadyResultSource;
    beforeAll(async () => {
      const store = new PgAttestationStore({ pool: world.pool });
      for (const [i, admin] of admins.entries()) await store.bind(admin, world.node.wallet(i + 1).address);
      const attesterSet = new ChainAttesterSetSource({ contract: world.oracle, ttlMs: 0 });
      const signers = await Promise.all(
        admins.map((adminId, i) =>
          ResultSigner.create({
            adminId,
            signer: new Wallet(world.node.wallet(i + 1).privateKey),
            chainId: world.chainId,
            oracleAddress: world.address,
          }),
        ),
      );
      let clock = 0n;
      service = new AttestationService({
        store,
        attesterSet,
        chainId: world.chainId,
        oracleAddress: world.address,
        signers,
        clock: () => clock,
      });
      ready = new PgReadyResultSource({ store, attesterSet });
      // Chain time moved ahead of the wall clock in earlier tests: the service follows chain time.
      const tick = async () => {
        clock = await chainNow(world.node.provider);
      };
      await tick();
      submit = async (adminId, outcome) => {
        await tick();
        await service.submit({ adminId, outcome });
      };
    });
    let submit: (adminId: string, outcome: Outcome) => Promise<void>;
    const outcomeOf = async (key: string, values: number[]): Promise<Outcome> => ({
      eventId: eventIdOf(key),
      status: ResultStatus.Completed,
      values,
      endedAt: (await chainNow(world.node.provider)) - 60n,
      version: 1,
    });

    it('3-of-5 attestations end to end: ready → proposed → final', async () => {
      const outcome = await outcomeOf('attested-3-of-5', [1, 1]);
      for (const admin of ['alice', 'carol', 'erin']) await submit(admin, outcome);
      const { service: relayer } = makeRelayer(world, ready);
      try {
        await relayer.runOnce();
        await relayer.runOnce();
      } finally {
        await relayer.stop();
      }
      expect(await publications(outcome.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
      expect(await proposedCount(world, outcome.eventId)).toBe(1);
      await elapse(world, DISPUTE_WINDOW + 1);
      await makeIndexer(world).tick();
      const row = await world.pool.query('select phase, values_ from oracle_results where event_id = $1', [
        outcome.eventId,
      ]);
      expect(row.rows).toEqual([{ phase: 'final', values_: [1, 1] }]);
    });

    it('a conflict publishes nothing', async () => {
      const a = await outcomeOf('attested-conflict', [2, 0]);
      const b = { ...a, values: [0, 2] };
      for (const admin of ['alice', 'bob', 'carol']) await submit(admin, a);
      for (const admin of ['dave', 'erin']) await submit(admin, b);
      const before = await relayerNonce(7);
      const { service: relayer } = makeRelayer(world, ready);
      try {
        await relayer.runOnce();
        await relayer.runOnce();
      } finally {
        await relayer.stop();
      }
      expect(await publications(a.eventId)).toEqual([]);
      expect(await proposedCount(world, a.eventId)).toBe(0);
      expect(await relayerNonce(7)).toBe(before);
    });

    it('publishes past the scan limit: published results leave the ready set (limit 5, 12 results)', async () => {
      const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => outcomeOf(`past-limit-${i}`, [i, 0])));
      for (const outcome of outcomes) for (const admin of ['alice', 'bob', 'dave']) await submit(admin, outcome);
      const scoped = new PgReadyResultSource({
        store: new PgAttestationStore({ pool: world.pool }),
        attesterSet: new ChainAttesterSetSource({ contract: world.oracle, ttlMs: 0 }),
        deployment: { chainId: world.chainId, contract: world.address },
      });
      const { service: relayer } = makeRelayer(world, scoped, { relayer: { scanLimit: 5 } });
      try {
        for (let i = 0; i < 6; i++) await relayer.runOnce();
      } finally {
        await relayer.stop();
      }
      for (const outcome of outcomes) {
        expect(await publications(outcome.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
        expect(await proposedCount(world, outcome.eventId)).toBe(1);
      }
      expect(await scoped.listReady({ limit: 100, now: await chainNow(world.node.provider) })).toEqual([]);
      // Without the deployment, exactly the payloads the outbox holds leave the set too.
      expect(await ready.listReady({ limit: 100, now: await chainNow(world.node.provider) })).toEqual([]);
    });

    it('the same attestation submitted twice publishes once', async () => {
      const outcome = await outcomeOf('attested-twice', [3, 2]);
      await submit('bob', outcome);
      await submit('bob', outcome);
      await submit('dave', outcome);
      const { service: relayer } = makeRelayer(world, ready);
      try {
        await relayer.runOnce(); // 2 distinct attesters: not ready, nothing sent
        expect(await publications(outcome.eventId)).toEqual([]);
        await submit('dave', outcome);
        await submit('erin', outcome);
        await relayer.runOnce();
        await relayer.runOnce();
        await relayer.runOnce();
      } finally {
        await relayer.stop();
      }
      expect(await publications(outcome.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
      expect(await proposedCount(world, outcome.eventId)).toBe(1);
    });
  });
});
