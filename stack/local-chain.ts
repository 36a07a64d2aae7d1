import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContractFactory, JsonRpcProvider, Wallet, toQuantity, type InterfaceAbi } from 'ethers';
import { createHardhatRuntimeEnvironment } from 'hardhat/hre';
import type { JsonRpcServer } from 'hardhat/types/network';
import { PollLoop } from '../lib/poll-loop.js';
import { DEV_KEYS } from '../oracle/keys/dev-keys.js';
import { JournalWriter, appendJournal, readJournal, type JournalEntry } from './chain-journal.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Chain id of the local chain (Hardhat's). */
export const LOCAL_CHAIN_ID = 31337;

/** The five development admins and the Hardhat account each one's attester key is (accounts 1 to 5). */
export const DEV_ADMINS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;

/** A development attester: the admin it is bound to and its well-known key (local chain only). */
export interface DevAttester {
  readonly adminId: string;
  readonly address: string;
  readonly privateKey: string;
}

/** What was deployed on the local chain (written to `<dataDir>/deployment.json`). */
export interface LocalDeployment {
  readonly chainId: number;
  readonly oracleAddress: string;
  readonly deploymentBlock: number;
  readonly disputeWindowSeconds: number;
  readonly threshold: number;
  readonly disputeThreshold: number;
  readonly attesters: readonly DevAttester[];
  readonly guardian: string;
  readonly governance: string;
  /** Hardhat account 7: the relayer's development key (plaintext keys are refused in production). */
  readonly relayerPrivateKey: string;
}

/** Options of {@link startLocalChain}. */
export interface LocalChainOptions {
  /** Folder of the journal and deployment (created if missing), e.g. `.data/chain`. */
  readonly dataDir: string;
  readonly host?: string;
  /** Default 8545; 0: any free port (tests). */
  readonly port?: number;
  /** Interval blocks besides automine (default 1000 ms; 0: automine only). Hardhat refuses < 1000. */
  readonly blockIntervalMs?: number;
  /** Dispute window of a fresh deployment (default 120 s; the contract accepts 60 s to 30 days). */
  readonly disputeWindowSeconds?: number;
  /** How often mined blocks are journaled (default 250 ms). */
  readonly recordEveryMs?: number;
  readonly onError?: (error: unknown) => void;
}

/** A running local chain. */
export interface LocalChain {
  readonly url: string;
  readonly port: number;
  readonly chainId: number;
  readonly deployment: LocalDeployment;
  /** True when the journal of an earlier start was replayed (same blocks, same hashes). */
  readonly resumed: boolean;
  /** Blocks mined again from the journal at start. */
  readonly replayedBlocks: number;
  /** Journals the blocks not recorded yet, stops the recorder, the interval mining and the server. */
  close(): Promise<void>;
}

async function artifact(name: string): Promise<{ abi: InterfaceAbi; bytecode: string }> {
  const path = join(root, 'artifacts', 'contracts', `${name}.sol`, `${name}.json`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`${path} is missing: build the contracts first (npx hardhat build)`, { cause: error });
  }
  const parsed = JSON.parse(text) as { abi: InterfaceAbi; bytecode: string };
  return { abi: parsed.abi, bytecode: parsed.bytecode };
}

/** Thrown when the journal does not mine the chain it recorded (a changed contract build or EDR version). */
export class ChainReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainReplayError';
  }
}

/**
 * Joins consecutive runs of empty blocks that continue each other at the same step (the journal
 * writes a run every few seconds), so a long quiet period is mined again by one `hardhat_mine`.
 */
export function mergeEmptyRuns(entries: readonly JournalEntry[]): JournalEntry[] {
  const merged: JournalEntry[] = [];
  for (const entry of entries) {
    const last = merged.at(-1);
    if (entry.kind === 'empty' && last?.kind === 'empty' && last.n + last.count === entry.n) {
      // A run of one block has no step of its own; nor does an entry of one block.
      const lastTs = last.ts + (last.count - 1) * last.step;
      const step = last.count === 1 ? entry.ts - lastTs : last.step;
      if (step >= 1 && entry.ts - lastTs === step && (entry.count === 1 || entry.step === step)) {
        merged[merged.length - 1] = { ...last, count: last.count + entry.count, step, hash: entry.hash };
        continue;
      }
    }
    merged.push(entry);
  }
  return merged;
}

