/**
 * `npm run attest -- ...`: signs an event's outcome as one attester, from an encrypted JSON
 * keystore, and prints the signed attestation as JSON, or submits it for an admin.
 *
 *   npm run attest -- --keystore ./attester.json --event fr-ligue1-2026-psg-om --status completed \
 *     --values 2,1 --ended-at "$(( $(date +%s) - 3600 ))" --version 1 --chain-id 31337 --oracle 0x… --epoch 1
 *   … --submit --admin alice --rpc-url http://127.0.0.1:8545     (DATABASE_URL: where attestations live)
 *   … --resolution     signs the EIP-712 `Resolution` of the same payload instead, to resolve a dispute
 *                      (printed only: whoever calls `resolve` bundles disputeThreshold of them)
 *
 * Password: ATTEST_KEYSTORE_PASSWORD, else a prompt on a terminal. `--dev-account N` signs with
 * Hardhat development account N instead (local chains only; refused with NODE_ENV=production).
 * Exit codes: 0 done, 2 bad input (the message names the field), 1 refused or failed.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Contract, JsonRpcProvider, Wallet, getAddress, isAddress, isHexString } from 'ethers';
import pg from 'pg';
import { migrateOracle } from '../oracle/db/migrate-oracle.js';
import { AttestationService } from '../oracle/attestations/attestation-service.js';
import type { AttesterSetSource } from '../oracle/attestations/attester-set.js';
import { ProviderContractSignatureVerifier } from '../oracle/attestations/contract-signature-verifier.js';
import { PgAttestationStore } from '../oracle/attestations/pg-attestation-store.js';
import { DEFAULT_SIGNATURE_TTL_SECONDS, buildResult } from '../oracle/attestations/signing-window.js';
import { isOracleError } from '../oracle/errors.js';
import { assertPlaintextKeyAllowed, walletFromKeystore } from '../oracle/keys/attester-key.js';
import { DEV_KEYS } from '../oracle/keys/dev-keys.js';
import {
  RESOLUTION_TYPES,
  RESULT_STATUS_NAMES,
  RESULT_TYPES,
  ResultStatus,
  eventIdOf,
  oracleDomain,
  outcomeKey,
  resolutionDigest,
  resultDigest,
  resultMessage,
  type Outcome,
} from '../oracle/result.js';
import { UsageError, parseCli, requiredOption, runCli } from './cli.js';

const usage = `usage: npm run attest -- (--keystore <path> | --dev-account <0-9>) --event <key|0x id> --status <status>
  [--values 2,1] --ended-at <iso|unix seconds> [--version 1] --chain-id <id> --oracle <address> --epoch <n>
  [--signature-ttl <seconds>] [--submit --admin <id> [--rpc-url <url>] | --resolution]`;

interface Args {
  keystore?: string;
  devAccount?: number;
  outcome: Outcome;
  chainId: bigint;
  oracle: string;
  epoch: number;
  signatureTtl: bigint;
  /** Sign the `Resolution` of the payload (for `resolve`), not the `Result` (an attestation). */
  resolution: boolean;
  submit?: { admin: string; rpcUrl: string; databaseUrl: string };
}

