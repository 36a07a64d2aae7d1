import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Wallet, encryptKeystoreJson, verifyTypedData } from 'ethers';
import {
  RESOLUTION_TYPES,
  RESULT_TYPES,
  eventIdOf,
  oracleDomain,
  resolutionDigest,
  resultDigest,
  resultMessage,
  type Result,
} from '../../../oracle/result.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ORACLE = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function attest(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      join(root, 'node_modules', '.bin', 'tsx'),
      [join(root, 'scripts', 'attest.ts'), ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface Printed {
  type: 'Result' | 'Resolution';
  attester: string;
  result: Omit<Result, 'endedAt' | 'notBefore' | 'deadline'> & { endedAt: string; notBefore: string; deadline: string };
  digest: string;
  signature: string;
}

describe('npm run attest', () => {
  let dir: string;
  let keystore: string;
  const key = new Wallet(`0x${'21'.repeat(32)}`);
  const base = [
    '--event',
    'fr-ligue1-2026-psg-om',
    '--status',
    'completed',
    '--values',
    '2,1',
    '--ended-at',
    '2026-05-10T21:00:00Z',
    '--version',
    '1',
    '--chain-id',
    '31337',
    '--oracle',
    ORACLE,
    '--epoch',
    '1',
  ];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verdict-attest-'));
    keystore = join(dir, 'attester.json');
    await writeFile(keystore, await encryptKeystoreJson(key, 'pass phrase', { scrypt: { N: 1 << 10 } }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints an attestation whose EIP-712 signature recovers to the keystore key', async () => {
    const run = await attest(['--keystore', keystore, ...base], { ATTEST_KEYSTORE_PASSWORD: 'pass phrase' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as Printed;
    const result: Result = {
      ...printed.result,
      endedAt: BigInt(printed.result.endedAt),
      notBefore: BigInt(printed.result.notBefore),
      deadline: BigInt(printed.result.deadline),
    };
    const endedAt = BigInt(Date.parse('2026-05-10T21:00:00Z') / 1000);
    expect(result).toEqual({
      eventId: eventIdOf('fr-ligue1-2026-psg-om'),
      status: 1,
      values: [2, 1],
      endedAt,
      version: 1,
      notBefore: endedAt,
      deadline: endedAt + 7n * 24n * 3600n,
      epoch: 1,
    });
    const domain = oracleDomain(31337n, ORACLE);
    expect(printed.attester).toBe(key.address);
    expect(printed.digest).toBe(resultDigest(domain, result));
    expect(verifyTypedData(domain, RESULT_TYPES, resultMessage(result), printed.signature)).toBe(key.address);
  });

  it('signs the Resolution of the same payload with --resolution, and refuses to submit it', async () => {
    const env = { ATTEST_KEYSTORE_PASSWORD: 'pass phrase' };
    const [attestation, resolution] = await Promise.all([
      attest(['--keystore', keystore, ...base], env),
      attest(['--keystore', keystore, ...base, '--resolution'], env),
    ]);
    expect(resolution.stderr).toBe('');
    expect(resolution.code).toBe(0);
    const a = JSON.parse(attestation.stdout) as Printed;
    const r = JSON.parse(resolution.stdout) as Printed;
    expect([a.type, r.type]).toEqual(['Result', 'Resolution']);
    expect(r.result).toEqual(a.result); // the same payload, deterministic window included
    const result: Result = {
      ...r.result,
      endedAt: BigInt(r.result.endedAt),
      notBefore: BigInt(r.result.notBefore),
      deadline: BigInt(r.result.deadline),
    };
    const domain = oracleDomain(31337n, ORACLE);
    expect(r.digest).toBe(resolutionDigest(domain, result));
    expect(r.digest).not.toBe(a.digest);
    expect(verifyTypedData(domain, RESOLUTION_TYPES, resultMessage(result), r.signature)).toBe(key.address);
    expect(verifyTypedData(domain, RESULT_TYPES, resultMessage(result), r.signature)).not.toBe(key.address);

    const submitted = await attest(['--keystore', keystore, ...base, '--resolution', '--submit', '--admin', 'a'], env);
    expect(submitted.code).toBe(2);
    expect(submitted.stderr).toContain('attest: --resolution');
  });

  it.each([
    ['--values', ['--values', '2,x']],
    ['--ended-at', ['--ended-at', 'yesterday']],
    ['--status', ['--status', 'won']],
    ['--oracle', ['--oracle', '0x1234']],
    ['--epoch', ['--epoch', 'one']],
    ['--event', ['--event', '0x1234']],
  ])('exits with code 2 and names %s when it is wrong', async (field, change) => {
    const args = [...base];
    const at = args.indexOf(change[0]!);
    args[at + 1] = change[1]!;
    const run = await attest(['--keystore', keystore, ...args], { ATTEST_KEYSTORE_PASSWORD: 'pass phrase' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`attest: ${field}`);
    expect(run.stdout).toBe('');
  });

  it('exits with code 2 naming the password variable when it is missing and no terminal can prompt', async () => {
    const run = await attest(['--keystore', keystore, ...base]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ATTEST_KEYSTORE_PASSWORD');
  });

  it('refuses a wrong password, naming the variable', async () => {
    const run = await attest(['--keystore', keystore, ...base], { ATTEST_KEYSTORE_PASSWORD: 'nope' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ORACLE_KEY_REFUSED: ATTEST_KEYSTORE_PASSWORD');
  });

  it('refuses a development account in production', async () => {
    const run = await attest(['--dev-account', '1', ...base], { NODE_ENV: 'production' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--dev-account: plaintext private keys are refused in production');
  });
});
