import { readFile } from 'node:fs/promises';
import { TypedDataEncoder, ZeroHash, id } from 'ethers';
import {
  BATCH_RESOLUTION_TYPES,
  BATCH_TYPES,
  RESOLUTION_TYPES,
  RESULT_TYPES,
  ResultStatus,
  batchDigest,
  batchResolutionDigest,
  eventIdOf,
  oracleDomain,
  resolutionDigest,
  resultDigest,
  resultMessage,
  type Batch,
  type Result,
} from '../../oracle/result.js';
import { startHardhatNode, type HardhatNode } from '../support/chain.js';
import { deployOracle, matchResult, read, type OracleDeployment } from './fixture.js';

const MAX_U32 = 2 ** 32 - 1;
const MAX_U64 = 2n ** 64n - 1n;

const results: [string, Result][] = [
  ['a match score', matchResult(eventIdOf('fr-ligue1-2026-psg-om'), 2, 1)],
  [
    'a cancellation (empty values)',
    { ...matchResult(eventIdOf('cancelled'), 0, 0), status: ResultStatus.Cancelled, values: [] },
  ],
  [
    'a race finishing order (20 runners)',
    { ...matchResult(eventIdOf('longchamp-r4'), 0, 0), values: Array.from({ length: 20 }, (_, i) => 20 - i) },
  ],
  [
    'a long outcome at the limits (255 values, maximal integers)',
    {
      eventId: `0x${'ff'.repeat(32)}`,
      status: ResultStatus.Completed,
      values: Array.from({ length: 255 }, (_, i) => (i % 2 ? MAX_U32 : i)),
      endedAt: MAX_U64,
      version: MAX_U32,
      notBefore: MAX_U64 - 1n,
      deadline: MAX_U64,
      epoch: MAX_U32,
    },
  ],
  [
    'zero fields (status None, zero id, zero times)',
    {
      eventId: ZeroHash,
      status: ResultStatus.None,
      values: [],
      endedAt: 0n,
      version: 0,
      notBefore: 0n,
      deadline: 0n,
      epoch: 0,
    },
  ],
];

const batches: [string, Batch][] = [
  ['a batch of 256', { root: id('root'), count: 256, notBefore: 1_790_000_000n, deadline: 1_790_086_400n, epoch: 1 }],
  [
    'a batch at the limits',
    { root: `0x${'ab'.repeat(32)}`, count: MAX_U32, notBefore: 0n, deadline: MAX_U64, epoch: 7 },
  ],
];

describe('EIP-712 digests: ethers TypedDataEncoder (oracle/result.ts) = ResultsOracle', () => {
  let node: HardhatNode;
  let first: OracleDeployment;
  let second: OracleDeployment;

  beforeAll(async () => {
    node = await startHardhatNode();
    const params = {
      attesters: [1, 2, 3, 4, 5].map((i) => node.wallet(i).address),
      threshold: 3,
      disputeThreshold: 4,
      guardian: node.wallet(6).address,
      governance: node.wallet(7).address,
    };
    first = await deployOracle(node.wallet(0), params);
    second = await deployOracle(node.wallet(0), params);
  });
  afterAll(async () => {
    await node.stop();
  });

  it.each(results)('resultDigest of %s', async (_, result) => {
    const [onChain] = await read<[string]>(first.oracle, 'resultDigest', resultMessage(result));
    expect(onChain).toBe(resultDigest(first.domain, result));
  });

  it.each(batches)('batchDigest of %s', async (_, batch) => {
    const [onChain] = await read<[string]>(first.oracle, 'batchDigest', { ...batch });
    expect(onChain).toBe(batchDigest(first.domain, batch));
  });

  it('binds the digest to the contract address and the chain id', async () => {
    const result = results[0]![1];
    const [a] = await read<[string]>(first.oracle, 'resultDigest', resultMessage(result));
    const [b] = await read<[string]>(second.oracle, 'resultDigest', resultMessage(result));
    expect(a).not.toBe(b);
    expect(b).toBe(resultDigest(second.domain, result));
    expect(resultDigest(oracleDomain(1n, first.address), result)).not.toBe(a);
  });

  it('mirrors the type strings of contracts/libraries/ResultHash.sol, resolutions included', async () => {
    const source = await readFile(new URL('../../contracts/libraries/ResultHash.sol', import.meta.url), 'utf8');
    const declared = (name: string): string => {
      const match = new RegExp(`_TYPEHASH = keccak256\\(\\s*"(${name}\\([^"]*\\))"\\s*\\)`).exec(source);
      if (!match) throw new Error(`no ${name} type string in ResultHash.sol`);
      return match[1]!;
    };
    const encoded = (types: typeof RESULT_TYPES, name: string): string => TypedDataEncoder.from(types).encodeType(name);
    expect(encoded(RESULT_TYPES, 'Result')).toBe(declared('Result'));
    expect(encoded(BATCH_TYPES, 'Batch')).toBe(declared('Batch'));
    expect(encoded(RESOLUTION_TYPES, 'Resolution')).toBe(declared('Resolution'));
    expect(encoded(BATCH_RESOLUTION_TYPES, 'BatchResolution')).toBe(declared('BatchResolution'));
  });

  it('gives a resolution another digest than the proposal of the same payload', () => {
    for (const [, result] of results) {
      expect(resolutionDigest(first.domain, result)).not.toBe(resultDigest(first.domain, result));
    }
    for (const [, batch] of batches) {
      expect(batchResolutionDigest(first.domain, batch)).not.toBe(batchDigest(first.domain, batch));
    }
  });

  it('changes with every signed field', async () => {
    const base = results[0]![1];
    const variants: Result[] = [
      { ...base, eventId: eventIdOf('other') },
      { ...base, status: ResultStatus.Void, values: [] },
      { ...base, values: [1, 2] },
      { ...base, endedAt: base.endedAt + 1n },
      { ...base, version: 2 },
      { ...base, notBefore: base.notBefore + 1n },
      { ...base, deadline: base.deadline - 1n },
      { ...base, epoch: 2 },
    ];
    const digests = new Set<string>([resultDigest(first.domain, base)]);
    for (const variant of variants) {
      const [onChain] = await read<[string]>(first.oracle, 'resultDigest', resultMessage(variant));
      expect(onChain).toBe(resultDigest(first.domain, variant));
      digests.add(onChain);
    }
    expect(digests.size).toBe(variants.length + 1);
  });
});
