import { Wallet, type Contract, type ContractTransactionResponse } from 'ethers';
import { PgBatchSignatureStore } from '../../../oracle/relayer/batch-requests.js';
import pg from 'pg';
import { createOracleReader, type FinalResult } from '../../../oracle/index.js';
import { FINAL_CHANNEL, ResultIndexer } from '../../../oracle/indexer/result-indexer.js';
import { OracleMetrics } from '../../../oracle/metrics.js';
import { oracleContract } from '../../../oracle/chain/oracle-contract.js';
import {
  BATCH_TYPES,
  ResultStatus,
  eventIdOf,
  oracleDomain,
  packSignatures,
  resultMessage,
  type Result,
} from '../../../oracle/result.js';
import type { Logger } from '../../../oracle/chain/logger.js';
import {
  ATTESTERS,
  DISPUTE_WINDOW,
  GUARDIAN,
  ListReadySource,
  createWorld,
  elapse,
  makeRelayer,
  readyOf,
  fastPolicy,
  makeResult,
  mine,
  sign,
  type OracleWorld,
} from '../chain/harness.js';
import { deploy } from '../../support/chain.js';

/**
 * The final-result feed a settler consumes by cursor: append-only, retractions as rows of their own,
 * one deployment per reader, no skipped row with several indexers, rewinds that cost the depth.
 * Deep reorgs are made with evm_snapshot / evm_revert on a real Hardhat node; the indexer reads at
 * depth 0, so any reorg is deeper than its confirmation depth.
 */