async function replay(provider: JsonRpcProvider, entries: readonly JournalEntry[], dataDir: string): Promise<number> {
  let blocks = 0;
  for (const entry of mergeEmptyRuns(entries)) {
    if (entry.kind === 'genesis') continue;
    await provider.send('evm_setNextBlockTimestamp', [toQuantity(entry.ts)]);
    if (entry.kind === 'block') {
      for (const raw of entry.txs) await provider.send('eth_sendRawTransaction', [raw]);
      await provider.send('evm_mine', []);
      blocks += 1;
    } else {
      await provider.send('hardhat_mine', [toQuantity(entry.count), toQuantity(entry.step)]);
      blocks += entry.count;
    }
    const last = entry.kind === 'block' ? entry.n : entry.n + entry.count - 1;
    const block = (await provider.send('eth_getBlockByNumber', [toQuantity(last), false])) as { hash: string } | null;
    if (block?.hash !== entry.hash) {
      throw new ChainReplayError(
        `the journal in ${dataDir} does not mine the same block ${last} again (${block?.hash ?? 'none'} instead of ${entry.hash}); ` +
          `stop, remove ${dataDir} and the embedded database folder, and start afresh`,
      );
    }
  }
  return blocks;
}

/**
 * An in-process Hardhat network (EDR) served over JSON-RPC by Hardhat's own server
 * (`network.createServer`), with automine and interval blocks, `ResultsOracle` deployed with a short
 * dispute window and the five development attesters (Hardhat accounts 1-5, bound to alice…erin).
 *
 * State survives restarts through a journal of the mined blocks (signed transactions and block
 * timestamps, `stack/chain-journal.ts`): a second start mines the same chain again on the same
 * genesis date, checks each recorded block hash, then continues in real time.
 */
