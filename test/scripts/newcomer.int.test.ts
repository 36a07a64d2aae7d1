import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { defaultMetricsPort } from '../../oracle/main.js';
import { DEV_KEYS, freePort } from '../support/chain.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';
import { createWorld, type OracleWorld } from '../oracle/chain/harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `npm run <script> -- args` as a newcomer types it, with only the given environment. */
function npmRun(script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess & { output(): string } {
  const child = spawn('npm', ['run', '--silent', script, ...(args.length > 0 ? ['--', ...args] : [])], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return Object.assign(child, { output: () => output });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function waitFor(probe: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('what a newcomer hits following the docs (npm run …, real Postgres and Hardhat node)', () => {
  let world: OracleWorld;
  const fresh: TestDatabase[] = [];
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    world = await createWorld('newcomer');
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await Promise.all(fresh.map((db) => db.drop()));
    await world.close();
  });
  const freshDatabase = async (label: string) => {
    const db = await createTestDatabase(label);
    fresh.push(db);
    return db;
  };
  const hasSchema = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ t: string | null }>(
        `select to_regclass('oracle_attester_bindings')::text as t`,
      );
      return rows[0]!.t !== null;
    } finally {
      await client.end();
    }
  };
  const chainEnv = (databaseUrl: string): NodeJS.ProcessEnv => ({
    DATABASE_URL: databaseUrl,
    ORACLE_RPC_URLS: world.node.url,
    ORACLE_CHAIN_ID: '31337',
    ORACLE_ADDRESS: world.address,
    ORACLE_DEPLOYMENT_BLOCK: String(world.deploymentBlock),
  });

  it('oracle:bind, attest --submit and oracle status work on a fresh database (they apply the migrations)', async () => {
    const bindDb = await freshDatabase('fresh_bind');
    const bind = npmRun('oracle:bind', ['--list'], { DATABASE_URL: bindDb.url });
    children.push(bind);
    expect(await exited(bind)).toBe(0);
    expect(JSON.parse(bind.output())).toEqual({ bindings: [] });

    const attestDb = await freshDatabase('fresh_attest');
    const attest = npmRun(
      'attest',
      [
        '--dev-account',
        '1',
        '--event',
        'newcomer-fresh',
        '--status',
        'completed',
        '--values',
        '2,1',
        '--ended-at',
        String(Math.floor(Date.now() / 1000) - 3600),
        '--chain-id',
        '31337',
        '--oracle',
        world.address,
        '--epoch',
        '1',
        '--submit',
        '--admin',
        'alice',
        '--rpc-url',
        world.node.url,
      ],
      { DATABASE_URL: attestDb.url },
    );
    children.push(attest);
    await exited(attest);
    // Refused for the right reason (alice has no key bound yet), not for a missing table.
    expect(attest.output()).not.toMatch(/does not exist/);
    expect(attest.output()).toMatch(/ORACLE_ATTESTER_NOT_BOUND|not bound|no attester/i);
    expect(await hasSchema(attestDb.url)).toBe(true);

    const statusDb = await freshDatabase('fresh_status');
    const status = npmRun('oracle', ['status', 'newcomer-fresh'], chainEnv(statusDb.url));
    children.push(status);
    expect(await exited(status)).toBe(0);
    expect(status.output()).toMatch(/attestations: 0/);
  }, 120_000);

  it('npm run chain:mine / chain:advance move a local node forward (blocks, time)', async () => {
    const before = (await world.node.provider.getBlock('latest'))!;
    const mined = npmRun('chain:mine', ['3', '--rpc-url', world.node.url], {});
    children.push(mined);
    expect(await exited(mined)).toBe(0);
    expect(JSON.parse(mined.output())).toEqual(expect.objectContaining({ block: before.number + 3 }));
    const advanced = npmRun('chain:advance', ['3600', '2'], { ORACLE_RPC_URLS: world.node.url });
    children.push(advanced);
    expect(await exited(advanced)).toBe(0);
    const after = (await world.node.provider.getBlock('latest'))!;
    expect(after.number).toBe(before.number + 5);
    expect(after.timestamp - before.timestamp).toBeGreaterThanOrEqual(3600);
    const refused = npmRun('chain:advance', ['soon'], { ORACLE_RPC_URLS: world.node.url });
    children.push(refused);
    expect(await exited(refused)).toBe(2);
    expect(refused.output()).toMatch(/seconds: a whole number/);
  }, 60_000);

  it('relayer and indexer have distinct default metrics ports; a clash is a clear error before "started"', async () => {
    expect(defaultMetricsPort(['relayer'])).toBe(9464);
    expect(defaultMetricsPort(['indexer'])).toBe(9465);
    expect(defaultMetricsPort(['signer'])).toBe(9466);
    expect(defaultMetricsPort(['relayer', 'indexer', 'signer'])).toBe(9464);

    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', () => resolve()));
    try {
      const relayer = npmRun('relayer', [], {
        ...chainEnv(world.db.url),
        RELAYER_PRIVATE_KEY: DEV_KEYS[9],
        METRICS_PORT: String(port),
      });
      children.push(relayer);
      expect(await exited(relayer)).toBe(2);
      expect(relayer.output()).toMatch(new RegExp(`METRICS_PORT: 127\\.0\\.0\\.1:${port} is already in use`));
      expect(relayer.output()).not.toMatch(/started/);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  }, 60_000);

  it('kill -TERM on `npm run relayer` stops the relayer itself, which releases its lock', async () => {
    const lockHolders = async () => {
      const { rows } = await world.pool.query<{ n: number }>(
        `select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and l.granted and a.datname = current_database()`,
      );
      return rows[0]!.n;
    };
    const relayer = npmRun('relayer', [], {
      ...chainEnv(world.db.url),
      RELAYER_PRIVATE_KEY: DEV_KEYS[9],
      RELAYER_POLL_MS: '100',
      METRICS_PORT: '0',
    });
    children.push(relayer);
    await waitFor(() => relayer.output().includes('relayer lock acquired'));
    expect(await lockHolders()).toBe(1);

    relayer.kill('SIGTERM'); // the npm process, as `kill -TERM <pid of npm>` would
    expect(await exited(relayer)).toBe(0);
    expect(relayer.output()).toMatch(/SIGTERM, shutting down/);
    // The relayer process is gone with npm: nobody holds the lock any more.
    await waitFor(async () => (await lockHolders()) === 0, 10_000);
  }, 90_000);
});
