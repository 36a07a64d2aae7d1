import { mkdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Browser harness of the web tests: Debian's Chromium driven by playwright-core (never a downloaded
 * browser), one browser per test file, one context (cookies, storage) per user, a screenshot of every
 * page a helper visits. Helpers drive the pages as a person would (labels, buttons, links), so a
 * test that passes here passes for a keyboard or mouse user of the same page.
 *
 * Screenshots: `$SCREENSHOT_DIR` (default `test-results/screenshots/`, gitignored), one folder per
 * suite, files `<nn>-<user>-<label>.png` in the order taken. `.ci/run` prints the folder.
 */

/**
 * The few DOM members the wait predicates read. They run in the page (functions, not strings: the
 * pages' CSP forbids eval), and the project compiles without the DOM library.
 */
declare const document: {
  readonly body: { readonly dataset: Readonly<Record<string, string | undefined>> };
  getElementById(id: string): { readonly hidden: boolean } | null;
};

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** Chromium of the machine (`apt-get install chromium`); `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots go: `$SCREENSHOT_DIR` (relative to the repository) or `test-results/screenshots/`. */
export function screenshotRoot(): string {
  const dir = process.env.SCREENSHOT_DIR ?? 'test-results/screenshots';
  return isAbsolute(dir) ? dir : join(repoRoot, dir);
}

/** A signed-in (or not yet) person: a browser context of their own and its page. */
export interface WebUser {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors (CSP violations included), uncaught page errors and requests that failed to complete. */
  readonly errors: string[];
  /** `<status> <method> <path>` of every same-origin answer ≥ 400 (a signed-out `GET /auth/me` is a 401, a refusal a 403). */
  readonly failures: string[];
}

export interface WebHarness {
  readonly browser: Browser;
  /** The API's origin, e.g. `http://127.0.0.1:34567`. */
  readonly appBase: string;
  /** Folder of this suite's screenshots. */
  readonly screenshots: string;
  /** A new user with a fresh context (no cookies), a phone-sized viewport when `phone`. */
  newUser(name: string, options?: { phone?: boolean }): Promise<WebUser>;
  /** Screenshot of the user's page, full page, as `<nn>-<user>-<label>.png`; returns the file. */
  snap(user: WebUser, label: string): Promise<string>;
  /** Closes every context, then the browser. */
  close(): Promise<void>;
}

/**
 * Launches Chromium for one test file (`suite` names the screenshot folder).
 * @param appBase - the API's origin the pages are served from.
 */
