import pg from 'pg';
import { Wallet, type Contract } from 'ethers';
import { migrateOracle } from '../../../oracle/db/migrate-oracle.js';
import type { ReadyResult, ReadyResultSource } from '../../../oracle/attestations/ready-results.js';
import { ChainAttesterSetSource } from '../../../oracle/chain/attester-set-source.js';
import { oracleContract } from '../../../oracle/chain/oracle-contract.js';
import { createChainPolicy, type ChainPolicy } from '../../../oracle/chain/resilience.js';
import { FeePolicy } from '../../../oracle/relayer/fee-policy.js';
import { PgOutboxStore } from '../../../oracle/relayer/pg-outbox-store.js';
import { RelayerLock } from '../../../oracle/relayer/relayer-lock.js';
import { RelayerService } from '../../../oracle/relayer/relayer-service.js';
import { ResultRelayer, type ResultRelayerOptions } from '../../../oracle/relayer/result-relayer.js';
import { PgBatchSignatureStore, type BatchSignatureStore } from '../../../oracle/relayer/batch-requests.js';
import { ResultIndexer } from '../../../oracle/indexer/result-indexer.js';
import {
  RESULT_TYPES,
  ResultStatus,
  eventIdOf,
  oracleDomain,
  outcomeKey,
  resultDigest,
  resultMessage,
  type AttesterSignature,
  type Result,
} from '../../../oracle/result.js';
import type { AbstractProvider } from 'ethers';
import type { OracleMetrics } from '../../../oracle/metrics.js';
import { deploy, startHardhatNode, type HardhatNode } from '../../support/chain.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

/** Wallet indexes of the dev accounts: 0 governance, 1..5 attesters, 6 guardian, 7..9 relayers. */
export const ATTESTERS = [1, 2, 3, 4, 5];
export const GUARDIAN = 6;
export const DISPUTE_WINDOW = 60;

/** One Hardhat node + one database + a deployed 3-of-5 ResultsOracle, for one test file. */
export interface OracleWorld {
  readonly node: HardhatNode;
  readonly db: TestDatabase;
  readonly pool: pg.Pool;
  readonly oracle: Contract;
  readonly address: string;
  readonly deploymentBlock: number;
  readonly chainId: bigint;
  close(): Promise<void>;
}

export async function createWorld(label: string): Promise<OracleWorld> {
  const [node, db] = await Promise.all([startHardhatNode(), createTestDatabase(label)]);
  const pool = new pg.Pool({ connectionString: db.url, max: 8 });
  await migrateOracle(pool);
  const governance = node.wallet(0);
  const oracle = (await deploy(governance, 'ResultsOracle.sol', 'ResultsOracle', [
    ATTESTERS.map((i) => node.wallet(i).address),
    3,
    4,
    DISPUTE_WINDOW,
    node.wallet(GUARDIAN).address,
    governance.address,
  ])) as unknown as Contract;
  const address = await oracle.getAddress();
  const deploymentBlock = (await oracle.deploymentTransaction()!.wait())!.blockNumber;
  return {
    node,
    db,
    pool,
    oracle: oracleContract(address, node.provider),
    address,
    deploymentBlock,
    chainId: 31337n,
    async close() {
      await pool.end();
      await node.stop();
      await db.drop();
    },
  };
}

/** Chain time (latest block timestamp). */
export async function chainNow(provider: AbstractProvider): Promise<bigint> {
  return BigInt((await provider.getBlock('latest'))!.timestamp);
}

/** A result for `key` valid for an hour of chain time. */
export async function makeResult(world: OracleWorld, key: string, overrides: Partial<Result> = {}): Promise<Result> {
  const now = await chainNow(world.node.provider);
  return {
    eventId: eventIdOf(key),
    status: ResultStatus.Completed,
    values: [2, 1],
    endedAt: now - 100n,
    version: 1,
    notBefore: now - 60n,
    deadline: now + 3600n,
    epoch: 1,
    ...overrides,
  };
}

/** Signatures of `result` by the dev attesters `indexes`. */
export async function sign(
  world: OracleWorld,
  result: Result,
  indexes: readonly number[],
): Promise<AttesterSignature[]> {
  const domain = oracleDomain(world.chainId, world.address);
  return Promise.all(
    indexes.map(async (i) => {
      const wallet = new Wallet(world.node.wallet(i).privateKey);
      return {
        attester: wallet.address,
        signature: await wallet.signTypedData(domain, RESULT_TYPES, resultMessage(result)),
      };
    }),
  );
}