describe('final-result feed (Hardhat node over JSON-RPC, real Postgres)', () => {
  let world: OracleWorld;
  beforeAll(async () => {
    world = await createWorld('feed');
  });
  afterAll(async () => {
    await world.close();
  });

  const attesters = () => ATTESTERS.map((i) => world.node.wallet(i).address);
  const propose = async (oracle: Contract, address: string, result: Result, by: number[]) => {
    const signed = await sign({ ...world, address }, result, by);
    const relayer = oracle.connect(world.node.wallet(8)) as Contract;
    const tx = (await relayer.getFunction('propose')(
      resultMessage(result),
      packSignatures(attesters(), signed),
    )) as ContractTransactionResponse;
    return (await tx.wait())!;
  };
  const recorder = () => {
    const errors: { fields: object; message: string }[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (fields, message) => errors.push({ fields, message }),
    };
    return { errors, logger };
  };
  const indexerFor = (
    address: string,
    extra: { pool?: pg.Pool; metrics?: OracleMetrics; logger?: Logger; deploymentBlock?: number } = {},
  ) =>
    new ResultIndexer({
      pool: extra.pool ?? world.pool,
      provider: world.node.provider,
      oracleAddress: address,
      chainId: world.chainId,
      policy: fastPolicy(),
      options: { confirmations: 0, blockRange: 500, deploymentBlock: extra.deploymentBlock ?? world.deploymentBlock },
      ...(extra.metrics ? { metrics: extra.metrics } : {}),
      ...(extra.logger ? { logger: extra.logger } : {}),
    });
  const reader = () =>
    createOracleReader({
      provider: world.node.provider,
      address: world.address,
      chainId: world.chainId,
      pool: world.pool,
    });
  const rowsOf = async (eventId: string): Promise<FinalResult[]> =>
    (await reader().finalResultsSince('0', 10_000)).filter((r) => r.eventId === eventId);
  const listen = async () => {
    const client = new pg.Client({ connectionString: world.db.url });
    await client.connect();
    const payloads: string[] = [];
    client.on('notification', (n) => payloads.push(n.payload ?? ''));
    await client.query(`listen ${FINAL_CHANNEL}`);
    return {
      payloads,
      async close() {
        await new Promise((r) => setTimeout(r, 100));
        await client.end();
      },
    };
  };

  it('a final Postponed row tells the consumer to wait (terminal: false); any other final row is the result for good', async () => {
    const indexer = indexerFor(world.address);
    await indexer.tick();
    const postponed = await makeResult(world, 'feed/postponed', { status: ResultStatus.Postponed, values: [] });
    const played = await makeResult(world, 'feed/played', { values: [3, 1] });
    await propose(world.oracle, world.address, postponed, [1, 2, 3]);
    await propose(world.oracle, world.address, played, [2, 3, 4]);
    await elapse(world, DISPUTE_WINDOW + 1);
    await indexer.tick();
    expect(await rowsOf(postponed.eventId)).toEqual([
      expect.objectContaining({ kind: 'final', status: ResultStatus.Postponed, version: 1, terminal: false }),
    ]);
    expect(await rowsOf(played.eventId)).toEqual([
      expect.objectContaining({ kind: 'final', status: ResultStatus.Completed, values: [3, 1], terminal: true }),
    ]);
  });

  it('a reorg that takes a final result back appends a retraction (NOTIFY, metric, error log); the final row stays; the result final again is a new row', async () => {
    const metrics = new OracleMetrics();
    const { errors, logger } = recorder();
    const indexer = indexerFor(world.address, { metrics, logger });
    await indexer.tick();
    const snapshot = (await world.node.provider.send('evm_snapshot', [])) as string;
    const first = await makeResult(world, 'feed/retracted', { values: [1, 0] });
    await propose(world.oracle, world.address, first, [1, 2, 3]);
    await elapse(world, DISPUTE_WINDOW + 1);
    await indexer.tick();
    const [final] = await rowsOf(first.eventId);
    expect(final).toEqual(expect.objectContaining({ kind: 'final', values: [1, 0], version: 1 }));
    const cursor = final!.id;

    const listener = await listen();
    // The chain forgets the proposal and its finality; another payload is proposed on the new branch.
    expect(await world.node.provider.send('evm_revert', [snapshot])).toBe(true);
    await mine(world, 2);
    const second = { ...first, values: [0, 1] };
    await propose(world.oracle, world.address, second, [3, 4, 5]);
    const report = await indexer.tick();
    expect(report.rewoundTo).toBeDefined();
    expect(report.retracted).toBe(1);

    const since = await reader().finalResultsSince(cursor);
    expect(since).toEqual([
      expect.objectContaining({ kind: 'retracted', eventId: first.eventId, retracts: cursor, values: [1, 0] }),
    ]);
    // The final row is still there, unchanged, and the database refuses to change or delete it.
    expect((await rowsOf(first.eventId))[0]).toEqual(final);
    await expect(world.pool.query('delete from oracle_final_results where id = $1', [cursor])).rejects.toThrow(
      /append-only/,
    );
    await expect(
      world.pool.query(`update oracle_final_results set values_ = '[0,1]' where id = $1`, [cursor]),
    ).rejects.toThrow(/append-only/);
    // Alerted: a metric and an error log, per retraction.
    expect((await metrics.registry.getSingleMetric('oracle_feed_retractions_total')!.get()).values[0]!.value).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/RETRACTED/);

    // The new payload becomes final: a new final row after the retraction.
    await elapse(world, DISPUTE_WINDOW + 1);
    expect((await indexer.tick()).finalized).toBe(1);
    await listener.close();
    const rows = await rowsOf(first.eventId);
    expect(rows.map((r) => [r.kind, r.values])).toEqual([
      ['final', [1, 0]],
      ['retracted', [1, 0]],
      ['final', [0, 1]],
    ]);
    expect(Number(rows[2]!.id)).toBeGreaterThan(Number(rows[1]!.id));
    const stream = `${world.chainId}:${world.address.toLowerCase()}`;
    expect(listener.payloads).toEqual([
      `retracted:${stream}:${first.eventId}:${rows[1]!.id}`,
      `final:${stream}:${first.eventId}:${rows[2]!.id}`,
    ]);
  });

  it('a reorg that only removes the block that made a result final adds no row when the same payload is final again', async () => {
    const indexer = indexerFor(world.address);
    const result = await makeResult(world, 'feed/same-again');
    await propose(world.oracle, world.address, result, [1, 2, 3]);
    await indexer.tick();
    const snapshot = (await world.node.provider.send('evm_snapshot', [])) as string;
    await elapse(world, DISPUTE_WINDOW + 1);
    await indexer.tick();
    const before = await rowsOf(result.eventId);
    expect(before.map((r) => r.kind)).toEqual(['final']);

    expect(await world.node.provider.send('evm_revert', [snapshot])).toBe(true);
    await elapse(world, DISPUTE_WINDOW + 7); // another block at that height, the proposal still there
    const report = await indexer.tick();
    expect(report.rewoundTo).toBeDefined();
    expect(report.retracted).toBe(0);
    expect(await rowsOf(result.eventId)).toEqual(before);
    const doubts = await world.pool.query('select 1 from oracle_feed_doubts where event_id = $1', [result.eventId]);
    expect(doubts.rowCount).toBe(0);
  });

  it('a final result whose finality left the chain and which is then disputed is retracted', async () => {
    const indexer = indexerFor(world.address);
    const result = await makeResult(world, 'feed/disputed-after');
    await propose(world.oracle, world.address, result, [1, 2, 3]);
    await indexer.tick();
    const snapshot = (await world.node.provider.send('evm_snapshot', [])) as string;
    await elapse(world, DISPUTE_WINDOW + 1);
    await indexer.tick();
    expect((await rowsOf(result.eventId)).map((r) => r.kind)).toEqual(['final']);

    expect(await world.node.provider.send('evm_revert', [snapshot])).toBe(true);
    await mine(world, 2); // inside the window on the new branch: the result is pending again
    expect((await indexer.tick()).retracted).toBe(0); // in doubt, not retracted yet
    const guardian = world.oracle.connect(world.node.wallet(GUARDIAN)) as Contract;
    await ((await guardian.getFunction('dispute')(result.eventId)) as ContractTransactionResponse).wait();
    expect((await indexer.tick()).retracted).toBe(1);
    expect((await rowsOf(result.eventId)).map((r) => r.kind)).toEqual(['final', 'retracted']);
  });

  it('results final through a batch root: a reorg of the finality block keeps the rows, a reorg of the root retracts each leaf', async () => {
    const indexer = indexerFor(world.address);
    await indexer.tick();
    const template = await makeResult(world, 'feed/batch');
    const results: Result[] = Array.from({ length: 4 }, (_, i) => ({
      ...template,
      eventId: eventIdOf(`feed/batch/${i}`),
      values: [i, 1],
    }));
    const source = new ListReadySource();
    for (const r of results) source.add(readyOf(world, r, await sign(world, r, [1, 2, 3])));
    const domain = oracleDomain(world.chainId, world.address);
    const store = new PgBatchSignatureStore({ db: world.pool, domain });
    const { service } = makeRelayer(world, source, { batchSignatures: store, relayer: { batchThreshold: 2 } });
    let beforeRoot: string;
    try {
      await service.runOnce(); // root requested
      const [request] = await store.openRequests();
      for (const i of [2, 4, 5]) {
        const wallet = new Wallet(world.node.wallet(i).privateKey);
        await store.addSignature(request!.batch.root, {
          attester: wallet.address,
          signature: await wallet.signTypedData(domain, BATCH_TYPES, { ...request!.batch }),
        });
      }
      beforeRoot = (await world.node.provider.send('evm_snapshot', [])) as string;
      await service.runOnce(); // proposeBatch sent
      await service.runOnce(); // confirmed
    } finally {
      await service.stop();
    }
    await indexer.tick();
    const beforeFinal = (await world.node.provider.send('evm_snapshot', [])) as string;
    await elapse(world, DISPUTE_WINDOW + 1);
    expect((await indexer.tick()).finalized).toBe(4);
    const rows = async () => (await Promise.all(results.map((r) => rowsOf(r.eventId)))).flat();
    const finals = await rows();
    expect(finals.map((r) => r.kind)).toEqual(['final', 'final', 'final', 'final']);

    // The block that made the root final leaves the chain; the root is still proposed: no row.
    expect(await world.node.provider.send('evm_revert', [beforeFinal])).toBe(true);
    await mine(world, 2);
    expect(await indexer.tick()).toEqual(expect.objectContaining({ retracted: 0, finalized: 0 }));
    await elapse(world, DISPUTE_WINDOW + 1);
    expect(await indexer.tick()).toEqual(expect.objectContaining({ retracted: 0, finalized: 0 }));
    expect(await rows()).toEqual(finals);

    // The root itself leaves the chain: each leaf is retracted.
    expect(await world.node.provider.send('evm_revert', [beforeRoot])).toBe(true);
    await mine(world, 3);
    expect((await indexer.tick()).retracted).toBe(4);
    expect((await rows()).map((r) => r.kind)).toEqual(Array.from({ length: 4 }, () => ['final', 'retracted']).flat());
  }, 120_000);

  let otherAddress = '';
  let otherBlock = 0;
  it('a reader sees its own deployment only; two deployments in one database, one indexer each', async () => {
    const other = (await deploy(world.node.wallet(0), 'ResultsOracle.sol', 'ResultsOracle', [
      attesters(),
      3,
      4,
      DISPUTE_WINDOW,
      world.node.wallet(GUARDIAN).address,
      world.node.wallet(0).address,
    ])) as unknown as Contract;
    otherAddress = await other.getAddress();
    otherBlock = (await other.deploymentTransaction()!.wait())!.blockNumber;
    const mainIndexer = indexerFor(world.address);
    const otherIndexer = indexerFor(otherAddress, { deploymentBlock: otherBlock });
    await mainIndexer.tick();
    const cursor = (await reader().finalResultsSince('0', 10_000)).at(-1)?.id ?? '0';
    const mine_ = await makeResult(world, 'feed/scope/main');
    const theirs = await makeResult(world, 'feed/scope/other');
    await propose(world.oracle, world.address, mine_, [1, 2, 3]);
    await propose(oracleContract(otherAddress, world.node.provider), otherAddress, theirs, [1, 2, 3]);
    await elapse(world, DISPUTE_WINDOW + 1);
    await otherIndexer.tick();
    await mainIndexer.tick();

    expect((await reader().finalResultsSince(cursor)).map((r) => r.eventId)).toEqual([mine_.eventId]);
    const otherReader = createOracleReader({ provider: world.node.provider, address: otherAddress, pool: world.pool });
    expect((await otherReader.finalResultsSince('0')).map((r) => r.eventId)).toEqual([theirs.eventId]);
  });

  it('indexers at once (two of one deployment, one committing slowly, and another deployment): a cursor reader polling meanwhile misses no row', async () => {
    // Fault injection: inserts of the pool named `slow-indexer` take 300 ms per feed row, after the row id
    // was drawn, so ids commit out of order unless one writer per deployment and a scoped cursor prevent it.
    await world.pool.query(`
      create or replace function feed_test_slow() returns trigger language plpgsql as $$
      begin
        if current_setting('application_name') = 'slow-indexer' then perform pg_sleep(0.3); end if;
        return new;
      end $$;
      drop trigger if exists feed_test_slow on oracle_final_results;
      create trigger feed_test_slow before insert on oracle_final_results for each row execute function feed_test_slow();`);
    const slowPool = new pg.Pool({ connectionString: world.db.url, application_name: 'slow-indexer', max: 4 });
    try {
      const slow = indexerFor(world.address, { pool: slowPool });
      const fast = indexerFor(world.address);
      const neighbour = indexerFor(otherAddress, { deploymentBlock: otherBlock });
      const otherOracle = oracleContract(otherAddress, world.node.provider);
      await Promise.all([fast.tick(), neighbour.tick()]);
      const start = (await reader().finalResultsSince('0', 10_000)).at(-1)?.id ?? '0';
      const results: Result[] = [];
      const round = async (label: string) => {
        for (let i = 0; i < 3; i++) {
          const r = await makeResult(world, `feed/indexers/${label}/${i}`);
          await propose(world.oracle, world.address, r, [1, 2, 3]);
          results.push(r);
          const theirs = await makeResult(world, `feed/indexers/${label}/other/${i}`);
          await propose(otherOracle, otherAddress, theirs, [1, 2, 3]);
        }
        await elapse(world, DISPUTE_WINDOW + 1);
      };

      const seen: FinalResult[] = [];
      let cursor = start;
      let polling = true;
      const poll = (async () => {
        while (polling) {
          const rows = await reader().finalResultsSince(cursor);
          seen.push(...rows);
          if (rows.length > 0) cursor = rows.at(-1)!.id;
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      for (let n = 0; n < 3; n++) {
        await round(String(n));
        // The slow one starts first: it draws ids, then the others commit while it sleeps.
        const reports = await Promise.all([
          slow.tick(),
          new Promise((r) => setTimeout(r, 100)).then(() => Promise.all([fast.tick(), neighbour.tick()])),
        ]);
        expect(reports.length).toBe(2);
      }
      await fast.tick();
      await new Promise((r) => setTimeout(r, 100));
      polling = false;
      await poll;
      seen.push(...(await reader().finalResultsSince(cursor)));

      const all = (await reader().finalResultsSince(start, 10_000)).map((r) => r.id);
      expect(seen.map((r) => r.id)).toEqual(all); // nothing skipped, nothing twice, in cursor order
      expect(seen.map((r) => r.eventId).sort()).toEqual(results.map((r) => r.eventId).sort());
      expect(seen.every((r) => r.kind === 'final')).toBe(true);
    } finally {
      await world.pool.query('drop trigger if exists feed_test_slow on oracle_final_results');
      await slowPool.end();
    }
  }, 120_000);

  it('a rewind replays the events the reorg touched, not the history', async () => {
    const indexer = indexerFor(world.address);
    // A long history: 120 results proposed and final.
    const nonce = await world.node.wallet(8).getNonce();
    const relayer = world.oracle.connect(world.node.wallet(8)) as Contract;
    const sent: Promise<ContractTransactionResponse>[] = [];
    for (let i = 0; i < 120; i++) {
      const r = await makeResult(world, `feed/history/${i}`);
      const signed = await sign(world, r, [1, 2, 3]);
      sent.push(
        relayer.getFunction('propose')(resultMessage(r), packSignatures(attesters(), signed), {
          nonce: nonce + i,
        }) as Promise<ContractTransactionResponse>,
      );
    }
    await Promise.all((await Promise.all(sent)).map((tx) => tx.wait()));
    await elapse(world, DISPUTE_WINDOW + 1);
    await indexer.tick();
    const history = await world.pool.query<{ n: number }>(
      'select count(*)::int as n from oracle_chain_events where stream = $1',
      [indexer.streamName],
    );
    expect(history.rows[0]!.n).toBeGreaterThan(120);

    const snapshot = (await world.node.provider.send('evm_snapshot', [])) as string;
    const late = await makeResult(world, 'feed/history/late');
    await propose(world.oracle, world.address, late, [1, 2, 3]);
    await indexer.tick();
    expect(await world.node.provider.send('evm_revert', [snapshot])).toBe(true);
    await elapse(world, 3);
    await mine(world);
    const report = await indexer.tick();
    expect(report.rewoundTo).toBeDefined();
    expect(report.replayed).toBeLessThanOrEqual(2); // the late result's own events, not 120+
    const derived = await world.pool.query('select 1 from oracle_results where event_id = $1', [late.eventId]);
    expect(derived.rowCount).toBe(0);
    const final = await world.pool.query<{ n: number }>(
      `select count(*)::int as n from oracle_results where stream = $1 and phase = 'final' and event_id like '0x%'`,
      [indexer.streamName],
    );
    expect(final.rows[0]!.n).toBeGreaterThanOrEqual(120);
  }, 120_000);
});
