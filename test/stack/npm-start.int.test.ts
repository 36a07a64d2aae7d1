import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Browser } from '../kyc/support/browser.js';
import { freePort } from '../support/chain.js';

/**
 * `npm start` as a newcomer runs it: a clean data folder, embedded defaults only (every variable that
 * would switch a part to a real service is removed), then a bet through the API, a stop, a second start
 * on the same folder, and the bet found again. Ports are free loopback ports, not 3000/8545.
 */
const SWITCHES = /^(DATABASE_URL|REDIS_URL|ORACLE_|RELAYER_|INDEXER_|FRANCECONNECT_|STAFF_OIDC_|KYC_|NODE_ENV$|PORT$)/;

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
}

async function npmStart(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn('npm', ['start'], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const started = Date.now();
  while (!output.includes('verdict: ready on')) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
    if (Date.now() - started > 180_000) {
      child.kill('SIGKILL');
      throw new Error(`npm start was not ready within 180 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => output };
}

async function stop(s: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => s.child.once('exit', (code) => resolve(code)));
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 30_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

describe('npm start (embedded defaults) on a clean data folder', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let base: string;
  let running: Started | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'verdict-start-'));
    const [http, chain, idp] = [await freePort(), await freePort(), await freePort()];
    base = `http://127.0.0.1:${http}`;
    env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SWITCHES.test(k)));
    Object.assign(env, {
      VERDICT_DATA_DIR: dataDir,
      PORT: String(http),
      LOCAL_CHAIN_PORT: String(chain),
      LOCAL_IDP_PORT: String(idp),
      VERDICT_PUBLIC_URL: base,
      FORCE_COLOR: '0',
    });
  });
  afterAll(async () => {
    if (running) await stop(running);
    await rm(dataDir, { recursive: true, force: true });
  });

  const json = { accept: 'application/json', 'content-type': 'application/json' };

  async function signIn(identity: string): Promise<Browser> {
    const browser = new Browser();
    const start = await browser.request(`${base}/auth/franceconnect`);
    expect(start.status).toBe(303);
    const callback = await browser.runToOrigin(start.headers.get('location')!, base, identity);
    const done = await browser.request(callback, { headers: { accept: 'application/json' } });
    expect(done.status).toBe(303);
    return browser;
  }

  const ledgerTotal = async (output: string) => {
    const url = /postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres/.exec(output)![0];
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ total: string }>(
        'select coalesce(sum(amount_cents), 0)::text as total from betting.ledger_entries',
      );
      return BigInt(rows[0]!.total);
    } finally {
      await client.end();
    }
  };

  it('starts, takes a bet, stops cleanly, starts again and finds the bet', async () => {
    running = await npmStart(env);
    const first = running.output();
    expect(first).toContain('dispute window 120 s');
    expect(first).toMatch(/Seeded: Paris Saint-Germain v Olympique de Marseille/);
    for (const id of ['dubois', 'minor', 'excluded', 'presumed']) expect(first).toContain(`  ${id} `);
    expect(first).toContain('/admin/auth/login');

    const events = (await (await fetch(`${base}/events`)).json()) as {
      events: { name: string; markets: { id: string; state: string; selections: { code: string }[] }[] }[];
    };
    expect(events.events.map((e) => e.name)).toContain('ParisLongchamp R1C4 — Prix de la Seine (8 runners)');
    const market = events.events.find((e) => e.name.startsWith('Paris Saint-Germain'))!.markets[0]!;
    expect(market.state).toBe('open');

    const player = await signIn('dubois');
    const limits = await player.request(`${base}/auth/me/limits`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify({ weeklyDepositCents: 100_000, weeklyStakeCents: 50_000 }),
    });
    expect(limits.status).toBe(200);
    const deposit = await player.request(`${base}/me/deposits`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ amountCents: 5_000 }),
    });
    expect(deposit.status).toBe(201);
    const bet = await player.request(`${base}/bets`, {
      method: 'POST',
      headers: { ...json, 'idempotency-key': 'npm-start-bet-1' },
      body: JSON.stringify({ marketId: market.id, selection: 'home', stakeCents: 1_000 }),
    });
    const placed = (await bet.json()) as { bets: { id: string; state: string }[] };
    expect([bet.status, placed.bets[0]?.state]).toEqual([201, 'accepted']);
    expect(await ledgerTotal(first)).toBe(0n);

    expect(await stop(running)).toBe(0);
    expect(running.output()).toContain('verdict: stopped');
    running = undefined;

    running = await npmStart(env);
    const second = running.output();
    expect(second).toContain('resumed from its journal');
    expect(second).toContain('Seed: nothing new');
    // Sessions were in memory: sign in again, into the same account.
    const again = await signIn('dubois');
    const mine = (await (await again.request(`${base}/me/bets`, { headers: json })).json()) as {
      bets: { id: string; marketId: string; stakeCents: number; state: string }[];
    };
    expect(mine.bets).toEqual([
      expect.objectContaining({ id: placed.bets[0]!.id, marketId: market.id, stakeCents: 1_000, state: 'accepted' }),
    ]);
    const balance = (await (await again.request(`${base}/me/balance`, { headers: json })).json()) as {
      balanceCents: number;
    };
    expect(balance.balanceCents).toBe(4_000);
    // The same idempotency key replays the first answer instead of staking twice.
    const replay = await again.request(`${base}/bets`, {
      method: 'POST',
      headers: { ...json, 'idempotency-key': 'npm-start-bet-1' },
      body: JSON.stringify({ marketId: market.id, selection: 'home', stakeCents: 1_000 }),
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await ledgerTotal(second)).toBe(0n);
    expect(await stop(running)).toBe(0);
    running = undefined;
  }, 420_000);
});
