import {
  Wallet,
  ZeroAddress,
  getBytes,
  id,
  parseEther,
  type Contract,
  type ContractTransactionReceipt,
  type TransactionReceipt,
} from 'ethers';
import {
  ResultStatus,
  eventIdOf,
  proposeBatchPackedData,
  proposePackedData,
  type Batch,
  type Outcome,
} from '../oracle/result.js';
import { deploy, type HardhatNode } from '../test/support/chain.js';
import {
  DEADLINE,
  ENDED_AT,
  NOT_BEFORE,
  WINDOW,
  advanceTime,
  attach,
  batchTree,
  batchedResult,
  deployOracle,
  eoaSigner,
  matchResult,
  read,
  send,
  signBatch,
  signResolution,
  signResult,
} from '../test/contracts-ts/fixture.js';

/**
 * The gas scenarios of `npm run bench:gas` and of the gas snapshot test: one module, so that
 * both measure exactly the same operations. Transactions are REAL transactions sent to a
 * Hardhat node (EDR) over JSON-RPC, measured by their receipt `gasUsed` (intrinsic gas and
 * calldata included). In-call reads are measured by `contracts/testing/GasProbe.sol`, which
 * brackets one call to the oracle with `gasleft()` (cold account and cold slots, as the first
 * read of a transaction): the typed calls (`oracle.matchResult(...)`) and the same reads through
 * the `ResultsReader` library (one raw `resultWord`/`batchWord` call, proofs verified locally).
 *
 * Every input is fixed (keys, event ids, signature validity, values), so the figures are
 * reproducible on a fresh node: the snapshot compares them with a small tolerance.
 */

/** What one figure measures. */
export interface GasItem {
  readonly key: GasKey;
  readonly label: string;
  /** `tx`: receipt gasUsed of one transaction; `call`: gas spent in-call by a consumer contract. */
  readonly kind: 'tx' | 'call';
}

