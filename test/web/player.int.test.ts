import { loadKycConfig, PgSelfExclusionRegister } from '../../kyc/index.js';
import {
  attestThroughApi,
  finalizePublishedResults,
  relayReadyResults,
  startSettler,
} from '../api/support/full-stack.js';
import {
  balanceCents,
  centsOf,
  deposit,
  logout,
  placeBet,
  placeSlip,
  plain,
  setLimits,
  signInPlayer,
  visit,
  withdraw,
  type WebUser,
} from './support/browser.js';
import { webSuite } from './support/suite.js';

interface MarketJson {
  id: string;
  definition: { type: string };
  minStakeCents: number;
  maxStakeCents: number;
  selections: { code: string; poolCents: number; indicativeDividendCents: number | null }[];
}
interface EventJson {
  id: string;
  name: string;
  markets: MarketJson[];
}

/**
 * The player pages in Debian's Chromium against the real services (Postgres, Redis, a Hardhat node,
 * the local FranceConnect-like oidc-provider) and the API process of api/process.ts: sign-in page,
 * signup through the provider, limits, deposit, a bet and a slip of two, my bets, balance and
 * statement, the API's error for a bad stake, refusals of a minor and a self-excluded person, logout.
 */
describe('player pages in a browser', () => {
  const suite = webSuite('web_player', 'player', { otherProvider: true, seed: true });
  const { user, users } = suite;
  let events: EventJson[];
  const psg = () => events.find((e) => e.name.startsWith('Paris Saint-Germain'))!;
  let dubois: WebUser;
  const market = (type: string): MarketJson => {
    const m = psg().markets.find((x) => x.definition.type === type);
    if (!m) throw new Error(`no ${type} market`);
    return m;
  };

  beforeAll(async () => {
    await new PgSelfExclusionRegister({
      db: suite.stack.b.pool,
      hmacKey: loadKycConfig(suite.stack.env).identityHmacKey,
    }).replaceAll('web-tests', [{ familyName: 'Durand', givenNames: 'Jean-Pierre', birthdate: '1975-11-02' }]);
    const answer = await fetch(`${suite.stack.appBase}/events`);
    events = ((await answer.json()) as { events: EventJson[] }).events;
  });

  it('serves the pages and assets with their content types, caching headers and a same-origin CSP', async () => {
    for (const path of ['/', '/signin', '/account/limits', '/account/bets', '/account/wallet', '/api-reference']) {
      const r = await fetch(`${suite.stack.appBase}${path}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const css = await fetch(`${suite.stack.appBase}/static/style.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toBe('no-cache');
    const etag = css.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${suite.stack.appBase}/static/style.css`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const js = await fetch(`${suite.stack.appBase}/static/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${suite.stack.appBase}/static/player/home.js`)).status).toBe(200);
    expect((await fetch(`${suite.stack.appBase}/static/nope.js`)).status).toBe(404);
    expect((await fetch(`${suite.stack.appBase}/static/..%2Fweb%2Findex.ts`)).status).toBe(404);
  });

  it('draws the FranceConnect button with its link, and the other provider’s button', async () => {
    const visitor = await user('visitor');
    await visit(suite.web, visitor, '/signin');
    const fc = visitor.page.getByRole('link', { name: 'S’identifier avec FranceConnect' });
    expect(await fc.getAttribute('href')).toBe('/auth/franceconnect');
    // Dark blue (DSFR blue-france-sun-113), light text.
    const colours = await visitor.page.evaluate(`(() => {
      const style = getComputedStyle(document.querySelector('.fc-button'));
      return [style.backgroundColor, style.color];
    })()`);
    expect(colours).toEqual(['rgb(0, 0, 145)', 'rgb(245, 245, 254)']);
    const what = visitor.page.getByRole('link', { name: 'Qu’est-ce que FranceConnect ?' });
    expect(await what.getAttribute('href')).toBe('https://franceconnect.gouv.fr/');
    expect(await visitor.page.locator('#signin-other').getAttribute('href')).toBe('/auth/other');
    // Keyboard: the FranceConnect button is the first focusable thing after the skip link and the navigation.
    await visitor.page.locator('body').focus();
    let focused = '';
    for (let i = 0; i < 10 && !focused.includes('S’identifier avec'); i++) {
      await visitor.page.keyboard.press('Tab');
      focused = plain(await visitor.page.evaluate<string>('document.activeElement?.textContent ?? ""'));
    }
    expect(focused).toContain('S’identifier avec FranceConnect');
    await suite.web.snap(visitor, 'signin-focus');
  });

  it('an adult signs up, sets limits, deposits, bets (one, then a slip of two) and sees bets, balance and statement', async () => {
    dubois = await user('dubois');
    expect(await signInPlayer(suite.web, dubois, 'dubois')).toBe('/account/limits');
    await setLimits(suite.web, dubois, { weeklyDepositCents: 100_000, weeklyStakeCents: 50_000 });
    expect(plain(await dubois.page.locator('#limits-result').textContent())).toContain('1 000,00 €');

    await deposit(suite.web, dubois, 20_000);
    expect(centsOf(await dubois.page.locator('#balance').textContent())).toBe(20_000);
    expect(plain(await dubois.page.locator('#nav-balance').textContent())).toBe('Solde : 200,00 €');

    const winner = market('match-winner');
    const total = market('total-goals');
    const one = await placeBet(suite.web, dubois, { marketId: winner.id, selection: 'home', stakeCents: 1_000 });
    expect(one).toEqual({ ok: true, text: expect.stringContaining('1 pari, mise totale 10,00 €') as unknown });
    // The home page shows the new pool without a reload (re-read, or live).
    await dubois.page
      .locator(`#market-${winner.id} tr[data-selection="home"] [data-field="pool"]`)
      .filter({ hasText: '10,00' })
      .waitFor();

    // A slip of two: the potential return is shown at the current pool odds before submitting.
    const page = dubois.page;
    await page.locator(`button[data-add="${winner.id}:away"]`).click();
    await page.locator(`input[data-stake="${winner.id}:away"]`).fill('5');
    await page.locator(`button[data-add="${total.id}:over"]`).click();
    await page.locator(`input[data-stake="${total.id}:over"]`).fill('3,50');
    expect(plain(await page.locator('#slip-total').textContent())).toBe('8,50 €');
    await suite.web.snap(dubois, 'slip-two-filled');
    const two = await placeSlip(suite.web, dubois, [
      { marketId: winner.id, selection: 'away', stakeCents: 500 },
      { marketId: total.id, selection: 'over', stakeCents: 350 },
    ]);
    expect(two).toEqual({ ok: true, text: expect.stringContaining('2 paris, mise totale 8,50 €') as unknown });

    await visit(suite.web, dubois, '/account/bets');
    const rows = dubois.page.locator('#bets-body tr');
    expect(await rows.count()).toBe(3);
    expect(await dubois.page.locator('#bets-body tr[data-state="accepted"]').count()).toBe(3);
    expect(plain(await rows.first().locator('[data-field="state"]').textContent())).toBe('En cours');
    expect(plain(await rows.first().locator('[data-field="result"]').textContent())).toBe('Pas encore de résultat');
    expect(plain(await dubois.page.locator('#bets-table caption').textContent())).toContain('Vos paris');

    expect(await balanceCents(suite.web, dubois)).toBe(20_000 - 1_000 - 850);
    const kinds = await dubois.page.evaluate<string[]>(
      `[...document.querySelectorAll('#statement-body tr')].map((tr) => tr.dataset.kind)`,
    );
    expect(kinds.sort()).toEqual(['bet', 'bet', 'deposit']);
    // Server side agrees: the batch endpoint placed the two as one transaction.
    const { rows: txs } = await suite.stack.b.pool.query<{ n: number }>(
      `select count(*)::int as n from betting.ledger_transactions where kind = 'bet'`,
    );
    expect(txs[0]!.n).toBe(2);
  });

  it('the home page’s odds change without a reload when another player bets (live)', async () => {
    const winner = market('match-winner');
    await visit(suite.web, dubois, '/', 'home-live');
    expect(await dubois.page.evaluate<string>('document.body.dataset.live')).toBe('on');
    const drawOdds = dubois.page.locator(`#market-${winner.id} tr[data-selection="draw"] [data-field="odds"]`);
    const drawPool = dubois.page.locator(`#market-${winner.id} tr[data-selection="draw"] [data-field="pool"]`);
    expect(plain(await drawPool.textContent())).toBe('0,00 €');
    expect(plain(await drawOdds.textContent())).toBe('—');
    // No navigation on dubois's page from here on: the change must come over the socket.
    let navigations = 0;
    dubois.page.on('framenavigated', (frame) => {
      if (frame === dubois.page.mainFrame()) navigations += 1;
    });
    const other = await user('plus');
    expect(await signInPlayer(suite.web, other, 'plus')).toBe('/account/limits');
    await setLimits(suite.web, other, { weeklyDepositCents: 50_000, weeklyStakeCents: 50_000 });
    await deposit(suite.web, other, 2_000);
    expect(await placeBet(suite.web, other, { marketId: winner.id, selection: 'draw', stakeCents: 700 })).toMatchObject(
      {
        ok: true,
      },
    );
    await drawPool.filter({ hasText: '7,00' }).waitFor();
    // Pool 10 + 5 + 7 = 22 €, 12 % takeout: net 19,36 € over 7 € on the draw → 2,76.
    expect(plain(await drawOdds.textContent())).toBe('2,76');
    expect(navigations).toBe(0);
    await suite.web.snap(dubois, 'home-live-updated');
  });

  it('shows the API’s error for a bad stake, and nothing is placed', async () => {
    const abroad = await user('abroad');
    expect(await signInPlayer(suite.web, abroad, 'abroad')).toBe('/account/limits');
    await setLimits(suite.web, abroad, { weeklyDepositCents: 50_000, weeklyStakeCents: 50_000 });
    await deposit(suite.web, abroad, 5_000);
    const winner = market('match-winner');
    const low = await placeBet(suite.web, abroad, { marketId: winner.id, selection: 'draw', stakeCents: 50 });
    expect(low.ok).toBe(false);
    expect(low).toMatchObject({ code: 'STAKE_OUT_OF_RANGE' });
    expect(low.text).toContain('La mise doit être comprise entre 1,00 € et 1 000,00 €');
    expect(await abroad.page.locator(`input[data-stake="${winner.id}:draw"]`).getAttribute('aria-invalid')).toBe(
      'true',
    );
    const poor = await placeBet(suite.web, abroad, { marketId: winner.id, selection: 'draw', stakeCents: 9_000 });
    expect(poor).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS' });
    expect(poor.text).toContain('Solde insuffisant');
    expect(await balanceCents(suite.web, abroad)).toBe(5_000);
    await visit(suite.web, abroad, '/account/bets');
    expect(plain(await abroad.page.locator('#bets-status').textContent())).toContain('pas encore parié');
  });

  it('refuses a withdrawal before the second identity check with a clear message, and nothing moves', async () => {
    const abroad = users.find((u) => u.name === 'abroad')!;
    await withdraw(suite.web, abroad, 1_000);
    const problem = abroad.page.locator('#withdraw-problem');
    expect(await problem.isVisible()).toBe(true);
    expect(await problem.getAttribute('data-code')).toBe('WITHDRAWALS_NOT_ALLOWED');
    expect(plain(await problem.textContent())).toContain('une seconde vérification d’identité est nécessaire');
    expect(await abroad.page.locator('#wallet-result').isVisible()).toBe(false);
    expect(await balanceCents(suite.web, abroad)).toBe(5_000);
    const { rows } = await suite.stack.b.pool.query<{ n: number }>(
      `select count(*)::int as n from betting.payments where kind = 'withdrawal'`,
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('places a bet with the keyboard only (Tab to the selection, Enter, type the stake, Enter)', async () => {
    const abroad = users.find((u) => u.name === 'abroad')!;
    // Another match than PSG's: the last test settles PSG's markets to the cent.
    const other = events.find((e) => e !== psg() && e.markets.some((m) => m.definition.type === 'match-winner'))!;
    const winner = other.markets.find((m) => m.definition.type === 'match-winner')!;
    await visit(suite.web, abroad, '/', 'home-keyboard');
    const page = abroad.page;
    // The slip is kept across pages: empty it from an earlier test first.
    if (await page.locator('#slip-clear').isVisible()) await page.locator('#slip-clear').click();
    await page.locator('body').focus();
    let onAdd = false;
    for (let i = 0; i < 400 && !onAdd; i++) {
      await page.keyboard.press('Tab');
      onAdd = await page.evaluate<boolean>(`document.activeElement?.dataset.add === '${winner.id}:draw'`);
    }
    expect(onAdd).toBe(true);
    await page.keyboard.press('Enter');
    // The stake field of the new slip line has the focus.
    expect(await page.evaluate<string>('document.activeElement?.dataset.stake')).toBe(`${winner.id}:draw`);
    await page.keyboard.type('2,50');
    await page.keyboard.press('Enter');
    await page.locator('#slip-result:not([hidden])').waitFor();
    await suite.web.snap(abroad, 'slip-keyboard-placed');
    expect(plain(await page.locator('#slip-result').textContent())).toContain('1 pari, mise totale 2,50 €');
    expect(await balanceCents(suite.web, abroad)).toBe(5_000 - 250);
  });

  it.each([
    ['minor', 'KYC_UNDERAGE', 'Inscription refusée : vous devez avoir 18 ans', 'moins de 18 ans'],
    ['excluded', 'KYC_SELF_EXCLUDED', 'Inscription refusée : interdiction de jeu', 'fichier des interdits de jeu'],
  ])('refuses %s with a clear page (%s)', async (identity, code, title, reason) => {
    const person = await user(identity);
    const statuses: number[] = [];
    person.page.on('response', (r) => {
      if (r.url().includes('/auth/franceconnect/callback')) statuses.push(r.status());
    });
    const landed = await signInPlayer(suite.web, person, identity);
    expect(landed).toBe('/auth/franceconnect/callback');
    expect(statuses).toEqual([403]);
    expect(await person.page.locator('[data-error-code]').getAttribute('data-error-code')).toBe(code);
    expect(plain(await person.page.getByRole('heading', { level: 1 }).textContent())).toBe(title);
    expect(plain(await person.page.locator('#refusal-reason').textContent())).toContain(reason);
    // No account, no session: the navigation offers to sign in.
    expect(await person.page.getByRole('link', { name: 'Se connecter' }).isVisible()).toBe(true);
    const { rows } = await suite.stack.b.pool.query<{ n: number }>(
      `select count(*)::int as n from kyc.audit_log where event = 'signup_rejected' and code = $1`,
      [code],
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(1);
  });

  it('reads on a phone, then logs out with a POST from the page (Origin checked)', async () => {
    const phone = await user('dubois-phone', { phone: true });
    expect(await signInPlayer(suite.web, phone, 'dubois')).toBe('/');
    await visit(suite.web, phone, '/', 'home-phone');
    const width = await phone.page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await visit(suite.web, phone, '/account/wallet', 'wallet-phone');
    expect(centsOf(await phone.page.locator('#balance').textContent())).toBe(20_000 - 1_850);
    let origin: string | undefined;
    phone.page.on('request', (r) => {
      if (r.url().endsWith('/auth/logout') && r.method() === 'POST') origin = r.headers().origin;
    });
    await logout(suite.web, phone);
    expect(origin).toBe(suite.stack.appBase);
    expect(await phone.page.getByRole('link', { name: 'Se connecter' }).isVisible()).toBe(true);
    const after = await phone.page.evaluate<number>(`fetch('/me/balance').then((r) => r.status)`);
    expect(after).toBe(401);
  });

  it('my bets: the provisional result with its oracle transaction, then, without a reload, settled with the payout and the new balance', async () => {
    const winner = market('match-winner');
    const total = market('total-goals');
    for (const m of [winner, total]) await suite.api.api.markets.command(m.id, 'close', { actor: 'test:web' });
    // PSG 2-1: home wins the 1X2 (dubois alone on it: 10 € of a 22 € pool, 12 % takeout: net 19,36 €, dividend 1,93 → 19,30 €),
    // 3 goals is over 2.5 (3,50 € alone: net 3,08 €); the away bet loses.
    const outcome = { status: 1, values: [2, 1], endedAt: Math.floor(Date.now() / 1000) - 60, version: 1 };
    expect(await attestThroughApi(suite.stack, psg().id, outcome)).toMatchObject({ ready: true });
    await relayReadyResults(suite.stack);
    const { rows: published } = await suite.stack.b.pool.query<{ tx_hash: string }>(
      `select tx_hash from oracle_publications where state in ('mined', 'confirmed') and tx_hash is not null`,
    );
    expect(published.length).toBe(1);
    const txHash = published[0]!.tx_hash;

    await visit(suite.web, dubois, '/account/bets', 'bets-provisional');
    const rows = dubois.page.locator('#bets-body tr');
    expect(plain(await rows.first().locator('[data-field="result"]').textContent())).toBe(
      '2 – 1 · provisoire (publié, délai de contestation en cours)',
    );
    expect(await rows.first().locator('[data-tx-hash]').getAttribute('data-tx-hash')).toBe(txHash);

    // From here the page is not reloaded: the settler's bet.settled and the new balance come over `me`.
    expect(await dubois.page.evaluate<string>('document.body.dataset.liveMe')).toBe('on');
    let navigations = 0;
    dubois.page.on('framenavigated', (frame) => {
      if (frame === dubois.page.mainFrame()) navigations += 1;
    });
    await finalizePublishedResults(suite.stack);
    const settler = await startSettler(suite.stack);
    try {
      await dubois.page.locator('#bets-body tr[data-state="won"]').nth(1).waitFor();
      await dubois.page.locator('#bets-body tr[data-state="lost"]').waitFor();
      await dubois.page.locator('#nav-balance').filter({ hasText: '203,88' }).waitFor();
    } finally {
      await settler.close();
    }
    expect(navigations).toBe(0);
    await suite.web.snap(dubois, 'bets-settled-live');
    const states = await dubois.page.evaluate<string[][]>(
      `[...document.querySelectorAll('#bets-body tr')].map((tr) => [
         tr.dataset.state, tr.querySelector('[data-field="payout"]').textContent,
         tr.querySelector('[data-field="result"]').textContent, tr.querySelector('[data-tx-hash]')?.dataset.txHash])`,
    );
    // Newest first: the slip (over, away), then the single bet on home.
    expect(states.map(([state, payout, result, hash]) => [state, plain(payout!), plain(result!), hash])).toEqual([
      ['won', '3,08 €', '2 – 1 · définitif', txHash],
      ['lost', '0,00 €', '2 – 1 · définitif', txHash],
      ['won', '19,30 €', '2 – 1 · définitif', txHash],
    ]);
    expect(plain(await rows.first().locator('[data-field="state"]').textContent())).toBe('Gagné');
    expect(plain(await dubois.page.locator('#live-region').textContent())).toMatch(/^Pari réglé — /);
    expect(await balanceCents(suite.web, dubois)).toBe(20_000 - 1_850 + 1_930 + 308);
    const kinds = await dubois.page.evaluate<string[]>(
      `[...document.querySelectorAll('#statement-body tr')].map((tr) => tr.dataset.kind)`,
    );
    expect(kinds.filter((k) => k === 'settlement').length).toBeGreaterThanOrEqual(1);
  });

  it('the API reference page lists every operation of /openapi.json, its access and the problem codes', async () => {
    const doc = (await (await fetch(`${suite.stack.appBase}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security: Record<string, unknown>[] }>>;
      'x-problem-codes': Record<string, number>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.length).toBeGreaterThan(20);
    expect(doc['x-problem-codes']).toMatchObject({ MARKET_NOT_OPEN: 409, KYC_UNDERAGE: 403, API_REQUEST_INVALID: 400 });
    const reader = await user('reader');
    await visit(suite.web, reader, '/');
    await reader.page.getByRole('link', { name: 'Référence de l’API' }).click();
    await reader.page.waitForURL((url) => url.pathname === '/api-reference');
    await reader.page.locator('body[data-ready="true"]').waitFor();
    await suite.web.snap(reader, 'api-reference');
    const shown = await reader.page.evaluate<string[]>(
      `[...document.querySelectorAll('article[data-operation]')].map((a) => a.dataset.operation)`,
    );
    expect(shown.sort()).toEqual(operations.sort());
    const bets = reader.page.locator('article[data-operation="POST /bets"]');
    expect(plain(await bets.textContent())).toContain('Accès : joueur (cookie de session)');
    expect(plain(await bets.textContent())).toContain('Idempotency-Key');
    expect(plain(await bets.textContent())).toMatch(/stakeCents/);
    const codes = await reader.page.evaluate<number>(`document.querySelectorAll('#reference-codes-body tr').length`);
    expect(codes).toBe(Object.keys(doc['x-problem-codes']).length);
    // Keyboard: a link of the table of contents leads to its section.
    await reader.page.locator('#reference-toc a[href="#tag-bets"]').focus();
    await reader.page.keyboard.press('Enter');
    await reader.page.waitForURL((url) => url.hash === '#tag-bets');
    expect(await reader.page.locator('#tag-bets').textContent()).toBe('Paris');
  });

  it('no page logged a script error or a CSP violation; the only failed answers were the expected ones', () => {
    suite.expectNoErrors([
      '401 GET /auth/me', // signed out: the navigation offers to sign in
      '403 GET /auth/franceconnect/callback', // the refusal page
      '422 POST /bets', // the bad stake
      '402 POST /bets', // the stake above the balance
      '401 GET /me/balance', // the test's own request after logout
      '403 POST /me/withdrawals', // before the second identity check
    ]);
  });
});
