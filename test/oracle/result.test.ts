import { Interface, Signature, Wallet, concat, dataLength, dataSlice, verifyTypedData } from 'ethers';
import {
  RESULT_TYPES,
  ResultStatus,
  PROPOSE_BATCH_PACKED_SELECTOR,
  PROPOSE_PACKED_SELECTOR,
  PackedPayloadError,
  SignatureBundleError,
  attesterSetHash,
  eventIdOf,
  oracleDomain,
  outcomeKey,
  packBatch,
  packResult,
  packSignatures,
  proposeBatchPackedData,
  proposePackedData,
  resultMessage,
  type Batch,
  type Result,
} from '../../oracle/result.js';

const wallets = Array.from({ length: 5 }, (_, i) => new Wallet(`0x${(i + 1).toString(16).padStart(64, '0')}`));
const set = wallets.map((w) => w.address);
const domain = oracleDomain(31337n, '0x5FbDB2315678afecb367f032d93F642f64180aa3');
const result: Result = {
  eventId: eventIdOf('fr-ligue1-2026-psg-om'),
  status: ResultStatus.Completed,
  values: [2, 1],
  endedAt: 1_790_000_000n,
  version: 1,
  notBefore: 1_790_000_000n,
  deadline: 1_790_086_400n,
  epoch: 1,
};

const MAX_U32 = 2 ** 32 - 1;
const MAX_U64 = 2n ** 64n - 1n;

/** The EIP-2098 entry `0x00 ‖ r ‖ yParityAndS` of a 65-byte signature, built with ethers' own `Signature`. */
function compactEntry(signature: string): string {
  const sig = Signature.from(signature);
  return concat(['0x00', sig.r, sig.yParityAndS]);
}

describe('packSignatures (bundle v2)', () => {
  const sign = (w: Wallet) => w.signTypedData(domain, RESULT_TYPES, resultMessage(result));

  it('packs n, the bitmap, then per position the address of a non-signer or the compact signature of a signer', async () => {
    const [s3, s0, s2] = await Promise.all([sign(wallets[3]!), sign(wallets[0]!), sign(wallets[2]!)]);
    const bundle = packSignatures(set, [
      { attester: set[3]!, signature: s3 },
      { attester: set[0]!, signature: s0 },
      { attester: set[2]!, signature: s2 },
    ]);
    // Byte for byte: 5 ‖ 0x000d (attesters 0, 2, 3) ‖ entry 0 ‖ address 1 ‖ entry 2 ‖ entry 3 ‖ address 4.
    expect(bundle).toBe(
      concat(['0x05', '0x000d', compactEntry(s0), set[1]!, compactEntry(s2), compactEntry(s3), set[4]!]),
    );
    expect(dataLength(bundle)).toBe(1 + 2 + 2 * 20 + 3 * 65);
    // Signers' addresses are not sent: each entry recovers to its attester.
    for (const [offset, wallet] of [
      [3, wallets[0]!],
      [88, wallets[2]!],
      [153, wallets[3]!],
    ] as const) {
      const entry = dataSlice(bundle, offset, offset + 65);
      expect(dataSlice(entry, 0, 1)).toBe('0x00');
      const compact = Signature.from({ r: dataSlice(entry, 1, 33), yParityAndS: dataSlice(entry, 33, 65) });
      expect(verifyTypedData(domain, RESULT_TYPES, resultMessage(result), compact)).toBe(wallet.address);
    }
  });

  it('encodes an ERC-1271 entry with its address and length', () => {
    const bundle = packSignatures(set, [{ attester: set[1]!, signature: '0xabcdef', contract: true }]);
    expect(bundle).toBe(
      `0x05${'0002'}${set[0]!.slice(2)}01${set[1]!.slice(2)}0003abcdef${set
        .slice(2)
        .map((a) => a.slice(2))
        .join('')}`.toLowerCase(),
    );
    const empty = packSignatures([set[0]!], [{ attester: set[0]!, signature: '0x', contract: true }]);
    expect(empty).toBe(`0x010001${'01'}${set[0]!.slice(2).toLowerCase()}0000`);
  });

  it('sends the whole set when nobody signed, and the sixteenth bit as the high bit', async () => {
    expect(packSignatures(set, [])).toBe(concat(['0x05', '0x0000', ...set]));
    const sixteen = Array.from({ length: 16 }, (_, i) =>
      i === 15 ? wallets[0]!.address : Wallet.createRandom().address,
    );
    const signature = await sign(wallets[0]!);
    const bundle = packSignatures(sixteen, [{ attester: wallets[0]!.address, signature }]);
    expect(bundle).toBe(concat(['0x10', '0x8000', ...sixteen.slice(0, 15), compactEntry(signature)]));
  });

  it('accepts recovery ids 0/1 as well as 27/28, and matches attesters whatever their case', async () => {
    const signature = await sign(wallets[1]!);
    const sig = Signature.from(signature);
    const raw01 = `${signature.slice(0, 130)}${sig.yParity === 0 ? '00' : '01'}`;
    expect(packSignatures(set, [{ attester: set[1]!.toLowerCase(), signature: raw01 }])).toBe(
      packSignatures(set, [{ attester: set[1]!, signature }]),
    );
  });

  it('refuses unknown attesters, duplicates, high-s, bad recovery ids and malformed signatures', async () => {
    const good = await sign(wallets[0]!);
    const outsider = Wallet.createRandom();
    expect(() => packSignatures(set, [{ attester: outsider.address, signature: good }])).toThrow(SignatureBundleError);
    expect(() =>
      packSignatures(set, [
        { attester: set[0]!, signature: good },
        { attester: set[0]!, signature: good },
      ]),
    ).toThrow(/two signatures/);
    const sig = Signature.from(good);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const highS = `${sig.r}${(n - BigInt(sig.s)).toString(16).padStart(64, '0')}${sig.v === 27 ? '1c' : '1b'}`;
    expect(() => packSignatures(set, [{ attester: set[0]!, signature: highS }])).toThrow(/high-s/);
    expect(() => packSignatures(set, [{ attester: set[0]!, signature: `${good.slice(0, 130)}1d` }])).toThrow(
      /bad recovery id/,
    );
    expect(() => packSignatures(set, [{ attester: set[0]!, signature: '0x1234' }])).toThrow(/65 bytes/);
    const long = `0x${'ab'.repeat(0x10000)}`;
    expect(() => packSignatures(set, [{ attester: set[0]!, signature: long, contract: true }])).toThrow(/65535/);
    expect(() => packSignatures([], [])).toThrow(/1\.\.16/);
    expect(() => packSignatures([...set, ...set, ...set, ...set].slice(0, 17), [])).toThrow(/1\.\.16/);
  });
});

