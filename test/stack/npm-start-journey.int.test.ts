import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import {
  jsonRequest,
  ledgerTotal,
  npmStart,
  planStart,
  playerBrowser,
  staffBrowser,
  stop,
  waitUntil,
  type StartPlan,
  type Started,
} from './support/npm-start.js';

/**
 * A newcomer's first minutes on `npm start` (embedded defaults only, clean data folder, free ports): a
 * player signs up and bets on a seeded match; an admin closes the market; alice, bob and carol attest the
 * result with their in-process signer instances; the in-process relayer publishes it on the in-process
 * chain, the indexer sees it; `npm run chain:advance` moves the chain past the dispute window; the
 * in-process settler pays the bet; a second start resumes the time-advanced chain and pays nothing twice. Every wait is bounded and fails with what it saw last.
 */
interface Market {
  id: string;
  state: string;
  type?: string;
  selections: { code: string }[];
}
interface Event {
  id: string;
  oracleEventId: string;
  name: string;
  markets: Market[];
}
interface MyBet {
  id: string;
  selection: string;
  stakeCents: number;
  state: string;
  payoutCents: number | null;
  result?: { phase: string; provisional: boolean; values: number[]; transaction: { hash: string } | null } | null;
}
interface OracleStatus {
  publications: { state: string; txHash: string | null; blockNumber: number | null }[];
  chain: { phase: string; finalAt: string | null } | null;
  final: boolean;
}

const run = promisify(execFile);

