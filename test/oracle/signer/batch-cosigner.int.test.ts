import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { AttestationService } from '../../../oracle/attestations/attestation-service.js';
import { PgAttestationStore } from '../../../oracle/attestations/pg-attestation-store.js';
import { PgReadyResultSource } from '../../../oracle/attestations/pg-ready-result-source.js';
import { ChainAttesterSetSource } from '../../../oracle/chain/attester-set-source.js';
import type { Logger } from '../../../oracle/chain/logger.js';
import { PgBatchSignatureStore } from '../../../oracle/relayer/batch-requests.js';
import type { BatchItem } from '../../../oracle/relayer/outbox-store.js';
import { toBatchPayload } from '../../../oracle/relayer/payload.js';
import { PgOutboxStore } from '../../../oracle/relayer/pg-outbox-store.js';
import {
  BATCH_LEAF_ENCODING,
  Phase,
  ResultStatus,
  batchDigest,
  batchLeaf,
  eventIdOf,
  oracleDomain,
  outcomeKey,
  type Batch,
  type Outcome,
} from '../../../oracle/result.js';
import { BatchCosigner, type BatchCosignerOptions } from '../../../oracle/signer/batch-cosigner.js';
import type { ResultSigner } from '../../../oracle/signer/result-signer.js';
import { createSignerInstances } from '../../../oracle/signer/signer-instances.js';
import {
  DISPUTE_WINDOW,
  chainNow,
  createWorld,
  elapse,
  makeIndexer,
  makeRelayer,
  type OracleWorld,
} from '../chain/harness.js';

const ADMINS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
/** Admins whose attestations make a 3-of-5 quorum in these tests. */
const QUORUM = ['alice', 'carol', 'erin'] as const;
const N = 64;
const OPTIONS: BatchCosignerOptions = {
  maxRequestsPerTick: 8,
  maxValiditySeconds: 2 * 86_400,
  deadlineMarginSeconds: 60,
};

/** A logger that keeps warnings (refusals) for assertions. */
function recordingLogger(): Logger & { warnings: Record<string, unknown>[] } {
  const warnings: Record<string, unknown>[] = [];
  return {
    warnings,
    debug: () => undefined,
    info: () => undefined,
    warn: (fields) => warnings.push(fields as Record<string, unknown>),
    error: (fields, message) => warnings.push({ ...fields, error: message }),
  };
}