describe('packResult and packBatch (packed calldata)', () => {
  const eventId = `0x${'11'.repeat(32)}`;
  const match: Result = { ...result, eventId };

  it('packs a result big-endian without padding', () => {
    expect(packResult(match)).toBe(
      [
        `0x${'11'.repeat(32)}`, // eventId
        '01', // status Completed
        '02', // two values
        '00000002', // home
        '00000001', // away
        '000000006ab13b80', // endedAt 1_790_000_000
        '00000001', // version
        '000000006ab13b80', // notBefore
        '000000006ab28d00', // deadline 1_790_086_400
        '00000001', // epoch
      ].join(''),
    );
    expect(dataLength(packResult(match))).toBe(32 + 1 + 1 + 2 * 4 + 8 + 4 + 8 + 8 + 4);
  });

  it('packs an empty outcome and one at the limits', () => {
    const cancelled: Result = { ...match, status: ResultStatus.Cancelled, values: [] };
    expect(dataSlice(packResult(cancelled), 32, 34)).toBe('0x0200');
    expect(dataLength(packResult(cancelled))).toBe(32 + 2 + 32);
    const limits: Result = {
      eventId: `0x${'ff'.repeat(32)}`,
      status: 255 as ResultStatus,
      values: Array.from({ length: 255 }, () => MAX_U32),
      endedAt: MAX_U64,
      version: MAX_U32,
      notBefore: MAX_U64,
      deadline: MAX_U64,
      epoch: MAX_U32,
    };
    expect(packResult(limits)).toBe(`0x${'ff'.repeat(32 + 1)}ff${'ff'.repeat(255 * 4 + 8 + 4 + 8 + 8 + 4)}`);
  });

  it('packs a batch big-endian without padding', () => {
    const batch: Batch = { root: `0x${'ab'.repeat(32)}`, count: 256, notBefore: 0n, deadline: MAX_U64, epoch: 7 };
    expect(packBatch(batch)).toBe(
      `0x${'ab'.repeat(32)}${'00000100'}${'0000000000000000'}${'ffffffffffffffff'}${'00000007'}`,
    );
    expect(dataLength(packBatch(batch))).toBe(32 + 4 + 8 + 8 + 4);
  });

  it('builds the whole calldata of proposePacked() / proposeBatchPacked(): selector ‖ packed payload ‖ bundle', () => {
    const abi = new Interface(['function proposePacked()', 'function proposeBatchPacked()']);
    expect(PROPOSE_PACKED_SELECTOR).toBe(abi.getFunction('proposePacked')!.selector);
    expect(PROPOSE_BATCH_PACKED_SELECTOR).toBe(abi.getFunction('proposeBatchPacked')!.selector);
    const bundle = packSignatures(set, [{ attester: set[2]!, signature: '0x99', contract: true }]);
    expect(proposePackedData(match, bundle)).toBe(concat([PROPOSE_PACKED_SELECTOR, packResult(match), bundle]));
    const batch: Batch = { root: eventId, count: 3, notBefore: 1n, deadline: 2n, epoch: 1 };
    expect(proposeBatchPackedData(batch, bundle)).toBe(
      concat([PROPOSE_BATCH_PACKED_SELECTOR, packBatch(batch), bundle]),
    );
  });

  it.each<[string, Partial<Result>, RegExp]>([
    ['status above uint8', { status: 256 as ResultStatus }, /^status: 256 is out of the uint8 range$/],
    ['negative status', { status: -1 as ResultStatus }, /^status: -1 /],
    ['a value above uint32', { values: [1, 2 ** 32] }, /^values\[1\]: 4294967296 is out of the uint32 range$/],
    ['a negative value', { values: [-1, 0] }, /^values\[0\]: -1 /],
    ['a fractional value', { values: [1.5] }, /^values\[0\]: 1\.5 is not an integer$/],
    ['256 values', { values: Array.from({ length: 256 }, () => 1) }, /^values: at most 255 values/],
    ['endedAt above uint64', { endedAt: 2n ** 64n }, /^endedAt: 18446744073709551616 is out of the uint64 range$/],
    ['version above uint32', { version: 2 ** 32 }, /^version: /],
    ['negative notBefore', { notBefore: -1n }, /^notBefore: -1 /],
    ['deadline above uint64', { deadline: 2n ** 64n }, /^deadline: /],
    ['epoch above uint32', { epoch: 2 ** 32 }, /^epoch: /],
    ['a short event id', { eventId: '0x1234' }, /^eventId: not a 32-byte hex string/],
  ])('refuses %s, naming the field', (_, change, message) => {
    const error = (() => {
      try {
        packResult({ ...match, ...change });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PackedPayloadError);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(message);
  });

  it.each<[string, Partial<Batch>, RegExp]>([
    ['count above uint32', { count: 2 ** 32 }, /^count: 4294967296 is out of the uint32 range$/],
    ['negative count', { count: -1 }, /^count: /],
    ['notBefore above uint64', { notBefore: 2n ** 64n }, /^notBefore: /],
    ['negative deadline', { deadline: -5n }, /^deadline: /],
    ['epoch above uint32', { epoch: 2 ** 32 }, /^epoch: /],
    ['a root that is not 32 bytes', { root: `0x${'ab'.repeat(33)}` }, /^root: not a 32-byte hex string/],
  ])('refuses a batch with %s, naming the field', (_, change, message) => {
    const batch: Batch = { root: eventId, count: 1, notBefore: 0n, deadline: 1n, epoch: 1 };
    expect(() => packBatch({ ...batch, ...change })).toThrow(PackedPayloadError);
    expect(() => packBatch({ ...batch, ...change })).toThrow(message);
  });
});

describe('outcomeKey and attesterSetHash', () => {
  it('ignores signature-validity fields but not the outcome', () => {
    const resigned: Result = { ...result, deadline: 1n, epoch: 9 };
    expect(outcomeKey(result)).toBe(outcomeKey(resigned));
    expect(outcomeKey(result)).not.toBe(outcomeKey({ ...result, values: [1, 2] }));
  });

  it('is a 20-byte prefix that depends on the order of the set', () => {
    expect(attesterSetHash(set)).toMatch(/^0x[0-9a-f]{40}$/);
    expect(attesterSetHash(set)).not.toBe(attesterSetHash([...set].reverse()));
  });
});
