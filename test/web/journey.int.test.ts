import { Wallet, getAddress, type TypedDataField } from 'ethers';
import { ATTESTERS } from '../oracle/chain/harness.js';
import { finalizePublishedResults, relayReadyResults, startSettler } from '../api/support/full-stack.js';
import {
  centsOf,
  deposit,
  placeBet,
  parisTime,
  plain,
  settle,
  signInStaff,
  signUpPlayer,
  visit,
  type WebUser,
} from './support/browser.js';
import { webSuite } from './support/suite.js';

/** The DOM members the wait predicates read (they run in the page; the project compiles without the DOM library). */
declare const document: {
  readonly body: { readonly dataset: Readonly<Record<string, string | undefined>> };
  getElementById(id: string): { readonly hidden: boolean; readonly textContent: string | null } | null;
};

interface MarketJson {
  id: string;
  definition: { type: string };
  takeoutBps: number;
}
interface EventJson {
  id: string;
  name: string;
  markets: MarketJson[];
}
interface TypedDataJson {
  domain: Record<string, string>;
  types: Record<string, TypedDataField[]>;
  primaryType: string;
  message: Record<string, unknown>;
}

/**
 * The journey of issue 14, in Debian's Chromium against the real services (Postgres, Redis, a Hardhat
 * node with a 3-of-5 ResultsOracle, the local FranceConnect-like oidc-provider, the API and settler
 * processes of api/process.ts): a player signs up, sets limits, deposits and bets on the match winner;
 * three admins, each in a browser context of their own, attest the result on `/admin/results/:eventId`
 * (their bound signer instances; one corrects a conflicting attestation with a signature made elsewhere
 * over the page's EIP-712 typed data and pasted back); the pages show the conflict side by side, then
 * the quorum; the relayer publishes it, the pages show the transaction and the dispute window counting
 * down; it becomes final and the admin pages say so, and the player's open "Mes paris" shows the win and
 * the new balance — none of these pages reloaded.
 */