function parse(argv: string[], env: NodeJS.ProcessEnv): Args {
  const v = parseCli(argv, {
    keystore: { type: 'string' },
    'dev-account': { type: 'string' },
    event: { type: 'string' },
    status: { type: 'string' },
    values: { type: 'string' },
    'ended-at': { type: 'string' },
    version: { type: 'string' },
    'chain-id': { type: 'string' },
    oracle: { type: 'string' },
    epoch: { type: 'string' },
    'signature-ttl': { type: 'string' },
    submit: { type: 'boolean' },
    resolution: { type: 'boolean' },
    admin: { type: 'string' },
    'rpc-url': { type: 'string' },
  }).values;
  const required = (name: keyof typeof v): string => requiredOption(v, name);
  const integer = (name: keyof typeof v, value: string, max: bigint): bigint => {
    if (!/^\d+$/.test(value) || BigInt(value) > max) throw new UsageError(`--${name}: not an integer in 0..${max}`);
    return BigInt(value);
  };

  if ((v.keystore === undefined) === (v['dev-account'] === undefined)) {
    throw new UsageError('--keystore: required (or --dev-account on a local chain), not both');
  }
  let devAccount: number | undefined;
  if (v['dev-account'] !== undefined) {
    devAccount = Number(integer('dev-account', v['dev-account'], BigInt(DEV_KEYS.length - 1)));
  }

  const event = required('event');
  const eventId = event.startsWith('0x') ? event : eventIdOf(event);
  if (!isHexString(eventId, 32)) throw new UsageError('--event: a 0x id must be 32 bytes of hex');

  const statusName = required('status').toLowerCase();
  const statusKey = RESULT_STATUS_NAMES.find((n) => n.toLowerCase() === statusName);
  if (!statusKey || statusKey === 'None') {
    throw new UsageError(
      `--status: one of ${RESULT_STATUS_NAMES.filter((n) => n !== 'None')
        .join(', ')
        .toLowerCase()}`,
    );
  }
  const status = ResultStatus[statusKey];

  const valuesText = v.values ?? '';
  const values =
    valuesText.trim() === '' ? [] : valuesText.split(',').map((s) => Number(integer('values', s.trim(), 0xffff_ffffn)));
  if (status === ResultStatus.Completed && values.length === 0)
    throw new UsageError('--values: required with completed');
  if (status !== ResultStatus.Completed && values.length > 0) throw new UsageError('--values: only with completed');

  const endedAtText = required('ended-at');
  let endedAt: bigint;
  if (/^\d+$/.test(endedAtText)) endedAt = BigInt(endedAtText);
  else {
    const ms = Date.parse(endedAtText);
    if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(endedAtText)) {
      throw new UsageError('--ended-at: an ISO 8601 date-time (2026-05-10T21:00:00Z) or unix seconds');
    }
    endedAt = BigInt(Math.floor(ms / 1000));
  }
  if (endedAt <= 0n) throw new UsageError('--ended-at: must be after 1970');

  const version = Number(integer('version', v.version ?? '1', 0xffff_ffffn));
  if (version < 1) throw new UsageError('--version: from 1');
  const chainId = integer('chain-id', required('chain-id'), (1n << 64n) - 1n);
  const oracle = required('oracle');
  if (!isAddress(oracle)) throw new UsageError('--oracle: not an address');
  const epoch = Number(integer('epoch', required('epoch'), 0xffff_ffffn));
  const signatureTtl = integer('signature-ttl', v['signature-ttl'] ?? String(DEFAULT_SIGNATURE_TTL_SECONDS), 1n << 63n);
  if (signatureTtl === 0n) throw new UsageError('--signature-ttl: must be positive');

  let submit: Args['submit'];
  if (v.submit && v.resolution) {
    throw new UsageError('--resolution: printed only, not with --submit (attestations are Results, not resolutions)');
  }
  if (v.submit) {
    const admin = required('admin');
    const rpcUrl = v['rpc-url'] ?? env.ORACLE_RPC_URL;
    if (!rpcUrl) throw new UsageError('--rpc-url: required with --submit (or ORACLE_RPC_URL)');
    const databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) throw new UsageError('DATABASE_URL: required with --submit');
    submit = { admin, rpcUrl, databaseUrl };
  } else if (v.admin !== undefined) {
    throw new UsageError('--admin: only with --submit');
  }
  return {
    ...(v.keystore !== undefined ? { keystore: v.keystore } : {}),
    ...(devAccount !== undefined ? { devAccount } : {}),
    outcome: { eventId: eventId.toLowerCase(), status, values, endedAt, version },
    chainId,
    oracle: getAddress(oracle),
    epoch,
    signatureTtl,
    resolution: v.resolution === true,
    ...(submit ? { submit } : {}),
  };
}

async function password(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.ATTEST_KEYSTORE_PASSWORD !== undefined) return env.ATTEST_KEYSTORE_PASSWORD;
  if (!process.stdin.isTTY) throw new UsageError('ATTEST_KEYSTORE_PASSWORD: required when no terminal can prompt');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  process.stderr.write('keystore password: ');
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  muted._writeToOutput = () => undefined;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