describe('npm start: a result attested by three admins settles a bet (embedded stack)', () => {
  let plan: StartPlan;
  let running: Started | undefined;

  beforeAll(async () => {
    plan = await planStart('journey');
  });
  afterAll(async () => {
    if (running) await stop(running);
    await rm(plan.dataDir, { recursive: true, force: true });
  });

  it('bet → close → attest ×3 → published → chain:advance → final → settled and paid → restart: the same', async () => {
    const { base } = plan;
    running = await npmStart(plan.env);
    const output = running.output();

    const events = (await (await fetch(`${base}/events`)).json()) as { events: Event[] };
    const event = events.events.find((e) => e.name.startsWith('Paris Saint-Germain'))!;
    const market = event.markets.find((m) => m.selections.map((s) => s.code).join() === 'home,draw,away')!;
    expect(market.state).toBe('open');

    // The player: sign-up at the local provider, limits, a deposit, two bets on the match winner.
    const player = await playerBrowser(base, 'dubois');
    expect(
      (
        await jsonRequest(player, `${base}/auth/me/limits`, 'PUT', {
          weeklyDepositCents: 100_000,
          weeklyStakeCents: 50_000,
        })
      ).status,
    ).toBe(200);
    expect((await jsonRequest(player, `${base}/me/deposits`, 'POST', { amountCents: 5_000 })).status).toBe(201);
    for (const [selection, key] of [
      ['home', 'journey-home'],
      ['away', 'journey-away'],
    ] as const) {
      const bet = await jsonRequest<{ bets: { state: string }[] }>(
        player,
        `${base}/bets`,
        'POST',
        { marketId: market.id, selection, stakeCents: 1_000 },
        { 'idempotency-key': key },
      );
      expect([bet.status, bet.body.bets[0]?.state]).toEqual([201, 'accepted']);
    }

    // The staff pages are served by npm start (static HTML; the data comes from the JSON API).
    const alice = await staffBrowser(base, 'alice');
    for (const [path, title] of [
      ['/admin', 'Événements et marchés'],
      [`/admin/results/${event.id}`, 'Résultat d’un événement'],
      ['/admin/settlement-runs', 'Règlements'],
      ['/admin/operations', 'Opérations'],
    ] as const) {
      const page = await alice.request(`${base}${path}`);
      const html = await page.text();
      expect([path, page.status, page.headers.get('content-type'), /<title>([^<]*)<\/title>/.exec(html)?.[1]]).toEqual([
        path,
        200,
        expect.stringMatching(/^text\/html/),
        `${title} · Verdict`,
      ]);
    }
    // The result page's « Signer avec mon signataire » (shown once GET /admin/me names a bound signer).
    expect(await (await alice.request(`${base}/admin/results/${event.id}`)).text()).toContain('id="sign-bound"');

    // The match is over before its seeded start: an admin closes the market (bets stop).
    const closed = await jsonRequest<Market>(alice, `${base}/admin/markets/${market.id}/close`, 'POST', {});
    expect([closed.status, closed.body.state]).toEqual([200, 'closed']);

    // alice, bob and carol attest 2-1 with their bound signer instances (the quorum is 3 of 5).
    const outcome = { status: 1, values: [2, 1], endedAt: Math.floor(Date.now() / 1000) - 60, version: 1 };
    const receipts: { support?: number; ready?: boolean }[] = [];
    for (const [admin, browser] of [
      ['alice', alice],
      ['bob', await staffBrowser(base, 'bob')],
      ['carol', await staffBrowser(base, 'carol')],
    ] as const) {
      const me = await jsonRequest<{ adminId: string; boundSigner: string | null }>(browser, `${base}/admin/me`);
      expect([me.body.adminId, me.body.boundSigner]).toEqual([admin, expect.stringMatching(/^0x[0-9a-fA-F]{40}$/)]);
      const signed = await jsonRequest<{ support: number; ready: boolean }>(
        browser,
        `${base}/admin/events/${event.id}/attestations/sign-with-bound-signer`,
        'POST',
        outcome,
      );
      expect([admin, signed.status]).toEqual([admin, 201]);
      receipts.push(signed.body);
    }
    expect(receipts.map((r) => [r.support, r.ready])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);

    // The in-process relayer publishes it on the in-process chain; the result reads proposed (provisional).
    const published = await waitUntil(
      'the relayer publishes the result (GET /admin/events/{id}/oracle)',
      async () => (await jsonRequest<OracleStatus>(alice, `${base}/admin/events/${event.id}/oracle`)).body,
      (s) =>
        s.chain?.phase === 'proposed' && s.publications.some((p) => p.state === 'mined' || p.state === 'confirmed'),
      { withinMs: 60_000 },
    );
    expect(published.final).toBe(false);
    const tx = published.publications.find((p) => p.state === 'mined' || p.state === 'confirmed')!.txHash!;
    expect(tx).toMatch(/^0x[0-9a-f]{64}$/);
    const provisional = await jsonRequest<{ bets: MyBet[] }>(player, `${base}/me/bets`);
    expect(provisional.body.bets.map((b) => [b.state, b.result?.phase, b.result?.transaction?.hash])).toEqual([
      ['accepted', 'proposed', tx],
      ['accepted', 'proposed', tx],
    ]);

    // The command npm start printed for this (docs/local-stack.md, step 5): it moves the chain's clock
    // past the 120 s window and mines a few blocks.
    const printed = /npm run chain:advance -- (.+)$/m.exec(output)?.[1]?.trim().split(/\s+/);
    expect(printed).toEqual(['130', '3', '--rpc-url', plan.chainUrl]);
    const advanced = await run('npm', ['run', '--silent', 'chain:advance', '--', ...printed!], {
      cwd: process.cwd(),
      env: plan.env,
    });
    // It prints the new head: its time is past the end of the window (`finalAt`, chain time).
    const head = JSON.parse(advanced.stdout.trim().split('\n').at(-1)!) as { block: number; timestamp: number };
    expect(head.timestamp * 1000).toBeGreaterThanOrEqual(Date.parse(published.chain!.finalAt!));
    const final = await waitUntil(
      'the result reads final (GET /admin/events/{id}/oracle)',
      async () => (await jsonRequest<OracleStatus>(alice, `${base}/admin/events/${event.id}/oracle`)).body,
      (s) => s.final && s.chain?.phase === 'final',
      { withinMs: 30_000 },
    );
    expect(final.chain).toMatchObject({ phase: 'final' });

    // The in-process settler (indexer's final feed → settlement) pays: pool 2,000, takeout 12 % → net 1,760,
    // all of it to the only winning stake (home, 1,000): dividend 176 per €1 → payout 1,760.
    const settled = await waitUntil(
      'the settler pays the bets (GET /me/bets)',
      async () => (await jsonRequest<{ bets: MyBet[] }>(player, `${base}/me/bets`)).body.bets,
      (bets) => bets.every((b) => b.state !== 'accepted'),
      { withinMs: 60_000 },
    );
    expect(
      settled
        .map((b) => [b.selection, b.state, b.payoutCents, b.result?.phase, b.result?.provisional])
        .sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    ).toEqual([
      ['away', 'lost', 0, 'final', false],
      ['home', 'won', 1_760, 'final', false],
    ]);
    const balance = await jsonRequest<{ balanceCents: number }>(player, `${base}/me/balance`);
    expect(balance.body.balanceCents).toBe(5_000 - 2_000 + 1_760);
    const runs = await jsonRequest<{ settlements: { marketId?: string }[] }>(alice, `${base}/admin/settlements`);
    expect(runs.body.settlements).toHaveLength(1);
    expect(await ledgerTotal(output)).toBe(0n);

    const mine = (bets: MyBet[]) =>
      bets
        .map((b) => [b.id, b.state, b.payoutCents] as const)
        .sort((x, y) => x[0].localeCompare(y[0]))
        .map((x) => [...x]);

    // Ctrl-C and a second start: the journal mines the time-advanced chain again (same hashes), the
    // indexer's and the settler's cursors still match it, nothing is paid twice.
    const first = running;
    expect(await stop(first)).toBe(0);
    running = await npmStart(plan.env);
    const second = running.output();
    expect(second).toContain('resumed from its journal');
    const again = await playerBrowser(base, 'dubois');
    expect(mine((await jsonRequest<{ bets: MyBet[] }>(again, `${base}/me/bets`)).body.bets)).toEqual(mine(settled));
    expect((await jsonRequest<{ balanceCents: number }>(again, `${base}/me/balance`)).body.balanceCents).toBe(4_760);
    const staff = await staffBrowser(base, 'dave');
    const status = (await jsonRequest<OracleStatus>(staff, `${base}/admin/events/${event.id}/oracle`)).body;
    expect([status.final, status.chain?.phase]).toEqual([true, 'final']);
    // The chain continues from its advanced clock (never back in time).
    const tip = await fetch(plan.chainUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['latest', false] }),
    });
    const latest = ((await tip.json()) as { result: { number: string; timestamp: string } }).result;
    expect(Number(latest.number)).toBeGreaterThanOrEqual(head.block);
    expect(Number(latest.timestamp)).toBeGreaterThanOrEqual(head.timestamp);
    expect(
      (await jsonRequest<{ settlements: unknown[] }>(staff, `${base}/admin/settlements`)).body.settlements,
    ).toHaveLength(1);
    expect(await ledgerTotal(second)).toBe(0n);
    expect(await stop(running)).toBe(0);
    // At the default LOG_LEVEL (warn) the terminal shows the summary, not the parts' info lines (the
    // relayer and the indexer log through the stack's logger, not their own at info).
    const chatty = (text: string) => text.split('\n').filter((line) => /"level":(10|20|30)\b/.test(line));
    expect([...chatty(first.output()), ...chatty(running.output())]).toEqual([]);
    running = undefined;
  }, 600_000);
});
