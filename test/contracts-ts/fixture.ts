import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { Contract, isCallException, type ContractTransactionReceipt, type TypedDataDomain, type Wallet } from 'ethers';
import {
  BATCH_LEAF_ENCODING,
  BATCH_RESOLUTION_TYPES,
  BATCH_TYPES,
  RESOLUTION_TYPES,
  RESULT_TYPES,
  batchLeaf,
  oracleDomain,
  packSignatures,
  resultMessage,
  type AttesterSignature,
  type Batch,
  type Outcome,
  type Result,
} from '../../oracle/result.js';
import { deploy, loadArtifact, type HardhatNode } from '../support/chain.js';

/**
 * Shared by the TypeScript contract tests and the gas benchmark (`bench/gas-scenarios.ts`):
 * deploy a ResultsOracle on a Hardhat node, sign results and batches with development wallets,
 * pack the signature bundle and send typed calls. Everything here is deterministic for a fresh
 * node (same deployer nonces → same addresses → same digests and signatures), which the gas
 * snapshot relies on.
 */

/** Signatures are valid from time 0 to 2100-01-01: fixed, so that the calldata (and the gas) never varies. */
export const NOT_BEFORE = 0n;
export const DEADLINE = 4_102_444_800n;
/** A fixed end time for every generated result. */
export const ENDED_AT = 1_790_000_000n;
/** Dispute window used by the fixtures (seconds). */
export const WINDOW = 3_600;

/** An attester that signs: an EOA wallet, or an ERC-1271 contract whose owner wallet signs for it. */
export interface Signer {
  readonly address: string;
  sign(
    domain: TypedDataDomain,
    types: typeof RESULT_TYPES,
    message: Record<string, unknown>,
  ): Promise<AttesterSignature>;
}

/** An EOA attester. */
export function eoaSigner(wallet: Wallet): Signer {
  return {
    address: wallet.address,
    async sign(domain, types, message) {
      return { attester: wallet.address, signature: await wallet.signTypedData(domain, types, message) };
    },
  };
}

/** An ERC-1271 attester: `contractAddress` accepts the ECDSA signature of `owner` over the EIP-712 digest. */
export function erc1271Signer(contractAddress: string, owner: Wallet): Signer {
  return {
    address: contractAddress,
    async sign(domain, types, message) {
      return {
        attester: contractAddress,
        signature: await owner.signTypedData(domain, types, message),
        contract: true,
      };
    },
  };
}

export interface OracleDeployment {
  readonly oracle: Contract;
  readonly address: string;
  readonly domain: TypedDataDomain;
  /** The attester set in rotation order (addresses as passed to the constructor). */
  readonly set: string[];
}

export interface OracleParams {
  readonly attesters: readonly string[];
  readonly threshold: number;
  readonly disputeThreshold: number;
  readonly disputeWindow?: number;
  readonly guardian: string;
  readonly governance: string;
}

/** Deploys `ResultsOracle` with `deployer`. */
export async function deployOracle(deployer: Wallet, params: OracleParams): Promise<OracleDeployment> {
  const contract = await deploy(deployer, 'ResultsOracle.sol', 'ResultsOracle', [
    [...params.attesters],
    params.threshold,
    params.disputeThreshold,
    params.disputeWindow ?? WINDOW,
    params.guardian,
    params.governance,
  ]);
  const address = await contract.getAddress();
  const oracle = new Contract(address, contract.interface, deployer);
  const { chainId } = await deployer.provider!.getNetwork();
  return { oracle, address, domain: oracleDomain(chainId, address), set: [...params.attesters] };
}

/** A contract from its artifact at `address`, connected to `runner`. */
export async function attach(sourceFile: string, name: string, address: string, runner: Wallet): Promise<Contract> {
  const { abi } = await loadArtifact(sourceFile, name);
  return new Contract(address, abi, runner);
}

/** Signs `message` as `types` with every signer and packs the bundle for the set `set`. */
async function signBundle(
  domain: TypedDataDomain,
  set: readonly string[],
  signers: readonly Signer[],
  types: typeof RESULT_TYPES,
  message: Record<string, unknown>,
): Promise<string> {
  return packSignatures(set, await Promise.all(signers.map((s) => s.sign(domain, types, message))));
}