export function readyOf(world: OracleWorld, result: Result, signatures: readonly AttesterSignature[]): ReadyResult {
  return {
    result,
    digest: resultDigest(oracleDomain(world.chainId, world.address), result),
    outcomeKey: outcomeKey(result),
    signatures,
  };
}

/** A tiny in-test ReadyResultSource: what the attestation side would list. */
export class ListReadySource implements ReadyResultSource {
  readonly items: ReadyResult[] = [];
  calls = 0;
  add(...items: ReadyResult[]): void {
    this.items.push(...items);
  }
  listReady(options: { limit: number; now: bigint }): Promise<ReadyResult[]> {
    this.calls++;
    return Promise.resolve(this.items.filter((r) => r.result.deadline >= options.now).slice(0, options.limit));
  }
}

export const FAST_RELAYER: ResultRelayerOptions = {
  confirmations: 1,
  replaceAfterMs: 60_000,
  batchThreshold: 1_000_000,
  maxBatch: 1024,
  maxInFlight: 16,
  deadlineMarginSeconds: 30,
};

export function fastPolicy(overrides: Partial<Parameters<typeof createChainPolicy>[0]> = {}): ChainPolicy {
  return createChainPolicy({
    retries: 3,
    initialDelayMs: 20,
    maxDelayMs: 200,
    breakerFailures: 20,
    breakerHalfOpenMs: 500,
    ...overrides,
  });
}

/** A relayer (lock + outbox + relayer + service) for dev account `walletIndex`. */
export function makeRelayer(
  world: OracleWorld,
  source: ReadyResultSource,
  options: {
    walletIndex?: number;
    provider?: AbstractProvider;
    relayer?: Partial<ResultRelayerOptions>;
    policy?: ChainPolicy;
    batchSignatures?: BatchSignatureStore;
    clock?: () => number;
    metrics?: OracleMetrics;
  } = {},
): { service: RelayerService; relayer: ResultRelayer; lock: RelayerLock; outbox: PgOutboxStore; wallet: Wallet } {
  const provider = options.provider ?? world.node.provider;
  const wallet = new Wallet(world.node.wallet(options.walletIndex ?? 7).privateKey);
  const lock = new RelayerLock({ connectionString: world.db.url, key: `relayer:${world.chainId}:${world.address}` });
  const outbox = new PgOutboxStore({ db: () => lock.session, chainId: world.chainId, contract: world.address });
  const relayer = new ResultRelayer({
    source,
    outbox,
    provider,
    oracleAddress: world.address,
    chainId: world.chainId,
    signer: wallet,
    attesterSets: new ChainAttesterSetSource({ contract: oracleContract(world.address, provider), ttlMs: 0 }),
    policy: options.policy ?? fastPolicy(),
    fees: new FeePolicy({ maxFeePerGas: 500_000_000_000n, maxPriorityFeePerGas: 2_000_000_000n, bumpPercent: 15 }),
    options: { ...FAST_RELAYER, ...options.relayer },
    ...(options.batchSignatures ? { batchSignatures: options.batchSignatures } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const service = new RelayerService({ lock, relayer, pollMs: 50 });
  return { service, relayer, lock, outbox, wallet };
}

export function makeIndexer(world: OracleWorld, confirmations = 0, provider?: AbstractProvider): ResultIndexer {
  return new ResultIndexer({
    pool: world.pool,
    provider: provider ?? world.node.provider,
    oracleAddress: world.address,
    chainId: world.chainId,
    policy: fastPolicy(),
    options: { confirmations, blockRange: 500, deploymentBlock: world.deploymentBlock },
  });
}

/** The batch requests of `world`'s oracle, as the attestation side reads and signs them. */
export function batchSignatureStore(world: OracleWorld): PgBatchSignatureStore {
  return new PgBatchSignatureStore({ db: world.pool, domain: oracleDomain(world.chainId, world.address) });
}

/** Advances chain time by `seconds` and mines a block. */
export async function elapse(world: OracleWorld, seconds: number): Promise<void> {
  await world.node.provider.send('evm_increaseTime', [seconds]);
  await world.node.provider.send('evm_mine', []);
}

export async function mine(world: OracleWorld, blocks = 1): Promise<void> {
  for (let i = 0; i < blocks; i++) await world.node.provider.send('evm_mine', []);
}

/** Number of `ResultProposed` logs for `eventId` on the chain. */
export async function proposedCount(world: OracleWorld, eventId: string): Promise<number> {
  const logs = await world.oracle.queryFilter(world.oracle.filters.ResultProposed!(eventId), world.deploymentBlock);
  return logs.length;
}
