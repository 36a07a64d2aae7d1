import {
  ListReadySource,
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
import { Phase } from '../../../oracle/result.js';

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

  it('publishes a 3-of-5 result with propose; the indexer sees it and derives finality after the window', async () => {
    const source = new ListReadySource();
    const result = await makeResult(world, 'e2e-3-of-5');
    source.add(readyOf(world, result, await sign(world, result, [1, 3, 5])));
    const { service } = makeRelayer(world, source);
    try {
      await service.runOnce(); // sends (automine: mined at once)
      await service.runOnce(); // receipt with 1 confirmation → confirmed
    } finally {
      await service.stop();
    }
    expect(await publications(result.eventId)).toEqual([expect.objectContaining({ state: 'confirmed' })]);
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
  });
});
