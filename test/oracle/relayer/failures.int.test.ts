import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonRpcProvider, Wallet } from 'ethers';
import { AttestationService } from '../../../oracle/attestations/attestation-service.js';
import { PgAttestationStore } from '../../../oracle/attestations/pg-attestation-store.js';
import { ChainAttesterSetSource } from '../../../oracle/chain/attester-set-source.js';
import { ResultStatus, eventIdOf, type Outcome } from '../../../oracle/result.js';
import { ResultSigner } from '../../../oracle/signer/result-signer.js';
import { DEV_KEYS } from '../../support/chain.js';
import {
  ListReadySource,
  chainNow,
  createWorld,
  makeRelayer,
  makeResult,
  proposedCount,
  readyOf,
  sign,
  type OracleWorld,
} from '../chain/harness.js';
import { startRpcProxy, type RpcProxy } from '../chain/rpc-proxy.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Failed publications: a stable failure code stored with each, automatic retries for transient codes only,
 * `npm run oracle -- retry` for the rest, both shown by `npm run oracle -- status`. The node's refusals come
 * from a JSON-RPC proxy in front of a real hardhat node.
 */
describe('failed publications: codes, automatic retries, the retry command, status', () => {
  let world: OracleWorld;
  let proxy: RpcProxy;
  let provider: JsonRpcProvider;
  beforeAll(async () => {
    world = await createWorld('failures');
    proxy = await startRpcProxy(world.node.url);
    provider = new JsonRpcProvider(proxy.url, 31337, { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 1 });
  });
  afterAll(async () => {
    provider.destroy();
    await proxy.close();
    await world.close();
  });

  const env = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DATABASE_URL: world.db.url,
    ORACLE_RPC_URLS: world.node.url,
    ORACLE_CHAIN_ID: '31337',
    ORACLE_ADDRESS: world.address,
    ORACLE_DEPLOYMENT_BLOCK: String(world.deploymentBlock),
    RELAYER_PRIVATE_KEY: DEV_KEYS[7],
  });
  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'oracle.ts'), ...args], {
        cwd: root,
        env: env(),
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  const publication = async (subject: string) =>
    (
      await world.pool.query<{
        id: string;
        state: string;
        error_code: string | null;
        retries: number;
        retry_at: Date | null;
      }>('select id, state, error_code, retries, retry_at from oracle_publications where subject = $1', [subject])
    ).rows;

  it('a permanent refusal (its message holds "503" in raw hex) is failed once with its code, never retried by itself; `oracle retry` sends it', async () => {
    const source = new ListReadySource();
    const result = await makeResult(world, 'refused-503');
    source.add(readyOf(world, result, await sign(world, result, [1, 2, 3])));
    const nonce = await world.node.provider.getTransactionCount(world.node.wallet(7).address, 'pending');
    proxy.intercept('eth_sendRawTransaction', {
      code: -32000,
      message:
        'invalid transaction: 0x02f8b1827a6980843b9aca00850503a2f8b8830186a094e7f1725e7734ce288f8367e1bb143e90bb3f0512',
    });
    const { service } = makeRelayer(world, source, { provider });
    try {
      for (let i = 0; i < 4; i++) await service.runOnce();
    } finally {
      await service.stop();
    }
    expect(proxy.calls('eth_sendRawTransaction')).toBe(1); // neither retried by the policy nor by the next ticks
    const [failed] = await publication(result.eventId);
    expect(failed).toMatchObject({
      state: 'failed',
      error_code: 'ORACLE_TRANSACTION_REFUSED',
      retries: 0,
      retry_at: null,
    });

    const shown = await cli('status', result.eventId);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`#${failed!.id} propose failed [ORACLE_TRANSACTION_REFUSED]`);
    expect(shown.stdout).toContain(`waits for \`npm run oracle -- retry ${failed!.id}\``);

    expect((await world.pool.query(`select state from oracle_transactions`)).rows).toEqual([]); // never used its nonce
    proxy.intercept('eth_sendRawTransaction', undefined); // the cause went away
    expect((await cli('retry', 'x1')).stderr).toMatch(/publication id: not a number: x1/);
    const retried = await cli('retry', '--code', 'ORACLE_TRANSACTION_REFUSED');
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain(`1 publication(s) back in the relayer's queue: #${failed!.id}`);
    const again = makeRelayer(world, source, { provider });
    try {
      await again.service.runOnce();
      await again.service.runOnce();
    } finally {
      await again.service.stop();
    }
    expect(await publication(result.eventId)).toEqual([expect.objectContaining({ state: 'confirmed', retries: 1 })]);
    expect(await proposedCount(world, result.eventId)).toBe(1);
    // The refused transaction never used its nonce: the new one took it.
    expect(await world.node.provider.getTransactionCount(world.node.wallet(7).address, 'latest')).toBe(nonce + 1);
  }, 60_000);

  it('a transient failure (insufficient funds) is retried by itself once its backoff has passed', async () => {
    let now = Date.now();
    const source = new ListReadySource();
    const result = await makeResult(world, 'unfunded');
    source.add(readyOf(world, result, await sign(world, result, [2, 3, 4])));
    proxy.intercept('eth_estimateGas', { code: -32000, message: 'insufficient funds for gas * price + value' });
    const { service } = makeRelayer(world, source, {
      provider,
      clock: () => now,
      relayer: { retryBaseMs: 10_000 },
    });
    try {
      await service.runOnce();
      const [failed] = await publication(result.eventId);
      expect(failed).toMatchObject({ state: 'failed', error_code: 'ORACLE_INSUFFICIENT_FUNDS', retries: 0 });
      expect(failed!.retry_at!.getTime()).toBe(now + 10_000);
      const shown = await cli('status', result.eventId);
      expect(shown.stdout).toMatch(/propose failed \[ORACLE_INSUFFICIENT_FUNDS\], automatic retry at /);

      proxy.intercept('eth_estimateGas', undefined); // funded
      await service.runOnce(); // before the backoff: still failed
      expect((await publication(result.eventId))[0]!.state).toBe('failed');
      now += 10_001;
      await service.runOnce(); // back in the queue, sent
      await service.runOnce();
    } finally {
      await service.stop();
    }
    expect(await publication(result.eventId)).toEqual([expect.objectContaining({ state: 'confirmed', retries: 1 })]);
  }, 60_000);

  describe('status of corrections and conflicts', () => {
    let submit: (adminId: string, outcome: Outcome) => Promise<void>;
    beforeAll(async () => {
      const admins = ['alice', 'bob', 'carol', 'dave', 'erin'];
      const store = new PgAttestationStore({ pool: world.pool });
      for (const [i, admin] of admins.entries()) await store.bind(admin, world.node.wallet(i + 1).address);
      const signers = await Promise.all(
        admins.map((adminId, i) =>
          ResultSigner.create({
            adminId,
            signer: new Wallet(world.node.wallet(i + 1).privateKey),
            chainId: world.chainId,
            oracleAddress: world.address,
          }),
        ),
      );
      let clock = 0n;
      const service = new AttestationService({
        store,
        attesterSet: new ChainAttesterSetSource({ contract: world.oracle, ttlMs: 0 }),
        chainId: world.chainId,
        oracleAddress: world.address,
        signers,
        clock: () => clock,
      });
      submit = async (adminId, outcome) => {
        clock = await chainNow(world.node.provider);
        await service.submit({ adminId, outcome });
      };
    });
    const outcome = async (key: string, version: number, values: number[]): Promise<Outcome> => ({
      eventId: eventIdOf(key),
      status: ResultStatus.Completed,
      values,
      endedAt: (await chainNow(world.node.provider)) - 60n,
      version,
    });

    it('a correction (v1, then v2 of one event) is not reported as a conflict', async () => {
      const v1 = await outcome('corrected', 1, [1, 0]);
      const v2 = { ...v1, version: 2, values: [2, 0] };
      for (const admin of ['alice', 'bob', 'carol']) await submit(admin, v1);
      for (const admin of ['alice', 'bob', 'carol']) await submit(admin, v2);
      const shown = await cli('status', 'corrected');
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/v1 0x[0-9a-f]{64}: Completed \[1, 0\] — 3 signature\(s\), QUORUM/);
      expect(shown.stdout).toMatch(/v2 0x[0-9a-f]{64}: Completed \[2, 0\] — 3 signature\(s\), QUORUM/);
      expect(shown.stdout).not.toMatch(/CONFLICT/);
    });

    it('two payloads for one version are', async () => {
      const a = await outcome('really-conflicting', 1, [1, 0]);
      const b = { ...a, values: [0, 1] };
      for (const admin of ['alice', 'bob']) await submit(admin, a);
      for (const admin of ['carol', 'dave']) await submit(admin, b);
      const shown = await cli('status', 'really-conflicting');
      expect(shown.stdout).toMatch(/CONFLICT v1: 2 payloads/);
    });
  });
});
