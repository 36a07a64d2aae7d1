import { Wallet, type ContractTransactionResponse } from 'ethers';
import pg from 'pg';
import { FINAL_CHANNEL } from '../../../oracle/indexer/result-indexer.js';
import {
  ListReadySource,
  createWorld,
  elapse,
  makeIndexer,
  makeRelayer,
  makeResult,
  mine,
  readyOf,
  sign,
  DISPUTE_WINDOW,
  GUARDIAN,
  type OracleWorld,
} from '../chain/harness.js';
import { PgBatchSignatureStore } from '../../../oracle/relayer/batch-requests.js';
import {
  BATCH_TYPES,
  Phase,
  ResultStatus,
  eventIdOf,
  oracleDomain,
  packSignatures,
  resultMessage,
  type Result,
} from '../../../oracle/result.js';

describe('ResultIndexer (Hardhat node over JSON-RPC, real Postgres)', () => {
  let world: OracleWorld;
  beforeAll(async () => {
    world = await createWorld('indexer');
  });
  afterAll(async () => {
    await world.close();
  });

  const attesters = () => [1, 2, 3, 4, 5].map((i) => world.node.wallet(i).address);
  const propose = async (result: Result, by: number[]) => {
    const oracle = world.oracle.connect(world.node.wallet(8)) as typeof world.oracle;
    const tx = (await oracle.getFunction('propose')(
      resultMessage(result),
      packSignatures(attesters(), await sign(world, result, by)),
    )) as ContractTransactionResponse;
    return (await tx.wait())!;
  };
  const row = async (eventId: string) =>
    (
      await world.pool.query<{ phase: string; values_: number[]; version: number; block_hash: string }>(
        'select phase, values_, version, block_hash from oracle_results where event_id = $1',
        [eventId],
      )
    ).rows[0];
  const finalRows = async (eventId: string) =>
    (await world.pool.query('select * from oracle_final_results where event_id = $1', [eventId])).rowCount;

  it('a dispute inside the window stops finality; a governance resolution makes it final', async () => {
    const indexer = makeIndexer(world);
    const result = await makeResult(world, 'disputed');
    await propose(result, [1, 2, 3]);
    await indexer.tick();
    expect(await row(result.eventId)).toEqual(expect.objectContaining({ phase: 'proposed' }));

    const guardian = world.oracle.connect(world.node.wallet(GUARDIAN)) as typeof world.oracle;
    await ((await guardian.getFunction('dispute')(result.eventId)) as ContractTransactionResponse).wait();
    await elapse(world, DISPUTE_WINDOW + 5);
    await indexer.tick();
    expect(await row(result.eventId)).toEqual(expect.objectContaining({ phase: 'disputed' }));
    expect(await finalRows(result.eventId)).toBe(0);

    const listener = new pg.Client({ connectionString: world.db.url });
    await listener.connect();
    const notified: string[] = [];
    listener.on('notification', (n) => notified.push(n.payload ?? ''));
    await listener.query(`listen ${FINAL_CHANNEL}`);
    const governance = world.oracle.connect(world.node.wallet(0)) as typeof world.oracle;
    const corrected = { ...result, values: [3, 1] };
    await (
      (await governance.getFunction('resolveByGovernance')(resultMessage(corrected))) as ContractTransactionResponse
    ).wait();
    await indexer.tick();
    expect(await row(result.eventId)).toEqual(expect.objectContaining({ phase: 'final', values_: [3, 1] }));
    expect(await finalRows(result.eventId)).toBe(1);
    const feedId = String(
      (
        await world.pool.query<{ id: string }>('select id from oracle_final_results where event_id = $1', [
          result.eventId,
        ])
      ).rows[0]!.id,
    );
    await new Promise((r) => setTimeout(r, 100));
    await listener.end();
    // NOTIFY wakes listeners (kind, deployment, event, row id); the table stays the truth.
    expect(notified).toEqual([`final:${world.chainId}:${world.address.toLowerCase()}:${result.eventId}:${feedId}`]);
  });

  it('detects a reorg by block hash, rewinds and ends consistent with the new branch', async () => {
    const indexer = makeIndexer(world, 0);
    await indexer.tick();
    const snapshot = (await world.node.provider.send('evm_snapshot', [])) as string;
    const first = await makeResult(world, 'reorged', { values: [1, 0] });
    const orphan = await propose(first, [1, 2, 3]);
    await mine(world);
    await indexer.tick();
    expect(await row(first.eventId)).toEqual(
      expect.objectContaining({ values_: [1, 0], block_hash: orphan.blockHash }),
    );

    expect(await world.node.provider.send('evm_revert', [snapshot])).toBe(true);
    const second = { ...first, values: [0, 1] };
    await mine(world); // a different block at the orphan's height
    const canonical = await propose(second, [3, 4, 5]);
    await mine(world, 2);
    const report = await indexer.tick();
    expect(report.rewoundTo).toBeDefined();
    expect(report.rewoundTo!).toBeLessThan(orphan.blockNumber);
    expect(await row(first.eventId)).toEqual(
      expect.objectContaining({ values_: [0, 1], block_hash: canonical.blockHash }),
    );
    const orphaned = await world.pool.query('select 1 from oracle_chain_events where block_hash = $1', [
      orphan.blockHash,
    ]);
    expect(orphaned.rowCount).toBe(0);
    // Idempotent afterwards: another tick changes nothing.
    const again = await indexer.tick();
    expect(again.rewoundTo).toBeUndefined();
  });

  it('publishes 256 results as one quorum-signed batch root; each is then verified and final', async () => {
    const source = new ListReadySource();
    const template = await makeResult(world, 'batch');
    const results: Result[] = Array.from({ length: 256 }, (_, i) => ({
      ...template,
      eventId: eventIdOf(`batch-${i}`),
      values: [i % 5, (i * 7) % 4],
      ...(i % 50 === 0 ? { status: ResultStatus.Cancelled, values: [] } : {}),
    }));
    for (const r of results) source.add(readyOf(world, r, await sign(world, r, [1, 2, 3])));
    const domain = oracleDomain(world.chainId, world.address);
    const store = new PgBatchSignatureStore({ db: world.pool, domain });
    const { service } = makeRelayer(world, source, {
      batchSignatures: store,
      relayer: { batchThreshold: 64 },
    });
    try {
      await service.runOnce(); // root requested
      const [request] = await store.openRequests();
      expect(request!.batch.count).toBe(256);
      expect(request!.items).toHaveLength(256);
      // A signature that does not recover to the claimed attester is refused.
      const forged = await new Wallet(world.node.wallet(2).privateKey).signTypedData(domain, BATCH_TYPES, {
        ...request!.batch,
      });
      await expect(
        store.addSignature(request!.batch.root, { attester: world.node.wallet(4).address, signature: forged }),
      ).rejects.toMatchObject({ code: 'ORACLE_INVALID_SIGNATURE' });
      // Dev-key attester signers answer the request (the attestation side's role).
      for (const i of [2, 4, 5]) {
        const wallet = new Wallet(world.node.wallet(i).privateKey);
        const signature = await wallet.signTypedData(domain, BATCH_TYPES, { ...request!.batch });
        expect(await store.addSignature(request!.batch.root, { attester: wallet.address, signature })).toBe(true);
      }
      await service.runOnce(); // enough signatures → pending → proposeBatch sent
      await service.runOnce(); // confirmed
      const pubs = await world.pool.query<{ state: string }>(
        `select state from oracle_publications where kind = 'batch'`,
      );
      expect(pubs.rows).toEqual([{ state: 'confirmed' }]);
      // Nothing was proposed one by one.
      const singles = await world.pool.query(
        `select 1 from oracle_publications where kind = 'propose' and subject like '0x%' and outcome_key in (select outcome_key from oracle_batch_items)`,
      );
      expect(singles.rowCount).toBe(0);

      await elapse(world, DISPUTE_WINDOW + 1);
      const indexer = makeIndexer(world);
      await indexer.tick();
      const final = await world.pool.query(
        `select count(*)::int as n from oracle_results where batch_root = $1 and phase = 'final'`,
        [request!.batch.root],
      );
      expect(final.rows[0]).toEqual({ n: 256 });
      const notified = await world.pool.query(
        `select count(*)::int as n from oracle_final_results where batch_root = $1`,
        [request!.batch.root],
      );
      expect(notified.rows[0]).toEqual({ n: 256 });
      // The contract's proof reads defer to storage: a leaf of a final root reads as no result until it is
      // published into its event's record (publishFromBatch, a fresh window), then as final.
      const verify = world.oracle.getFunction('verifyBatched');
      const leafOf = (item: NonNullable<typeof request>['items'][number]) => ({
        eventId: item.eventId,
        status: item.status,
        values: [...item.values],
        endedAt: item.endedAt,
        version: item.version,
      });
      const phaseOf = async (item: NonNullable<typeof request>['items'][number]) =>
        Number(((await verify.staticCall(request!.batch.root, leafOf(item), [...item.proof])) as [bigint, bigint])[0]);
      const [first, second] = request!.items;
      expect(await phaseOf(first!)).toBe(Phase.None);
      const publish = await world.oracle
        .connect(world.node.wallet(9))
        .getFunction('publishFromBatch')
        .send(request!.batch.root, leafOf(first!), [...first!.proof]);
      await publish.wait();
      expect(await phaseOf(first!)).toBe(Phase.Proposed);
      await elapse(world, DISPUTE_WINDOW + 1);
      expect(await phaseOf(first!)).toBe(Phase.Final);
      expect(await phaseOf(second!)).toBe(Phase.None);
    } finally {
      await service.stop();
    }
  }, 120_000);

  // Last in this file: it rotates the world's attester set (epoch 2).
  it('derives each proposal epoch from the latest rotation, in a range and when rebuilding after a reorg', async () => {
    const indexer = makeIndexer(world, 0);
    await indexer.tick();
    const epochs = async (...results: Result[]) =>
      Promise.all(
        results.map(async (r) => {
          const { rows } = await world.pool.query<{ epoch: number | null }>(
            'select epoch from oracle_results where event_id = $1',
            [r.eventId],
          );
          return rows[0]?.epoch;
        }),
      );
    const before = await makeResult(world, 'epoch/before');
    await propose(before, [1, 2, 3]);
    const governance = world.oracle.connect(world.node.wallet(0)) as typeof world.oracle;
    await ((await governance.getFunction('rotateAttesters')(attesters(), 3, 4)) as ContractTransactionResponse).wait();
    const after = await makeResult(world, 'epoch/after', { epoch: 2 });
    const next = await makeResult(world, 'epoch/next', { epoch: 2 });
    await propose(after, [1, 2, 3]);
    await propose(next, [2, 3, 4]);
    await indexer.tick(); // one range: the rotation is applied between the proposals
    expect(await epochs(before, after, next)).toEqual([1, 2, 2]);

    // A reorg above these blocks rebuilds the derived rows from the raw events, one by one.
    const snapshot = (await world.node.provider.send('evm_snapshot', [])) as string;
    await mine(world);
    await indexer.tick();
    expect(await world.node.provider.send('evm_revert', [snapshot])).toBe(true);
    await elapse(world, 7); // another timestamp: another block at the same height
    await mine(world);
    expect((await indexer.tick()).rewoundTo).toBeDefined();
    expect(await epochs(before, after, next)).toEqual([1, 2, 2]);
  });
});
