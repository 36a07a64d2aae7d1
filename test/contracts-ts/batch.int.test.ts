import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import {
  BATCH_LEAF_ENCODING,
  Phase,
  ResultStatus,
  batchLeaf,
  eventIdOf,
  type Batch,
  type Outcome,
} from '../../oracle/result.js';
import { startHardhatNode, type HardhatNode } from '../support/chain.js';
import {
  DEADLINE,
  ENDED_AT,
  NOT_BEFORE,
  WINDOW,
  advanceTime,
  batchTree,
  batchedResult,
  deployOracle,
  eoaSigner,
  read,
  revertData,
  send,
  signBatch,
  type BatchTree,
  type OracleDeployment,
} from './fixture.js';

const N = 256;

/** 256 outcomes of every shape: match scores, races (long outcomes), and void statuses without values. */
function outcomes(): Outcome[] {
  return Array.from({ length: N }, (_, i) => {
    const eventId = eventIdOf(`batch/${i}`);
    if (i % 16 === 5) return { eventId, status: ResultStatus.Cancelled, values: [], endedAt: ENDED_AT, version: 1 };
    if (i % 16 === 9) {
      const runners = Array.from({ length: 3 + (i % 12) }, (_, r) => ((r * 7 + i) % 40) + 1);
      return { eventId, status: ResultStatus.Completed, values: runners, endedAt: ENDED_AT + BigInt(i), version: 1 };
    }
    return { eventId, status: ResultStatus.Completed, values: [i % 6, (i * 5) % 4], endedAt: ENDED_AT, version: 1 };
  });
}

