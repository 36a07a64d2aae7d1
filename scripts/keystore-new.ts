/**
 * `npm run keystore:new -- --out ./attester.json`: creates an encrypted JSON keystore (scrypt,
 * ethers/geth v3 format) for a new random attester key, or for an existing key read from the
 * environment variable named by `--import-env` (never from the command line, which shells log).
 * Password: ATTEST_KEYSTORE_PASSWORD, else a prompt on a terminal (asked twice). Prints the
 * address to bind to an admin. The file is written with mode 0600 and never overwritten.
 * Exit codes: 0 done, 2 bad input (the message names the field), 1 failed.
 */
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Wallet, isHexString } from 'ethers';
import { UsageError, parseCli, requiredOption, runCli } from './cli.js';

const usage = 'usage: npm run keystore:new -- --out <path> [--import-env <VARIABLE holding a 0x private key>]';

async function prompt(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  process.stderr.write(question);
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

async function password(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.ATTEST_KEYSTORE_PASSWORD !== undefined) return env.ATTEST_KEYSTORE_PASSWORD;
  if (!process.stdin.isTTY) throw new UsageError('ATTEST_KEYSTORE_PASSWORD: required when no terminal can prompt');
  const first = await prompt('new keystore password: ');
  const second = await prompt('again: ');
  if (first !== second) throw new UsageError('password: the two entries differ');
  return first;
}

async function main(): Promise<void> {
  const { values } = parseCli(process.argv.slice(2), { out: { type: 'string' }, 'import-env': { type: 'string' } });
  const out = requiredOption(values, 'out');
  const env = process.env;
  let wallet: Wallet;
  if (values['import-env'] !== undefined) {
    const key = env[values['import-env']];
    if (!key || !isHexString(key, 32))
      throw new UsageError(`${values['import-env']}: must hold a 0x 32-byte private key`);
    wallet = new Wallet(key);
  } else {
    const random = Wallet.createRandom();
    wallet = new Wallet(random.privateKey);
  }
  const pass = await password(env);
  if (pass.length < 12 && env.NODE_ENV === 'production') throw new UsageError('password: at least 12 characters');
  const json = await wallet.encrypt(pass);
  try {
    await writeFile(out, json, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new UsageError(`--out: cannot create the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  console.log(JSON.stringify({ address: wallet.address, keystore: out }));
}

await runCli({ name: 'keystore:new', usage, main });