export const GAS_ITEMS = [
  { key: 'propose_k1', label: 'proposePacked, k = 1 of 5 (match result, version 1)', kind: 'tx' },
  { key: 'propose_k3', label: 'proposePacked, k = 3 of 5 (match result, version 1)', kind: 'tx' },
  { key: 'propose_k5', label: 'proposePacked, k = 5 of 5 (match result, version 1)', kind: 'tx' },
  { key: 'propose_typed_k3', label: 'propose (typed ABI), k = 3 of 5 (match result, version 1)', kind: 'tx' },
  { key: 'correction', label: 'correction: version 2 before finality, k = 3 of 5', kind: 'tx' },
  { key: 'dispute', label: 'dispute (by an attester)', kind: 'tx' },
  { key: 'resolve', label: 'resolve by signatures (disputeThreshold = 4 of 5)', kind: 'tx' },
  { key: 'resolve_governance', label: 'resolve by governance', kind: 'tx' },
  { key: 'rotation', label: 'rotation 5 → 5 in place (governance)', kind: 'tx' },
  { key: 'batch_root_16', label: 'batch root (proposeBatchPacked), N = 16, k = 3 of 5', kind: 'tx' },
  { key: 'batch_root_64', label: 'batch root (proposeBatchPacked), N = 64, k = 3 of 5', kind: 'tx' },
  { key: 'batch_root_256', label: 'batch root (proposeBatchPacked), N = 256, k = 3 of 5', kind: 'tx' },
  { key: 'batch_root_typed_256', label: 'batch root (proposeBatch, typed ABI), N = 256, k = 3 of 5', kind: 'tx' },
  { key: 'publish_from_batch', label: 'publishFromBatch (proof depth 8): a leaf proposed into its record', kind: 'tx' },
  { key: 'read_match_result', label: 'stored read: matchResult (typed call)', kind: 'call' },
  { key: 'read_final_match_result', label: 'stored read: finalMatchResult (typed call)', kind: 'call' },
  {
    key: 'read_reader_match_result',
    label: 'stored read: ResultsReader.matchResult (library, raw resultWord)',
    kind: 'call',
  },
  {
    key: 'read_reader_final_match_result',
    label: 'stored read: ResultsReader.finalMatchResult (library, raw resultWord)',
    kind: 'call',
  },
  { key: 'read_match_result_oracle', label: 'stored read: matchResult, oracle side only (raw call)', kind: 'call' },
  { key: 'read_reference_one_slot', label: 'reference: disputeWindow() (one slot, one word)', kind: 'call' },
  { key: 'proof_depth_4', label: 'proof read: verifyBatched, depth 4 (N = 16) (typed call)', kind: 'call' },
  { key: 'proof_depth_6', label: 'proof read: verifyBatched, depth 6 (N = 64) (typed call)', kind: 'call' },
  { key: 'proof_depth_8', label: 'proof read: verifyBatched, depth 8 (N = 256) (typed call)', kind: 'call' },
  {
    key: 'proof_depth_8_oracle',
    label: 'proof read: verifyBatched depth 8, oracle side only (raw call)',
    kind: 'call',
  },
  { key: 'proof_require_depth_8', label: 'proof read: requireFinalBatched, depth 8 (typed call)', kind: 'call' },
  {
    key: 'proof_reader_depth_4',
    label: 'proof read: ResultsReader.verifyBatched, depth 4 (library, local proof)',
    kind: 'call',
  },
  {
    key: 'proof_reader_depth_6',
    label: 'proof read: ResultsReader.verifyBatched, depth 6 (library, local proof)',
    kind: 'call',
  },
  {
    key: 'proof_reader_depth_8',
    label: 'proof read: ResultsReader.verifyBatched, depth 8 (library, local proof)',
    kind: 'call',
  },
  {
    key: 'proof_reader_require_depth_8',
    label: 'proof read: ResultsReader.requireFinalBatched, depth 8 (library, local proof)',
    kind: 'call',
  },
  { key: 'pool_stake_first', label: 'pool stake: first stake of the pool (native)', kind: 'tx' },
  { key: 'pool_stake', label: 'pool stake: another player, same selection (native)', kind: 'tx' },
  { key: 'pool_claim_settles', label: 'pool claim: first claim, settles from the oracle', kind: 'tx' },
  { key: 'pool_claim', label: 'pool claim: winner of a settled pool', kind: 'tx' },
] as const satisfies readonly { key: string; label: string; kind: 'tx' | 'call' }[];

export type GasKey = (typeof GAS_ITEMS)[number]['key'];
export type GasFigures = Record<GasKey, number>;

/** Where the gas of one transaction goes: intrinsic 21,000, calldata (EIP-2028, or the EIP-7623 floor), execution. */
export interface TxBreakdown {
  readonly calldataBytes: number;
  readonly calldataGas: number;
  readonly execution: number;
}

/** Splits a receipt's gasUsed: calldata at 16/4 gas per non-zero/zero byte, unless the EIP-7623 floor applies. */
export function txBreakdown(data: string, gasUsed: number): TxBreakdown {
  const bytes = getBytes(data);
  const zeros = bytes.filter((b) => b === 0).length;
  const calldataGas = zeros * 4 + (bytes.length - zeros) * 16;
  const floor = 21_000 + 10 * (zeros + (bytes.length - zeros) * 4);
  const execution = gasUsed <= floor ? 0 : gasUsed - 21_000 - calldataGas;
  return { calldataBytes: bytes.length, calldataGas, execution };
}

export interface GasMeasurement {
  readonly figures: GasFigures;
  /** Per transaction figure: calldata and execution. */
  readonly breakdown: Partial<Record<GasKey, TxBreakdown>>;
  /** Transactions sent between a proposal and its reading as final (undisputed): must be 0. */
  readonly finalityExtraTransactions: number;
}

/** Batch sizes measured; their proofs have depth log2(N). */
export const BATCH_SIZES = [16, 64, 256] as const;

const sigSetOf = (wallets: readonly Wallet[]) => wallets.map(eoaSigner);

