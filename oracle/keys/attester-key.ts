import { readFile } from 'node:fs/promises';
import { Wallet } from 'ethers';
import { OracleConfigError, OracleError } from '../errors.js';
import { isDevKey } from './dev-keys.js';

/**
 * Where one attester key comes from, as read from the environment by {@link attesterKeySource}.
 * `names` keep the variable names so that every error can say which one to fix.
 */
export type AttesterKeySource =
  | {
      readonly kind: 'keystore';
      readonly path: string;
      readonly password: string;
      readonly names: { readonly path: string; readonly password: string };
    }
  | { readonly kind: 'plaintext'; readonly privateKey: string; readonly names: { readonly privateKey: string } };

/**
 * Reads `<prefix>_KEYSTORE` (path of an encrypted JSON keystore) with `<prefix>_KEYSTORE_PASSWORD`,
 * or `<prefix>_PRIVATE_KEY` (a plaintext key: Hardhat development accounts only, never when
 * `NODE_ENV=production`). Pure: validates shapes and policy, touches no file.
 *
 * @throws {OracleConfigError} listing every problem, naming the variables (never their values).
 */
export function attesterKeySource(env: NodeJS.ProcessEnv, prefix = 'ORACLE_SIGNER'): AttesterKeySource {
  const names = {
    path: `${prefix}_KEYSTORE`,
    password: `${prefix}_KEYSTORE_PASSWORD`,
    privateKey: `${prefix}_PRIVATE_KEY`,
  };
  const path = env[names.path];
  const password = env[names.password];
  const privateKey = env[names.privateKey];
  const production = env.NODE_ENV === 'production';
  const problems: string[] = [];
  if (path && privateKey) problems.push(`${names.path} and ${names.privateKey}: set only one of them`);
  if (path) {
    if (password === undefined) problems.push(`${names.password}: required with ${names.path}`);
    if (problems.length > 0) throw new OracleConfigError(problems);
    return { kind: 'keystore', path, password: password!, names: { path: names.path, password: names.password } };
  }
  if (privateKey) {
    try {
      assertPlaintextKeyAllowed(privateKey, { production, variable: names.privateKey });
    } catch (error) {
      problems.push((error as Error).message);
    }
    if (problems.length > 0) throw new OracleConfigError(problems);
    return { kind: 'plaintext', privateKey, names: { privateKey: names.privateKey } };
  }
  problems.push(
    `${names.path}: required (path of an encrypted JSON keystore), or ${names.privateKey} on a local chain`,
  );
  throw new OracleConfigError(problems);
}

/**
 * Refuses a plaintext private key unless it is a Hardhat development key and not in production.
 *
 * @throws {OracleError} ORACLE_KEY_REFUSED naming `variable`.
 */
export function assertPlaintextKeyAllowed(
  privateKey: string,
  options: { readonly production: boolean; readonly variable: string },
): void {
  if (options.production) {
    throw new OracleError(
      'ORACLE_KEY_REFUSED',
      `${options.variable}: plaintext private keys are refused in production (NODE_ENV=production); use an encrypted keystore`,
    );
  }
  if (!isDevKey(privateKey)) {
    throw new OracleError(
      'ORACLE_KEY_REFUSED',
      `${options.variable}: only the local chain's well-known development keys are accepted in plaintext; use an encrypted keystore`,
    );
  }
}

/**
 * Loads the attester key described by `source` (decrypting a keystore takes a moment: scrypt).
 *
 * @throws {OracleError} ORACLE_KEY_REFUSED when the keystore is unreadable or the password wrong,
 *   naming the variable.
 */
export async function loadAttesterWallet(source: AttesterKeySource): Promise<Wallet> {
  if (source.kind === 'plaintext') return new Wallet(source.privateKey);
  let json: string;
  try {
    json = await readFile(source.path, 'utf8');
  } catch (cause) {
    throw new OracleError('ORACLE_KEY_REFUSED', `${source.names.path}: cannot read the keystore file`, { cause });
  }
  return walletFromKeystore(json, source.password, source.names.password);
}

/**
 * Decrypts an encrypted JSON keystore (ethers / geth / Hardhat keystore v3 format).
 *
 * @param label - named in the error when decryption fails (a variable name or "keystore password").
 * @throws {OracleError} ORACLE_KEY_REFUSED on a malformed keystore or a wrong password.
 */
export async function walletFromKeystore(json: string, password: string, label = 'keystore password'): Promise<Wallet> {
  try {
    const wallet = await Wallet.fromEncryptedJson(json, password);
    return new Wallet(wallet.privateKey);
  } catch (cause) {
    throw new OracleError(
      'ORACLE_KEY_REFUSED',
      `${label}: cannot decrypt the keystore (wrong password or not a keystore)`,
      {
        cause,
      },
    );
  }
}
