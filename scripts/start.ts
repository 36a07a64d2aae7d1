/**
 * `npm start`: the whole product on this machine (docs/local-stack.md). With no variable set every part
 * runs embedded (PGlite in .data/pg, Redis's roles in memory, an in-process Hardhat chain on
 * 127.0.0.1:8545 with the oracle deployed, the local FranceConnect-like provider on 127.0.0.1:3999) and
 * the API on http://localhost:3000. DATABASE_URL, REDIS_URL, ORACLE_RPC_URLS / ORACLE_INFURA_*,
 * FRANCECONNECT_* and STAFF_OIDC_* switch their part to the real thing. NODE_ENV=production refuses
 * every embedded default. Ctrl-C (or SIGTERM) stops everything; a second start resumes.
 * Exit codes: 0 stopped cleanly, 2 bad configuration (the message names the variables), 1 failure.
 */
import { StackConfigError, formatSummary, startLocalStack } from '../stack/local-stack.js';

let stack;
try {
  stack = await startLocalStack({ env: process.env });
} catch (error) {
  if (error instanceof StackConfigError || (error instanceof Error && error.name.endsWith('ConfigError'))) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`verdict: start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
process.stdout.write(`${formatSummary(stack.summary)}\n\nverdict: ready on ${stack.summary.publicUrl}\n`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\nverdict: ${signal}, stopping\n`);
  stack.close().then(
    () => {
      process.stdout.write('verdict: stopped\n');
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`verdict: stop failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
