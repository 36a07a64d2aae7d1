import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Browser } from '../../kyc/support/browser.js';
import { freePort } from '../../support/chain.js';

/**
 * Helpers of the `npm start` tests (test/stack/npm-start*.int.test.ts): the command as a newcomer runs
 * it on a clean data folder with free loopback ports and embedded defaults only, the player's and the
 * staff's OIDC sign-in over HTTP at the local provider, JSON requests with a session, the ledger's
 * total, and bounded waits.
 */

/** Every variable that would switch a part of the stack to a real service (removed from the test's env). */
export const SWITCHES =
  /^(DATABASE_URL|REDIS_URL|ORACLE_|RELAYER_|INDEXER_|FRANCECONNECT_|STAFF_OIDC_|KYC_|NODE_ENV$|PORT$)/;

/** A clean data folder, free ports and the environment `npm start` runs with in the tests. */
export interface StartPlan {
  readonly dataDir: string;
  readonly base: string;
  readonly chainUrl: string;
  readonly env: NodeJS.ProcessEnv;
}

/** A fresh temporary data folder and free ports (HTTP, chain, provider), embedded defaults only. */
export async function planStart(label: string): Promise<StartPlan> {
  const dataDir = await mkdtemp(join(tmpdir(), `verdict-${label}-`));
  const [http, chain, idp] = [await freePort(), await freePort(), await freePort()];
  const base = `http://127.0.0.1:${http}`;
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SWITCHES.test(k)));
  Object.assign(env, {
    VERDICT_DATA_DIR: dataDir,
    PORT: String(http),
    LOCAL_CHAIN_PORT: String(chain),
    LOCAL_IDP_PORT: String(idp),
    VERDICT_PUBLIC_URL: base,
    FORCE_COLOR: '0',
  });
  return { dataDir, base, chainUrl: `http://127.0.0.1:${chain}`, env };
}

/** A running `npm start`: the child and everything it printed so far. */
export interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** From the spawn to `verdict: ready on` (reported by the tests, never asserted). */
  readonly readyAfterMs: number;
}

/** How long `npm start` may take to print `verdict: ready on` (a loaded 2-core CI machine, a cold tsx cache). */
export const READY_WITHIN_MS = 300_000;

/**
 * Runs `npm start` in its own process group and waits for `verdict: ready on` (`readyWithinMs`, default
 * {@link READY_WITHIN_MS}); then the whole group is killed, so no stack outlives the test).
 */
export async function npmStart(
  env: NodeJS.ProcessEnv,
  { readyWithinMs = READY_WITHIN_MS }: { readyWithinMs?: number } = {},
): Promise<Started> {
  const child = spawn('npm', ['start'], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const started = Date.now();
  while (!output.includes('verdict: ready on')) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
    if (Date.now() - started > readyWithinMs) {
      killGroup(child);
      throw new Error(`npm start was not ready within ${readyWithinMs / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => output, readyAfterMs: Date.now() - started };
}

/** SIGKILL to the child's whole process group (npm, ensure-deps, the stack), and its pipes closed. */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // Already gone.
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
}

/** SIGTERM, as Ctrl-C would (the whole group SIGKILLed after 30 s); the exit code. */
export async function stop(s: Started): Promise<number | null> {
  if (s.child.exitCode !== null) return s.child.exitCode;
  const exited = new Promise<number | null>((resolve) => s.child.once('exit', (code) => resolve(code)));
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => killGroup(s.child), 30_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** A player signed up or in through `GET /auth/franceconnect` as `identity` at the local provider. */
export async function playerBrowser(base: string, identity: string): Promise<Browser> {
  const browser = new Browser();
  const start = await browser.request(`${base}/auth/franceconnect`);
  if (start.status !== 303) throw new Error(`GET /auth/franceconnect answered ${start.status}`);
  const callback = await browser.runToOrigin(start.headers.get('location')!, base, identity);
  const done = await browser.request(callback, { headers: { accept: 'application/json' } });
  if (done.status !== 303) throw new Error(`the FranceConnect callback answered ${done.status}`);
  return browser;
}

/** A staff member (alice…erin, frank) signed in through `/admin/auth/login` at the local provider. */
export async function staffBrowser(base: string, identity: string): Promise<Browser> {
  const browser = new Browser();
  const start = await browser.request(`${base}/admin/auth/login`);
  if (start.status !== 303) throw new Error(`GET /admin/auth/login answered ${start.status}`);
  const callback = await browser.runToOrigin(start.headers.get('location')!, base, identity);
  const landed = await browser.request(callback, { headers: { accept: 'application/json' } });
  if (landed.status !== 303) throw new Error(`the staff callback answered ${landed.status}`);
  return browser;
}

/** A JSON request with a session's cookies; the status and the parsed body. */
export async function jsonRequest<T = Record<string, unknown>>(
  browser: Browser,
  url: string,
  method = 'GET',
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const r = await browser.request(url, {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  return { status: r.status, body: (text === '' ? {} : JSON.parse(text)) as T, headers: r.headers };
}

/** The embedded database's URL, as `npm start` prints it. */
export function databaseUrlOf(output: string): string {
  const found = /postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres/.exec(output);
  if (!found) throw new Error(`npm start printed no embedded database URL:\n${output}`);
  return found[0];
}

/** The sum of every ledger entry (double entry: always 0), read over the embedded database's socket. */
export async function ledgerTotal(output: string): Promise<bigint> {
  const client = new pg.Client({ connectionString: databaseUrlOf(output) });
  await client.connect();
  try {
    const { rows } = await client.query<{ total: string }>(
      'select coalesce(sum(amount_cents), 0)::text as total from betting.ledger_entries',
    );
    return BigInt(rows[0]!.total);
  } finally {
    await client.end();
  }
}

/**
 * Polls `read` every `everyMs` until `done` holds for what it returned, for `withinMs` at most; then
 * fails with `what` and the last value seen (or the last error `read` threw).
 */
export async function waitUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { withinMs = 60_000, everyMs = 500 }: { withinMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + withinMs;
  let last: { value?: T; error?: unknown } = {};
  for (;;) {
    try {
      const value = await read();
      if (done(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() > deadline) {
      const seen =
        'error' in last
          ? String(last.error)
          : JSON.stringify(last.value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      throw new Error(`${what}: not within ${withinMs / 1000} s; last seen: ${seen}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