/** Runs every scenario on `node` (a fresh one, for reproducible figures). */
export async function measureGas(node: HardhatNode, log: (line: string) => void = () => {}): Promise<GasMeasurement> {
  const figures: Partial<Record<GasKey, number>> = {};
  const breakdown: Partial<Record<GasKey, TxBreakdown>> = {};
  const record = (key: GasKey, gas: bigint | number): void => {
    figures[key] = Number(gas);
    log(`${key.padEnd(30)} ${Number(gas).toLocaleString('en-US')}`);
  };
  /** Sends raw calldata (the packed entry points have no ABI parameters) from the deployer. */
  const sendRaw = async (to: string, data: string): Promise<TransactionReceipt> => {
    const receipt = await (await node.wallet(0).sendTransaction({ to, data })).wait();
    if (!receipt || receipt.status !== 1) throw new Error(`raw transaction to ${to} failed`);
    return receipt;
  };
  const recordTx = async (key: GasKey, receipt: ContractTransactionReceipt | TransactionReceipt): Promise<void> => {
    record(key, receipt.gasUsed);
    const tx = await node.provider.getTransaction(receipt.hash);
    breakdown[key] = txBreakdown(tx!.data, Number(receipt.gasUsed));
  };
  const deployer = node.wallet(0);
  const attesterWallets = [1, 2, 3, 4, 5].map((i) => node.wallet(i));
  const signers = sigSetOf(attesterWallets);
  const set = attesterWallets.map((w) => w.address);
  const guardian = node.wallet(6);
  const governance = node.wallet(7);
  const base = { attesters: set, guardian: guardian.address, governance: governance.address, disputeWindow: WINDOW };

  const main = await deployOracle(deployer, { ...base, threshold: 3, disputeThreshold: 4 });
  const k1 = await deployOracle(deployer, { ...base, threshold: 1, disputeThreshold: 2 });
  const k5 = await deployOracle(deployer, { ...base, threshold: 5, disputeThreshold: 5 });
  const probe = await attach(
    'testing/GasProbe.sol',
    'GasProbe',
    await (await deploy(deployer, 'testing/GasProbe.sol', 'GasProbe', [main.address])).getAddress(),
    deployer,
  );

  // Single results. A warm-up proposal first, so that every figure is a steady-state one.
  for (const [key, oracle, k] of [
    ['propose_k1', k1, 1],
    ['propose_k3', main, 3],
    ['propose_k5', k5, 5],
  ] as const) {
    const warmUp = matchResult(eventIdOf(`bench/warm-up/${k}`), 1, 1);
    await send(oracle.oracle, 'propose', warmUp, await signResult(oracle.domain, set, signers.slice(0, k), warmUp));
    const result = matchResult(eventIdOf(`bench/propose/${k}`), 2, 1);
    const bundle = await signResult(oracle.domain, set, signers.slice(0, k), result);
    await recordTx(key, await sendRaw(oracle.address, proposePackedData(result, bundle)));
    if (k === 3) {
      const typed = matchResult(eventIdOf('bench/propose/typed'), 2, 1);
      const typedBundle = await signResult(oracle.domain, set, signers.slice(0, k), typed);
      await recordTx('propose_typed_k3', await send(oracle.oracle, 'propose', typed, typedBundle));
    }
  }
  const finalEvent = eventIdOf('bench/propose/3');

  // Correction: version 2 before finality.
  const corrected = matchResult(eventIdOf('bench/correction'), 0, 0);
  await send(main.oracle, 'propose', corrected, await signResult(main.domain, set, signers.slice(0, 3), corrected));
  const correction = { ...corrected, values: [1, 0], version: 2 };
  await recordTx(
    'correction',
    await send(main.oracle, 'propose', correction, await signResult(main.domain, set, signers.slice(1, 4), correction)),
  );

  // Dispute by an attester, then resolution by 4 of 5 signatures (upholding the payload).
  const disputed = matchResult(eventIdOf('bench/dispute'), 3, 2);
  await send(main.oracle, 'propose', disputed, await signResult(main.domain, set, signers.slice(0, 3), disputed));
  await recordTx(
    'dispute',
    await send(main.oracle.connect(attesterWallets[4]!) as Contract, 'dispute', disputed.eventId),
  );
  await recordTx(
    'resolve',
    await send(main.oracle, 'resolve', disputed, await signResolution(main.domain, set, signers.slice(0, 4), disputed)),
  );
  const governed = matchResult(eventIdOf('bench/dispute/governance'), 0, 2);
  await send(main.oracle, 'propose', governed, await signResult(main.domain, set, signers.slice(0, 3), governed));
  await send(main.oracle.connect(guardian) as Contract, 'dispute', governed.eventId);
  await recordTx(
    'resolve_governance',
    await send(main.oracle.connect(governance) as Contract, 'resolveByGovernance', { ...governed, values: [1, 2] }),
  );

  // Batch roots.
  const batches = new Map<number, { outcomes: Outcome[]; tree: ReturnType<typeof batchTree>; root: string }>();
  for (const n of BATCH_SIZES) {
    const outcomes: Outcome[] = Array.from({ length: n }, (_, i) => ({
      eventId: eventIdOf(`bench/batch/${n}/${i}`),
      status: ResultStatus.Completed,
      values: [i % 5, (i * 7) % 4],
      endedAt: ENDED_AT,
      version: 1,
    }));
    const tree = batchTree(outcomes);
    const batch: Batch = { root: tree.root, count: n, notBefore: NOT_BEFORE, deadline: DEADLINE, epoch: 1 };
    const bundle = await signBatch(main.domain, set, signers.slice(0, 3), batch);
    await recordTx(`batch_root_${n}`, await sendRaw(main.address, proposeBatchPackedData(batch, bundle)));
    batches.set(n, { outcomes, tree, root: tree.root });
  }
  {
    const tree = batchTree([
      { eventId: eventIdOf('bench/batch/typed'), status: ResultStatus.Void, values: [], endedAt: ENDED_AT, version: 1 },
    ]);
    const batch: Batch = { root: tree.root, count: 256, notBefore: NOT_BEFORE, deadline: DEADLINE, epoch: 1 };
    const bundle = await signBatch(main.domain, set, signers.slice(0, 3), batch);
    await recordTx('batch_root_typed_256', await send(main.oracle, 'proposeBatch', batch, bundle));
  }

  // Pool: three stakes before the close, settled from the oracle after the window.
  const pool = await deployPool(node, main.oracle, eventIdOf('bench/pool'), governance.address);
  const unit = parseEther('0.001');
  const [alice, bob, carol] = [node.wallet(8), node.wallet(9), node.wallet(0)];
  await recordTx(
    'pool_stake_first',
    await send(pool.connect(alice) as Contract, 'stake', 0, unit * 10n, { value: unit * 10n }),
  );
  await recordTx('pool_stake', await send(pool.connect(bob) as Contract, 'stake', 0, unit * 5n, { value: unit * 5n }));
  await send(pool.connect(carol) as Contract, 'stake', 2, unit * 7n, { value: unit * 7n });
  const poolResult = matchResult(eventIdOf('bench/pool'), 2, 1);
  await send(main.oracle, 'propose', poolResult, await signResult(main.domain, set, signers.slice(0, 3), poolResult));

  // Undisputed finality: time passes, no transaction is sent, the result reads as final.
  const nonceBefore = await node.provider.getTransactionCount(deployer.address);
  await advanceTime(node, WINDOW + 1);
  const [phase] = await read<[bigint]>(main.oracle, 'matchResult', finalEvent);
  if (phase !== 3n) throw new Error(`expected the undisputed proposal to read as Final, got phase ${phase}`);
  await read(main.oracle, 'finalMatchResult', finalEvent);
  const finalityExtraTransactions = (await node.provider.getTransactionCount(deployer.address)) - nonceBefore;

  // Proof reads answer for a leaf only once it is its event's stored record: publish the leaf each root's proof
  // read uses (the depth-8 one is the `publishFromBatch` figure), then let its fresh window pass.
  for (const n of [16, 64, 256] as const) {
    const { outcomes, tree, root } = batches.get(n)!;
    const receipt = await send(
      main.oracle,
      'publishFromBatch',
      root,
      batchedResult(outcomes[n - 3]!),
      tree.getProof(n - 3),
    );
    if (n === 256) await recordTx('publish_from_batch', receipt);
  }
  await advanceTime(node, WINDOW + 1);

  // In-call reads from a consumer contract.
  const rawCall = async (data: string): Promise<bigint> => {
    const [gas, success] = await read<[bigint, boolean]>(probe, 'probeRawCall', data);
    if (!success) throw new Error('raw call to the oracle failed');
    return gas;
  };
  record('read_match_result', (await read<[bigint]>(probe, 'probeMatchResult', finalEvent))[0]);
  record('read_final_match_result', (await read<[bigint]>(probe, 'probeFinalMatchResult', finalEvent))[0]);
  {
    const [gas, readerPhase] = await read<[bigint, bigint]>(probe, 'probeReaderMatchResult', finalEvent);
    if (readerPhase !== 3n) throw new Error(`expected ResultsReader to read Final, got phase ${readerPhase}`);
    record('read_reader_match_result', gas);
  }
  record('read_reader_final_match_result', (await read<[bigint]>(probe, 'probeReaderFinalMatchResult', finalEvent))[0]);
  record(
    'read_match_result_oracle',
    await rawCall(main.oracle.interface.encodeFunctionData('matchResult', [finalEvent])),
  );
  record('read_reference_one_slot', (await read<[bigint]>(probe, 'probeDisputeWindow'))[0]);
  for (const [n, depth] of [
    [16, 4],
    [64, 6],
    [256, 8],
  ] as const) {
    const { outcomes, tree, root } = batches.get(n)!;
    const index = n - 3;
    const proof = tree.getProof(index);
    if (proof.length !== depth) throw new Error(`proof of a ${n}-leaf tree has depth ${proof.length}`);
    const [gas, rootPhase] = await read<[bigint, bigint]>(
      probe,
      'probeVerifyBatched',
      root,
      batchedResult(outcomes[index]!),
      proof,
    );
    if (rootPhase !== 3n)
      throw new Error(`expected the published leaf of N = ${n} to verify as Final, got ${rootPhase}`);
    record(`proof_depth_${depth}`, gas);
    const [readerGas, readerPhase] = await read<[bigint, bigint]>(
      probe,
      'probeReaderVerifyBatched',
      root,
      batchedResult(outcomes[index]!),
      proof,
    );
    if (readerPhase !== 3n) throw new Error(`expected ResultsReader to verify N = ${n} as Final, got ${readerPhase}`);
    record(`proof_reader_depth_${depth}`, readerGas);
    if (depth === 8) {
      record(
        'proof_depth_8_oracle',
        await rawCall(
          main.oracle.interface.encodeFunctionData('verifyBatched', [root, batchedResult(outcomes[index]!), proof]),
        ),
      );
      record(
        'proof_require_depth_8',
        (await read<[bigint]>(probe, 'probeRequireFinalBatched', root, batchedResult(outcomes[index]!), proof))[0],
      );
      record(
        'proof_reader_require_depth_8',
        (
          await read<[bigint]>(probe, 'probeReaderRequireFinalBatched', root, batchedResult(outcomes[index]!), proof)
        )[0],
      );
    }
  }

  // Pool claims: the first one settles the pool from the oracle's final result.
  await recordTx('pool_claim_settles', await send(pool.connect(alice) as Contract, 'claim'));
  await recordTx('pool_claim', await send(pool.connect(bob) as Contract, 'claim'));

  // Rotation in place: five new attesters, same thresholds.
  const next = Array.from({ length: 5 }, (_, i) => new Wallet(id(`verdict/bench/next-attester/${i}`)).address);
  await recordTx('rotation', await send(main.oracle.connect(governance) as Contract, 'rotateAttesters', next, 3, 4));

  for (const item of GAS_ITEMS) if (figures[item.key] === undefined) throw new Error(`${item.key} not measured`);
  return { figures: figures as GasFigures, breakdown, finalityExtraTransactions };
}

