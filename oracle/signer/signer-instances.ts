import type { Provider } from 'ethers';
import { OracleConfigError } from '../errors.js';
import { attesterKeySource, loadAttesterWallet, type AttesterKeySource } from '../keys/attester-key.js';
import { ResultSigner } from './result-signer.js';

/** Base prefix of the signer-instance variables. */
export const SIGNER_PREFIX = 'ORACLE_SIGNER';
/** Names the instances when a process holds several keys: `ORACLE_SIGNERS=ALICE,BOB`. */
export const SIGNERS_VARIABLE = 'ORACLE_SIGNERS';

const NAME = /^[A-Z0-9]+(?:_[A-Z0-9]+)*$/;
/** Instance names that would read like the single instance's own variables. */
const RESERVED_NAMES = new Set(['ADMIN', 'KEYSTORE', 'KEYSTORE_PASSWORD', 'PRIVATE_KEY']);
const SINGLE_SUFFIXES = ['ADMIN', 'KEYSTORE', 'KEYSTORE_PASSWORD', 'PRIVATE_KEY'] as const;

/** One signer instance as configured: its admin and where its key comes from (nothing loaded yet). */
export interface SignerInstanceConfig {
  /** Variable prefix: `ORACLE_SIGNER`, or `ORACLE_SIGNER_<NAME>` with `ORACLE_SIGNERS`. */
  readonly prefix: string;
  /** `<prefix>_ADMIN`. */
  readonly adminId: string;
  readonly key: AttesterKeySource;
}

/**
 * Reads which signer instances this process runs, without touching any file. Either
 *
 * - none: no `ORACLE_SIGNER_*` variable (the process only verifies submitted signatures);
 * - one: `ORACLE_SIGNER_ADMIN` with `ORACLE_SIGNER_KEYSTORE` + `ORACLE_SIGNER_KEYSTORE_PASSWORD`
 *   (or, on a local chain only, `ORACLE_SIGNER_PRIVATE_KEY`);
 * - several: `ORACLE_SIGNERS=ALICE,BOB`, then `ORACLE_SIGNER_ALICE_ADMIN`, `ORACLE_SIGNER_ALICE_KEYSTORE`, …
 *
 * Each admin appears once (a signer instance signs for exactly one admin).
 *
 * @throws {OracleConfigError} listing every problem, naming the variables (never their values).
 */
export function signerInstanceConfigs(env: NodeJS.ProcessEnv): SignerInstanceConfig[] {
  const problems: string[] = [];
  const single = SINGLE_SUFFIXES.map((s) => `${SIGNER_PREFIX}_${s}`).filter((v) => env[v] !== undefined);
  let prefixes: string[];
  const list = env[SIGNERS_VARIABLE];
  if (list !== undefined) {
    const names = list
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    if (names.length === 0) problems.push(`${SIGNERS_VARIABLE}: empty (instance names such as ALICE,BOB, or unset)`);
    for (const name of names) {
      if (!NAME.test(name) || RESERVED_NAMES.has(name)) {
        problems.push(
          `${SIGNERS_VARIABLE}: "${name}" is not an instance name (A-Z, 0-9 and _, not ${[...RESERVED_NAMES].join('/')})`,
        );
      }
    }
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) problems.push(`${SIGNERS_VARIABLE}: ${name} is listed twice`);
      seen.add(name);
    }
    for (const variable of single) {
      problems.push(
        `${variable}: not with ${SIGNERS_VARIABLE} (use ${SIGNER_PREFIX}_<NAME>_${variable.slice(SIGNER_PREFIX.length + 1)})`,
      );
    }
    prefixes = [...seen].filter((n) => NAME.test(n) && !RESERVED_NAMES.has(n)).map((n) => `${SIGNER_PREFIX}_${n}`);
  } else {
    prefixes = single.length > 0 ? [SIGNER_PREFIX] : [];
  }

  const configs: SignerInstanceConfig[] = [];
  const admins = new Map<string, string>();
  for (const prefix of prefixes) {
    const adminVariable = `${prefix}_ADMIN`;
    const adminId = env[adminVariable]?.trim();
    if (!adminId) {
      problems.push(`${adminVariable}: required (the admin whose submissions this signer instance signs)`);
    } else if (admins.has(adminId)) {
      problems.push(`${adminVariable}: the same admin as ${admins.get(adminId)!} (one signer instance per admin)`);
    } else {
      admins.set(adminId, adminVariable);
    }
    let key: AttesterKeySource | undefined;
    try {
      key = attesterKeySource(env, prefix);
    } catch (error) {
      if (!(error instanceof OracleConfigError)) throw error;
      problems.push(...error.problems);
    }
    if (adminId && key) configs.push({ prefix, adminId, key });
  }
  if (problems.length > 0) throw new OracleConfigError(problems);
  return configs;
}

/**
 * Builds the signer instances of this process from its configuration (see
 * {@link signerInstanceConfigs}): loads each key (decrypting a keystore takes a moment: scrypt)
 * and binds it to its admin under the oracle's EIP-712 domain. Pass the result as
 * `AttestationService`'s `signers`.
 *
 * @param options.provider - optional: each key's wallet is connected to it (signing itself is offline).
 * @returns no instance when no `ORACLE_SIGNER_*` variable is set.
 * @throws {OracleConfigError} on configuration problems, or when two instances hold the same key.
 * @throws {OracleError} ORACLE_KEY_REFUSED when a keystore is unreadable or its password wrong (naming the variable).
 */
export async function createSignerInstances(options: {
  readonly env: NodeJS.ProcessEnv;
  readonly chainId: bigint;
  readonly oracleAddress: string;
  readonly provider?: Provider;
}): Promise<ResultSigner[]> {
  const configs = signerInstanceConfigs(options.env);
  const signers: ResultSigner[] = [];
  const holders = new Map<string, string>();
  for (const config of configs) {
    const wallet = await loadAttesterWallet(config.key);
    const keyVariable = config.key.kind === 'keystore' ? config.key.names.path : config.key.names.privateKey;
    const other = holders.get(wallet.address);
    if (other) {
      throw new OracleConfigError([`${keyVariable}: the same attester key as ${other} (one key per admin)`]);
    }
    holders.set(wallet.address, keyVariable);
    signers.push(
      await ResultSigner.create({
        adminId: config.adminId,
        signer: options.provider ? wallet.connect(options.provider) : wallet,
        chainId: options.chainId,
        oracleAddress: options.oracleAddress,
      }),
    );
  }
  return signers;
}
