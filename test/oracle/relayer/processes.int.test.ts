import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Wallet } from 'ethers';
import { AttestationService } from '../../../oracle/attestations/attestation-service.js';
import { PgAttestationStore } from '../../../oracle/attestations/pg-attestation-store.js';
import { ChainAttesterSetSource } from '../../../oracle/chain/attester-set-source.js';
import { ResultStatus, eventIdOf, type Outcome } from '../../../oracle/result.js';
import { ResultSigner } from '../../../oracle/signer/result-signer.js';
import { DEV_KEYS } from '../../support/chain.js';
import { chainNow, createWorld, type OracleWorld } from '../chain/harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** `oracle/main.ts <role>` (through tsx) with a development relayer key, as `npm run relayer` would run it. */
function processEnv(world: OracleWorld, keyIndex: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DATABASE_URL: world.db.url,
    ORACLE_RPC_URLS: world.node.url,
    ORACLE_CHAIN_ID: '31337',
    ORACLE_ADDRESS: world.address,
    ORACLE_DEPLOYMENT_BLOCK: String(world.deploymentBlock),
    RELAYER_PRIVATE_KEY: DEV_KEYS[keyIndex],
    RELAYER_CONFIRMATIONS: '1',
    RELAYER_POLL_MS: '100',
    INDEXER_CONFIRMATIONS: '0',
    INDEXER_POLL_MS: '100',
    METRICS_PORT: '0',
  };
}

function startProcess(world: OracleWorld, role: string, keyIndex: number): ChildProcess {
  // `node --import tsx` rather than the tsx CLI: the CLI runs the program in a child process, and a
  // SIGKILL must hit the relayer itself.
  return spawn(process.execPath, ['--import', 'tsx', join(root, 'oracle', 'main.ts'), role], {
    cwd: root,
    stdio: 'ignore',
    env: processEnv(world, keyIndex),
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('oracle processes (tsx oracle/main.ts)', () => {
  let world: OracleWorld;
  let service: AttestationService;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    world = await createWorld('processes');
    const store = new PgAttestationStore({ pool: world.pool });
    const admins = ['alice', 'bob', 'carol'];
    for (const [i, admin] of admins.entries()) await store.bind(admin, world.node.wallet(i + 1).address);
    service = new AttestationService({
      store,
      attesterSet: new ChainAttesterSetSource({ contract: world.oracle, ttlMs: 0 }),
      chainId: world.chainId,
      oracleAddress: world.address,
      signers: await Promise.all(
        admins.map((adminId, i) =>
          ResultSigner.create({
            adminId,
            signer: new Wallet(world.node.wallet(i + 1).privateKey),
            chainId: world.chainId,
            oracleAddress: world.address,
          }),
        ),
      ),
    });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await world.close();
  });

  const attest = async (key: string): Promise<string> => {
    const outcome: Outcome = {
      eventId: eventIdOf(key),
      status: ResultStatus.Completed,
      values: [1, 0],
      endedAt: (await chainNow(world.node.provider)) - 60n,
      version: 1,
    };
    for (const adminId of ['alice', 'bob', 'carol']) await service.submit({ adminId, outcome });
    return outcome.eventId;
  };
  const publishedBy = async (eventId: string): Promise<string | undefined> => {
    const { rows } = await world.pool.query<{ tx_hash: string }>(
      `select tx_hash from oracle_publications where subject = $1 and state = 'confirmed'`,
      [eventId],
    );
    if (!rows[0]) return undefined;
    return (await world.node.provider.getTransaction(rows[0].tx_hash))!.from;
  };

  it('two relayer processes: one publishes; when it is killed the other takes over; SIGTERM stops cleanly', async () => {
    const a = startProcess(world, 'relayer', 7);
    const b = startProcess(world, 'all', 8);
    children.push(a, b);
    const first = await attest('process-1');
    const leader = await waitFor(() => publishedBy(first));
    const proposed = await world.oracle.queryFilter(world.oracle.filters.ResultProposed!(first), world.deploymentBlock);
    expect(proposed).toHaveLength(1);

    const [dead, survivor] = leader === new Wallet(DEV_KEYS[7]).address ? [a, b] : [b, a];
    dead.kill('SIGKILL');
    await exited(dead);
    const second = await attest('process-2');
    const next = await waitFor(() => publishedBy(second));
    expect(next).not.toBe(leader);
    // The indexer role of the `all` process (if it survived) or nobody: finality is the indexer test's job.

    survivor.kill('SIGTERM');
    expect(await exited(survivor)).toBe(0);
  }, 90_000);

  it('`npm run oracle -- status <event key>` shows attestations, quorum, transaction and on-chain status', async () => {
    const output = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(root, 'scripts', 'oracle.ts'), 'status', 'process-1'],
        {
          cwd: root,
          env: { ...processEnv(world, 7) },
        },
      );
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.on('exit', (code) => resolve({ code, stdout }));
    });
    expect(output.code).toBe(0);
    expect(output.stdout).toContain(eventIdOf('process-1'));
    expect(output.stdout).toMatch(/3 signature\(s\), QUORUM/);
    expect(output.stdout).toMatch(/propose confirmed tx 0x[0-9a-f]{64}/);
    expect(output.stdout).toMatch(/on-chain: Proposed v1 Completed/);
  }, 30_000);
});