async function deployPool(
  node: HardhatNode,
  oracle: Contract,
  eventId: string,
  feeRecipient: string,
): Promise<Contract> {
  const deployer = node.wallet(0);
  const now = BigInt((await node.provider.getBlock('latest'))!.timestamp);
  const params = {
    oracle: await oracle.getAddress(),
    eventId,
    asset: ZeroAddress,
    feeRecipient,
    closesAt: now + 600n,
    settleBy: now + 30n * 86_400n,
    feeBps: 500,
    stakeUnit: parseEther('0.001'),
  };
  const pool = await deploy(deployer, 'examples/ParimutuelPool.sol', 'ParimutuelPool', [params]);
  return attach('examples/ParimutuelPool.sol', 'ParimutuelPool', await pool.getAddress(), deployer);
}

/** Per-result amortized cost of a batch root. */
export function amortized(figures: GasFigures, n: (typeof BATCH_SIZES)[number]): number {
  return Math.round((figures[`batch_root_${n}`] / n) * 10) / 10;
}

/** The goals, checked against the figures. */
export interface GoalCheck {
  readonly goal: string;
  readonly limit: number;
  readonly measured: number;
  readonly met: boolean;
  /**
   * False for a figure listed next to a goal for comparison only: the typed-call reads, whose goals are
   * judged on the `ResultsReader` library figures (what a consumer contract is advised to use).
   */
  readonly judged: boolean;
}

