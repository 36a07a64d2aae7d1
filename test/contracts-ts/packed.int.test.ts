import { dataLength, dataSlice, type Contract, type TransactionReceipt, type Wallet } from 'ethers';
import { readResultView, type ResultView } from '../../oracle/chain/oracle-contract.js';
import {
  PROPOSE_BATCH_PACKED_SELECTOR,
  PROPOSE_PACKED_SELECTOR,
  RESULT_TYPES,
  ResultStatus,
  eventIdOf,
  packBatch,
  packResult,
  packSignatures,
  proposeBatchPackedData,
  proposePackedData,
  resultMessage,
  type Batch,
  type Result,
} from '../../oracle/result.js';
import { deploy, startHardhatNode, type HardhatNode } from '../support/chain.js';
import {
  DEADLINE,
  NOT_BEFORE,
  batchTree,
  deployOracle,
  eoaSigner,
  erc1271Signer,
  matchResult,
  read,
  revertData,
  send,
  signBatch,
  signResult,
  type OracleDeployment,
  type Signer,
} from './fixture.js';

/** What a publication left on-chain: its logs byte for byte, the reads, and the calldata size. */
interface Effects {
  readonly logs: { address: string; topics: string[]; data: string }[];
  readonly events: (string | undefined)[];
  readonly calldataBytes: number;
}

/**
 * `proposePacked()` / `proposeBatchPacked()` are `propose` / `proposeBatch` with tighter calldata (selector ‖
 * packed payload ‖ bundle, no ABI head): for the same signed payload and bundle, each pair is run on the same
 * chain snapshot, mined at the same timestamp, and must leave the same storage, the same events and the same
 * errors.
 */