describe('the journey: bet, attest through the staff page, publish, final, paid (browser)', () => {
  const suite = webSuite('web_journey', 'journey', { boundSigners: true, seed: true });
  const { user } = suite;
  let psg: EventJson;
  const navigations = new Map<WebUser, number>();
  /** From now on, counts the main frame's navigations of `u` (a reload or a link would count). */
  const watchNavigations = (u: WebUser) => {
    navigations.set(u, 0);
    u.page.on('framenavigated', (frame) => {
      if (frame === u.page.mainFrame()) navigations.set(u, (navigations.get(u) ?? 0) + 1);
    });
  };
  const winner = () => psg.markets.find((m) => m.definition.type === 'match-winner')!;
  let dubois: WebUser;
  let alice: WebUser;
  let bob: WebUser;
  let carol: WebUser;
  const started = Date.now();
  // The match ended ten minutes ago (before the chain's latest block: the relayer waits for notBefore on chain time).
  const endedAt = Math.floor(Date.now() / 1000) - 600;
  const timings: [string, number][] = [];
  const lap = (label: string) => timings.push([label, Date.now() - started]);

  beforeAll(async () => {
    const answer = await fetch(`${suite.stack.appBase}/events`);
    const events = ((await answer.json()) as { events: EventJson[] }).events;
    psg = events.find((e) => e.name.startsWith('Paris Saint-Germain'))!;
    lap('services up');
  });

  afterAll(() => {
    // What each step took on this machine (not asserted: speed is for the benchmarks).
    console.log(`journey timings (ms from start): ${timings.map(([l, ms]) => `${l} ${ms}`).join(' · ')}`);
  });

  /** The result page of `who`, signed in at the staff provider in their own context. */
  async function admin(name: 'alice' | 'bob' | 'carol'): Promise<WebUser> {
    const u = await user(name);
    await openResultPage(u, name, psg);
    expect(plain(await u.page.locator('#nav-balance').textContent())).toBe(name);
    return u;
  }

  /** Signs `identity` in at the staff provider (landing on /admin) and follows the event's result link there. */
  async function openResultPage(u: WebUser, identity: string, event: EventJson): Promise<void> {
    expect(await signInStaff(suite.web, u, identity)).toBe('/admin');
    await u.page.getByRole('link', { name: `Attester le résultat (${event.name})`, exact: true }).click();
    await u.page.waitForURL((url) => url.pathname === `/admin/results/${event.id}`);
    await settle(u);
    await suite.web.snap(u, `result-${event.id === psg.id ? 'match' : 'race'}`);
  }

  /** Clicks `button` and waits for the form's answer: the receipt (`#attest-result`) or the problem shown. */
  async function submit(u: WebUser, button: string, problemId = 'attest-problem'): Promise<string> {
    await u.page.locator(button).click();
    await u.page.waitForFunction(
      (problem) =>
        document.body.dataset.busy !== 'true' &&
        (document.getElementById('attest-result')?.hidden === false ||
          document.getElementById(problem)?.hidden === false),
      problemId,
    );
    const problem = u.page.locator(`#${problemId}`);
    if (await problem.isVisible()) throw new Error(`${u.name}: ${plain(await problem.textContent())}`);
    return plain(await u.page.locator('#attest-result').textContent());
  }

  it('a player signs up, sets limits, deposits and bets on the match winner; another bets against', async () => {
    dubois = await user('dubois');
    await signUpPlayer(suite.web, dubois, 'dubois', { weeklyDepositCents: 100_000, weeklyStakeCents: 50_000 });
    await deposit(suite.web, dubois, 20_000);
    expect(
      await placeBet(suite.web, dubois, { marketId: winner().id, selection: 'home', stakeCents: 1_000 }),
    ).toMatchObject({
      ok: true,
    });
    const abroad = await user('abroad');
    await signUpPlayer(suite.web, abroad, 'abroad', { weeklyDepositCents: 50_000, weeklyStakeCents: 50_000 });
    await deposit(suite.web, abroad, 2_000);
    expect(
      await placeBet(suite.web, abroad, { marketId: winner().id, selection: 'away', stakeCents: 500 }),
    ).toMatchObject({
      ok: true,
    });
    // Betting is over before the result: the market closes (the events page's command; here the API's).
    for (const m of psg.markets) await suite.api.api.markets.command(m.id, 'close', { actor: 'test:web' });

    await visit(suite.web, dubois, '/account/bets', 'bets-open');
    expect(await dubois.page.locator('#bets-body tr[data-state="accepted"]').count()).toBe(1);
    expect(plain(await dubois.page.locator('#bets-body tr [data-field="result"]').textContent())).toBe(
      'Pas encore de résultat',
    );
    expect(await dubois.page.evaluate<string>('document.body.dataset.liveMe')).toBe('on');
    // The page stays open, untouched, until the player is paid.
    watchNavigations(dubois);
    lap('player bet');
  });

  it('alice attests 2 – 1 with her bound signer; the page offers no wallet button without a wallet', async () => {
    alice = await admin('alice');
    const page = alice.page;
    expect(await page.evaluate<string>('document.body.dataset.liveAdmin')).toBe('on');
    expect(plain(await page.locator('#event-facts').textContent())).toContain(
      'Paris Saint-Germain v Olympique de Marseille',
    );
    expect(await page.getByRole('button', { name: 'Signer avec mon signataire' }).isVisible()).toBe(true);
    // No window.ethereum in this browser: no wallet button.
    expect(await page.locator('#sign-wallet').isVisible()).toBe(false);
    expect(await page.locator('#groups-empty').isVisible()).toBe(true);
    expect(await page.locator('#oracle-section').getAttribute('data-phase')).toBe('none');
    // The form follows the event's schema: two scores, labelled with the teams; version 1 by default.
    expect(await page.getByLabel('Statut').inputValue()).toBe('1');
    expect(await page.getByLabel('Version').inputValue()).toBe('1');
    await page.getByLabel('Buts de Paris Saint-Germain (domicile)').fill('2');
    await page.getByLabel('Buts de Olympique de Marseille (extérieur)').fill('1');
    // The end time, on the browser's clock (Europe/Paris here).
    await page.getByLabel('Fin de l’événement (heure locale)').fill(parisTime(endedAt));
    await suite.web.snap(alice, 'result-filled');
    expect(await submit(alice, '#sign-bound')).toBe(
      'Attestation enregistrée — soutien 1 / 3 ; quorum pas encore atteint.',
    );
    const row = page.locator('#groups-table tbody tr');
    await row.locator('[data-field="support"]').filter({ hasText: '1 / 3' }).waitFor();
    expect(plain(await row.locator('[data-field="result"]').textContent())).toBe('Terminé — 2 – 1');
    expect(plain(await row.locator('.attester').textContent())).toMatch(/^alice \(0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}\)$/);
    watchNavigations(alice);
    await suite.web.snap(alice, 'result-attested');
    lap('alice attested');
  });

  it('bob signs 2 – 2 by mistake: the conflict shows side by side on both pages; he corrects it with a pasted signature', async () => {
    bob = await admin('bob');
    const page = bob.page;
    // The form starts from the payload already signed for the open version: the same end time, 2 – 1.
    expect(await page.getByLabel('Buts de Paris Saint-Germain (domicile)').inputValue()).toBe('2');
    expect(await page.getByLabel('Buts de Olympique de Marseille (extérieur)').inputValue()).toBe('1');
    await page.getByLabel('Buts de Olympique de Marseille (extérieur)').fill('2');
    expect(await submit(bob, '#sign-bound')).toBe(
      'Attestation enregistrée — soutien 1 / 3 ; conflit : d’autres attestataires ont signé un résultat différent pour cette version.',
    );
    watchNavigations(bob);

    // Alice's page, not reloaded, shows the two payloads of version 1 side by side.
    for (const u of [alice, bob]) {
      const conflict = u.page.locator('#oracle-conflicts .conflict[data-version="1"]');
      await conflict.waitFor();
      const columns = await conflict.locator('thead th[scope="col"]').allTextContents();
      expect(columns.map(plain)).toEqual(['Résultat A', 'Résultat B']);
      const results = (await conflict.locator('tbody tr').first().locator('td').allTextContents()).map(plain).sort();
      expect(results).toEqual(['Terminé — 2 – 1', 'Terminé — 2 – 2']);
      const attesters = (await conflict.locator('tbody tr').nth(2).locator('td').allTextContents()).map(
        (t) => plain(t).split(' ')[0],
      );
      expect(attesters.sort()).toEqual(['alice', 'bob']);
      await suite.web.snap(u, 'result-conflict');
    }
    expect(await alice.page.locator('#groups-table tr[data-ready="true"]').count()).toBe(0);

    // Path (b): bob takes alice's payload back into the form, shows the typed data, signs it elsewhere
    // (here: his attester key through ethers), pastes the signature and sends it.
    const alicesRow = page.locator('#groups-table tbody tr').filter({ hasText: 'Terminé — 2 – 1' });
    await alicesRow.getByRole('button', { name: /Reprendre ce résultat/ }).click();
    expect(await page.getByLabel('Buts de Olympique de Marseille (extérieur)').inputValue()).toBe('1');
    await page.getByRole('button', { name: 'Préparer les données à signer ailleurs' }).click();
    await page.locator('#payload-section:not([hidden])').waitFor();
    const typed = JSON.parse(await page.getByLabel('Données typées à signer (JSON)').inputValue()) as TypedDataJson;
    expect(typed.primaryType).toBe('Result');
    expect(typed.domain).toMatchObject({
      name: 'Verdict ResultsOracle',
      chainId: suite.stack.world.chainId.toString(),
      verifyingContract: getAddress(suite.stack.world.address),
    });
    expect(typed.message).toMatchObject({ values: [2, 1], version: 1, endedAt: String(endedAt) });
    const { EIP712Domain: _domain, ...types } = typed.types;
    const signature = await new Wallet(suite.stack.world.node.wallet(ATTESTERS[1]!).privateKey).signTypedData(
      typed.domain,
      types,
      typed.message,
    );
    // Focus went to the signature field: pasting is typing there. First carol's signature by mistake:
    // the oracle refuses it (another admin's attester key), the page says so in French with the code.
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('signature-input');
    const carols = await new Wallet(suite.stack.world.node.wallet(ATTESTERS[2]!).privateKey).signTypedData(
      typed.domain,
      types,
      typed.message,
    );
    await page.keyboard.insertText(carols);
    await page.getByRole('button', { name: 'Envoyer la signature' }).click();
    const refused = page.locator('#signature-problem[data-code="ORACLE_ATTESTER_NOT_BOUND"]');
    await refused.waitFor();
    expect(plain(await refused.textContent())).toContain(
      'Aucune clé d’attestataire ne vous est attribuée, ou cette signature vient de la clé d’un autre administrateur.',
    );
    await suite.web.snap(bob, 'result-signature-refused');
    await page.getByLabel('Signature (0x…)').fill('');
    await page.getByLabel('Signature (0x…)').focus();
    await page.keyboard.insertText(signature);
    await suite.web.snap(bob, 'result-signature-pasted');
    expect(await submit(bob, '#submit-signature', 'signature-problem')).toBe(
      'Attestation remplace votre attestation précédente — soutien 2 / 3 ; quorum pas encore atteint.',
    );
    for (const u of [alice, bob]) {
      await u.page.locator('#conflicts-none').waitFor();
      await u.page.locator('#conflicts-resolved').waitFor();
      await u.page.locator('#groups-table [data-field="support"]').filter({ hasText: '2 / 3' }).waitFor();
    }
    const { rows: stored } = await suite.stack.b.pool.query<{ admin_id: string; source: string }>(
      `select admin_id, source from oracle_attestations order by admin_id`,
    );
    expect(stored.map((r) => [r.admin_id, r.source])).toEqual([
      ['alice', 'signer'],
      ['bob', 'submitted'],
    ]);
    await suite.web.snap(bob, 'result-corrected');
    lap('conflict and pasted signature');
  });

  it('carol attests with her bound signer: quorum reached on every admin page without a reload', async () => {
    carol = await admin('carol');
    expect(await carol.page.getByLabel('Buts de Olympique de Marseille (extérieur)').inputValue()).toBe('1');
    expect(await submit(carol, '#sign-bound')).toBe(
      'Attestation enregistrée — soutien 3 / 3 ; quorum atteint : le relayeur va publier le résultat.',
    );
    watchNavigations(carol);
    for (const u of [alice, bob, carol]) {
      const ready = u.page.locator('#groups-table tr[data-ready="true"]');
      await ready.waitFor();
      expect(plain(await ready.locator('[data-field="quorum"]').textContent())).toBe('Quorum atteint');
      expect(plain(await ready.locator('[data-field="support"]').textContent())).toBe('3 / 3');
      const names = (await ready.locator('.attester').allTextContents()).map((t) => plain(t).split(' ')[0]);
      expect(names.sort()).toEqual(['alice', 'bob', 'carol']);
      await suite.web.snap(u, 'result-quorum');
    }
    lap('quorum');
  });

  it('published: the transaction and the dispute window counting down; then final, and the player is paid, with no reload', async () => {
    await relayReadyResults(suite.stack);
    const { rows } = await suite.stack.b.pool.query<{ tx_hash: string; block_number: string }>(
      `select tx_hash, block_number from oracle_publications where state in ('mined', 'confirmed') and tx_hash is not null`,
    );
    expect(rows.length).toBe(1);
    const txHash = rows[0]!.tx_hash;
    const { body: event } = await fetch(`${suite.stack.appBase}/events/${psg.id}`).then(async (r) => ({
      body: (await r.json()) as { result: { phase: string; finalAt: string } },
    }));
    expect(event.result.phase).toBe('proposed');

    for (const u of [alice, bob, carol]) {
      await u.page.locator('#oracle-section[data-phase="proposed"]').waitFor();
      expect(await u.page.locator('#chain-tx').getAttribute('data-tx-hash')).toBe(txHash);
      expect(await u.page.locator(`#publications-table [data-tx-hash="${txHash}"]`).count()).toBe(1);
      expect(plain(await u.page.locator('#chain-phase').textContent())).toBe(
        'Proposé : délai de contestation en cours',
      );
      expect(await u.page.locator('#oracle-chain time').getAttribute('datetime')).toBe(event.result.finalAt);
      expect(plain(await u.page.locator('#oracle-final').textContent())).toBe('Non');
    }
    // The countdown runs by itself: its text changes with no message from the server.
    const countdown = alice.page.locator('#dispute-countdown');
    const first = (await countdown.textContent()) ?? '';
    expect(plain(first)).toMatch(/^encore (\d+ min )?\d\d s$/);
    await alice.page.waitForFunction((before) => {
      const node = document.getElementById('dispute-countdown');
      return node !== null && node.textContent !== before;
    }, first);
    await suite.web.snap(alice, 'result-published');
    lap('published');

    await finalizePublishedResults(suite.stack);
    for (const u of [alice, bob, carol]) {
      await u.page.locator('#oracle-final[data-final="true"]').waitFor();
      expect(plain(await u.page.locator('#chain-phase').textContent())).toBe('Définitif');
      expect(await u.page.locator('#dispute-countdown').count()).toBe(0);
      await suite.web.snap(u, 'result-final');
    }
    lap('final on the admin pages');

    const settler = await startSettler(suite.stack);
    try {
      // 1X2 pool 10 + 5 = 15 €, 12 % takeout: net 13,20 € over 10 € on home → dividend 1,32 → 13,20 €.
      await dubois.page.locator('#bets-body tr[data-state="won"]').waitFor();
      await dubois.page.locator('#nav-balance').filter({ hasText: '203,20' }).waitFor();
    } finally {
      await settler.close();
    }
    const won = dubois.page.locator('#bets-body tr[data-state="won"]');
    expect(plain(await won.locator('[data-field="payout"]').textContent())).toBe('13,20 €');
    expect(plain(await won.locator('[data-field="result"]').textContent())).toBe('2 – 1 · définitif');
    expect(await won.locator('[data-tx-hash]').getAttribute('data-tx-hash')).toBe(txHash);
    expect(centsOf(await dubois.page.locator('#nav-balance').textContent())).toBe(20_000 - 1_000 + 1_320);
    await suite.web.snap(dubois, 'bets-paid-live');
    lap('player paid');

    expect([...navigations.entries()].map(([u, n]) => [u.name, n])).toEqual([
      ['dubois', 0],
      ['alice', 0],
      ['bob', 0],
      ['carol', 0],
    ]);
  });

  it('the result page reads on a phone and is keyboard usable', async () => {
    const page = carol.page;
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await suite.web.snap(carol, 'result-phone');
    // Every input has a label; tables have captions and column headers.
    const unlabelled = await page.evaluate<string[]>(
      `[...document.querySelectorAll('main input, main select, main textarea')]
         .filter((i) => !i.labels || i.labels.length === 0).map((i) => i.id)`,
    );
    expect(unlabelled).toEqual([]);
    expect(await page.evaluate<number>(`document.querySelectorAll('main table:not(:has(caption))').length`)).toBe(0);
    // Final (not Postponed): the form is closed and says why; no action offers another version. (The
    // keyboard path to the bound signer's button is in test/web/admin-dispute.int.test.ts, on a correction.)
    expect(await page.locator('#attest-form').isVisible()).toBe(false);
    expect(await page.locator('#attest-reopen').isVisible()).toBe(false);
    expect(plain(await page.locator('#attest-closed-text').textContent())).toBe(
      'La version 1 est définitive : la chaîne n’accepte plus d’autre version de ce résultat. Il n’y a plus rien à attester.',
    );
  });

  it('a race result signed with the browser’s wallet (window.ethereum, eth_signTypedData_v4): one position per runner', async () => {
    const race = ((await (await fetch(`${suite.stack.appBase}/events`)).json()) as { events: EventJson[] }).events.find(
      (e) => e.name.startsWith('ParisLongchamp'),
    )!;
    // An EIP-1193 provider as a wallet extension injects it, backed by alice's attester key in the test.
    const u = await user('alice-wallet');
    const key = new Wallet(suite.stack.world.node.wallet(ATTESTERS[0]!).privateKey);
    const calls: string[] = [];
    await u.context.exposeFunction('verdictTestWallet', async (method: string, params: unknown[]) => {
      calls.push(method);
      if (method === 'eth_requestAccounts') return [key.address];
      if (method !== 'eth_signTypedData_v4') throw new Error(`unsupported ${method}`);
      const [account, json] = params as [string, string];
      if (getAddress(account) !== key.address) throw new Error(`unknown account ${account}`);
      const typed = JSON.parse(json) as TypedDataJson;
      const { EIP712Domain: _domain, ...types } = typed.types;
      return key.signTypedData(typed.domain, types, typed.message);
    });
    await u.context.addInitScript({
      content: 'window.ethereum = { request: ({ method, params }) => window.verdictTestWallet(method, params ?? []) };',
    });
    await openResultPage(u, 'alice', race);
    const page = u.page;
    expect(await page.getByRole('button', { name: 'Signer avec mon portefeuille' }).isVisible()).toBe(true);
    // Eight runners, one labelled field each; runner 3 did not finish (0).
    const places = [3, 1, 0, 2, 5, 4, 7, 6];
    for (const [i, place] of places.entries())
      await page.getByLabel(`Partant n° ${i + 1}`, { exact: true }).fill(String(place));
    await page.getByLabel('Fin de l’événement (heure locale)').fill(parisTime(endedAt));
    await suite.web.snap(u, 'result-race-filled');
    expect(await submit(u, '#sign-wallet')).toBe(
      'Attestation enregistrée — soutien 1 / 3 ; quorum pas encore atteint.',
    );
    expect(calls).toEqual(['eth_requestAccounts', 'eth_signTypedData_v4']);
    const row = page.locator('#groups-table tbody tr');
    await row.waitFor();
    expect(plain(await row.locator('[data-field="result"]').textContent())).toBe(
      'Terminé — 1. n° 2, 2. n° 4, 3. n° 1, 4. n° 6, 5. n° 5, 6. n° 8, 7. n° 7 ; non classés : n° 3',
    );
    const { rows } = await suite.stack.b.pool.query<{ admin_id: string; source: string; values: string[] }>(
      `select a.admin_id, a.source, a.outcome_values::text[] as values from oracle_attestations a
         join betting.events e on e.oracle_event_id = a.event_id where e.id = $1`,
      [race.id],
    );
    expect(rows).toEqual([{ admin_id: 'alice', source: 'submitted', values: places.map(String) }]);
    await suite.web.snap(u, 'result-race-attested');
  });

  it('no page logged a script error or a CSP violation; the only failed answers were the expected ones', () => {
    suite.expectNoErrors([
      '401 GET /auth/me', // signed out: the navigation offers to sign in
      `403 POST /admin/events/${psg.id}/attestations`, // bob's paste of carol's signature
    ]);
  });
});
