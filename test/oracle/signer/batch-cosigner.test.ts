import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Wallet, getAddress } from 'ethers';
import type { StoredAttestation } from '../../../oracle/attestations/attestation-store.js';
import { StaticAttesterSet } from '../../../oracle/attestations/attester-set.js';
import { loadOracleConfig } from '../../../oracle/config.js';
import type { BatchRequest, BatchSignatureStore } from '../../../oracle/relayer/batch-requests.js';
import {
  BATCH_LEAF_ENCODING,
  ResultStatus,
  batchLeaf,
  eventIdOf,
  outcomeKey,
  type AttesterSignature,
  type Outcome,
} from '../../../oracle/result.js';
import { BatchCosigner } from '../../../oracle/signer/batch-cosigner.js';
import { ResultSigner } from '../../../oracle/signer/result-signer.js';
import { DEV_KEYS } from '../../../oracle/keys/dev-keys.js';

const ORACLE = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const NOW = 1_800_000_000n;

class MemoryRequests implements BatchSignatureStore {
  readonly requests: BatchRequest[] = [];
  readonly signatures = new Map<string, AttesterSignature[]>();
  openRequests(): Promise<BatchRequest[]> {
    return Promise.resolve(
      this.requests.map((r) => ({
        ...r,
        signedBy: (this.signatures.get(r.batch.root) ?? []).map((s) => s.attester),
      })),
    );
  }
  addSignature(root: string, signature: AttesterSignature): Promise<boolean> {
    const list = this.signatures.get(root) ?? [];
    if (!list.some((s) => s.attester === signature.attester)) list.push(signature);
    this.signatures.set(root, list);
    return Promise.resolve(true);
  }
  signaturesOf(root: string): Promise<AttesterSignature[]> {
    return Promise.resolve(this.signatures.get(root) ?? []);
  }
}

function outcome(key: string): Outcome {
  return { eventId: eventIdOf(key), status: ResultStatus.Completed, values: [1, 2], endedAt: NOW - 100n, version: 1 };
}

function requestOf(outcomes: readonly Outcome[]): BatchRequest {
  const tree = StandardMerkleTree.of(
    outcomes.map((o) => batchLeaf(o)),
    [...BATCH_LEAF_ENCODING],
  );
  return {
    batch: { root: tree.root, count: outcomes.length, notBefore: NOW - 60n, deadline: NOW + 86_400n, epoch: 1 },
    digest: '0x',
    items: [...tree.entries()].map(([leafIndex, leaf]) => {
      const o = outcomes.find((c) => c.eventId === leaf[0])!;
      return { ...o, outcomeKey: outcomeKey(o), leafIndex, proof: tree.getProof(leafIndex) };
    }),
    signedBy: [],
  };
}

describe('BatchCosigner (unit)', () => {
  let alice: ResultSigner;
  beforeAll(async () => {
    alice = await ResultSigner.create({
      adminId: 'alice',
      signer: new Wallet(DEV_KEYS[1]),
      chainId: 31337n,
      oracleAddress: ORACLE,
    });
  });

  const setup = (options: { failOn?: string } = {}) => {
    const requests = new MemoryRequests();
    const wall = { ms: 0 };
    const attested = new Map<string, StoredAttestation[]>();
    const attest = (o: Outcome) =>
      attested.set(o.eventId, [
        {
          eventId: o.eventId,
          version: o.version,
          attester: getAddress(alice.attester),
          adminId: 'alice',
          outcomeKey: outcomeKey(o),
          result: { ...o, notBefore: o.endedAt, deadline: o.endedAt + 7n * 86_400n, epoch: 1 },
          digest: '0x',
          signature: '0x',
          source: 'signer',
          contract: false,
          createdAt: new Date(),
          updatedAt: new Date(),
        },
      ]);
    const cosigner = new BatchCosigner({
      instances: [alice],
      requests,
      attestations: {
        forEvent: (eventId) => {
          if (eventId === options.failOn) return Promise.reject(new Error('database hiccup'));
          return Promise.resolve(attested.get(eventId) ?? []);
        },
        attesterOf: (adminId) => Promise.resolve(adminId === 'alice' ? alice.attester : undefined),
      },
      attesterSets: new StaticAttesterSet({
        epoch: 1,
        threshold: 1,
        attesters: [alice.attester, new Wallet(DEV_KEYS[2]).address],
      }),
      now: () => Promise.resolve(NOW),
      clock: () => wall.ms,
      options: { maxRequestsPerTick: 3, maxValiditySeconds: 2 * 86_400, deadlineMarginSeconds: 60 },
    });
    return { requests, attest, cosigner, wall };
  };

  it('examines at most maxRequestsPerTick roots per tick, then the rest', async () => {
    const { requests, attest, cosigner } = setup();
    for (let i = 0; i < 5; i++) {
      const o = outcome(`bounded-${i}`);
      attest(o);
      requests.requests.push(requestOf([o]));
    }
    expect(await cosigner.tick()).toEqual({ open: 5, examined: 3, signed: 3, refused: 0, errors: 0 });
    expect(await cosigner.tick()).toEqual({ open: 5, examined: 2, signed: 2, refused: 0, errors: 0 });
    expect(await cosigner.tick()).toEqual({ open: 5, examined: 0, signed: 0, refused: 0, errors: 0 });
  });

  it('isolates an error on one root: the others are signed, the failed one is tried again', async () => {
    const broken = outcome('isolated-broken');
    const { requests, attest, cosigner } = setup({ failOn: broken.eventId });
    const ok = outcome('isolated-ok');
    attest(ok);
    attest(broken);
    requests.requests.push(requestOf([broken]), requestOf([ok]));
    expect(await cosigner.tick()).toEqual({ open: 2, examined: 2, signed: 1, refused: 0, errors: 1 });
    expect(await requests.signaturesOf(requests.requests[1]!.batch.root)).toHaveLength(1);
    expect(await cosigner.tick()).toMatchObject({ examined: 1, errors: 1 });
  });

  it('rechecks a refused root after recheckAfterMs, and signs it once its admin attested', async () => {
    const { requests, attest, cosigner, wall } = setup();
    const later = outcome('attested-later');
    requests.requests.push(requestOf([later]));
    expect(await cosigner.tick()).toMatchObject({ examined: 1, refused: 1, signed: 0 });
    attest(later);
    wall.ms += 59_000;
    expect(await cosigner.tick()).toMatchObject({ examined: 0 }); // refusal remembered
    wall.ms += 1_000;
    expect(await cosigner.tick()).toMatchObject({ examined: 1, signed: 1 });
    expect(await cosigner.tick()).toMatchObject({ examined: 0 }); // signed: skipped
  });

  it('reads its variables through loadOracleConfig, naming a bad one', () => {
    const env = {
      DATABASE_URL: 'postgres://u:p@localhost:5432/db',
      ORACLE_RPC_URLS: 'http://127.0.0.1:8545',
      ORACLE_CHAIN_ID: '31337',
      ORACLE_ADDRESS: ORACLE,
    };
    expect(loadOracleConfig(env).cosigner).toEqual({
      pollMs: 2_000,
      maxRequestsPerTick: 8,
      maxValiditySeconds: 172_800,
      deadlineMarginSeconds: 60,
    });
    expect(() => loadOracleConfig({ ...env, COSIGNER_MAX_REQUESTS_PER_TICK: '0' })).toThrow(
      /COSIGNER_MAX_REQUESTS_PER_TICK/,
    );
  });
});
