import { settleMarket } from '../../api/settlement/settle-market.js';
import { oracleEventId } from '../api/support/fixtures.js';
import {
  attestThroughApi,
  finalizePublishedResults,
  relayReadyResults,
  startSettler,
} from '../api/support/full-stack.js';
import { deposit, placeBet, plain, settle, signInStaff, signUpPlayer, visit, type WebUser } from './support/browser.js';
import { webSuite } from './support/suite.js';

/** What the wait predicates read in the page (the project compiles without the DOM library). */
declare const document: {
  readonly body: { readonly dataset: Readonly<Record<string, string | undefined>> };
  readonly documentElement: { readonly scrollWidth: number };
};

/**
 * The staff pages `/admin` (events and markets) and `/admin/settlement-runs` in Debian's Chromium
 * against the API process of api/process.ts, the real staff OIDC sign-in at the local provider,
 * Postgres and Redis: a staff member creates an event and a market (after the API refused a bad
 * value), opens it (a player's home page shows it), suspends and voids it with a reason, voids a
 * settled market; the settlement runs with totals, reversal and pages; a signed-out visitor is
 * invited to sign in.
 */
describe('staff pages: events, markets and settlement runs in a browser', () => {
  const suite = webSuite('web_admin_events', 'admin-events');
  const { user } = suite;
  let alice: WebUser;
  const EVENT = 'Marseille – Monaco';

  /** Waits until the page's action finished (`<body data-busy>` back to false). */
  const idle = (u: WebUser) => u.page.waitForFunction(() => document.body.dataset.busy !== 'true');
  const commandsOf = (u: WebUser, marketId: string) =>
    u.page.evaluate<string[]>(
      `[...document.querySelectorAll('#admin-market-${marketId} button[data-command]')].map((b) => b.dataset.command)`,
    );
  /** The `[data-field]` cells of a row, by field name. */
  const cells = (u: WebUser, rowId: string) =>
    u.page.evaluate<Record<string, string>>(
      `Object.fromEntries([...document.querySelectorAll('#${rowId} [data-field]')].map((c) => [c.dataset.field, c.textContent]))`,
    );

  it('tells a staff member without the admin role that access is not allowed (not a sign-in invitation)', async () => {
    const sam = await user('sam');
    // `sam` (the local provider's staff identity with verdict:support only): kyc refuses the sign-in.
    await signInStaff(suite.web, sam, 'sam');
    expect(await sam.page.locator('[data-error-code]').getAttribute('data-error-code')).toBe('KYC_STAFF_FORBIDDEN');
    expect(plain(await sam.page.locator('h1').textContent())).toBe('Accès non autorisé');
    expect(plain(await sam.page.locator('#refusal-reason').textContent())).toContain(
      'n’a pas le rôle d’administration',
    );
    expect(await sam.page.getByRole('link', { name: /autre compte du personnel/ }).getAttribute('href')).toBe(
      '/admin/auth/login',
    );
    // No staff session was opened: the staff pages invite to sign in.
    await visit(suite.web, sam, '/admin', 'sam-admin');
    expect(await sam.page.locator('#staff-signin').isVisible()).toBe(true);
  });

  it('invites a signed-out visitor to sign in, on both pages, and the JSON routes answer 401', async () => {
    const visitor = await user('visitor');
    for (const path of ['/admin', '/admin/settlement-runs']) {
      await visit(suite.web, visitor, path, `signed-out${path.replace(/\//g, '-')}`);
      const invitation = visitor.page.locator('#staff-signin');
      expect(await invitation.isVisible()).toBe(true);
      expect(plain(await invitation.textContent())).toContain('réservée au personnel');
      expect(await invitation.getByRole('link', { name: 'Se connecter' }).getAttribute('href')).toBe(
        '/admin/auth/login',
      );
    }
    await visit(suite.web, visitor, '/admin', 'signed-out-admin');
    expect(await visitor.page.locator('#event-form').isVisible()).toBe(false);
    for (const path of ['/admin/events', '/admin/settlements']) {
      expect((await fetch(`${suite.stack.appBase}${path}`)).status).toBe(401);
    }
  });

  it('a staff member creates an event and a market, opens it (a player sees it), suspends it and voids it with a reason', async () => {
    alice = await user('alice');
    expect(await signInStaff(suite.web, alice, 'alice')).toBe('/admin');
    const page = alice.page;
    expect(plain(await page.locator('#events-status').textContent())).toContain('Aucun événement');
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });

    // A bad oracle event id: the API's validation problem, the field marked.
    await page.getByLabel('Nom', { exact: true }).fill(EVENT);
    await page.getByLabel('Identifiant oracle de l’événement').fill('0x1234');
    await page.getByRole('button', { name: 'Créer l’événement' }).click();
    await idle(alice);
    const eventProblem = page.locator('#event-problem');
    await eventProblem.waitFor();
    expect(await eventProblem.getAttribute('data-code')).toBe('API_REQUEST_INVALID');
    expect(plain(await eventProblem.textContent())).toContain('API_REQUEST_INVALID');
    expect(await page.locator('#event-oracle-id').getAttribute('aria-invalid')).toBe('true');
    await suite.web.snap(alice, 'event-bad-oracle-id');

    // "Générer": a fresh 32-byte id; the event is created and listed without a reload.
    await page.getByRole('button', { name: 'Générer' }).click();
    const oracleId = await page.locator('#event-oracle-id').inputValue();
    expect(oracleId).toMatch(/^0x[0-9a-f]{64}$/);
    await page.getByRole('button', { name: 'Créer l’événement' }).click();
    await idle(alice);
    await page.locator('#event-result:not([hidden])').waitFor();
    expect(await eventProblem.isHidden()).toBe(true);
    const article = page.locator('article.admin-event', { has: page.getByRole('heading', { name: EVENT }) });
    const eventId = (await article.getAttribute('data-event'))!;
    expect(plain(await article.locator('[data-field="oracle-id"]').textContent())).toBe(oracleId);
    expect(await article.getByRole('link', { name: /^Attester le résultat/ }).getAttribute('href')).toBe(
      `/admin/results/${eventId}`,
    );
    const { rows: created } = await suite.stack.b.pool.query<{ oracle_event_id: string; name: string }>(
      'select oracle_event_id, name from betting.events where id = $1',
      [eventId],
    );
    expect(created).toEqual([{ oracle_event_id: oracleId, name: EVENT }]);

    // The same id again: EVENT_ALREADY_EXISTS in plain French.
    await page.getByLabel('Nom', { exact: true }).fill(`${EVENT} (doublon)`);
    await page.getByLabel('Identifiant oracle de l’événement').fill(oracleId);
    await page.getByRole('button', { name: 'Créer l’événement' }).click();
    await idle(alice);
    await eventProblem.waitFor();
    expect(await eventProblem.getAttribute('data-code')).toBe('EVENT_ALREADY_EXISTS');
    expect(plain(await eventProblem.textContent())).toContain('Un événement porte déjà cet identifiant oracle');

    // A market whose cut-off is after the event's start: the API refuses it, the page says why.
    const form = page.locator(`#market-form-${eventId}`);
    if (!(await form.isVisible())) await page.locator(`#new-market-${eventId} summary`).click();
    const closes = page.locator(`#market-closes-${eventId}`);
    const cutOff = await closes.inputValue();
    await page.locator(`#market-type-${eventId}`).selectOption('match-winner');
    await closes.fill('2099-01-01T12:00');
    await form.getByRole('button', { name: 'Créer le marché' }).click();
    await idle(alice);
    const marketProblem = page.locator(`#market-problem-${eventId}`);
    await marketProblem.waitFor();
    expect(await marketProblem.getAttribute('data-code')).toBe('MARKET_DEFINITION_INVALID');
    expect(plain(await marketProblem.textContent())).toContain('Marché invalide');
    expect(plain(await marketProblem.textContent())).toContain('closesAt is after the event starts');
    expect(await closes.getAttribute('aria-invalid')).toBe('true');
    await suite.web.snap(alice, 'market-bad-cut-off');

    await closes.fill(cutOff);
    await page.getByLabel('Prélèvement (%)').fill('12');
    await page.getByLabel('Mise maximale (€)').fill('500');
    await form.getByRole('button', { name: 'Créer le marché' }).click();
    await idle(alice);
    const row = page.locator(`#markets-${eventId} tbody tr`);
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const marketId = (await row.first().getAttribute('data-market'))!;
    const market = page.locator(`#admin-market-${marketId}`);
    expect(await market.getAttribute('data-state')).toBe('inactive');
    expect(plain(await market.locator('[data-field="takeout"]').textContent())).toBe('12 %');
    expect(plain(await market.locator('[data-field="stakes"]').textContent())).toBe('1,00 € – 500,00 €');
    expect(await commandsOf(alice, marketId)).toEqual(['open', 'void']);
    await suite.web.snap(alice, 'market-created');

    await market.getByRole('button', { name: /^Ouvrir/ }).click();
    await page.locator(`#admin-market-${marketId}[data-state="open"]`).waitFor();
    expect(plain(await page.locator(`#admin-market-${marketId} [data-field="state"]`).textContent())).toBe('ouvert');
    expect(await commandsOf(alice, marketId)).toEqual(['suspend', 'close', 'void']);
    expect(plain(await page.locator(`#event-status-${eventId}`).textContent())).toContain('ouvert');

    // A player's home page lists it, open, with its selections.
    const dubois = await user('dubois');
    await signUpPlayer(suite.web, dubois, 'dubois');
    await visit(suite.web, dubois, '/', 'home-market-open');
    const onHome = dubois.page.locator(`#market-${marketId}`);
    expect(plain(await onHome.locator('[data-field="state"]').textContent())).toBe('ouvert');
    expect(await dubois.page.locator(`button[data-add="${marketId}:home"]`).isVisible()).toBe(true);
    expect(plain(await dubois.page.locator(`#event-${eventId} h2`).textContent())).toBe(EVENT);
    // A player's session is not a staff session.
    expect(
      await dubois.page.evaluate<number>(`fetch('/admin/events').then(async (r) => (await r.text(), r.status))`),
    ).toBe(401);
    // The player's bet reaches the open staff page over the market's live channel.
    expect(await page.evaluate<string>('document.body.dataset.live')).toBe('on');
    await deposit(suite.web, dubois, 2_000);
    expect(await placeBet(suite.web, dubois, { marketId, selection: 'home', stakeCents: 500 })).toMatchObject({
      ok: true,
    });
    await page
      .locator(`#admin-market-${marketId} [data-field="selections"] li[data-selection="home"]`)
      .filter({ hasText: '5,00' })
      .waitFor();
    expect(plain(await page.locator(`#admin-market-${marketId} [data-field="pool"]`).textContent())).toBe('5,00 €');
    await suite.web.snap(alice, 'market-live-pool');

    await page
      .locator(`#admin-market-${marketId}`)
      .getByRole('button', { name: /^Suspendre/ })
      .click();
    await page.locator(`#admin-market-${marketId}[data-state="suspended"]`).waitFor();
    expect(await commandsOf(alice, marketId)).toEqual(['open', 'close', 'void']);
    await visit(suite.web, dubois, '/', 'home-market-suspended');
    expect(plain(await onHome.locator('[data-field="state"]').textContent())).toBe('suspendu');
    expect(await dubois.page.locator(`button[data-add="${marketId}:home"]`).count()).toBe(0);

    // Void: a reason is asked for (an empty one is refused on the page), then the market is voided.
    await page
      .locator(`#admin-market-${marketId}`)
      .getByRole('button', { name: /^Annuler le marché/ })
      .click();
    const reason = page.getByLabel('Motif de l’annulation');
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe(`void-reason-${marketId}`);
    // Escape closes the reason form and gives the focus back to the void button.
    await page.keyboard.press('Escape');
    expect(await page.locator(`#admin-market-${marketId} form`).count()).toBe(0);
    expect(await page.evaluate<string>('document.activeElement?.dataset.command')).toBe('void');
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe(`void-reason-${marketId}`);
    await page.getByRole('button', { name: 'Confirmer l’annulation' }).click();
    expect(plain(await page.locator(`#event-problem-${eventId}`).textContent())).toBe(
      'Indiquez le motif de l’annulation.',
    );
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    await suite.web.snap(alice, 'void-reason-missing');
    await reason.fill('Cote affichée par erreur');
    await page.getByRole('button', { name: 'Confirmer l’annulation' }).click();
    await page.locator(`#admin-market-${marketId}[data-state="voided"]`).waitFor();
    expect(await commandsOf(alice, marketId)).toEqual([]);
    expect(plain(await page.locator(`#admin-market-${marketId} [data-field="commands"]`).textContent())).toBe(
      'Aucune commande',
    );
    expect(await page.locator(`#event-problem-${eventId}`).isHidden()).toBe(true);
    await suite.web.snap(alice, 'market-voided');

    // A race with its runners, and a place market paying the first two.
    await page.getByLabel('Nom', { exact: true }).fill('Prix de Vincennes');
    await page.getByLabel('Type d’événement').selectOption('horse-racing.race/v1');
    await page.getByLabel('Nombre de partants').fill('6');
    await page.getByRole('button', { name: 'Générer' }).click();
    await page.getByRole('button', { name: 'Créer l’événement' }).click();
    await idle(alice);
    await page.locator('#event-result:not([hidden])').waitFor();
    const race = page.locator('article.admin-event', { has: page.getByRole('heading', { name: 'Prix de Vincennes' }) });
    const raceId = (await race.getAttribute('data-event'))!;
    expect(plain(await race.locator('p.muted').first().textContent())).toContain('6 partants');
    await page.locator(`#market-type-${raceId}`).selectOption('race-place');
    await page.locator(`#market-places-${raceId}`).fill('2');
    await page.locator(`#market-form-${raceId}`).getByRole('button', { name: 'Créer le marché' }).click();
    await idle(alice);
    const place = page.locator(`#markets-${raceId} tbody tr`);
    await place.first().waitFor();
    expect(plain(await place.first().locator('th').textContent())).toContain('Placé (2 premiers)');
    expect(await place.first().locator('[data-field="selections"] li').count()).toBe(6);
    expect(plain(await place.first().locator('li[data-selection="6"]').textContent())).toBe('Partant n° 6 : 0,00 €');
    expect(navigations).toBe(0);
    await suite.web.snap(alice, 'race-market-created');

    const { rows: audit } = await suite.stack.b.pool.query<{ action: string; reason: string | null }>(
      `select action, detail->>'reason' as reason from betting.audit_log where target = $1 order by id`,
      [`market:${marketId}`],
    );
    expect(audit).toEqual([
      { action: 'market.create', reason: null },
      { action: 'market.open', reason: null },
      { action: 'market.suspend', reason: null },
      { action: 'market.void', reason: 'Cote affichée par erreur' },
    ]);
  });

  it('voids a settled market from /admin; the settlement runs show totals, the reversal and older pages', async () => {
    const markets = suite.api.api.markets;
    const admin = { actor: 'test:web-admin' };
    const startsAt = new Date(Date.now() + 3 * 3600_000);
    /** A match with a settled 1X2 market: home 20 €, away 10 €, 15 % takeout, settled on `values`. */
    async function settled(name: string, values: number[]) {
      const oracle = oracleEventId();
      const event = await markets.createEvent(
        { oracleEventId: oracle, schema: 'football.match/v1', name, startsAt },
        admin,
      );
      const market = await markets.createMarket(
        event.id,
        {
          definition: { type: 'match-winner' },
          closesAt: new Date(startsAt.getTime() - 600_000),
          takeoutBps: 1500,
          minStakeCents: 100n,
          maxStakeCents: 100_000n,
        },
        admin,
      );
      await markets.command(market.id, 'open', admin);
      for (const [selection, stake] of [
        ['home', 2_000n],
        ['away', 1_000n],
      ] as const) {
        const player = await suite.stack.b.account();
        await suite.api.api.wallet.deposit(player, 10_000n);
        await suite.api.api.bets.place(player, [{ marketId: market.id, selection, stakeCents: stake }]);
      }
      await markets.command(market.id, 'close', admin);
      await settleMarket(suite.stack.b.pool, market.id, { eventId: oracle, version: 1, status: 1, values });
      return { eventId: event.id, marketId: market.id };
    }
    // Away wins 0-1: net 25,50 € over 10 € → 2,55, no breakage. Home wins 2-0: 25,50 € over 20 € → 1,27
    // per €1, 25,40 € paid, 0,10 € breakage.
    const older = await settled('Lens – Lille', [0, 1]);
    const voided = await settled('Nice – Toulon', [2, 0]);

    await visit(suite.web, alice, '/admin', 'admin-settled-market');
    const page = alice.page;
    const row = page.locator(`#admin-market-${voided.marketId}`);
    expect(await row.getAttribute('data-state')).toBe('settled');
    expect(plain(await row.locator('[data-field="state"]').textContent())).toBe('réglé');
    expect(await commandsOf(alice, voided.marketId)).toEqual(['void']);
    await row.getByRole('button', { name: /^Annuler le marché/ }).click();
    expect(plain(await row.locator('.help').textContent())).toContain('reprend les gains');
    await page.getByLabel('Motif de l’annulation').fill('Erreur manifeste de cote');
    await page.getByRole('button', { name: 'Confirmer l’annulation' }).click();
    await page.locator(`#admin-market-${voided.marketId}[data-state="voided"]`).waitFor();

    await visit(suite.web, alice, '/admin/settlement-runs?limit=2', 'settlement-runs');
    const rows = page.locator('#settlements-body tr');
    expect(await rows.count()).toBe(2);
    const rowIds = () =>
      page.evaluate<string[]>(`[...document.querySelectorAll('#settlements-body tr')].map((tr) => tr.id)`);
    const [refundId, reversedId] = await rowIds();
    const [refund, reversed] = [await cells(alice, refundId!), await cells(alice, reversedId!)];
    expect(await rows.nth(0).getAttribute('data-kind')).toBe('refunded');
    expect(plain(refund.event!)).toBe('Nice – Toulon');
    expect(plain(refund.result!)).toBe('Aucun (remboursement d’un marché annulé)');
    expect(
      [refund.poolCents, refund.refundedCents, refund.paidCents, refund.bets].map((t) => plain(t ?? null)),
    ).toEqual(['30,00 €', '30,00 €', '0,00 €', '2']);
    expect(plain(refund.reversal!)).toBe('—');
    expect(await rows.nth(1).getAttribute('data-reversed')).toBe('true');
    expect(plain(reversed.result!)).toContain('terminé · 2 – 0 · version 1');
    expect(plain(reversed.dividends!)).toContain('Domicile : 1,27 € pour 1,00 €');
    expect(
      [reversed.poolCents, reversed.paidCents, reversed.takeoutCents, reversed.breakageCents, reversed.bets].map((t) =>
        plain(t ?? null),
      ),
    ).toEqual(['30,00 €', '25,40 €', '4,50 €', '0,10 €', '—']);
    expect(plain(reversed.reversal!)).toMatch(/^Annulé le .+par .+Motif : Erreur manifeste de cote$/);
    expect(await rows.nth(0).getByRole('link', { name: 'Nice – Toulon' }).getAttribute('href')).toBe(
      `/admin/results/${voided.eventId}`,
    );

    // Older runs: the next page is appended, and there is none after it.
    await page.getByRole('button', { name: 'Plus anciens' }).click();
    await page.locator(`#settlements-body tr[data-market="${older.marketId}"]`).waitFor();
    await idle(alice);
    expect(await rows.count()).toBe(3);
    const oldest = await cells(alice, (await rowIds())[2]!);
    expect(plain(oldest.result!)).toContain('0 – 1');
    expect([oldest.paidCents, oldest.breakageCents, oldest.bets].map((t) => plain(t ?? null))).toEqual([
      '25,50 €',
      '0,00 €',
      '2',
    ]);
    expect(await page.getByRole('button', { name: 'Plus anciens' }).isHidden()).toBe(true);
    await suite.web.snap(alice, 'settlement-runs-all');

    // /admin by pages of two: "Plus anciens" appends the next events until none is left.
    await visit(suite.web, alice, '/admin?limit=2', 'admin-page-1');
    const articles = page.locator('#events > article');
    expect(await articles.count()).toBe(2);
    const more = page.getByRole('button', { name: 'Plus anciens' });
    await more.click();
    await articles.nth(3).waitFor();
    await idle(alice);
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe(
      await articles.nth(2).locator('h3').textContent(),
    );
    await more.click();
    await idle(alice);
    expect(await more.isHidden()).toBe(true);
    const names = (await articles.locator('h3').allTextContents()).map((t) => plain(t));
    expect(names.slice(0, 2).sort()).toEqual(['Lens – Lille', 'Nice – Toulon']); // the latest start first
    expect(names.slice(2).sort()).toEqual([EVENT, 'Prix de Vincennes']);
  });

  it('the settlement runs page shows a run the settler writes, and its reversal, without reload', async () => {
    const watcher = await user('watcher');
    await signInStaff(suite.web, watcher, 'bob');
    await visit(suite.web, watcher, '/admin/settlement-runs', 'settlement-runs-live');
    await watcher.page.waitForFunction(() => document.body.dataset.liveAdmin === 'on');
    const before = await watcher.page.locator('#settlements-body tr').count();

    const markets = suite.api.api.markets;
    const admin = { actor: 'test:web-admin' };
    const startsAt = new Date(Date.now() + 3600_000);
    const event = await markets.createEvent(
      { oracleEventId: oracleEventId(), schema: 'football.match/v1', name: 'Brest – Lorient', startsAt },
      admin,
    );
    const market = await markets.createMarket(
      event.id,
      {
        definition: { type: 'match-winner' },
        closesAt: new Date(startsAt.getTime() - 600_000),
        takeoutBps: 1500,
        minStakeCents: 100n,
        maxStakeCents: 100_000n,
      },
      admin,
    );
    await markets.command(market.id, 'open', admin);
    const player = await suite.stack.b.account();
    await suite.api.api.wallet.deposit(player, 10_000n);
    await suite.api.api.bets.place(player, [{ marketId: market.id, selection: 'home', stakeCents: 1_500n }]);
    await markets.command(market.id, 'close', admin);
    // The result attested, published and final on the chain; the settler process settles and announces.
    const outcome = { status: 1, values: [1, 0], endedAt: Math.floor(Date.now() / 1000) - 60, version: 1 };
    expect(await attestThroughApi(suite.stack, event.id, outcome)).toMatchObject({ ready: true });
    await relayReadyResults(suite.stack);
    await finalizePublishedResults(suite.stack);
    const settler = await startSettler(suite.stack);
    try {
      await watcher.page.locator(`#settlements-body tr[data-market="${market.id}"]`).waitFor();
      const run = watcher.page.locator(
        `#${(await watcher.page.locator(`#settlements-body tr[data-market="${market.id}"]`).getAttribute('id'))!}`,
      );
      expect(await run.getAttribute('data-kind')).toBe('paid');
      expect(await watcher.page.locator('#settlements-body tr').first().getAttribute('data-market')).toBe(market.id);
      const ids = () =>
        watcher.page.evaluate<string[]>(`[...document.querySelectorAll('#settlements-body tr')].map((tr) => tr.id)`);
      expect(new Set(await ids()).size).toBe((await ids()).length);
      expect(await watcher.page.locator(`#settlements-body tr[data-market="${market.id}"]`).count()).toBe(1);
      expect((await ids()).length).toBeGreaterThan(before);
      expect(await run.getAttribute('data-reversed')).toBe('false');
      expect(plain(await run.locator('[data-field="event"]').textContent())).toBe('Brest – Lorient');
      expect(plain(await run.locator('[data-field="result"]').textContent())).toContain('terminé · 1 – 0');
      await suite.web.snap(watcher, 'settlement-runs-live-settled');

      // Alice voids the settled market on /admin: the run shows its reversal on the watcher's page.
      await visit(suite.web, alice, '/admin', 'admin-void-live');
      const row = alice.page.locator(`#admin-market-${market.id}`);
      await row.getByRole('button', { name: /^Annuler le marché/ }).click();
      await alice.page.getByLabel('Motif de l’annulation').fill('Résultat contesté');
      await alice.page.getByRole('button', { name: 'Confirmer l’annulation' }).click();
      await alice.page.locator(`#admin-market-${market.id}[data-state="voided"]`).waitFor();
      await watcher.page.locator(`#settlements-body tr[data-market="${market.id}"][data-reversed="true"]`).waitFor();
      // The void's refund run is prepended too.
      await watcher.page.locator(`#settlements-body tr[data-market="${market.id}"][data-kind="refunded"]`).waitFor();
      expect(await watcher.page.locator(`#settlements-body tr[data-market="${market.id}"]`).count()).toBe(2);
      expect(new Set(await ids()).size).toBe((await ids()).length);
      expect(plain(await run.locator('[data-field="reversal"]').textContent())).toContain('Motif : Résultat contesté');
      await suite.web.snap(watcher, 'settlement-runs-live-reversed');
    } finally {
      await settler.close();
    }
  });

  it('reads on a phone: the staff pages do not scroll sideways', async () => {
    const phone = await user('alice-phone', { phone: true });
    await signInStaff(suite.web, phone, 'alice');
    for (const path of ['/admin', '/admin/settlement-runs']) {
      await phone.page.goto(path);
      await settle(phone);
      await suite.web.snap(phone, `phone${path.replace(/\//g, '-')}`);
      expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    }
  });

  it('no page logged a script error or a CSP violation; the only failed answers were the expected ones', () => {
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
    suite.expectNoErrors(
      [
        '401 GET /admin/me', // signed out: the sign-in invitation
        '401 GET /auth/me', // the player before signing in
        '401 GET /admin/events', // a player's session on a staff route
        '400 POST /admin/events', // the bad oracle event id
        '409 POST /admin/events', // the same oracle event id twice
        '422 POST /admin/events/:id/markets', // the cut-off after the start
        '403 GET /admin/auth/callback', // sam, without the admin role: kyc's refusal page
      ],
      (f) => f.replace(uuid, ':id'),
    );
  });
});
