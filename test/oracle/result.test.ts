import { Signature, Wallet, dataLength, dataSlice, getBytes, verifyTypedData } from 'ethers';
import {
  RESULT_TYPES,
  ResultStatus,
  SignatureBundleError,
  attesterSetHash,
  eventIdOf,
  oracleDomain,
  outcomeKey,
  packSignatures,
  resultMessage,
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

describe('packSignatures', () => {
  it('packs the set, a bitmap of signers and compact signatures in set order', async () => {
    const sigs = await Promise.all(
      [wallets[3]!, wallets[0]!, wallets[2]!].map(async (w) => ({
        attester: w.address,
        signature: await w.signTypedData(domain, RESULT_TYPES, resultMessage(result)),
      })),
    );
    const bundle = packSignatures(set, sigs);
    expect(dataLength(bundle)).toBe(1 + 5 * 20 + 2 + 3 * 65);
    expect(getBytes(bundle)[0]).toBe(5);
    expect(dataSlice(bundle, 101, 103)).toBe('0x000d'); // attesters 0, 2 and 3
    // The first entry is attester 0's compact signature, which still recovers to attester 0.
    const entry = dataSlice(bundle, 103, 168);
    expect(dataSlice(entry, 0, 1)).toBe('0x00');
    const compact = Signature.from({ r: dataSlice(entry, 1, 33), yParityAndS: dataSlice(entry, 33, 65) });
    expect(verifyTypedData(domain, RESULT_TYPES, resultMessage(result), compact)).toBe(wallets[0]!.address);
  });

  it('encodes an ERC-1271 entry with its length', () => {
    const bundle = packSignatures(set, [{ attester: set[1]!, signature: '0xabcdef', contract: true }]);
    expect(dataSlice(bundle, 103)).toBe('0x010003abcdef');
  });

  it('refuses unknown attesters, duplicates, high-s and malformed signatures', async () => {
    const good = await wallets[0]!.signTypedData(domain, RESULT_TYPES, resultMessage(result));
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
    expect(() => packSignatures(set, [{ attester: set[0]!, signature: '0x1234' }])).toThrow(/65 bytes/);
    expect(() => packSignatures([], [])).toThrow(/1\.\.16/);
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