async function wallet(args: Args, env: NodeJS.ProcessEnv): Promise<Wallet> {
  if (args.devAccount !== undefined) {
    const key = DEV_KEYS[args.devAccount]!;
    assertPlaintextKeyAllowed(key, { production: env.NODE_ENV === 'production', variable: '--dev-account' });
    return new Wallet(key);
  }
  let json: string;
  try {
    json = await readFile(args.keystore!, 'utf8');
  } catch {
    throw new UsageError('--keystore: cannot read the file');
  }
  return walletFromKeystore(json, await password(env), 'ATTEST_KEYSTORE_PASSWORD');
}

/** Reads the current attester set from the deployed oracle (the two getters only). */
function contractAttesterSet(provider: JsonRpcProvider, oracle: string): AttesterSetSource {
  const contract = new Contract(
    oracle,
    [
      'function attesterConfig() view returns (uint32 epoch, uint8 threshold, uint8 disputeThreshold, uint8 count, bytes20 setHash)',
      'function attesters() view returns (address[])',
    ],
    provider,
  );
  return {
    async current() {
      const [config, attesters] = await Promise.all([
        contract.getFunction('attesterConfig').staticCall() as Promise<[bigint, bigint]>,
        contract.getFunction('attesters').staticCall() as Promise<string[]>,
      ]);
      return { epoch: Number(config[0]), threshold: Number(config[1]), attesters };
    },
  };
}

async function main(): Promise<number> {
  const env = process.env;
  const args = parse(process.argv.slice(2), env);
  const signer = await wallet(args, env);
  const result = buildResult(args.outcome, { signatureTtl: args.signatureTtl, epoch: args.epoch });
  const domain = oracleDomain(args.chainId, args.oracle);
  const signed = args.resolution
    ? { type: 'Resolution', types: RESOLUTION_TYPES, digest: resolutionDigest }
    : { type: 'Result', types: RESULT_TYPES, digest: resultDigest };
  const signature = await signer.signTypedData(domain, signed.types, resultMessage(result));
  const attestation = {
    type: signed.type,
    attester: signer.address,
    chainId: args.chainId.toString(),
    oracle: args.oracle,
    result: {
      ...result,
      endedAt: result.endedAt.toString(),
      notBefore: result.notBefore.toString(),
      deadline: result.deadline.toString(),
    },
    outcomeKey: outcomeKey(result),
    digest: signed.digest(domain, result),
    signature,
  };
  if (!args.submit) {
    console.log(JSON.stringify(attestation, null, 2));
    return 0;
  }
  const provider = new JsonRpcProvider(args.submit.rpcUrl, args.chainId, { staticNetwork: true });
  const pool = new pg.Pool({ connectionString: args.submit.databaseUrl, max: 2 });
  try {
    await migrateOracle(pool); // a fresh database works: the oracle schema is applied first (idempotent)
    const service = new AttestationService({
      store: new PgAttestationStore({ pool }),
      attesterSet: contractAttesterSet(provider, args.oracle),
      // an admin bound to a contract wallet whose isValidSignature accepts this key's EIP-712 signature
      contractVerifier: new ProviderContractSignatureVerifier(provider),
      chainId: args.chainId,
      oracleAddress: args.oracle,
      signatureTtl: args.signatureTtl,
    });
    const receipt = await service.submit({
      adminId: args.submit.admin,
      outcome: args.outcome,
      signature,
      signedWindow: { notBefore: result.notBefore, deadline: result.deadline, epoch: result.epoch },
    });
    console.log(
      JSON.stringify(
        {
          ...attestation,
          submitted: {
            action: receipt.action,
            attester: receipt.attester,
            contract: receipt.contract,
            support: receipt.support,
            threshold: receipt.threshold,
            conflict: receipt.conflict,
            ready: receipt.ready,
          },
        },
        null,
        2,
      ),
    );
    return 0;
  } finally {
    provider.destroy();
    await pool.end();
  }
}

await runCli({
  name: 'attest',
  usage,
  main,
  describe: (error) =>
    isOracleError(error)
      ? { message: `${error.code}: ${error.message}`, code: error.code === 'ORACLE_INVALID_OUTCOME' ? 2 : 1 }
      : undefined,
});