/** Signs `result` (a proposal: type `Result`) with every signer and packs the bundle for the set `set`. */
export function signResult(
  domain: TypedDataDomain,
  set: readonly string[],
  signers: readonly Signer[],
  result: Result,
): Promise<string> {
  return signBundle(domain, set, signers, RESULT_TYPES, resultMessage(result));
}

/** Signs the `Resolution` of `result` (what `resolve` takes) with every signer, bundled for `set`. */
export function signResolution(
  domain: TypedDataDomain,
  set: readonly string[],
  signers: readonly Signer[],
  result: Result,
): Promise<string> {
  return signBundle(domain, set, signers, RESOLUTION_TYPES, resultMessage(result));
}

/** Signs `batch` (a proposal: type `Batch`) with every signer and packs the bundle for the set `set`. */
export function signBatch(
  domain: TypedDataDomain,
  set: readonly string[],
  signers: readonly Signer[],
  batch: Batch,
): Promise<string> {
  return signBundle(domain, set, signers, BATCH_TYPES, { ...batch });
}

/** Signs the `BatchResolution` of `batch` (what `resolveBatch` takes) with every signer, bundled for `set`. */
export function signBatchResolution(
  domain: TypedDataDomain,
  set: readonly string[],
  signers: readonly Signer[],
  batch: Batch,
): Promise<string> {
  return signBundle(domain, set, signers, BATCH_RESOLUTION_TYPES, { ...batch });
}

/** A first-version match result with fixed signature-validity fields. */
export function matchResult(eventId: string, home: number, away: number, epoch = 1, version = 1): Result {
  return {
    eventId,
    status: 1,
    values: [home, away],
    endedAt: ENDED_AT,
    version,
    notBefore: NOT_BEFORE,
    deadline: DEADLINE,
    epoch,
  };
}

/** `BatchedResult` calldata tuple of an outcome. */
export function batchedResult(outcome: Outcome): Record<string, unknown> {
  return {
    eventId: outcome.eventId,
    status: outcome.status,
    values: [...outcome.values],
    endedAt: outcome.endedAt,
    version: outcome.version,
  };
}

export type BatchTree = StandardMerkleTree<ReturnType<typeof batchLeaf>>;

/** The StandardMerkleTree of `outcomes` (leaf i is outcome i; `tree.getProof(i)` is its proof). */
export function batchTree(outcomes: readonly Outcome[]): BatchTree {
  return StandardMerkleTree.of(outcomes.map(batchLeaf), [...BATCH_LEAF_ENCODING]);
}

/** Sends `method(...args)` from the contract's runner and waits for a successful receipt. */
export async function send(
  contract: Contract,
  method: string,
  ...args: unknown[]
): Promise<ContractTransactionReceipt> {
  const tx = await contract.getFunction(method).send(...args);
  const receipt = await tx.wait();
  if (!receipt || receipt.status !== 1) throw new Error(`${method} failed`);
  return receipt;
}

/** Calls the view `method(...args)` and returns its result array. */
export async function read<T extends unknown[] = unknown[]>(
  contract: Contract,
  method: string,
  ...args: unknown[]
): Promise<T> {
  const result = (await contract.getFunction(method).staticCallResult(...args)) as unknown as { toArray(): T };
  return result.toArray();
}

/** Revert data of a failing call or transaction (throws when `action` succeeds or fails otherwise). */
export async function revertData(action: Promise<unknown>): Promise<string> {
  try {
    await action;
  } catch (error) {
    if (isCallException(error) && error.data) return error.data;
    throw error;
  }
  throw new Error('expected a revert');
}

/** Moves the node's clock forward by `seconds` and mines a block (no transaction). */
export async function advanceTime(node: HardhatNode, seconds: number): Promise<void> {
  await node.provider.send('evm_increaseTime', [seconds]);
  await node.provider.send('evm_mine', []);
}
