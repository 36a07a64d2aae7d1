import { JsonRpcProvider, Wallet, keccak256, solidityPacked, type ContractTransactionResponse } from 'ethers';
import { readResultView } from '../../../oracle/chain/oracle-contract.js';
import { PgBatchSignatureStore } from '../../../oracle/relayer/batch-requests.js';
import type { BatchItem } from '../../../oracle/relayer/outbox-store.js';
import {
  BATCH_TYPES,
  ResultStatus,
  oracleDomain,
  packSignatures,
  resultMessage,
  type Result,
} from '../../../oracle/result.js';
import { OracleMetrics } from '../../../oracle/metrics.js';
import {
  DISPUTE_WINDOW,
  ListReadySource,
  createWorld,
  elapse,
  makeRelayer,
  makeResult,
  mine,
  readyOf,
  sign,
  type OracleWorld,
} from '../chain/harness.js';

/**
 * Leaves of final batch roots are written to storage by the relayer (`publishFromBatch`), one `leaf`
 * publication per leaf, exactly once: across ticks, restarts, a relayer killed mid-send, and reorgs.
 */
describe('ResultRelayer: leaves of final roots through publishFromBatch (Hardhat node, real Postgres)', () => {
  let world: OracleWorld;
  let store: PgBatchSignatureStore;
  beforeAll(async () => {
    world = await createWorld('relayer_leaves');
    store = new PgBatchSignatureStore({ db: world.pool, domain: oracleDomain(world.chainId, world.address) });
  });
  afterAll(async () => {
    await world.close();
  });

  type Handle = ReturnType<typeof makeRelayer>;
  const batchOptions = (overrides: Parameters<typeof makeRelayer>[2] = {}) => ({
    batchSignatures: store,
    ...overrides,
    relayer: { batchThreshold: 2, ...overrides.relayer },
  });

  /** Signs every open batch request with attesters 1, 3 and 5 (what their signer instances do). */
  const cosign = async (): Promise<void> => {
    const domain = oracleDomain(world.chainId, world.address);
    for (const request of await store.openRequests()) {
      for (const i of [1, 3, 5]) {
        const wallet = new Wallet(world.node.wallet(i).privateKey);
        const signature = await wallet.signTypedData(domain, BATCH_TYPES, { ...request.batch });
        await store.addSignature(request.batch.root, { attester: wallet.address, signature });
      }
    }
  };

  /** Results for `keys`, each signed 3-of-5, listed by a fresh ready source. */
  const readyResults = async (keys: readonly string[]): Promise<{ source: ListReadySource; results: Result[] }> => {
    const source = new ListReadySource();
    const results = await Promise.all(keys.map((k, i) => makeResult(world, k, { values: [i, 1] })));
    for (const r of results) source.add(readyOf(world, r, await sign(world, r, [2, 3, 4])));
    return { source, results };
  };

  /** Drives `relayer` until its root of `eventId` is confirmed on-chain; returns the root and its leaves. */
  const publishRoot = async (handle: Handle, eventId: string): Promise<{ root: string; items: BatchItem[] }> => {
    await handle.service.runOnce(); // root requested
    const request = (await store.openRequests()).find((r) => r.items.some((i) => i.eventId === eventId));
    expect(request).toBeDefined();
    await cosign();
    await handle.service.runOnce(); // quorum → proposeBatchPacked sent (automine)
    await handle.service.runOnce(); // confirmed
    expect(await rootState(request!.batch.root)).toBe('confirmed');
    return { root: request!.batch.root, items: [...request!.items] };
  };

  const rootState = async (root: string) =>
    (
      await world.pool.query<{ state: string }>(
        `select state from oracle_publications where kind = 'batch' and subject = $1`,
        [root],
      )
    ).rows[0]?.state;
  const leafRows = async (root: string) =>
    (
      await world.pool.query<{ id: string; subject: string; state: string; error: string | null; txs: number }>(
        `select p.id, p.subject, p.state, p.error,
                (select count(*)::int from oracle_transactions t where t.publication_id = p.id) as txs
           from oracle_publications p where p.kind = 'leaf' and p.payload_key like $1 || ':%' order by p.id`,
        [root],
      )
    ).rows;
  /** `publishFromBatch` transactions of `eventId` that succeeded on the current chain. */
  const publishedOnChain = async (eventId: string): Promise<number> => {
    const selector = world.oracle.interface.getFunction('publishFromBatch')!.selector;
    const { rows } = await world.pool.query<{ tx_hash: string }>(
      `select t.tx_hash from oracle_transactions t join oracle_publications p on p.id = t.publication_id
        where p.kind = 'leaf' and p.subject = $1`,
      [eventId],
    );
    let n = 0;
    for (const { tx_hash } of rows) {
      const receipt = await world.node.provider.getTransactionReceipt(tx_hash);
      const tx = await world.node.provider.getTransaction(tx_hash);
      if (receipt?.status === 1 && tx?.data.startsWith(selector)) n++;
    }
    return n;
  };
  const storedIs = async (item: BatchItem): Promise<boolean> => {
    const view = await readResultView(world.oracle, item.eventId);
    return (
      view.version === item.version &&
      view.status === item.status &&
      view.valuesHash === keccak256(solidityPacked(['uint32[]'], [[...item.values]]))
    );
  };

  it('queues nothing while the root is in its window, then publishes every leaf once it is final, once', async () => {
    const { source, results } = await readyResults(['leaves-1', 'leaves-2', 'leaves-3', 'leaves-4']);
    const metrics = new OracleMetrics();
    const handle = makeRelayer(world, source, batchOptions({ metrics }));
    try {
      const { root, items } = await publishRoot(handle, results[0]!.eventId);
      expect(items).toHaveLength(4);
      await handle.service.runOnce();
      await handle.service.runOnce();
      expect(await leafRows(root)).toEqual([]); // the root is not final: nothing queued, nothing sent

      await elapse(world, DISPUTE_WINDOW + 1);
      const report = await handle.service.runOnce(); // root final → four leaves queued and sent
      expect(report).toMatchObject({ leaves: 4, sent: 4 });
      await handle.service.runOnce(); // confirmed
      const rows = await leafRows(root);
      expect(rows.map((r) => [r.subject, r.state, r.txs]).sort()).toEqual(
        items.map((i) => [i.eventId, 'confirmed', 1]).sort(),
      );
      for (const item of items) {
        expect(await storedIs(item)).toBe(true);
        expect(await publishedOnChain(item.eventId)).toBe(1);
      }
      for (let i = 0; i < 3; i++) expect(await handle.service.runOnce()).toMatchObject({ leaves: 0, sent: 0 });
      expect(await metrics.registry.metrics()).toMatch(/oracle_publications\{state="confirmed"\} 5/);
    } finally {
      await handle.service.stop();
    }
    // A restarted relayer (another process, same outbox) queues and sends nothing more.
    const again = makeRelayer(world, source, batchOptions());
    try {
      for (let i = 0; i < 2; i++) expect(await again.service.runOnce()).toMatchObject({ leaves: 0, sent: 0 });
    } finally {
      await again.service.stop();
    }
  });

  /** A provider that dies with the process on its first broadcast (before it reaches the node). */
  class DyingProvider extends JsonRpcProvider {
    armed = false;
    override async broadcastTransaction(signedTx: string): ReturnType<JsonRpcProvider['broadcastTransaction']> {
      if (!this.armed) return super.broadcastTransaction(signedTx);
      throw new Error('relayer process killed');
    }
  }

  it('a relayer killed between recording a leaf transaction and broadcasting it: the next one sends the same bytes, once', async () => {
    const { source, results } = await readyResults(['killed-leaf-1', 'killed-leaf-2']);
    const dying = new DyingProvider(world.node.url, 31337, { staticNetwork: true, cacheTimeout: -1 });
    const first = makeRelayer(world, source, batchOptions({ walletIndex: 9, provider: dying }));
    let root: string;
    let items: BatchItem[];
    try {
      ({ root, items } = await publishRoot(first, results[0]!.eventId));
      await elapse(world, DISPUTE_WINDOW + 1);
      dying.armed = true;
      await expect(first.service.runOnce()).rejects.toThrow('relayer process killed');
    } finally {
      await first.lock.release(); // the process is gone: its session, hence its lock, ends
      dying.destroy();
    }
    const recorded = await world.pool.query<{ tx_hash: string; state: string }>(
      `select t.tx_hash, t.state from oracle_transactions t join oracle_publications p on p.id = t.publication_id
        where p.kind = 'leaf' and p.payload_key like $1 || ':%'`,
      [root],
    );
    expect(recorded.rows).toEqual([expect.objectContaining({ state: 'signed' })]);
    expect((await leafRows(root)).map((r) => r.state)).toEqual(['sent', 'pending']);

    const second = makeRelayer(world, source, batchOptions({ walletIndex: 9 }));
    try {
      for (let i = 0; i < 3; i++) await second.service.runOnce();
    } finally {
      await second.service.stop();
    }
    expect((await leafRows(root)).map((r) => [r.state, r.txs])).toEqual([
      ['confirmed', 1],
      ['confirmed', 1],
    ]);
    const txs = await world.pool.query<{ tx_hash: string }>(
      `select t.tx_hash from oracle_transactions t join oracle_publications p on p.id = t.publication_id
        where p.kind = 'leaf' and p.payload_key like $1 || ':%' order by t.id`,
      [root],
    );
    expect(txs.rows[0]!.tx_hash).toBe(recorded.rows[0]!.tx_hash); // the same signed bytes, never new ones
    for (const item of items) {
      expect(await storedIs(item)).toBe(true);
      expect(await publishedOnChain(item.eventId)).toBe(1);
    }
  });

  it('sends nothing for a leaf already in storage or superseded by a higher version', async () => {
    const { source, results } = await readyResults(['leaf-elsewhere', 'leaf-corrected', 'leaf-plain']);
    const handle = makeRelayer(world, source, batchOptions());
    try {
      const { root, items } = await publishRoot(handle, results[0]!.eventId);
      // Before the root is final, a correction (version 2) of one event is proposed directly.
      const corrected = { ...results[1]!, version: 2, values: [7, 7] };
      const attesters = [1, 2, 3, 4, 5].map((i) => world.node.wallet(i).address);
      const other = world.oracle.connect(world.node.wallet(8)) as typeof world.oracle;
      const sent = (await other.getFunction('propose')(
        resultMessage(corrected),
        packSignatures(attesters, await sign(world, corrected, [1, 2, 3])),
      )) as ContractTransactionResponse;
      await sent.wait();
      await elapse(world, DISPUTE_WINDOW + 1);
      // Someone else writes one leaf to storage first.
      const elsewhere = items.find((i) => i.eventId === results[0]!.eventId)!;
      const publish = (await other.getFunction('publishFromBatch')(
        root,
        {
          eventId: elsewhere.eventId,
          status: elsewhere.status,
          values: [...elsewhere.values],
          endedAt: elsewhere.endedAt,
          version: elsewhere.version,
        },
        [...elsewhere.proof],
      )) as ContractTransactionResponse;
      await publish.wait();

      await handle.service.runOnce();
      await handle.service.runOnce();
      const byEvent = new Map((await leafRows(root)).map((r) => [r.subject, r]));
      expect(byEvent.get(results[0]!.eventId)).toMatchObject({ state: 'already_published', txs: 0 });
      expect(byEvent.get(results[1]!.eventId)).toMatchObject({ state: 'superseded', txs: 0 });
      expect(byEvent.get(results[1]!.eventId)!.error).toMatch(/version 2/);
      expect(byEvent.get(results[2]!.eventId)).toMatchObject({ state: 'confirmed', txs: 1 });
      const view = await readResultView(world.oracle, results[1]!.eventId);
      expect([view.version, view.values]).toEqual([2, [7, 7]]);
    } finally {
      await handle.service.stop();
    }
  });

  it('a reorg deeper than the confirmation depth takes the root and its leaves: the root is sent again, the leaves wait for it to be final again, each lands once', async () => {
    const { source, results } = await readyResults(['reorg-leaf-1', 'reorg-leaf-2', 'reorg-leaf-3']);
    const metrics = new OracleMetrics();
    const handle = makeRelayer(world, source, batchOptions({ metrics, relayer: { confirmations: 2 } }));
    try {
      await handle.service.runOnce(); // root requested
      await cosign();
      const snapshot = (await world.node.provider.send('evm_snapshot', [])) as string;
      await handle.service.runOnce(); // root sent and mined
      await mine(world, 2);
      await handle.service.runOnce(); // root confirmed
      const root = await rootOf(results[0]!.eventId);
      expect(root).toBeDefined();
      expect(await rootState(root!)).toBe('confirmed');
      await elapse(world, DISPUTE_WINDOW + 1);
      await handle.service.runOnce(); // leaves queued and sent
      await mine(world, 2);
      await handle.service.runOnce(); // leaves confirmed
      expect((await leafRows(root!)).map((r) => r.state)).toEqual(['confirmed', 'confirmed', 'confirmed']);

      expect(await world.node.provider.send('evm_revert', [snapshot])).toBe(true); // root and leaves are gone
      await mine(world, 12); // a longer chain without them
      await handle.service.runOnce(); // both noticed: same bytes again; the root is proposed anew (fresh window)
      await handle.service.runOnce(); // the leaves' transactions reverted (root not final): they wait for it
      expect((await leafRows(root!)).map((r) => r.state)).toEqual(['awaiting_root', 'awaiting_root', 'awaiting_root']);
      await mine(world, 2);
      await handle.service.runOnce();
      expect(await rootState(root!)).toBe('confirmed');
      expect((await leafRows(root!)).map((r) => r.state)).toEqual(['awaiting_root', 'awaiting_root', 'awaiting_root']);

      await elapse(world, DISPUTE_WINDOW + 1);
      await handle.service.runOnce(); // root final again: the leaves are sent anew
      await mine(world, 2);
      await handle.service.runOnce();
      const rows = await leafRows(root!);
      expect(rows.map((r) => r.state)).toEqual(['confirmed', 'confirmed', 'confirmed']);
      for (const r of results) {
        expect(await publishedOnChain(r.eventId)).toBe(1);
        expect((await readResultView(world.oracle, r.eventId)).version).toBe(1);
      }
      // One alert per publication the reorg took back: the root and its three leaves.
      expect(await metrics.registry.metrics()).toMatch(/oracle_alerts_total\{kind="deep_reorg"\} 4/);
    } finally {
      await handle.service.stop();
    }
  });

  const rootOf = async (eventId: string): Promise<string | undefined> =>
    (
      await world.pool.query<{ root: string }>(
        `select i.root from oracle_batch_items i join oracle_publications p on p.kind = 'batch' and p.subject = i.root
          where i.event_id = $1`,
        [eventId],
      )
    ).rows[0]?.root;

  it('never publishes leaves of a root governance rejected', async () => {
    const { source, results } = await readyResults(['rejected-leaf-1', 'rejected-leaf-2']);
    const metrics = new OracleMetrics();
    const handle = makeRelayer(world, source, batchOptions({ metrics }));
    try {
      const { root } = await publishRoot(handle, results[0]!.eventId);
      const guardian = world.oracle.connect(world.node.wallet(6)) as typeof world.oracle;
      await ((await guardian.getFunction('disputeBatch')(root)) as ContractTransactionResponse).wait();
      const governance = world.oracle.connect(world.node.wallet(0)) as typeof world.oracle;
      await (
        (await governance.getFunction('resolveBatchByGovernance')(root, false)) as ContractTransactionResponse
      ).wait();
      await elapse(world, DISPUTE_WINDOW + 1);
      await handle.service.runOnce();
      await handle.service.runOnce();
      expect(await leafRows(root)).toEqual([]);
      expect(await metrics.registry.metrics()).toMatch(/oracle_alerts_total\{kind="batch_rejected"\} 1/);
      for (const r of results) expect((await readResultView(world.oracle, r.eventId)).status).toBe(ResultStatus.None);
    } finally {
      await handle.service.stop();
    }
  });
});