describe('ResultsOracle packed calldata (proposePacked(), proposeBatchPacked())', () => {
  let node: HardhatNode;
  let d: OracleDeployment;
  let oracle: Contract;
  let relayer: Wallet;
  let signers: Signer[];

  const sign = (result: Result, indices: number[]): Promise<string> =>
    signResult(
      d.domain,
      d.set,
      indices.map((i) => signers[i]!),
      result,
    );
  const signRoot = (batch: Batch, indices: number[]): Promise<string> =>
    signBatch(
      d.domain,
      d.set,
      indices.map((i) => signers[i]!),
      batch,
    );

  beforeAll(async () => {
    node = await startHardhatNode();
    const owner = node.wallet(8);
    const wallet = await deploy(node.wallet(0), 'testing/Erc1271TestWallet.sol', 'Erc1271TestWallet', [owner.address]);
    // Set: EOA, EOA, contract wallet (ERC-1271), EOA, EOA.
    signers = [
      eoaSigner(node.wallet(1)),
      eoaSigner(node.wallet(2)),
      erc1271Signer(await wallet.getAddress(), owner),
      eoaSigner(node.wallet(3)),
      eoaSigner(node.wallet(4)),
    ];
    d = await deployOracle(node.wallet(0), {
      attesters: signers.map((s) => s.address),
      threshold: 3,
      disputeThreshold: 4,
      guardian: node.wallet(6).address,
      governance: node.wallet(7).address,
    });
    relayer = node.wallet(9);
    oracle = d.oracle.connect(relayer) as Contract;
  });

  /** Sends raw calldata to the oracle from the relayer and waits for a successful receipt. */
  async function sendRaw(data: string): Promise<TransactionReceipt> {
    const receipt = await (await relayer.sendTransaction({ to: d.address, data })).wait();
    if (!receipt || receipt.status !== 1) throw new Error(`${dataSlice(data, 0, 4)} failed`);
    return receipt;
  }

  /** `eth_call` of raw calldata from the relayer. */
  const callRaw = (data: string): Promise<string> => node.provider.call({ from: relayer.address, to: d.address, data });

  it('has the selectors of the artifact (the packed functions declare no parameter)', () => {
    expect(oracle.interface.getFunction('proposePacked')!.selector).toBe(PROPOSE_PACKED_SELECTOR);
    expect(oracle.interface.getFunction('proposePacked')!.inputs).toEqual([]);
    expect(oracle.interface.getFunction('proposeBatchPacked')!.selector).toBe(PROPOSE_BATCH_PACKED_SELECTOR);
  });
  afterAll(async () => {
    await node.stop();
  });

  /** Runs `action` in a block mined at `timestamp` on a snapshot of the chain, then reverts the chain. */
  async function onSnapshot<T>(timestamp: number, action: () => Promise<T>): Promise<T> {
    const snapshot = (await node.provider.send('evm_snapshot', [])) as string;
    try {
      await node.provider.send('evm_setNextBlockTimestamp', [timestamp]);
      return await action();
    } finally {
      await node.provider.send('evm_revert', [snapshot]);
    }
  }

  async function effects(receipt: TransactionReceipt): Promise<Effects> {
    const tx = await node.provider.getTransaction(receipt.hash);
    return {
      logs: receipt.logs.map((log) => ({ address: log.address, topics: [...log.topics], data: log.data })),
      events: receipt.logs.map((log) => oracle.interface.parseLog(log)?.name),
      calldataBytes: dataLength(tx!.data),
    };
  }

  /** A timestamp for the next block, past the head. */
  const nextTimestamp = async (): Promise<number> => (await node.provider.getBlock('latest'))!.timestamp + 100;

  /** Proposes `result` with `bundle` through `method`, at `timestamp`, on a snapshot: effects and reads. */
  async function proposeOnSnapshot(
    method: 'propose' | 'proposePacked',
    timestamp: number,
    result: Result,
    bundle: string,
  ): Promise<Effects & { view: ResultView; word: unknown[] }> {
    return onSnapshot(timestamp, async () => {
      const receipt =
        method === 'propose'
          ? await send(oracle, 'propose', resultMessage(result), bundle)
          : await sendRaw(proposePackedData(result, bundle));
      return {
        ...(await effects(receipt)),
        view: await readResultView(oracle, result.eventId),
        word: await read(oracle, 'resultWord', result.eventId),
      };
    });
  }

  /** The decoded custom error of a reverting call (name only). */
  async function errorName(action: Promise<unknown>): Promise<string | undefined> {
    return oracle.interface.parseError(await revertData(action))?.name;
  }

  const race = (key: string): Result => ({
    ...matchResult(eventIdOf(key), 0, 0),
    values: Array.from({ length: 20 }, (_, i) => 20 - i),
  });
  const cancelled = (key: string): Result => ({
    ...matchResult(eventIdOf(key), 0, 0),
    status: ResultStatus.Cancelled,
    values: [],
  });

  it.each<[string, () => Result, number[]]>([
    ['a match score, 3 of 5 EOAs', () => matchResult(eventIdOf('packed/match'), 2, 1), [4, 0, 3]],
    ['a race (20 values) with the ERC-1271 attester', () => race('packed/race'), [0, 2, 4]],
    ['a cancellation (no values), 5 of 5', () => cancelled('packed/cancelled'), [0, 1, 2, 3, 4]],
  ])('stores and emits the same for %s', async (_, make, indices) => {
    const result = make();
    const bundle = await sign(result, indices);
    const timestamp = await nextTimestamp();
    const typed = await proposeOnSnapshot('propose', timestamp, result, bundle);
    const packed = await proposeOnSnapshot('proposePacked', timestamp, result, bundle);

    expect(typed.events).toEqual(['ResultProposed']);
    expect(packed.logs).toEqual(typed.logs);
    expect(packed.view).toEqual(typed.view);
    expect(packed.word).toEqual(typed.word);
    expect(packed.view.version).toBe(1);
    expect(packed.view.values).toEqual(result.values.length <= 2 ? result.values : []);
    // The point of it: no ABI head or padding (each value alone takes 32 bytes typed, 4 packed).
    expect(packed.calldataBytes).toBeLessThan(typed.calldataBytes);
    expect(packed.calldataBytes).toBe(4 + dataLength(packResult(result)) + dataLength(bundle));
  });

  it('corrects a proposed result the same way (higher version)', async () => {
    const first = matchResult(eventIdOf('packed/correction'), 1, 1);
    await sendRaw(proposePackedData(first, await sign(first, [0, 1, 2])));
    const correction = { ...first, values: [1, 2], version: 2 };
    const bundle = await sign(correction, [1, 3, 4]);
    const timestamp = await nextTimestamp();
    const typed = await proposeOnSnapshot('propose', timestamp, correction, bundle);
    const packed = await proposeOnSnapshot('proposePacked', timestamp, correction, bundle);
    expect(packed.logs).toEqual(typed.logs);
    expect(packed.view).toEqual(typed.view);
    expect(packed.view).toMatchObject({ version: 2, values: [1, 2] });
  });

  it('refuses what propose refuses, with the same custom error', async () => {
    const onChain = matchResult(eventIdOf('packed/on-chain'), 3, 0);
    await send(oracle, 'propose', resultMessage(onChain), await sign(onChain, [0, 1, 2]));
    const base = matchResult(eventIdOf('packed/refusals'), 0, 2);
    const now = BigInt((await node.provider.getBlock('latest'))!.timestamp);
    const foreign = { ...base, values: [9, 9] };
    const impostor = erc1271Signer(signers[2]!.address, node.wallet(9));

    const cases: [string, Result, string][] = [
      ['InsufficientSignatures', base, await sign(base, [0, 3])],
      ['WrongEpoch', { ...base, epoch: 2 }, await sign({ ...base, epoch: 2 }, [0, 1, 3])],
      ['SignatureExpired', { ...base, deadline: now - 1n }, await sign({ ...base, deadline: now - 1n }, [0, 1, 3])],
      ['InvalidOutcome', { ...base, values: [] }, await sign({ ...base, values: [] }, [0, 1, 3])],
      ['VersionNotHigher', onChain, await sign(onChain, [1, 3, 4])],
      // Attester 1 signed another payload: bundle v2 recovers another address in its position.
      ['AttesterSetMismatch', base, await mixedBundle(base, foreign)],
      ['InvalidSignature', base, await signResult(d.domain, d.set, [signers[0]!, impostor, signers[3]!], base)],
    ];
    for (const [expected, result, bundle] of cases) {
      const typed = decoded(await revertData(oracle.getFunction('propose').staticCall(resultMessage(result), bundle)));
      const packed = decoded(await revertData(callRaw(proposePackedData(result, bundle))));
      expect(typed.name).toBe(expected);
      expect(packed).toEqual(typed);
    }
  });

  /**
   * A decoded custom error. `SignatureExpired(deadline, now)` keeps its deadline only: `now` is the time of
   * the block each `eth_call` simulates, which may differ by a second between two calls.
   */
  function decoded(data: string): { name: string | undefined; args: unknown[] } {
    const parsed = oracle.interface.parseError(data);
    const args = parsed?.args.toArray() ?? [];
    return { name: parsed?.name, args: parsed?.name === 'SignatureExpired' ? args.slice(0, 1) : args };
  }

  /** Attesters 0 and 3 sign `result`, attester 1 signs `other`. */
  async function mixedBundle(result: Result, other: Result): Promise<string> {
    return packSignatures(d.set, [
      await signers[0]!.sign(d.domain, RESULT_TYPES, resultMessage(result)),
      await signers[1]!.sign(d.domain, RESULT_TYPES, resultMessage(other)),
      await signers[3]!.sign(d.domain, RESULT_TYPES, resultMessage(result)),
    ]);
  }

  it('proposes a batch root the same way through proposeBatchPacked', async () => {
    const tree = batchTree(
      Array.from({ length: 8 }, (_, i) => ({
        eventId: eventIdOf(`packed/batch/${i}`),
        status: ResultStatus.Completed,
        values: [i, 8 - i],
        endedAt: 1_790_000_000n,
        version: 1,
      })),
    );
    const batch: Batch = { root: tree.root, count: 8, notBefore: NOT_BEFORE, deadline: DEADLINE, epoch: 1 };
    const bundle = await signRoot(batch, [0, 2, 4]);
    const timestamp = await nextTimestamp();
    const run = (method: 'proposeBatch' | 'proposeBatchPacked') =>
      onSnapshot(timestamp, async () => {
        const receipt =
          method === 'proposeBatch'
            ? await send(oracle, 'proposeBatch', { ...batch }, bundle)
            : await sendRaw(proposeBatchPackedData(batch, bundle));
        return {
          ...(await effects(receipt)),
          batchOf: await read(oracle, 'batchOf', batch.root),
          word: await read(oracle, 'batchWord', batch.root),
        };
      });
    const typed = await run('proposeBatch');
    const packed = await run('proposeBatchPacked');
    expect(typed.events).toEqual(['BatchProposed']);
    expect(packed.logs).toEqual(typed.logs);
    expect(packed.batchOf).toEqual(typed.batchOf);
    expect(packed.word).toEqual(typed.word);
    expect(packed.calldataBytes).toBeLessThan(typed.calldataBytes);

    // Same refusals: once proposed, the root is refused by both; a stale epoch likewise.
    await sendRaw(proposeBatchPackedData(batch, bundle));
    const stale = { ...batch, epoch: 2 };
    for (const [expected, b, s] of [
      ['BatchAlreadyProposed', batch, bundle],
      ['WrongEpoch', stale, await signRoot(stale, [0, 1, 3])],
      ['InsufficientSignatures', { ...batch, root: eventIdOf('other root') }, await signRoot(batch, [0])],
    ] as const) {
      const typedError = decoded(await revertData(oracle.getFunction('proposeBatch').staticCall({ ...b }, s)));
      const packedError = decoded(await revertData(callRaw(proposeBatchPackedData(b, s))));
      expect(typedError.name).toBe(expected);
      expect(packedError).toEqual(typedError);
    }
  });

  it('reverts MalformedPayload when the calldata ends inside the payload', async () => {
    const result = race('packed/truncated');
    const bundle = await sign(result, [0, 1, 3]);
    const data = proposePackedData(result, bundle);
    const resultSize = dataLength(packResult(result)); // 66 + 20 × 4
    // `cut` bytes of the packed result after the selector: nothing, inside the event id, without the value
    // count, without the values, inside the values, inside the trailing fields.
    for (const cut of [0, 1, 33, 34, 65, 66, 34 + 20 * 4, resultSize - 1]) {
      const error = await errorName(callRaw(dataSlice(data, 0, 4 + cut)));
      expect({ cut, error }).toEqual({ cut, error: 'MalformedPayload' });
    }
    const batch: Batch = {
      root: eventIdOf('packed/truncated-root'),
      count: 1,
      notBefore: 0n,
      deadline: DEADLINE,
      epoch: 1,
    };
    const batchData = proposeBatchPackedData(batch, await signRoot(batch, [0, 1, 3]));
    for (const cut of [0, 32, dataLength(packBatch(batch)) - 1]) {
      const error = await errorName(callRaw(dataSlice(batchData, 0, 4 + cut)));
      expect({ cut, error }).toEqual({ cut, error: 'MalformedPayload' });
    }
    // A whole payload with a missing, cut or overlong bundle is a bundle error, as with propose.
    for (const broken of [dataSlice(data, 0, 4 + resultSize), dataSlice(data, 0, dataLength(data) - 1), `${data}00`]) {
      expect(await errorName(callRaw(broken))).toBe('MalformedSignatures');
    }
    // The untruncated calldata goes through.
    await sendRaw(data);
    expect((await readResultView(oracle, result.eventId)).valueCount).toBe(20);
  });
});
