/**
 * `npm run oracle:bind -- ...`: administers attester bindings (which admin holds which attester
 * key) in DATABASE_URL. Prints what it did as JSON.
 *
 *   npm run oracle:bind -- --admin alice --attester 0x…              bind an EOA key
 *   npm run oracle:bind -- --admin treasury --attester 0x… --contract  bind a contract (ERC-1271, e.g. a Safe)
 *   npm run oracle:bind -- --admin alice --unbind [--attester 0x…]    remove alice's binding (only that key)
 *   npm run oracle:bind -- --list                                     every binding
 *
 * One key per admin, one admin per key: rotating an admin's key is `--unbind`, then a new bind.
 * Unbinding stops new submissions; attestations already stored stay (the on-chain set decides
 * whether they count). Exit codes: 0 done, 2 bad input (the message names the field), 1 refused
 * (`oracle-bind: ORACLE_…: …`) or failed. Applies the oracle migrations first (a fresh database works).
 */
import { getAddress, isAddress } from 'ethers';
import pg from 'pg';
import type { AttesterBinding } from '../oracle/attestations/attestation-store.js';
import { PgAttestationStore } from '../oracle/attestations/pg-attestation-store.js';
import { migrateOracle } from '../oracle/db/migrate-oracle.js';
import { OracleError, isOracleError } from '../oracle/errors.js';
import { UsageError, parseCli, runCli } from './cli.js';

const usage = `usage: npm run oracle:bind -- --admin <id> --attester <address> [--contract]
       npm run oracle:bind -- --admin <id> --unbind [--attester <address>]
       npm run oracle:bind -- --list
  (DATABASE_URL: the oracle's database)`;

type Command =
  | { kind: 'bind'; admin: string; attester: string; contract: boolean }
  | { kind: 'unbind'; admin: string; attester?: string }
  | { kind: 'list' };

function parse(argv: string[], env: NodeJS.ProcessEnv): { command: Command; databaseUrl: string } {
  const v = parseCli(argv, {
    admin: { type: 'string' },
    attester: { type: 'string' },
    contract: { type: 'boolean' },
    unbind: { type: 'boolean' },
    list: { type: 'boolean' },
  }).values;
  const admin = (): string => {
    if (v.admin === undefined || v.admin.trim() === '') throw new UsageError('--admin: required');
    if (v.admin !== v.admin.trim() || v.admin.length > 200) {
      throw new UsageError('--admin: an admin id without surrounding spaces, at most 200 characters');
    }
    return v.admin;
  };
  const attester = (): string | undefined => {
    if (v.attester === undefined) return undefined;
    if (!isAddress(v.attester)) throw new UsageError('--attester: not an address (0x + 40 hex digits, valid checksum)');
    return getAddress(v.attester);
  };

  let command: Command;
  if (v.list) {
    for (const name of ['admin', 'attester', 'contract', 'unbind'] as const) {
      if (v[name] !== undefined) throw new UsageError(`--${name}: not with --list`);
    }
    command = { kind: 'list' };
  } else if (v.unbind) {
    if (v.contract !== undefined) throw new UsageError('--contract: only when binding');
    const id = admin();
    const address = attester();
    command = { kind: 'unbind', admin: id, ...(address ? { attester: address } : {}) };
  } else {
    const id = admin();
    const address = attester();
    if (!address) throw new UsageError('--attester: required (or --unbind, --list)');
    command = { kind: 'bind', admin: id, attester: address, contract: v.contract ?? false };
  }
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new UsageError('DATABASE_URL: required (the oracle database)');
  return { command, databaseUrl };
}

function view(binding: AttesterBinding) {
  return {
    admin: binding.adminId,
    attester: binding.attester,
    contract: binding.contract,
    createdAt: binding.createdAt.toISOString(),
  };
}

async function run(command: Command, store: PgAttestationStore): Promise<unknown> {
  switch (command.kind) {
    case 'list':
      return { bindings: (await store.bindings()).map(view) };
    case 'bind': {
      const action = await store.bind(command.admin, command.attester, { contract: command.contract });
      const binding = await store.bindingOf(command.admin);
      return { action, binding: binding ? view(binding) : null };
    }
    case 'unbind': {
      const removed = await store.unbind(command.admin, command.attester ? { attester: command.attester } : {});
      if (removed) return { action: 'unbound', binding: view(removed) };
      const current = await store.bindingOf(command.admin);
      throw new OracleError(
        'ORACLE_ATTESTER_NOT_BOUND',
        current
          ? `admin ${command.admin} holds ${current.attester}, not ${command.attester}: nothing unbound`
          : `admin ${command.admin} has no attester key`,
      );
    }
  }
}

async function main(): Promise<number> {
  const { command, databaseUrl } = parse(process.argv.slice(2), process.env);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await migrateOracle(pool); // a fresh database works: the oracle schema is applied first (idempotent)
    console.log(JSON.stringify(await run(command, new PgAttestationStore({ pool })), null, 2));
    return 0;
  } finally {
    await pool.end();
  }
}

await runCli({
  name: 'oracle-bind',
  usage,
  main,
  describe: (error) => (isOracleError(error) ? { message: `${error.code}: ${error.message}`, code: 1 } : undefined),
});