export async function startLocalChain(options: LocalChainOptions): Promise<LocalChain> {
  const dataDir = options.dataDir;
  await mkdir(dataDir, { recursive: true });
  const journalPath = join(dataDir, 'journal.ndjson');
  const deploymentPath = join(dataDir, 'deployment.json');
  const entries = await readJournal(journalPath);
  const genesis = entries[0]?.kind === 'genesis' ? entries[0] : undefined;
  if (entries.length > 0 && !genesis) throw new ChainReplayError(`${journalPath} does not start with its genesis`);
  // Whole seconds: the genesis timestamp is the initial date.
  const initialDate = genesis ? new Date(genesis.initialDate) : new Date(Math.floor(Date.now() / 1000) * 1000);

  const hre = await createHardhatRuntimeEnvironment(
    {
      networks: {
        verdictLocal: {
          type: 'edr-simulated',
          chainType: 'l1',
          chainId: LOCAL_CHAIN_ID,
          initialDate,
          // Replay first, with mining off; automine and the interval are switched on afterwards.
          mining: { auto: false, interval: 0 },
        },
      },
    },
    {},
    root,
  );
  const host = options.host ?? '127.0.0.1';
  const server: JsonRpcServer = await hre.network.createServer({ network: 'verdictLocal' }, host, options.port ?? 8545);
  const { port } = await server.listen().catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`${host}:${options.port ?? 8545} is in use (another local chain or hardhat node?)`, {
        cause: error,
      });
    }
    throw error;
  });
  const url = `http://${host}:${port}`;
  // No batching: ethers would wait 10 ms before each request to batch it (the replay sends thousands in sequence).
  const provider = new JsonRpcProvider(url, LOCAL_CHAIN_ID, {
    staticNetwork: true,
    cacheTimeout: -1,
    batchMaxCount: 1,
  });
  let recorder: PollLoop | undefined;
  try {
    const genesisBlock = (await provider.send('eth_getBlockByNumber', ['0x0', false])) as { hash: string };
    if (genesis && genesis.hash !== genesisBlock.hash) {
      throw new ChainReplayError(
        `the genesis in ${dataDir} is not this node's (${genesisBlock.hash}): remove ${dataDir} and the embedded database folder, and start afresh`,
      );
    }
    if (!genesis) {
      await appendJournal(journalPath, [
        {
          kind: 'genesis',
          v: 1,
          chainId: LOCAL_CHAIN_ID,
          initialDate: initialDate.toISOString(),
          hash: genesisBlock.hash,
        },
      ]);
    }
    const replayedBlocks = await replay(provider, entries, dataDir);
    const head = await provider.getBlockNumber();
    const writer = new JournalWriter(journalPath);
    writer.next = head + 1;
    // Back to wall-clock time after a replay (the node's clock continues from the last replayed block).
    const last = await provider.getBlock(head);
    const now = Math.floor(Date.now() / 1000);
    if (replayedBlocks > 0 && last && now > last.timestamp) {
      await provider.send('evm_setNextBlockTimestamp', [toQuantity(now)]);
    }
    await provider.send('evm_setAutomine', [true]);
    if ((options.blockIntervalMs ?? 1000) > 0)
      await provider.send('evm_setIntervalMining', [options.blockIntervalMs ?? 1000]);

    const record = async (): Promise<boolean> => {
      const tip = await provider.getBlockNumber();
      let n = writer.next;
      for (; n <= tip && n < writer.next + 200;) {
        const block = await provider.getBlock(n, true);
        if (!block) break;
        await writer.add(block);
        n = writer.next;
      }
      if (writer.holdsOlderThan(5, Math.floor(Date.now() / 1000))) await writer.flush();
      return n <= tip;
    };
    recorder = new PollLoop(record, options.recordEveryMs ?? 250, options.onError ?? (() => undefined));

    let deployment: LocalDeployment;
    if (replayedBlocks === 0) {
      deployment = await deploy(provider, options.disputeWindowSeconds ?? 120);
      while (await record());
      await writer.flush();
      await writeFile(deploymentPath, `${JSON.stringify(deployment, null, 2)}\n`, { mode: 0o600 });
    } else {
      deployment = JSON.parse(await readFile(deploymentPath, 'utf8')) as LocalDeployment;
      if ((await provider.getCode(deployment.oracleAddress)) === '0x') {
        throw new ChainReplayError(`no ResultsOracle at ${deployment.oracleAddress} after the replay of ${dataDir}`);
      }
    }
    recorder.start();
    let closed = false;
    return {
      url,
      port,
      chainId: LOCAL_CHAIN_ID,
      deployment,
      resumed: replayedBlocks > 0,
      replayedBlocks,
      async close() {
        if (closed) return;
        closed = true;
        await recorder?.stop();
        await provider.send('evm_setIntervalMining', [0]).catch(() => undefined);
        await provider.send('evm_setAutomine', [false]).catch(() => undefined);
        // Everything mined so far goes to the journal (record() takes 200 blocks at a time).
        try {
          while (await record());
        } catch (error) {
          (options.onError ?? (() => undefined))(error);
        }
        await writer.flush();
        provider.destroy();
        await server.close();
      },
    };
  } catch (error) {
    await recorder?.stop();
    provider.destroy();
    await server.close();
    throw error;
  }
}

async function deploy(provider: JsonRpcProvider, disputeWindowSeconds: number): Promise<LocalDeployment> {
  const governance = new Wallet(DEV_KEYS[0], provider);
  const attesters: DevAttester[] = DEV_ADMINS.map((adminId, i) => {
    const key = DEV_KEYS[i + 1]!;
    return { adminId, address: new Wallet(key).address, privateKey: key };
  });
  const guardian = new Wallet(DEV_KEYS[6]).address;
  const { abi, bytecode } = await artifact('ResultsOracle');
  const threshold = 3;
  const disputeThreshold = 4;
  const contract = await new ContractFactory(abi, bytecode, governance).deploy(
    attesters.map((a) => a.address),
    threshold,
    disputeThreshold,
    disputeWindowSeconds,
    guardian,
    governance.address,
  );
  const receipt = await contract.deploymentTransaction()!.wait();
  return {
    chainId: LOCAL_CHAIN_ID,
    oracleAddress: await contract.getAddress(),
    deploymentBlock: receipt!.blockNumber,
    disputeWindowSeconds,
    threshold,
    disputeThreshold,
    attesters,
    guardian,
    governance: governance.address,
    relayerPrivateKey: DEV_KEYS[7],
  };
}
