import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Wallet } from 'ethers';
import pg from 'pg';
import { PgAttestationStore } from '../../../oracle/attestations/pg-attestation-store.js';
import { migrateOracle } from '../../../oracle/db/migrate-oracle.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function oracleBind(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      join(root, 'node_modules', '.bin', 'tsx'),
      [join(root, 'scripts', 'oracle-bind.ts'), ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run oracle:bind', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: PgAttestationStore;
  let env: Record<string, string>;
  const key = Wallet.createRandom().address;
  const safe = Wallet.createRandom().address;

  beforeAll(async () => {
    db = await createTestDatabase('oracle_bind_cli');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => undefined);
    await migrateOracle(pool);
    store = new PgAttestationStore({ pool });
    env = { DATABASE_URL: db.url };
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  }, 30_000);

  it('binds an EOA key, then a contract, idempotently, and lists them', async () => {
    const bound = await oracleBind(['--admin', 'alice', '--attester', key.toLowerCase()], env);
    expect(bound.stderr).toBe('');
    expect(bound.code).toBe(0);
    expect(JSON.parse(bound.stdout)).toMatchObject({
      action: 'bound',
      binding: { admin: 'alice', attester: key, contract: false },
    });
    expect(await store.bindingOf('alice')).toMatchObject({ attester: key, contract: false });

    const contract = await oracleBind(['--admin', 'treasury', '--attester', safe, '--contract'], env);
    expect(contract.code).toBe(0);
    expect(JSON.parse(contract.stdout)).toMatchObject({ action: 'bound', binding: { attester: safe, contract: true } });
    expect((await store.bindingOf('treasury'))?.contract).toBe(true);

    const again = await oracleBind(['--admin', 'treasury', '--attester', safe, '--contract'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ action: 'unchanged' });

    const list = await oracleBind(['--list'], env);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { bindings: unknown[] }).bindings).toEqual([
      expect.objectContaining({ admin: 'alice', attester: key, contract: false }),
      expect.objectContaining({ admin: 'treasury', attester: safe, contract: true }),
    ]);
  }, 120_000);

  it('refuses a key bound to another admin (exit 1), then unbinds and rebinds it', async () => {
    const taken = await oracleBind(['--admin', 'bob', '--attester', key], env);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('oracle-bind: ORACLE_BINDING_CONFLICT');
    expect(taken.stdout).toBe('');

    const wrongKey = await oracleBind(['--admin', 'alice', '--unbind', '--attester', safe], env);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain(`ORACLE_ATTESTER_NOT_BOUND: admin alice holds ${key}`);
    expect(await store.attesterOf('alice')).toBe(key);

    const unbound = await oracleBind(['--admin', 'alice', '--unbind', '--attester', key], env);
    expect(unbound.code).toBe(0);
    expect(JSON.parse(unbound.stdout)).toMatchObject({ action: 'unbound', binding: { admin: 'alice', attester: key } });
    expect(await store.bindingOf('alice')).toBeUndefined();

    const nothing = await oracleBind(['--admin', 'alice', '--unbind'], env);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('ORACLE_ATTESTER_NOT_BOUND: admin alice has no attester key');

    const rebound = await oracleBind(['--admin', 'bob', '--attester', key], env);
    expect(rebound.code).toBe(0);
    expect(await store.attesterOf('bob')).toBe(key);
  }, 120_000);

  it.each([
    ['--attester', ['--admin', 'carol', '--attester', '0x1234']],
    // mixed case with a wrong checksum (0x5FbDB… is the checksummed form)
    ['--attester', ['--admin', 'carol', '--attester', '0x5fbDB2315678afecb367f032d93F642f64180aa3']],
    ['--attester', ['--admin', 'carol']],
    ['--admin', ['--attester', key]],
    ['--admin', ['--admin', ' carol ', '--attester', key]],
    ['--contract', ['--admin', 'carol', '--unbind', '--contract']],
    ['--admin', ['--list', '--admin', 'carol']],
  ])(
    'exits with code 2 and names %s when it is wrong',
    async (field, args) => {
      const run = await oracleBind(args, env);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`oracle-bind: ${field}`);
      expect(run.stdout).toBe('');
    },
    60_000,
  );

  it('exits with code 2 naming DATABASE_URL when it is missing', async () => {
    const run = await oracleBind(['--admin', 'carol', '--attester', key], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('oracle-bind: DATABASE_URL: required');
  }, 60_000);
});