export async function openWeb(appBase: string, suite: string): Promise<WebHarness> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const screenshots = join(screenshotRoot(), suite);
  rmSync(screenshots, { recursive: true, force: true }); // this run's pictures only
  mkdirSync(screenshots, { recursive: true });
  const contexts: BrowserContext[] = [];
  let shot = 0;
  return {
    browser,
    appBase,
    screenshots,
    async newUser(name, options = {}) {
      const context = await browser.newContext({
        baseURL: appBase,
        locale: 'fr-FR',
        timezoneId: 'Europe/Paris',
        viewport: options.phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
        ...(options.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
      });
      contexts.push(context);
      const page = await context.newPage();
      const errors: string[] = [];
      const failures: string[] = [];
      page.on('console', (message) => {
        // Chromium logs every answer ≥ 400 as "Failed to load resource": those are in `failures`.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
          errors.push(`console: ${message.text()}`);
      });
      page.on('response', (response) => {
        const url = new URL(response.url());
        if (url.origin === appBase && response.status() >= 400)
          failures.push(`${response.status()} ${response.request().method()} ${url.pathname}`);
      });
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      page.on('requestfailed', (request) => {
        if (request.url().startsWith(appBase)) errors.push(`requestfailed: ${request.url()}`);
      });
      return { name, context, page, errors, failures };
    },
    async snap(user, label) {
      shot += 1;
      const safe = `${String(shot).padStart(2, '0')}-${user.name}-${label}`.replace(/[^\w.-]+/g, '_');
      const file = join(screenshots, `${safe}.png`);
      await user.page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/** Path of the user's page (without origin), e.g. `/account/limits`. */
export const pathOf = (user: WebUser): string => new URL(user.page.url()).pathname;

/** Text with the narrow and plain no-break spaces of French number formatting as plain spaces. */
export const plain = (text: string | null): string => (text ?? '').replace(/[\u00a0\u202f]/g, ' ').trim();

/** "1 234,50 €" → 123450 (cents). */
export function centsOf(text: string | null): number {
  const match = /(-?[\d\s]+(?:,\d{1,2})?)\s*€/.exec(plain(text));
  if (!match) throw new Error(`no amount in ${JSON.stringify(text)}`);
  const [whole, frac = ''] = match[1]!.replace(/\s/g, '').split(',');
  const sign = whole!.startsWith('-') ? -1 : 1;
  return sign * (Math.abs(Number(whole)) * 100 + Number(frac.padEnd(2, '0')));
}

/** Cents as the amount a person types in a form ("12,50"). */
export const euros = (cents: number): string => `${Math.trunc(cents / 100)},${String(cents % 100).padStart(2, '0')}`;

/** Unix seconds as a datetime-local value in Europe/Paris ("2026-12-06T21:40:00"), as the staff forms take it. */
export function parisTime(seconds: number): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Paris',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })
    .format(new Date(seconds * 1000))
    .replace(' ', 'T');
}

/** Opens `path` on the user's page, waits for its scripts to settle (`data-ready` on body), and takes a screenshot. */
export async function visit(web: WebHarness, user: WebUser, path: string, label?: string): Promise<void> {
  await user.page.goto(path);
  await settle(user);
  await web.snap(user, label ?? (path === '/' ? 'home' : path.slice(1)));
}

/** Waits until the page's scripts have rendered (`<body data-ready="true">`; pages without `app.js` at load). */
export async function settle(user: WebUser): Promise<void> {
  await user.page.waitForLoadState('load');
  await user.page.waitForFunction(() => document.body.dataset.ready !== 'false');
}

/**
 * Signs `user` in at the local FranceConnect-like provider as `identity` (`dubois`, `minor`,
 * `excluded`, …): the sign-in page, the provider's button, the identity's button at the provider,
 * back to Verdict. Screenshots of the sign-in page, the provider's page and where it lands.
 *
 * @param provider - `franceconnect` (the FranceConnect button) or the id of another configured provider.
 * @returns the path it lands on: `/account/limits` (new account), `/` (returning), or the callback
 *   path with the refusal page (`[data-error-code]`).
 */
export async function signInPlayer(
  web: WebHarness,
  user: WebUser,
  identity: string,
  provider = 'franceconnect',
): Promise<string> {
  await visit(web, user, '/signin', 'signin');
  const button =
    provider === 'franceconnect'
      ? user.page.getByRole('link', { name: 'S’identifier avec FranceConnect' })
      : user.page.locator(`#signin-${provider}`);
  await button.click();
  await user.page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  await web.snap(user, `idp-${identity}`);
  await user.page.locator(`button[name="identity"][value="${identity}"]`).click();
  await user.page.waitForURL((url) => url.origin === web.appBase);
  await settle(user);
  await web.snap(user, `after-signin-${identity}`);
  return pathOf(user);
}

/** Signs a staff member in (`alice`, `bob`, …) through `/admin/auth/login` at the local provider. */
export async function signInStaff(web: WebHarness, user: WebUser, identity: string): Promise<string> {
  await user.page.goto('/admin/auth/login');
  await user.page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  await web.snap(user, `idp-staff-${identity}`);
  await user.page.locator(`button[name="identity"][value="${identity}"]`).click();
  await user.page.waitForURL((url) => url.origin === web.appBase);
  await settle(user);
  await web.snap(user, `after-staff-signin-${identity}`);
  return pathOf(user);
}

/** Fills and sends the limits form (`/account/limits`); waits for its confirmation. */
export async function setLimits(
  web: WebHarness,
  user: WebUser,
  limits: { weeklyDepositCents: number; weeklyStakeCents: number },
): Promise<void> {
  if (pathOf(user) !== '/account/limits') await visit(web, user, '/account/limits');
  await user.page.getByLabel('Dépôts au plus (€)').fill(euros(limits.weeklyDepositCents));
  await user.page.getByLabel('Mises au plus (€)').fill(euros(limits.weeklyStakeCents));
  await user.page.getByRole('button', { name: 'Enregistrer mes limites' }).click();
  await user.page.locator('#limits-result:not([hidden])').waitFor();
  await web.snap(user, 'limits-saved');
}

/** Signs up a new adult (`signInPlayer`, then the limits step). */
export async function signUpPlayer(
  web: WebHarness,
  user: WebUser,
  identity: string,
  limits = { weeklyDepositCents: 100_000, weeklyStakeCents: 50_000 },
): Promise<void> {
  const landed = await signInPlayer(web, user, identity);
  if (landed !== '/account/limits') throw new Error(`${identity} landed on ${landed}, not the limits step`);
  await setLimits(web, user, limits);
}

/** The balance shown on `/account/wallet`, in cents (opens the page). */
export async function balanceCents(web: WebHarness, user: WebUser): Promise<number> {
  await visit(web, user, '/account/wallet', 'wallet');
  return centsOf(await user.page.locator('#balance').textContent());
}

async function payment(web: WebHarness, user: WebUser, kind: 'deposit' | 'withdraw', cents: number): Promise<void> {
  if (pathOf(user) !== '/account/wallet') await visit(web, user, '/account/wallet', 'wallet');
  await user.page.locator(`#${kind}-amount`).fill(euros(cents));
  await user.page.locator(`#${kind}-submit`).click();
  // The handler hides the previous answer and sets data-busy synchronously, on the click.
  await user.page.waitForFunction(
    (k) =>
      document.body.dataset.busy !== 'true' &&
      (!document.getElementById(`${k}-problem`)?.hidden || !document.getElementById('wallet-result')?.hidden),
    kind,
  );
  await web.snap(user, `${kind}-${cents}`);
}

/** Deposits `cents` through the wallet page's form (sandbox provider); waits for the new balance (or the problem shown). */
export const deposit = (web: WebHarness, user: WebUser, cents: number) => payment(web, user, 'deposit', cents);

/** Withdraws `cents` through the wallet page's form; waits for the new balance (or the problem shown). */
export const withdraw = (web: WebHarness, user: WebUser, cents: number) => payment(web, user, 'withdraw', cents);

/** One line of a bet slip: the market id, the selection code (`home`, `over`, `3`…) and the stake. */
export interface SlipBet {
  readonly marketId: string;
  readonly selection: string;
  readonly stakeCents: number;
}

/** What the slip answered: `ok` with the confirmation text, or the problem code and text shown. */
export type SlipOutcome = { ok: true; text: string } | { ok: false; code: string; text: string };

/**
 * Puts `bets` on the home page's slip (the selection's "Ajouter" button, then its stake field) and
 * submits it (one bet: `POST /bets`; several: `POST /bets/batch`). Waits for the confirmation or the
 * problem; screenshots of the filled slip and the answer.
 */
export async function placeSlip(web: WebHarness, user: WebUser, bets: readonly SlipBet[]): Promise<SlipOutcome> {
  if (pathOf(user) !== '/') await visit(web, user, '/', 'home');
  const page = user.page;
  if (await page.locator('#slip-clear').isVisible()) await page.locator('#slip-clear').click();
  for (const bet of bets) {
    await page.locator(`button[data-add="${bet.marketId}:${bet.selection}"]`).click();
    await page.locator(`input[data-stake="${bet.marketId}:${bet.selection}"]`).fill(euros(bet.stakeCents));
  }
  await web.snap(user, `slip-${bets.length}`);
  await page.getByRole('button', { name: 'Valider le ticket' }).click();
  await page.waitForFunction(
    () =>
      document.body.dataset.busy !== 'true' &&
      (!document.getElementById('slip-problem')?.hidden || !document.getElementById('slip-result')?.hidden),
  );
  await web.snap(user, 'slip-answer');
  const problem = page.locator('#slip-problem');
  if (await problem.isVisible()) {
    return {
      ok: false,
      code: (await problem.getAttribute('data-code')) ?? '',
      text: plain(await problem.textContent()),
    };
  }
  return { ok: true, text: plain(await page.locator('#slip-result').textContent()) };
}

/** One bet (a slip of one line). */
export const placeBet = (web: WebHarness, user: WebUser, bet: SlipBet): Promise<SlipOutcome> =>
  placeSlip(web, user, [bet]);

/** Logs the user out with the navigation's button (a POST form with Origin), back home through the provider. */
export async function logout(web: WebHarness, user: WebUser): Promise<void> {
  await user.page.getByRole('button', { name: 'Se déconnecter' }).click();
  await user.page.waitForURL((url) => url.origin === web.appBase && url.pathname === '/');
  await settle(user);
  await web.snap(user, 'after-logout');
}
