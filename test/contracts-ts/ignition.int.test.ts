import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getAddress } from 'ethers';
import { attesterSetHash } from '../../oracle/result.js';
import { startHardhatNode, type HardhatNode } from '../support/chain.js';
import { attach, read } from './fixture.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

interface LocalParameters {
  ResultsOracle: {
    attesters: string[];
    threshold: number;
    disputeThreshold: number;
    disputeWindow: number;
    guardian: string;
    governance: string;
  };
}

/** `ignition/modules/ResultsOracle.ts` with `ignition/parameters/local.json`, deployed to a Hardhat node over JSON-RPC. */
describe('Ignition module ResultsOracle', () => {
  let node: HardhatNode;
  const deploymentId = `test-${process.pid}`;

  beforeAll(async () => {
    node = await startHardhatNode();
  });
  afterAll(async () => {
    await node.stop();
    await rm(join(root, 'ignition', 'deployments', deploymentId), { recursive: true, force: true });
  });

  it('has a valid local parameters file: Hardhat development accounts, a consistent quorum', async () => {
    const params = (JSON.parse(await readFile(join(root, 'ignition/parameters/local.json'), 'utf8')) as LocalParameters)
      .ResultsOracle;
    const dev = Array.from({ length: 10 }, (_, i) => node.wallet(i).address);
    for (const a of [...params.attesters, params.guardian, params.governance]) expect(dev).toContain(getAddress(a));
    expect(new Set(params.attesters).size).toBe(params.attesters.length);
    expect(params.threshold).toBeGreaterThanOrEqual(1);
    expect(params.disputeThreshold).toBeGreaterThan(params.threshold);
    expect(params.disputeThreshold).toBeLessThanOrEqual(params.attesters.length);
  });

  it('deploys the oracle configured as the parameters say', async () => {
    const { stdout } = await run('npx', ['tsx', 'ignition/scripts/deploy-to-node.ts'], {
      cwd: root,
      env: { ...process.env, IGNITION_RPC_URL: node.url, IGNITION_DEPLOYMENT_ID: deploymentId, FORCE_COLOR: '0' },
      timeout: 120_000,
    });
    const { oracle: address } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { oracle: string };
    const params = (JSON.parse(await readFile(join(root, 'ignition/parameters/local.json'), 'utf8')) as LocalParameters)
      .ResultsOracle;
    const oracle = await attach('ResultsOracle.sol', 'ResultsOracle', address, node.wallet(0));
    expect(await read(oracle, 'attesterConfig')).toEqual([
      1n,
      BigInt(params.threshold),
      BigInt(params.disputeThreshold),
      BigInt(params.attesters.length),
      attesterSetHash(params.attesters),
    ]);
    expect(await read(oracle, 'attesters')).toEqual([params.attesters.map(getAddress)]);
    expect(await read(oracle, 'disputeWindow')).toEqual([BigInt(params.disputeWindow)]);
    expect(await read(oracle, 'guardian')).toEqual([getAddress(params.guardian)]);
    expect(await read(oracle, 'owner')).toEqual([getAddress(params.governance)]);
  }, 120_000);
});