export function checkGoals(m: GasMeasurement): GoalCheck[] {
  const f = m.figures;
  const goal = (text: string, limit: number, measured: number, judged = true): GoalCheck => ({
    goal: text,
    limit,
    measured,
    met: measured <= limit,
    judged,
  });
  const typedCall = (text: string, limit: number, measured: number): GoalCheck => goal(text, limit, measured, false);
  return [
    goal('single 3-of-5 result (proposePacked k = 3)', 66_000, f.propose_k3),
    goal('batch root, N = 16', 66_000, f.batch_root_16),
    goal('batch root, N = 64', 66_000, f.batch_root_64),
    goal('batch root, N = 256', 66_000, f.batch_root_256),
    goal('per result at N = 256', 260, amortized(f, 256)),
    goal('stored read in-call, ResultsReader library (matchResult)', 5_500, f.read_reader_match_result),
    goal('stored read in-call, ResultsReader library (finalMatchResult)', 5_500, f.read_reader_final_match_result),
    goal('proof read in-call, depth 8, ResultsReader library (verifyBatched)', 8_500, f.proof_reader_depth_8),
    typedCall('stored read in-call, typed call (oracle.matchResult)', 5_500, f.read_match_result),
    typedCall('stored read in-call, typed call (oracle.finalMatchResult)', 5_500, f.read_final_match_result),
    typedCall('proof read in-call, depth 8, typed call (oracle.verifyBatched)', 8_500, f.proof_depth_8),
    goal('dispute', 50_000, f.dispute),
    goal('rotation 5 → 5', 60_000, f.rotation),
    goal('undisputed finality: extra transactions', 0, m.finalityExtraTransactions),
  ];
}

/** Anchors measured on the same EVM (from the issue). */
export const ANCHORS = [
  { name: 'Chronicle Scribe poke (3 signers, no per-event record)', gas: 70_049 },
  { name: 'Chainlink OCR2 transmit (3 signatures)', gas: 102_319 },
  { name: 'UMA assert + settle', gas: 249_909 },
  { name: 'three EAS delegated attestations', gas: 656_241 },
  { name: 'naive 3-of-5 ECDSA contract', gas: 69_829 },
] as const;

/** Snapshot comparison: a figure regresses when above its recorded value by more than `tolerance` (0.005 = 0.5%). */
export function regressions(
  measured: GasFigures,
  snapshot: Partial<Record<string, number>>,
  tolerance = 0.005,
): { key: string; recorded: number | undefined; measured: number }[] {
  const out: { key: string; recorded: number | undefined; measured: number }[] = [];
  for (const item of GAS_ITEMS) {
    const recorded = snapshot[item.key];
    const value = measured[item.key];
    if (recorded === undefined || value > recorded + Math.floor(recorded * tolerance + 1e-9)) {
      out.push({ key: item.key, recorded, measured: value });
    }
  }
  return out;
}
