import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AttestationService } from '../../../oracle/attestations/attestation-service.js';
import { PgAttestationStore } from '../../../oracle/attestations/pg-attestation-store.js';
import { ChainAttesterSetSource } from '../../../oracle/chain/attester-set-source.js';
import { ResultStatus, eventIdOf, type Outcome } from '../../../oracle/result.js';
import { ResultSigner } from '../../../oracle/signer/result-signer.js';
import { DEV_KEYS } from '../../support/chain.js';
import { DISPUTE_WINDOW, chainNow, createWorld, elapse, type OracleWorld } from '../chain/harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ADMINS = ['alice', 'bob', 'carol', 'dave', 'erin'];

function baseEnv(world: OracleWorld): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DATABASE_URL: world.db.url,
    ORACLE_RPC_URLS: world.node.url,
    ORACLE_CHAIN_ID: '31337',
    ORACLE_ADDRESS: world.address,
    ORACLE_DEPLOYMENT_BLOCK: String(world.deploymentBlock),
    METRICS_PORT: '0',
  };
}

function start(world: OracleWorld, role: string, env: NodeJS.ProcessEnv, output?: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'oracle', 'main.ts'), role], {
    cwd: root,
    stdio: ['ignore', 'ignore', output ? 'pipe' : 'ignore'],
    env: { ...baseEnv(world), ...env },
  });
  child.stderr?.on('data', (chunk: Buffer) => output?.push(chunk.toString()));
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the signer role (tsx oracle/main.ts signer / all)', () => {
  let world: OracleWorld;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    world = await createWorld('signer_role');
  }, 120_000);
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await world.close();
  });

  it('fails at start, naming the variable, when the signer role has no signer instance', async () => {
    const stderr: string[] = [];
    const child = start(world, 'signer', {}, stderr);
    children.push(child);
    expect(await exited(child)).toBe(2);
    expect(stderr.join('')).toMatch(/ORACLE_SIGNER_ADMIN: the signer role needs at least one signer instance/);
  }, 60_000);

  it('one `all` process with batch mode on: attestations → root co-signed by its instances → proposeBatch → final; SIGTERM stops it', async () => {
    const store = new PgAttestationStore({ pool: world.pool });
    for (const [i, admin] of ADMINS.entries()) await store.bind(admin, world.node.wallet(i + 1).address);
    // The API side: admins submit, their signer instances sign the individual results.
    const service = new AttestationService({
      store,
      attesterSet: new ChainAttesterSetSource({ contract: world.oracle, ttlMs: 0 }),
      chainId: world.chainId,
      oracleAddress: world.address,
      signers: await Promise.all(
        ADMINS.map((adminId, i) =>
          ResultSigner.create({
            adminId,
            signer: world.node.wallet(i + 1),
            chainId: world.chainId,
            oracleAddress: world.address,
          }),
        ),
      ),
    });
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push({
        eventId: eventIdOf(`role-${i}`),
        status: ResultStatus.Completed,
        values: [i, 1],
        endedAt: (await chainNow(world.node.provider)) - 60n,
        version: 1,
      });
    }
    for (const outcome of outcomes) {
      for (const adminId of ['alice', 'carol', 'erin']) await service.submit({ adminId, outcome });
    }

    // The oracle process holds the signer instances of alice, carol and erin (development keys 1, 3, 5).
    const child = start(world, 'all', {
      RELAYER_PRIVATE_KEY: DEV_KEYS[7],
      RELAYER_CONFIRMATIONS: '1',
      RELAYER_POLL_MS: '100',
      RELAYER_BATCH_THRESHOLD: '2',
      INDEXER_CONFIRMATIONS: '0',
      INDEXER_POLL_MS: '100',
      COSIGNER_POLL_MS: '100',
      ORACLE_SIGNERS: 'ALICE,CAROL,ERIN',
      ORACLE_SIGNER_ALICE_ADMIN: 'alice',
      ORACLE_SIGNER_ALICE_PRIVATE_KEY: DEV_KEYS[1],
      ORACLE_SIGNER_CAROL_ADMIN: 'carol',
      ORACLE_SIGNER_CAROL_PRIVATE_KEY: DEV_KEYS[3],
      ORACLE_SIGNER_ERIN_ADMIN: 'erin',
      ORACLE_SIGNER_ERIN_PRIVATE_KEY: DEV_KEYS[5],
    });
    children.push(child);

    const rootOf = await waitFor(async () => {
      const { rows } = await world.pool.query<{ subject: string }>(
        `select subject from oracle_publications where kind = 'batch' and state = 'confirmed'`,
      );
      return rows[0]?.subject;
    });
    const signatures = await world.pool.query<{ n: number }>(
      'select count(*)::int as n from oracle_batch_signatures where root = $1',
      [rootOf],
    );
    expect(signatures.rows[0]).toEqual({ n: 3 });
    const singles = await world.pool.query(`select 1 from oracle_publications where kind = 'propose'`);
    expect(singles.rowCount).toBe(0);

    await elapse(world, DISPUTE_WINDOW + 1);
    const final = await waitFor(async () => {
      await world.node.provider.send('evm_mine', []);
      const { rows } = await world.pool.query<{ n: number }>(
        'select count(*)::int as n from oracle_final_results where batch_root = $1',
        [rootOf],
      );
      return rows[0]!.n === outcomes.length ? rows[0]!.n : undefined;
    });
    expect(final).toBe(outcomes.length);

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  }, 120_000);
});
