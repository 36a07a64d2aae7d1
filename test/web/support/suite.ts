import { seedMarkets } from '../../../stack/seed.js';
import { createFullStack, startApi, type FullStack, type FullStackOptions } from '../../api/support/full-stack.js';
import { openWeb, type WebHarness, type WebUser } from './browser.js';

export interface WebSuiteOptions extends Omit<FullStackOptions, 'extra'> {
  /** Seeds the demo events and markets of stack/seed.ts once the API runs. */
  readonly seed?: boolean;
}

/** The services of a browser test file, set by its `beforeAll` (read them in hooks and tests only). */
export interface WebSuite {
  readonly stack: FullStack;
  readonly api: Awaited<ReturnType<typeof startApi>>;
  readonly web: WebHarness;
  /** Every user {@link WebSuite.user} opened, in order. */
  readonly users: readonly WebUser[];
  /** A new user of the suite's browser (a fresh context), kept for {@link WebSuite.expectNoErrors}. */
  readonly user: (name: string, options?: { phone?: boolean }) => Promise<WebUser>;
  /** No page of any user logged a script error or a CSP violation. */
  readonly expectNoScriptErrors: () => void;
  /**
   * {@link WebSuite.expectNoScriptErrors}, and every failed answer of every user (`<status> <method>
   * <path>`, after `normalize`) is one of `expectedFailures`.
   */
  readonly expectNoErrors: (expectedFailures: Iterable<string>, normalize?: (failure: string) => string) => void;
}

/**
 * Registers the `beforeAll`/`afterAll` of a browser test file (call it in the `describe` body, before
 * the file's own hooks): the full stack (`label` names its database; the per-IP rate limit is lifted,
 * as every page loads a few assets from 127.0.0.1 and that limit is tested elsewhere), the API
 * process, the seed when asked, Chromium (`screenshots` names the folder); after all, the browser and
 * the API closed, the ledger balanced (its total is 0), the stack dropped.
 */
export function webSuite(label: string, screenshots: string, options: WebSuiteOptions = {}): WebSuite {
  const { seed, ...stackOptions } = options;
  let stack: FullStack | undefined;
  let api: WebSuite['api'] | undefined;
  let web: WebHarness | undefined;
  const users: WebUser[] = [];
  const set = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`webSuite: ${what} is read before beforeAll set it`);
    return value;
  };
  const suite: WebSuite = {
    get stack() {
      return set(stack, 'stack');
    },
    get api() {
      return set(api, 'api');
    },
    get web() {
      return set(web, 'web');
    },
    users,
    user: async (name, userOptions) => {
      const u = await suite.web.newUser(name, userOptions);
      users.push(u);
      return u;
    },
    expectNoScriptErrors: () => {
      expect(users.flatMap((u) => u.errors.map((e) => `${u.name}: ${e}`))).toEqual([]);
    },
    expectNoErrors: (expectedFailures, normalize = (f) => f) => {
      suite.expectNoScriptErrors();
      const expected = new Set(expectedFailures);
      expect(
        users.flatMap((u) =>
          u.failures
            .map(normalize)
            .filter((f) => !expected.has(f))
            .map((f) => `${u.name}: ${f}`),
        ),
      ).toEqual([]);
    },
  };

  beforeAll(async () => {
    stack = await createFullStack(label, { ...stackOptions, extra: { API_RATE_LIMIT_IP: '100000/60' } });
    api = await startApi(stack);
    if (seed) await seedMarkets(api.api.markets);
    web = await openWeb(stack.appBase, screenshots);
  });

  afterAll(async () => {
    await web?.close();
    await api?.close();
    expect(await suite.stack.b.ledgerTotal()).toBe(0n);
    await stack?.close();
  });

  return suite;
}
