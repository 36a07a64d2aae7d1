import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet, encryptKeystoreJson } from 'ethers';
import { OracleConfigError, isOracleError } from '../../../oracle/errors.js';
import { attesterKeySource, loadAttesterWallet, walletFromKeystore } from '../../../oracle/keys/attester-key.js';
import { DEV_KEYS, isDevKey } from '../../../oracle/keys/dev-keys.js';

const FAST_SCRYPT = { scrypt: { N: 1 << 10 } }; // tests only: the default N takes seconds

describe('attester keys', () => {
  let dir: string;
  const key = new Wallet(`0x${'07'.repeat(32)}`);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verdict-keys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a key from an encrypted JSON keystore with the password from the environment', async () => {
    const path = join(dir, 'attester.json');
    await writeFile(path, await encryptKeystoreJson(key, 'correct horse', FAST_SCRYPT));
    const source = attesterKeySource({
      ORACLE_SIGNER_KEYSTORE: path,
      ORACLE_SIGNER_KEYSTORE_PASSWORD: 'correct horse',
      NODE_ENV: 'production',
    });
    expect((await loadAttesterWallet(source)).address).toBe(key.address);
  });

  it('names the password variable when the password is wrong, and the path variable when the file is missing', async () => {
    const path = join(dir, 'wrong.json');
    await writeFile(path, await encryptKeystoreJson(key, 'right', FAST_SCRYPT));
    const wrong = await loadAttesterWallet(
      attesterKeySource({ ORACLE_SIGNER_KEYSTORE: path, ORACLE_SIGNER_KEYSTORE_PASSWORD: 'wrong' }),
    ).catch((e: unknown) => e);
    expect(isOracleError(wrong, 'ORACLE_KEY_REFUSED')).toBe(true);
    expect((wrong as Error).message).toMatch(/^ORACLE_SIGNER_KEYSTORE_PASSWORD:/);
    const missing = await loadAttesterWallet(
      attesterKeySource({ ORACLE_SIGNER_KEYSTORE: join(dir, 'nope.json'), ORACLE_SIGNER_KEYSTORE_PASSWORD: 'x' }),
    ).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/^ORACLE_SIGNER_KEYSTORE:/);
    await expect(walletFromKeystore('{}', 'x')).rejects.toThrow(/keystore password/);
  });

  it('requires the password variable with a keystore', () => {
    expect(() => attesterKeySource({ ORACLE_SIGNER_KEYSTORE: '/k.json' })).toThrow(/ORACLE_SIGNER_KEYSTORE_PASSWORD/);
  });

  it('accepts a plaintext development key on a local chain', async () => {
    const source = attesterKeySource({ ORACLE_SIGNER_PRIVATE_KEY: DEV_KEYS[1], NODE_ENV: 'development' });
    expect((await loadAttesterWallet(source)).address).toBe(new Wallet(DEV_KEYS[1]).address);
  });

  it('refuses a plaintext key in production, naming the variable', () => {
    const attempt = () => attesterKeySource({ ORACLE_SIGNER_PRIVATE_KEY: DEV_KEYS[1], NODE_ENV: 'production' });
    expect(attempt).toThrow(OracleConfigError);
    expect(attempt).toThrow(/ORACLE_SIGNER_PRIVATE_KEY: plaintext private keys are refused in production/);
  });

  it('refuses a plaintext key that is not a well-known development key', () => {
    expect(() => attesterKeySource({ ATTESTER_2_PRIVATE_KEY: key.privateKey }, 'ATTESTER_2')).toThrow(
      /ATTESTER_2_PRIVATE_KEY: only the local chain's well-known development keys/,
    );
  });

  it('asks for a key when none is configured, and for only one source', () => {
    expect(() => attesterKeySource({})).toThrow(/ORACLE_SIGNER_KEYSTORE: required/);
    expect(() =>
      attesterKeySource({
        ORACLE_SIGNER_KEYSTORE: '/k',
        ORACLE_SIGNER_KEYSTORE_PASSWORD: 'p',
        ORACLE_SIGNER_PRIVATE_KEY: DEV_KEYS[0],
      }),
    ).toThrow(/set only one of them/);
  });

  it('recognises development keys with or without 0x, in any case', () => {
    expect(isDevKey(DEV_KEYS[0].slice(2).toUpperCase())).toBe(true);
    expect(isDevKey(key.privateKey)).toBe(false);
  });
});
