import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, Wallet, encryptKeystoreJson, verifyTypedData } from 'ethers';
import { buildResult } from '../../../oracle/attestations/signing-window.js';
import { OracleConfigError, isOracleError } from '../../../oracle/errors.js';
import { DEV_KEYS } from '../../../oracle/keys/dev-keys.js';
import { RESULT_TYPES, ResultStatus, eventIdOf, oracleDomain, resultMessage } from '../../../oracle/result.js';
import { createSignerInstances, signerInstanceConfigs } from '../../../oracle/signer/signer-instances.js';

const FAST_SCRYPT = { scrypt: { N: 1 << 10 } }; // tests only: the default N takes seconds
const CHAIN_ID = 31337n;
const ORACLE = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const build = (env: NodeJS.ProcessEnv) => createSignerInstances({ env, chainId: CHAIN_ID, oracleAddress: ORACLE });

async function configProblems(action: () => unknown): Promise<string[]> {
  const error = await Promise.resolve()
    .then(action)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(error instanceof OracleConfigError)) throw new Error(`expected OracleConfigError, got ${String(error)}`);
  return [...error.problems];
}

describe('createSignerInstances', () => {
  let dir: string;
  let keystore: string;
  const key = new Wallet(`0x${'09'.repeat(32)}`);
  const result = buildResult(
    {
      eventId: eventIdOf('signer-instances'),
      status: ResultStatus.Completed,
      values: [1, 0],
      endedAt: 1_790_000_000n,
      version: 1,
    },
    { signatureTtl: 3600n, epoch: 1 },
  );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verdict-signers-'));
    keystore = join(dir, 'attester.json');
    await writeFile(keystore, await encryptKeystoreJson(key, 'pass phrase', FAST_SCRYPT));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds no instance when no ORACLE_SIGNER_* variable is set', async () => {
    expect(await build({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x' })).toEqual([]);
  });

  it('builds one instance from a keystore, bound to its admin and signing under the oracle domain', async () => {
    const [signer, ...rest] = await build({
      NODE_ENV: 'production',
      ORACLE_SIGNER_ADMIN: 'alice',
      ORACLE_SIGNER_KEYSTORE: keystore,
      ORACLE_SIGNER_KEYSTORE_PASSWORD: 'pass phrase',
    });
    expect(rest).toEqual([]);
    expect(signer).toMatchObject({ adminId: 'alice', attester: key.address });
    const signature = await signer!.sign({ adminId: 'alice', result });
    expect(verifyTypedData(oracleDomain(CHAIN_ID, ORACLE), RESULT_TYPES, resultMessage(result), signature)).toBe(
      key.address,
    );
    await expect(signer!.sign({ adminId: 'bob', result })).rejects.toMatchObject({ code: 'ORACLE_SIGNER_FORBIDDEN' });
  });

  it('accepts a development key in plaintext outside production, and connects a given provider', async () => {
    const provider = new JsonRpcProvider('http://127.0.0.1:1', CHAIN_ID, { staticNetwork: true });
    try {
      const signers = await createSignerInstances({
        env: { ORACLE_SIGNER_ADMIN: 'bob', ORACLE_SIGNER_PRIVATE_KEY: DEV_KEYS[2] },
        chainId: CHAIN_ID,
        oracleAddress: ORACLE,
        provider,
      });
      expect(signers.map((s) => [s.adminId, s.attester])).toEqual([['bob', new Wallet(DEV_KEYS[2]).address]]);
    } finally {
      provider.destroy();
    }
  });

  it('builds several instances from ORACLE_SIGNERS, each with its own variables', async () => {
    const signers = await build({
      ORACLE_SIGNERS: 'ALICE, BOB_2',
      ORACLE_SIGNER_ALICE_ADMIN: 'alice',
      ORACLE_SIGNER_ALICE_KEYSTORE: keystore,
      ORACLE_SIGNER_ALICE_KEYSTORE_PASSWORD: 'pass phrase',
      ORACLE_SIGNER_BOB_2_ADMIN: 'bob',
      ORACLE_SIGNER_BOB_2_PRIVATE_KEY: DEV_KEYS[3],
    });
    expect(signers.map((s) => [s.adminId, s.attester])).toEqual([
      ['alice', key.address],
      ['bob', new Wallet(DEV_KEYS[3]).address],
    ]);
  });

  it('names the admin variable when it is missing, and the key variables when the key is', async () => {
    expect(
      await configProblems(() => build({ ORACLE_SIGNER_KEYSTORE: keystore, ORACLE_SIGNER_KEYSTORE_PASSWORD: 'x' })),
    ).toEqual([expect.stringMatching(/^ORACLE_SIGNER_ADMIN: required/)]);
    expect(await configProblems(() => build({ ORACLE_SIGNER_ADMIN: 'alice' }))).toEqual([
      expect.stringMatching(/^ORACLE_SIGNER_KEYSTORE: required.*ORACLE_SIGNER_PRIVATE_KEY/),
    ]);
    expect(
      await configProblems(() => build({ ORACLE_SIGNER_ADMIN: 'alice', ORACLE_SIGNER_KEYSTORE: keystore })),
    ).toEqual([expect.stringMatching(/^ORACLE_SIGNER_KEYSTORE_PASSWORD: required/)]);
  });

  it('refuses a plaintext key in production and a non-development plaintext key, naming the variable', async () => {
    const production = await configProblems(() =>
      build({ NODE_ENV: 'production', ORACLE_SIGNER_ADMIN: 'a', ORACLE_SIGNER_PRIVATE_KEY: DEV_KEYS[1] }),
    );
    expect(production).toEqual([
      expect.stringMatching(/^ORACLE_SIGNER_PRIVATE_KEY: plaintext private keys are refused/),
    ]);
    const random = await configProblems(() =>
      build({ ORACLE_SIGNER_ADMIN: 'a', ORACLE_SIGNER_PRIVATE_KEY: Wallet.createRandom().privateKey }),
    );
    expect(random).toEqual([expect.stringMatching(/^ORACLE_SIGNER_PRIVATE_KEY: only the local chain's/)]);
  });

  it('refuses a wrong keystore password with ORACLE_KEY_REFUSED naming the password variable', async () => {
    const error = await build({
      ORACLE_SIGNER_ADMIN: 'alice',
      ORACLE_SIGNER_KEYSTORE: keystore,
      ORACLE_SIGNER_KEYSTORE_PASSWORD: 'wrong',
    }).catch((e: unknown) => e);
    expect(isOracleError(error, 'ORACLE_KEY_REFUSED')).toBe(true);
    expect((error as Error).message).toMatch(/^ORACLE_SIGNER_KEYSTORE_PASSWORD:/);
  });

  it('lists every problem of several instances at once: names, duplicates, mixing with the single form', async () => {
    const problems = await configProblems(() =>
      signerInstanceConfigs({
        ORACLE_SIGNERS: 'A,b-1,A,ADMIN,C',
        ORACLE_SIGNER_ADMIN: 'x',
        ORACLE_SIGNER_A_ADMIN: 'alice',
        ORACLE_SIGNER_A_PRIVATE_KEY: DEV_KEYS[1],
        ORACLE_SIGNER_C_ADMIN: 'alice',
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^ORACLE_SIGNERS: "b-1" is not an instance name/),
      expect.stringMatching(/^ORACLE_SIGNERS: "ADMIN" is not an instance name/),
      'ORACLE_SIGNERS: A is listed twice',
      expect.stringMatching(/^ORACLE_SIGNER_ADMIN: not with ORACLE_SIGNERS \(use ORACLE_SIGNER_<NAME>_ADMIN\)/),
      expect.stringMatching(/^ORACLE_SIGNER_C_ADMIN: the same admin as ORACLE_SIGNER_A_ADMIN/),
      expect.stringMatching(/^ORACLE_SIGNER_C_KEYSTORE: required/),
    ]);
    expect(await configProblems(() => signerInstanceConfigs({ ORACLE_SIGNERS: ' , ' }))).toEqual([
      expect.stringMatching(/^ORACLE_SIGNERS: empty/),
    ]);
  });

  it('refuses two instances holding the same key, naming both variables', async () => {
    const problems = await configProblems(() =>
      build({
        ORACLE_SIGNERS: 'A,B',
        ORACLE_SIGNER_A_ADMIN: 'alice',
        ORACLE_SIGNER_A_PRIVATE_KEY: DEV_KEYS[1],
        ORACLE_SIGNER_B_ADMIN: 'bob',
        ORACLE_SIGNER_B_PRIVATE_KEY: DEV_KEYS[1],
      }),
    );
    expect(problems).toEqual([
      'ORACLE_SIGNER_B_PRIVATE_KEY: the same attester key as ORACLE_SIGNER_A_PRIVATE_KEY (one key per admin)',
    ]);
  });
});
