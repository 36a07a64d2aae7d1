import { rm } from 'node:fs/promises';
import { ledgerTotal, npmStart, planStart, playerBrowser, stop, type Started } from './support/npm-start.js';

/**
 * `npm start` as a newcomer runs it: a clean data folder, embedded defaults only (every variable that
 * would switch a part to a real service is removed), then a bet through the API, a stop, a second start
 * on the same folder, and the bet found again. Ports are free loopback ports, not 3000/8545.
 */
describe('npm start (embedded defaults) on a clean data folder', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let base: string;
  let running: Started | undefined;

  beforeAll(async () => {
    ({ dataDir, env, base } = await planStart('start'));
  });
  afterAll(async () => {
    if (running) await stop(running);
    await rm(dataDir, { recursive: true, force: true });
  });

  const json = { accept: 'application/json', 'content-type': 'application/json' };

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

    const player = await playerBrowser(base, 'dubois');
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
    const again = await playerBrowser(base, 'dubois');
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
