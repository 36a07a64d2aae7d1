import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContractFactory, JsonRpcProvider, Wallet, type BaseContract, type InterfaceAbi } from 'ethers';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Hardhat's well-known development accounts (mnemonic "test test … junk"): public knowledge,
 * funded only on local chains. Never use them anywhere else.
 */
export const DEV_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
] as const;

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