describe('ResultsOracle batch of 256 results (StandardMerkleTree)', () => {
  let node: HardhatNode;
  let d: OracleDeployment;
  let list: Outcome[];
  let tree: BatchTree;
  let finalAt: bigint;

  beforeAll(async () => {
    node = await startHardhatNode();
    const attesters = [1, 2, 3, 4, 5].map((i) => node.wallet(i));
    d = await deployOracle(node.wallet(0), {
      attesters: attesters.map((w) => w.address),
      threshold: 3,
      disputeThreshold: 4,
      guardian: node.wallet(6).address,
      governance: node.wallet(7).address,
    });
    list = outcomes();
    tree = batchTree(list);
    const batch: Batch = { root: tree.root, count: N, notBefore: NOT_BEFORE, deadline: DEADLINE, epoch: 1 };
    const bundle = await signBatch(
      d.domain,
      d.set,
      [0, 2, 3].map((i) => eoaSigner(attesters[i]!)),
      batch,
    );
    await send(d.oracle, 'proposeBatch', batch, bundle);
    [, finalAt] = await read<[bigint, bigint, bigint]>(d.oracle, 'batchOf', tree.root);
  });
  afterAll(async () => {
    await node.stop();
  });

  it('builds the same leaves as a tree loaded from its dump (the relayer stores dumps)', () => {
    const reloaded = StandardMerkleTree.load(tree.dump());
    expect(reloaded.root).toBe(tree.root);
    expect(StandardMerkleTree.verify(tree.root, [...BATCH_LEAF_ENCODING], batchLeaf(list[9]!), tree.getProof(9))).toBe(
      true,
    );
  });

  it('proves none of the 256 results while none is the stored record of its event', async () => {
    expect(await read(d.oracle, 'batchOf', tree.root)).toEqual([BigInt(Phase.Proposed), finalAt, 1n]);
    const verdicts = await Promise.all(
      list.map((outcome, i) => read(d.oracle, 'verifyBatched', tree.root, batchedResult(outcome), tree.getProof(i))),
    );
    // A proof read defers to storage: an unpublished leaf is no result yet.
    for (const verdict of verdicts) expect(verdict).toEqual([BigInt(Phase.None), 0n]);
  });

  it('rejects a tampered result, a proof of another leaf and an unknown root', async () => {
    const tampered = { ...list[0]!, values: [9, 9] };
    expect(await read(d.oracle, 'verifyBatched', tree.root, batchedResult(tampered), tree.getProof(0))).toEqual([
      0n,
      0n,
    ]);
    expect(await read(d.oracle, 'verifyBatched', tree.root, batchedResult(list[0]!), tree.getProof(1))).toEqual([
      0n,
      0n,
    ]);
    const other = batchTree(list.slice(0, 8));
    expect(await read(d.oracle, 'verifyBatched', other.root, batchedResult(list[0]!), other.getProof(0))).toEqual([
      0n,
      0n,
    ]);
  });

  it('after the window: leaves published with publishFromBatch are proposed with a fresh window, then read final on every path', async () => {
    const parseError = (data: string) => d.oracle.interface.parseError(data)?.name;
    // Not final yet: a write is refused.
    expect(
      parseError(
        await revertData(
          d.oracle.getFunction('publishFromBatch').staticCall(tree.root, batchedResult(list[0]!), tree.getProof(0)),
        ),
      ),
    ).toBe('BatchNotFinal');

    await advanceTime(node, WINDOW);
    const sample = [0, 1, 5, 9, 77, 128, 201, 255];
    for (const i of sample) {
      expect(
        parseError(
          await revertData(
            d.oracle
              .getFunction('requireFinalBatched')
              .staticCall(tree.root, batchedResult(list[i]!), tree.getProof(i)),
          ),
        ),
      ).toBe('ResultNotStored');
    }

    for (const i of sample)
      await send(d.oracle, 'publishFromBatch', tree.root, batchedResult(list[i]!), tree.getProof(i));
    const [phase, leafFinalAt] = await read<[bigint, bigint]>(
      d.oracle,
      'verifyBatched',
      tree.root,
      batchedResult(list[0]!),
      tree.getProof(0),
    );
    expect(phase).toBe(BigInt(Phase.Proposed));
    expect(leafFinalAt).toBeGreaterThan(finalAt);
    await advanceTime(node, WINDOW);
    for (const i of sample) {
      expect(await read(d.oracle, 'verifyBatched', tree.root, batchedResult(list[i]!), tree.getProof(i))).toEqual([
        BigInt(Phase.Final),
        expect.any(BigInt),
      ]);
      await read(d.oracle, 'requireFinalBatched', tree.root, batchedResult(list[i]!), tree.getProof(i));
    }
    for (const i of sample) {
      const outcome = list[i]!;
      expect(await read(d.oracle, 'isFinal', outcome.eventId)).toEqual([true]);
      const [status, version] = await read(d.oracle, 'finalResultWithValues', outcome.eventId, [...outcome.values]);
      expect([status, version]).toEqual([BigInt(outcome.status), 1n]);
      if (outcome.values.length <= 2) {
        const [, home, away] = await read(d.oracle, 'finalMatchResult', outcome.eventId);
        expect([home, away]).toEqual([BigInt(outcome.values[0] ?? 0), BigInt(outcome.values[1] ?? 0)]);
      }
    }
    // Publishing the same final result again is a no-op; a bad proof is refused with InvalidProof.
    await send(d.oracle, 'publishFromBatch', tree.root, batchedResult(list[0]!), tree.getProof(0));
    const bad = await revertData(
      d.oracle.getFunction('publishFromBatch').staticCall(tree.root, batchedResult(list[2]!), tree.getProof(3)),
    );
    expect(d.oracle.interface.parseError(bad)?.args.toArray()).toEqual([tree.root]);
    expect(parseError(bad)).toBe('InvalidProof');
    // A race outcome keeps its values as a commitment: other values do not match.
    const race = list[9]!;
    expect(
      parseError(await revertData(d.oracle.getFunction('finalResultWithValues').staticCall(race.eventId, [1, 2, 3]))),
    ).toBe('ValuesMismatch');
  });
});
