import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContractFactory, JsonRpcProvider, Wallet, type BaseContract, type InterfaceAbi } from 'ethers';
import { DEV_KEYS } from '../../oracle/keys/dev-keys.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Hardhat's well-known development accounts; the canonical list lives in oracle/keys/dev-keys.ts. */
export { DEV_KEYS };

/** A Hardhat node (EDR) running as a child process, reached over JSON-RPC HTTP like any RPC provider. */
export interface HardhatNode {
  readonly url: string;
  readonly port: number;
  readonly provider: JsonRpcProvider;
  /** A funded development wallet connected to the node. */
  wallet(index: number): Wallet;
  /** Stops the node (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `hardhat node` on a free loopback port and waits until it answers `eth_chainId`.
 * Each test file gets its own node (its own chain state).
 */
export async function startHardhatNode(options: { port?: number } = {}): Promise<HardhatNode> {
  const port = options.port ?? (await freePort());
  const child = spawn(
    join(root, 'node_modules', '.bin', 'hardhat'),
    ['node', '--hostname', '127.0.0.1', '--port', String(port)],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  const url = `http://127.0.0.1:${port}`;
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited (${child.exitCode}):\n${output}`);
    try {
      await provider.send('eth_chainId', []);
      break;
    } catch {
      if (Date.now() - started > 90_000) {
        await stopChild(child);
        throw new Error(`hardhat node did not answer on ${url} within 90 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    port,
    provider,
    wallet: (index) => new Wallet(DEV_KEYS[index]!, provider),
    async stop() {
      provider.destroy();
      await stopChild(child);
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** ABI and bytecode of a compiled contract from Hardhat's artifacts (run `hardhat build` first). */
export async function loadArtifact(sourceFile: string, name: string): Promise<{ abi: InterfaceAbi; bytecode: string }> {
  const path = join(root, 'artifacts', 'contracts', sourceFile, `${name}.json`);
  const artifact = JSON.parse(await readFile(path, 'utf8')) as { abi: InterfaceAbi; bytecode: string };
  return { abi: artifact.abi, bytecode: artifact.bytecode };
}

/** Deploys a compiled contract with `deployer` and waits for it. */
export async function deploy<T extends BaseContract = BaseContract>(
  deployer: Wallet,
  sourceFile: string,
  name: string,
  args: unknown[] = [],
): Promise<T> {
  const { abi, bytecode } = await loadArtifact(sourceFile, name);
  const contract = await new ContractFactory(abi, bytecode, deployer).deploy(...args);
  await contract.waitForDeployment();
  return contract as T;
}
