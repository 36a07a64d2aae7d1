import { deposit, placeBet, plain, signInStaff, signUpPlayer, visit, type WebUser } from './support/browser.js';
import { webSuite } from './support/suite.js';

interface MarketJson {
  id: string;
  definition: { type: string };
}
interface EventJson {
  id: string;
  name: string;
  markets: MarketJson[];
}

/**
 * The staff operations page (`/admin/operations`) in Debian's Chromium against the real services and
 * the API process of api/process.ts: a staff member signs in and sees the figures; a player's bet
 * changes bets, open bets and the stake of its market on the open page without a reload (its 2 s
 * poll of `GET /admin/ops`); a refused bet shows under its code; health is written in words.
 */
describe('operations page in a browser', () => {
  const suite = webSuite('web_admin_ops', 'admin-ops', { seed: true });
  const { user } = suite;
  let events: EventJson[];
  let staff: WebUser;
  let player: WebUser;
  const winner = () =>
    events
      .find((e) => e.name.startsWith('Paris Saint-Germain'))!
      .markets.find((m) => m.definition.type === 'match-winner')!;
  const text = async (selector: string) => plain(await staff.page.locator(selector).textContent());
  const marketRow = (marketId: string) => staff.page.locator(`#ops-markets-body tr[data-market="${marketId}"]`);

  beforeAll(async () => {
    events = ((await (await fetch(`${suite.stack.appBase}/events`)).json()) as { events: EventJson[] }).events;
  });

  it('signed out, the page invites staff to sign in', async () => {
    const visitor = await user('visitor');
    await visit(suite.web, visitor, '/admin/operations', 'operations-signed-out');
    expect(await visitor.page.locator('#staff-signin').isVisible()).toBe(true);
    expect(await visitor.page.locator('#operations').isVisible()).toBe(false);
  });

  it('staff sees the figures: bets, stakes by open market, rejections, health in words', async () => {
    staff = await user('alice');
    await signInStaff(suite.web, staff, 'alice');
    await visit(suite.web, staff, '/admin/operations', 'operations');
    expect(await text('#ops-open-bets')).toBe('0');
    expect(await text('#ops-open-stake')).toBe('0,00 €');
    expect(await text('#ops-rate')).toBe('0,00');
    expect(await text('#ops-last-minute')).toBe('0');
    expect(await staff.page.locator('#ops-markets caption').textContent()).toContain('Marchés ouverts');
    const open = events.flatMap((e) => e.markets).length;
    expect(await staff.page.locator('#ops-markets-body tr').count()).toBe(open);
    expect(plain(await marketRow(winner().id).textContent())).toContain('Paris Saint-Germain');
    expect(plain(await marketRow(winner().id).textContent())).toContain('Vainqueur du match (1N2)');
    // Health as text: the chain answers; nothing published or indexed yet.
    const health = (part: string) => staff.page.locator(`#ops-health tr[data-part="${part}"] [data-field="health"]`);
    expect(plain(await health('chain').textContent())).toBe('OK');
    expect(await health('chain').getAttribute('data-health')).toBe('ok');
    expect(plain(await health('relayer').textContent())).toBe('OK');
    expect(plain(await health('indexer').textContent())).toBe('Inconnu');
    expect(
      plain(await staff.page.locator('#ops-health tr[data-part="chain"] [data-field="detail"]').textContent()),
    ).toMatch(/^Tête \d+/);
    expect(await staff.page.locator('#ops-publications-empty').isVisible()).toBe(true);
    expect(await staff.page.locator('#ops-health th[scope="row"]').count()).toBe(4);
  });

  it('a player’s bet and a refused bet reach the open page without a reload', async () => {
    let navigations = 0;
    staff.page.on('framenavigated', (frame) => {
      if (frame === staff.page.mainFrame()) navigations += 1;
    });
    player = await user('dubois');
    await signUpPlayer(suite.web, player, 'dubois');
    await deposit(suite.web, player, 20_000);
    const market = winner();
    expect(
      await placeBet(suite.web, player, { marketId: market.id, selection: 'home', stakeCents: 1_250 }),
    ).toMatchObject({
      ok: true,
    });
    await staff.page.locator('#ops-open-bets').filter({ hasText: /^1$/ }).waitFor();
    await marketRow(market.id).locator('[data-field="stake"]').filter({ hasText: '12,50' }).waitFor();
    expect(plain(await marketRow(market.id).locator('[data-field="bets"]').textContent())).toBe('1');
    expect(await text('#ops-open-stake')).toBe('12,50 €');
    expect(await text('#ops-last-minute')).toBe('1');
    // The market with the stake comes first.
    expect(await staff.page.locator('#ops-markets-body tr').first().getAttribute('data-market')).toBe(market.id);
    await suite.web.snap(staff, 'operations-after-bet');

    const refused = await placeBet(suite.web, player, { marketId: market.id, selection: 'draw', stakeCents: 50 });
    expect(refused).toMatchObject({ ok: false, code: 'STAKE_OUT_OF_RANGE' });
    const row = staff.page.locator('#ops-rejections-body tr[data-code="STAKE_OUT_OF_RANGE"]');
    await row.waitFor();
    expect(plain(await row.locator('[data-field="count"]').textContent())).toBe('1');
    expect(await staff.page.locator('#ops-rejections caption').textContent()).toContain('instance');
    expect(await text('#ops-open-bets')).toBe('1');
    expect(navigations).toBe(0);
    await suite.web.snap(staff, 'operations-after-refusal');
    // The API process's /metrics has the live edge's figures: the player's page holds `me` and markets.
    const metrics = await (await fetch(`${suite.stack.appBase}/metrics`)).text();
    expect(metrics).toMatch(/^verdict_live_connections [1-9]/m);
    expect(metrics).toMatch(/^verdict_live_subscriptions\{kind="me"\} [1-9]/m);
    expect(metrics).toMatch(/^verdict_live_subscriptions\{kind="market"\} [1-9]/m);
    expect(metrics).toMatch(/^verdict_live_frames_sent_total [1-9]/m);
  });

  it('a publication the relayer gave up on shows as « En échec » with its code, without a reload', async () => {
    await suite.stack.b.pool.query(
      `insert into oracle_publications (chain_id, contract, kind, subject, payload_key, payload, deadline, state, error, error_code)
       values ($1, $2, 'propose', $3, 'web-failed', '{}'::jsonb, 0, 'failed', 'reverted', 'ORACLE_TX_REVERTED')`,
      [suite.stack.world.chainId.toString(), suite.stack.world.address.toLowerCase(), `0x${'ef'.repeat(32)}`],
    );
    const relayer = staff.page.locator('#ops-health tr[data-part="relayer"]');
    await relayer.locator('[data-field="health"][data-health="failing"]').waitFor();
    expect(plain(await relayer.locator('[data-field="health"]').textContent())).toBe('En échec');
    expect(plain(await relayer.locator('[data-field="detail"]').textContent())).toContain('1 en échec');
    const row = staff.page.locator('#ops-publications-body tr[data-state="failed"]');
    expect(plain(await row.textContent())).toContain('ORACLE_TX_REVERTED');
    expect(await staff.page.locator('#ops-publications-empty').isVisible()).toBe(false);
    await suite.web.snap(staff, 'operations-relayer-failing');
  });

  it('reads on a phone', async () => {
    const phone = await user('bob-phone', { phone: true });
    await signInStaff(suite.web, phone, 'bob');
    await visit(suite.web, phone, '/admin/operations', 'operations-phone');
    expect(plain(await phone.page.locator('#ops-open-bets').textContent())).toBe('1');
    const overflow = await phone.page.evaluate<boolean>(
      'document.documentElement.scrollWidth > document.documentElement.clientWidth',
    );
    expect(overflow).toBe(false);
  });

  it('no page logged a script error or a CSP violation; staff pages had no failed answer', () => {
    suite.expectNoScriptErrors();
    expect(staff.failures).toEqual([]);
    expect(player.failures.filter((f) => f !== '401 GET /auth/me' && f !== '422 POST /bets')).toEqual([]);
  });
});