describe('batch co-signing by signer instances (Hardhat node, real Postgres)', () => {
  let world: OracleWorld;
  let store: PgAttestationStore;
  let requests: PgBatchSignatureStore;
  let instances: ResultSigner[];
  let service: AttestationService;
  let ready: PgReadyResultSource;
  let clock = 0n;

  const submit = async (adminId: string, outcome: Outcome): Promise<void> => {
    clock = await chainNow(world.node.provider);
    await service.submit({ adminId, outcome });
  };
  const outcomeOf = async (key: string, values: number[]): Promise<Outcome> => ({
    eventId: eventIdOf(key),
    status: ResultStatus.Completed,
    values,
    endedAt: (await chainNow(world.node.provider)) - 60n,
    version: 1,
  });
  const cosignerFor = (who: readonly string[], logger?: Logger) =>
    new BatchCosigner({
      instances: instances.filter((i) => who.includes(i.adminId)),
      requests,
      attestations: store,
      attesterSets: new ChainAttesterSetSource({ contract: world.oracle, ttlMs: 0 }),
      now: () => chainNow(world.node.provider),
      options: OPTIONS,
      ...(logger ? { logger } : {}),
    });

  beforeAll(async () => {
    world = await createWorld('cosigner');
    store = new PgAttestationStore({ pool: world.pool });
    requests = new PgBatchSignatureStore({ db: world.pool, domain: oracleDomain(world.chainId, world.address) });
    // Five admins bound to the five development attester keys, one signer instance each, built from the
    // environment as `tsx oracle/main.ts signer` builds them.
    const env: NodeJS.ProcessEnv = { ORACLE_SIGNERS: ADMINS.map((a) => a.toUpperCase()).join(',') };
    for (const [i, admin] of ADMINS.entries()) {
      await store.bind(admin, world.node.wallet(i + 1).address);
      env[`ORACLE_SIGNER_${admin.toUpperCase()}_ADMIN`] = admin;
      env[`ORACLE_SIGNER_${admin.toUpperCase()}_PRIVATE_KEY`] = world.node.wallet(i + 1).privateKey;
    }
    instances = await createSignerInstances({ env, chainId: world.chainId, oracleAddress: world.address });
    expect(instances.map((i) => i.adminId)).toEqual([...ADMINS]);
    const attesterSet = new ChainAttesterSetSource({ contract: world.oracle, ttlMs: 0 });
    service = new AttestationService({
      store,
      attesterSet,
      chainId: world.chainId,
      oracleAddress: world.address,
      signers: instances,
      clock: () => clock,
    });
    ready = new PgReadyResultSource({ store, attesterSet });
  }, 120_000);
  afterAll(async () => {
    await world.close();
  });

  it(`${N} results attested 3-of-5 → batch request → three cosigners sign → proposeBatch → verified and final`, async () => {
    const outcomes = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        outcomeOf(`cosigned-${i}`, [i % 7, (i * 3) % 5]).then((o) =>
          i % 16 === 0 ? { ...o, status: ResultStatus.Cancelled, values: [] } : o,
        ),
      ),
    );
    for (const outcome of outcomes) for (const admin of QUORUM) await submit(admin, outcome);

    const { service: relayer } = makeRelayer(world, ready, {
      batchSignatures: requests,
      relayer: { batchThreshold: 16 },
    });
    try {
      await relayer.runOnce(); // one batch root requested from the attesters
      const open = await requests.openRequests();
      expect(open).toHaveLength(1);
      const [request] = open;
      expect(request!.batch.count).toBe(N);

      const logger = recordingLogger();
      const cosigner = cosignerFor(ADMINS, logger);
      const first = await cosigner.tick();
      expect(first).toEqual({ open: 1, examined: 1, signed: 3, refused: 2, errors: 0 });
      // bob and dave attested none of these outcomes: refused, logged, never signed.
      expect(logger.warnings.map((w) => [w.admin, w.reason])).toEqual([
        ['bob', 'not_attested'],
        ['dave', 'not_attested'],
      ]);
      const signers = (await requests.signaturesOf(request!.batch.root)).map((s) => s.attester).sort();
      expect(signers).toEqual([1, 3, 5].map((i) => world.node.wallet(i).address).sort());

      // Idempotent: signed roots are skipped; a second cosigner process adds nothing either.
      expect(await cosigner.tick()).toEqual({ open: 1, examined: 0, signed: 0, refused: 0, errors: 0 });
      expect((await cosignerFor(QUORUM).tick()).signed).toBe(0);
      expect(await requests.signaturesOf(request!.batch.root)).toHaveLength(3);

      await relayer.runOnce(); // quorum → pending → proposeBatchPacked sent
      await relayer.runOnce(); // confirmed
      const pubs = await world.pool.query<{ kind: string; state: string; tx_hash: string }>(
        'select kind, state, tx_hash from oracle_publications order by id',
      );
      expect(pubs.rows.map(({ kind, state }) => ({ kind, state }))).toEqual([{ kind: 'batch', state: 'confirmed' }]);
      const sentTx = await world.node.provider.getTransaction(pubs.rows[0]!.tx_hash);
      expect(sentTx!.data.slice(0, 10)).toBe(world.oracle.interface.getFunction('proposeBatchPacked')!.selector);
      expect(await requests.openRequests()).toEqual([]);

      await elapse(world, DISPUTE_WINDOW + 1);
      await makeIndexer(world).tick();
      const final = await world.pool.query<{ n: number }>(
        `select count(*)::int as n from oracle_final_results where batch_root = $1`,
        [request!.batch.root],
      );
      expect(final.rows[0]).toEqual({ n: N });
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
      const [leaf0, leaf1] = request!.items;
      expect(await phaseOf(leaf0!)).toBe(Phase.None);
      const publish = await world.oracle
        .connect(world.node.wallet(9))
        .getFunction('publishFromBatch')
        .send(request!.batch.root, leafOf(leaf0!), [...leaf0!.proof]);
      await publish.wait();
      expect(await phaseOf(leaf0!)).toBe(Phase.Proposed);
      await elapse(world, DISPUTE_WINDOW + 1);
      expect(await phaseOf(leaf0!)).toBe(Phase.Final);
      expect(await phaseOf(leaf1!)).toBe(Phase.None);
    } finally {
      await relayer.stop();
    }
  }, 180_000);

  it('a cosigner refuses a root containing an outcome its admin did not attest', async () => {
    const x = await outcomeOf('mixed-x', [1, 0]);
    const y = await outcomeOf('mixed-y', [0, 1]);
    for (const admin of ['alice', 'carol', 'dave']) await submit(admin, x);
    for (const admin of ['bob', 'carol', 'dave']) await submit(admin, y);

    const { service: relayer } = makeRelayer(world, ready, {
      batchSignatures: requests,
      relayer: { batchThreshold: 2 },
    });
    try {
      await relayer.runOnce(); // both ready → one root with x and y
      const request = (await requests.openRequests()).find((r) =>
        r.items.some((i) => i.eventId === x.eventId.toLowerCase()),
      );
      expect(request!.items.map((i) => i.eventId).sort()).toEqual([x.eventId, y.eventId].sort());

      const logger = recordingLogger();
      const report = await cosignerFor(ADMINS, logger).tick();
      expect(report).toMatchObject({ signed: 2, refused: 3, errors: 0 });
      // alice did not attest y, bob did not attest x, erin attested neither: never signed.
      const refusals = logger.warnings.filter((w) => w.root === request!.batch.root);
      expect(refusals.map((w) => [w.admin, w.reason])).toEqual([
        ['alice', 'not_attested'],
        ['bob', 'not_attested'],
        ['erin', 'not_attested'],
      ]);
      expect(refusals[0]!.examples).toEqual([{ eventId: y.eventId.toLowerCase(), version: 1, why: 'no attestation' }]);
      const signed = (await requests.signaturesOf(request!.batch.root)).map((s) => s.attester).sort();
      expect(signed).toEqual([3, 4].map((i) => world.node.wallet(i).address).sort());

      await relayer.runOnce(); // two of three: still waiting, nothing sent
      const state = await world.pool.query<{ state: string }>(
        'select state from oracle_publications where subject = $1',
        [request!.batch.root],
      );
      expect(state.rows).toEqual([{ state: 'awaiting_signatures' }]);
    } finally {
      await relayer.stop();
    }
  });

  /** A batch request as a (faulty or hostile) relayer could record it, with leaves of our choosing. */
  const requestBatch = async (
    outcomes: readonly Outcome[],
    overrides: Partial<Batch> = {},
    /** Leaves of the root that the request does not list (a root that hides them). */
    hidden = 0,
  ): Promise<{ batch: Batch; items: BatchItem[] }> => {
    const tree = StandardMerkleTree.of(
      outcomes.map((o) => batchLeaf(o)),
      [...BATCH_LEAF_ENCODING],
    );
    const now = await chainNow(world.node.provider);
    const batch: Batch = {
      root: tree.root,
      count: outcomes.length - hidden,
      notBefore: now - 60n,
      deadline: now + 86_400n,
      epoch: 1,
      ...overrides,
    };
    const listed = outcomes.slice(0, outcomes.length - hidden).map((o) => o.eventId);
    const entries = [...tree.entries()].filter(([, leaf]) => listed.includes(leaf[0]));
    const items = entries.map(([leafIndex, leaf]) => {
      const o = outcomes.find((c) => c.eventId === leaf[0])!;
      return {
        eventId: o.eventId,
        outcomeKey: outcomeKey(o),
        leafIndex,
        status: o.status,
        values: [...o.values],
        endedAt: o.endedAt,
        version: o.version,
        proof: tree.getProof(leafIndex),
      };
    });
    const outbox = new PgOutboxStore({ db: () => world.pool, chainId: world.chainId, contract: world.address });
    const created = await outbox.createPublication(
      {
        kind: 'batch',
        subject: batch.root,
        payloadKey: batch.root,
        outcomeKey: null,
        version: null,
        digest: batchDigest(oracleDomain(world.chainId, world.address), batch),
        payload: toBatchPayload(batch),
        deadline: batch.deadline,
        state: 'awaiting_signatures',
      },
      items,
    );
    expect(created).toBeDefined();
    return { batch, items };
  };

  it('refuses a root with an outcome other than the one its admin attested, and a root that hides leaves', async () => {
    const a = await outcomeOf('tampered-a', [3, 3]);
    const b = await outcomeOf('tampered-b', [4, 1]);
    await submit('alice', a);
    await submit('alice', b);
    const tampered = await requestBatch([a, { ...b, values: [1, 4] }]);
    const hidden = await requestBatch([a, b, await outcomeOf('tampered-hidden', [9, 9])], {}, 1);
    const logger = recordingLogger();
    await cosignerFor(['alice'], logger).tick();
    const reasons = (root: string) => logger.warnings.filter((w) => w.root === root).map((w) => w.reason);
    expect(reasons(tampered.batch.root)).toEqual(['not_attested']);
    expect(logger.warnings.find((w) => w.root === tampered.batch.root)!.examples).toEqual([
      { eventId: b.eventId.toLowerCase(), version: 1, why: 'another outcome' },
    ]);
    expect(reasons(hidden.batch.root)).toEqual(['root_mismatch']);
    expect(await requests.signaturesOf(tampered.batch.root)).toEqual([]);
    expect(await requests.signaturesOf(hidden.batch.root)).toEqual([]);

    // The same leaves, honestly rooted, are signed.
    const honest = await requestBatch([a, b]);
    await cosignerFor(['alice']).tick();
    expect((await requests.signaturesOf(honest.batch.root)).map((s) => s.attester)).toEqual([
      world.node.wallet(1).address,
    ]);
  });

  it('does not sign a root with a wrong-epoch request or an unsound signing window', async () => {
    const c = await outcomeOf('epoch-c', [5, 0]);
    const d = await outcomeOf('epoch-d', [0, 5]);
    await submit('alice', c);
    await submit('alice', d);
    const now = await chainNow(world.node.provider);
    const wrongEpoch = await requestBatch([c, d], { epoch: 2 });
    const tooLong = await requestBatch([c], { deadline: now + 30n * 86_400n });
    const expiring = await requestBatch([d], { deadline: now + 10n });
    const logger = recordingLogger();
    await cosignerFor(['alice'], logger).tick();
    const reason = (root: string) => logger.warnings.filter((w) => w.root === root).map((w) => w.reason);
    expect(reason(wrongEpoch.batch.root)).toEqual(['wrong_epoch']);
    expect(reason(tooLong.batch.root)).toEqual(['window']);
    expect(reason(expiring.batch.root)).toEqual(['window']);
    for (const { batch } of [wrongEpoch, tooLong, expiring]) {
      expect(await requests.signaturesOf(batch.root)).toEqual([]);
    }
  });
});
