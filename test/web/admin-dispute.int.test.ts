import { Wallet } from 'ethers';
import { oracleContract } from '../../oracle/admin.js';
import { ATTESTERS, makeIndexer, mine } from '../oracle/chain/harness.js';
import {
  attestThroughApi,
  finalizePublishedResults,
  relayReadyResults,
  startSettler,
} from '../api/support/full-stack.js';
import {
  deposit,
  parisTime,
  placeBet,
  plain,
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

interface EventJson {
  id: string;
  name: string;
  oracleEventId: string;
  markets: { id: string; definition: { type: string } }[];
  result: { phase: string; status: number; version: number; values: number[]; finalAt: string | null } | null;
}

/** Three days: how long a dispute holds before it lapses (ResultsOracle.DISPUTE_PERIOD). */
const DISPUTE_PERIOD = 3 * 24 * 3600;

/**
 * The result page (`/admin/results/:eventId`) through the phases the journey does not reach, in
 * Chromium against the real services (Hardhat node with a 3-of-5 ResultsOracle, Postgres, Redis, the
 * staff provider, the API process):
 * - a published version 1 disputed ON THE CHAIN by an attester (dave's key, `dispute(eventId)` through
 *   ethers, as docs/contracts.md has it; the product has no admin route to dispute): the open page
 *   shows « Contesté » live, when the dispute lapses and that a higher version corrects it; a fresh
 *   quorum attests version 2 through the page (« Corriger le résultat (version 2) »), it replaces the
 *   disputed version and becomes final;
 * - a final Postponed version 1 (bets wait), then the played score as version 2 through the page
 *   (« Attester le résultat joué (version 2) »), final;
 * - the form stays closed once a version is on the chain (no next-version attestation by accident), a
 *   receipt is dated, marked when the panel changed since, and cleared when the chain moves on.
 */
describe('the result page: disputed on the chain, corrected by a higher version; postponed, then played (browser)', () => {
  const suite = webSuite('web_dispute', 'admin-dispute', { boundSigners: true, seed: true });
  let psg: EventJson;
  let lyon: EventJson;
  let monaco: EventJson;
  let alice: WebUser;
  let bob: WebUser;
  const started = Date.now();
  const timings: [string, number][] = [];
  const lap = (label: string) => timings.push([label, Date.now() - started]);
  // Ended ten minutes ago: before the chain's latest block (the relayer waits for a block dated from the end on).
  const endedAt = Math.floor(Date.now() / 1000) - 600;
  const eventJson = async (id: string) =>
    (await (await fetch(`${suite.stack.appBase}/events/${id}`)).json()) as EventJson;

  beforeAll(async () => {
    const events = ((await (await fetch(`${suite.stack.appBase}/events`)).json()) as { events: EventJson[] }).events;
    psg = events.find((e) => e.name.startsWith('Paris Saint-Germain'))!;
    lyon = events.find((e) => e.name.startsWith('Olympique Lyonnais'))!;
    monaco = events.find((e) => e.name.startsWith('AS Monaco'))!;
    psg.oracleEventId = (await eventJson(psg.id)).oracleEventId;
    lap('services up');
  });

  afterAll(() => {
    console.log(`admin-dispute timings (ms from start): ${timings.map(([l, ms]) => `${l} ${ms}`).join(' · ')}`);
  });

  async function staff(name: 'alice' | 'bob', event: EventJson): Promise<WebUser> {
    const u = await suite.user(name);
    expect(await signInStaff(suite.web, u, name)).toBe('/admin');
    await visit(suite.web, u, `/admin/results/${event.id}`, `result-${event.id}`);
    return u;
  }

  /** Clicks the bound signer's button and returns the receipt shown (throws with the problem shown). */
  async function signBound(u: WebUser): Promise<string> {
    await u.page.locator('#sign-bound').click();
    await u.page.waitForFunction(
      () =>
        document.body.dataset.busy !== 'true' &&
        (document.getElementById('attest-result')?.hidden === false ||
          document.getElementById('attest-problem')?.hidden === false),
    );
    const problem = u.page.locator('#attest-problem');
    if (await problem.isVisible()) throw new Error(`${u.name}: ${plain(await problem.textContent())}`);
    return plain(await u.page.locator('#attest-result').textContent());
  }

  const text = async (u: WebUser, selector: string) => plain(await u.page.locator(selector).textContent());

  it('alice’s signature makes the quorum: the receipt says it will be published at the first block after the end time (the chain’s last block precedes it); a block comes, it is published', async () => {
    const head = (await suite.stack.world.node.provider.getBlock('latest'))!;
    // The deployment's blocks can be dated a second or two ahead of the wall clock (each block is at least
    // 1 s after the previous): wait until the clock is past the last block (bounded: a few seconds).
    for (let i = 0; i < 50 && Math.floor(Date.now() / 1000) - 1 <= head.timestamp; i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const ended = Math.floor(Date.now() / 1000) - 1;
    // Nothing was mined since the stack started (the node mines on transactions): the last block precedes the end.
    expect(head.timestamp).toBeLessThan(ended);
    await attestThroughApi(suite.stack, monaco.id, { status: 1, values: [0, 0], endedAt: ended, version: 1 }, [
      'bob',
      'carol',
    ]);
    alice = await staff('alice', monaco);
    // The form starts from bob's and carol's payload: the same end time.
    expect(await alice.page.getByLabel('Fin de l’événement (heure locale)').inputValue()).toBe(parisTime(ended));
    expect(await signBound(alice)).toBe(
      'Attestation enregistrée — soutien 3 / 3 ; quorum atteint : le relayeur va publier le résultat.',
    );
    expect(await text(alice, '#attest-receipt-meta')).toMatch(
      new RegExp(
        `^Reçu à \\d\\d:\\d\\d:\\d\\d pour la version 1\\. Il sera publié au premier bloc après la fin de l’événement \\(\\d\\d:\\d\\d:\\d\\d\\) : le dernier bloc de la chaîne, n° ${head.number} \\(\\d\\d:\\d\\d:\\d\\d\\), la précède ; un nœud local qui ne mine qu’avec des transactions attend la suivante \\(npm run chain:mine\\)\\.$`,
      ),
    );
    await suite.web.snap(alice, 'quorum-waits-for-a-block');
    await mine(suite.stack.world); // what `npm run chain:mine` does
    await relayReadyResults(suite.stack);
    await alice.page.locator('#oracle-section[data-phase="proposed"]').waitFor();
    expect(await alice.page.locator('#attest-receipt').isVisible()).toBe(false);
    lap('quorum on the page, a block, published');
  });

  it('alice attests 1 – 0: the receipt is dated, marked once bob co-signs elsewhere; published, the receipt goes and the form closes behind « Corriger le résultat (version 2) »', async () => {
    await visit(suite.web, alice, `/admin/results/${psg.id}`, 'result-match');
    const page = alice.page;
    expect(await page.locator('#attest-closed').isVisible()).toBe(false);
    await page.getByLabel('Buts de Paris Saint-Germain (domicile)').fill('1');
    await page.getByLabel('Buts de Olympique de Marseille (extérieur)').fill('0');
    await page.getByLabel('Fin de l’événement (heure locale)').fill(parisTime(endedAt));
    expect(await signBound(alice)).toBe('Attestation enregistrée — soutien 1 / 3 ; quorum pas encore atteint.');
    expect(await text(alice, '#attest-receipt-meta')).toMatch(/^Reçu à \d\d:\d\d:\d\d pour la version 1\.$/);
    expect(await page.locator('#attest-receipt').getAttribute('data-stale')).toBe('false');
    await page.locator('#groups-table [data-field="support"]').filter({ hasText: '1 / 3' }).waitFor();
    // The live frame of her own attestation changes nothing on the receipt.
    expect(await page.locator('#attest-receipt').getAttribute('data-stale')).toBe('false');
    await suite.web.snap(alice, 'receipt-dated');

    // Bob co-signs elsewhere (the API): the panel changes under the receipt, which says so.
    await attestThroughApi(suite.stack, psg.id, { status: 1, values: [1, 0], endedAt, version: 1 }, ['bob']);
    await page.locator('#attest-receipt[data-stale="true"]').waitFor();
    expect(await text(alice, '#attest-receipt-meta')).toMatch(
      /^Reçu à \d\d:\d\d:\d\d pour la version 1\. Depuis, le suivi a changé \(soutien actuel 2 \/ 3\) : voyez « Suivi oracle » ci-dessous\.$/,
    );
    expect(await text(alice, '#attest-result')).toBe(
      'Attestation enregistrée — soutien 1 / 3 ; quorum pas encore atteint.',
    );
    await suite.web.snap(alice, 'receipt-changed-since');

    await attestThroughApi(suite.stack, psg.id, { status: 1, values: [1, 0], endedAt, version: 1 }, ['carol']);
    await page.locator('#groups-table tr[data-ready="true"]').waitFor();
    await relayReadyResults(suite.stack);
    await page.locator('#oracle-section[data-phase="proposed"]').waitFor();
    // The chain moved on: the receipt of the attestation before is gone.
    expect(await page.locator('#attest-receipt').isVisible()).toBe(false);
    // The form (version 2, the same values) is not offered as is: one explicit action away, explained.
    expect(await page.locator('#attest-form').isVisible()).toBe(false);
    expect(await page.getByLabel('Version').isVisible()).toBe(false);
    const reopen = page.getByRole('button', { name: 'Corriger le résultat (version 2)', exact: true });
    expect(await reopen.isVisible()).toBe(true);
    expect(await reopen.getAttribute('aria-expanded')).toBe('false');
    expect(await reopen.getAttribute('aria-controls')).toBe('attest-form');
    const deadline = await text(alice, '#oracle-chain time');
    expect(await text(alice, '#attest-closed-text')).toBe(
      `La version 1 est publiée ; le délai de contestation court jusqu’au ${deadline}. Si elle est juste, il n’y a rien à signer : elle devient définitive d’elle-même. Si elle est fausse, attestez une version 2 : signée par un quorum avant la fin du délai, elle remplace la version 1, avec un nouveau délai.`,
    );
    expect(await text(alice, '#oracle-phase-help')).toMatch(/^Proposé : rien n’est payé tant que le délai court\./);
    // Version 1 is on the chain: its row no longer offers « Reprendre ce résultat ».
    expect(await page.locator('#groups-table [data-fill]').count()).toBe(0);
    await suite.web.snap(alice, 'published-form-closed');
    lap('v1 published');
  });

  it('dave, an attester, disputes version 1 on the chain: the open page shows « Contesté », when the dispute lapses and that a higher version corrects it', async () => {
    const page = alice.page;
    const dave = new Wallet(suite.stack.world.node.wallet(ATTESTERS[3]!).privateKey, suite.stack.world.node.provider);
    const tx = (await oracleContract(suite.stack.world.address, dave).getFunction('dispute')(psg.oracleEventId)) as {
      wait(): Promise<{ blockNumber: number } | null>;
    };
    const mined = (await tx.wait())!;
    const block = (await suite.stack.world.node.provider.getBlock(mined.blockNumber))!;
    const lapses = new Date((block.timestamp + DISPUTE_PERIOD) * 1000).toISOString();
    // The indexer (`npm run indexer`) records the dispute; the page follows it on the admin channel.
    await makeIndexer(suite.stack.world).tick();

    await page.locator('#oracle-section[data-phase="disputed"]').waitFor();
    expect(await text(alice, '#chain-phase')).toBe('Contesté');
    expect(await page.locator('#oracle-chain time').getAttribute('datetime')).toBe(lapses);
    expect(await text(alice, '#oracle-chain dt:has(+ dd time)')).toBe('Fin de la contestation');
    // About three days: the page counts from its own clock, and the node's block times run a few seconds
    // ahead of it when blocks are mined faster than one a second (each block is at least 1 s later).
    expect(await text(alice, '#dispute-countdown')).toMatch(/^encore (2 j 23 h \d\d|3 j 0 h 0\d) min$/);
    expect(await text(alice, '#oracle-final')).toBe('Non');
    const lapse = await text(alice, '#oracle-chain time');
    expect(await text(alice, '#oracle-phase-help')).toBe(
      `Contesté : un attestataire ou le gardien a contesté la version 1 pendant son délai ; rien n’est payé sur elle. Ensuite : une version plus haute signée par un quorum la remplace (avec un nouveau délai de contestation), ou la gouvernance tranche ; sinon la contestation tombe le ${lapse} (3 jours après) et la version 1 devient définitive telle quelle.`,
    );
    expect(await text(alice, '#attest-closed-text')).toBe(
      `La version 1 est contestée. Si elle est juste, n’attestez rien : la contestation tombe le ${lapse} et la version 1 devient définitive. Si elle est fausse, attestez une version 2 : signée par un quorum, elle remplace la version contestée, avec un nouveau délai de contestation.`,
    );
    expect(await page.getByRole('button', { name: 'Corriger le résultat (version 2)' }).isVisible()).toBe(true);
    const body = await eventJson(psg.id);
    expect(body.result).toMatchObject({ phase: 'disputed', version: 1, values: [1, 0], finalAt: lapses });
    await suite.web.snap(alice, 'disputed');
    lap('disputed');
  });

  it('alice opens the correction with the keyboard and signs 2 – 1 as version 2; bob co-signs on his page, carol elsewhere: version 2 replaces the disputed one, then is final', async () => {
    const page = alice.page;
    await page.locator('#attest-reopen').focus();
    await page.keyboard.press('Enter');
    await page.locator('#attest-form:not([hidden])').waitFor();
    // The form opens on the chain's result with the version above it; focus on its first field.
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('result-kind');
    expect(await page.getByLabel('Version').inputValue()).toBe('2');
    expect(await page.getByLabel('Buts de Paris Saint-Germain (domicile)').inputValue()).toBe('1');
    expect(await page.getByLabel('Buts de Olympique de Marseille (extérieur)').inputValue()).toBe('0');
    expect(await page.getByLabel('Fin de l’événement (heure locale)').inputValue()).toBe(parisTime(endedAt));
    expect(await page.locator('#attest-reopen').isVisible()).toBe(false);
    // Escape closes it again (nothing signed), focus back on the action.
    await page.keyboard.press('Escape');
    expect(await page.locator('#attest-form').isVisible()).toBe(false);
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('attest-reopen');
    await page.keyboard.press('Enter');
    await page.locator('#attest-form:not([hidden])').waitFor();
    // Tab reaches the bound signer's button from the status field.
    let focused = '';
    for (let i = 0; i < 20 && focused !== 'sign-bound'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate<string>('document.activeElement?.id ?? ""');
    }
    expect(focused).toBe('sign-bound');
    const unlabelled = await page.evaluate<string[]>(
      `[...document.querySelectorAll('main input, main select, main textarea')]
         .filter((i) => !i.labels || i.labels.length === 0).map((i) => i.id)`,
    );
    expect(unlabelled).toEqual([]);
    await page.getByLabel('Buts de Paris Saint-Germain (domicile)').fill('2');
    await page.getByLabel('Buts de Olympique de Marseille (extérieur)').fill('1');
    await suite.web.snap(alice, 'correction-filled');
    expect(await signBound(alice)).toBe('Attestation enregistrée — soutien 1 / 3 ; quorum pas encore atteint.');
    expect(await text(alice, '#attest-receipt-meta')).toMatch(/^Reçu à \d\d:\d\d:\d\d pour la version 2\.$/);
    await page.locator('#groups-table tr[data-version="2"]').waitFor();
    // Version 2 is being attested: the form stays open (still disputed on the chain).
    expect(await page.locator('#attest-form').isVisible()).toBe(true);

    bob = await staff('bob', psg);
    // An open round above the chain: bob's form is open on it, the same bytes to co-sign.
    expect(await bob.page.getByLabel('Version').inputValue()).toBe('2');
    expect(await bob.page.getByLabel('Buts de Paris Saint-Germain (domicile)').inputValue()).toBe('2');
    expect(await bob.page.getByLabel('Buts de Olympique de Marseille (extérieur)').inputValue()).toBe('1');
    expect(await signBound(bob)).toBe('Attestation enregistrée — soutien 2 / 3 ; quorum pas encore atteint.');
    await attestThroughApi(suite.stack, psg.id, { status: 1, values: [2, 1], endedAt, version: 2 }, ['carol']);
    for (const u of [alice, bob])
      await u.page.locator('#groups-table tr[data-version="2"][data-ready="true"]').waitFor();
    await alice.page.locator('#attest-receipt[data-stale="true"]').waitFor();
    expect(await text(alice, '#attest-receipt-meta')).toContain('Depuis, le suivi a changé (soutien actuel 3 / 3)');
    lap('v2 quorum');

    await relayReadyResults(suite.stack);
    for (const u of [alice, bob]) {
      await u.page.locator('#oracle-section[data-phase="proposed"]').waitFor();
      expect(await text(u, '#oracle-chain dd:nth-of-type(2)')).toBe('Terminé — 2 – 1 (version 2)');
      expect(await u.page.locator('#attest-receipt').isVisible()).toBe(false);
      expect(await u.page.locator('#attest-form').isVisible()).toBe(false);
      expect(await u.page.getByRole('button', { name: 'Corriger le résultat (version 3)' }).isVisible()).toBe(true);
    }
    expect((await eventJson(psg.id)).result).toMatchObject({ phase: 'proposed', version: 2, values: [2, 1] });
    await suite.web.snap(alice, 'corrected-published');

    await finalizePublishedResults(suite.stack);
    for (const u of [alice, bob]) {
      await u.page.locator('#oracle-final[data-final="true"]').waitFor();
      expect(await text(u, '#chain-phase')).toBe('Définitif');
      expect(await text(u, '#oracle-chain dd:nth-of-type(2)')).toBe('Terminé — 2 – 1 (version 2)');
      expect(await text(u, '#oracle-phase-help')).toBe(
        'Définitif : les paris sont réglés sur ce résultat ; il ne change plus.',
      );
      // Final and not Postponed: nothing more to attest, and no action offers it.
      expect(await u.page.locator('#attest-form').isVisible()).toBe(false);
      expect(await u.page.locator('#attest-reopen').isVisible()).toBe(false);
      expect(await text(u, '#attest-closed-text')).toBe(
        'La version 2 est définitive : la chaîne n’accepte plus d’autre version de ce résultat. Il n’y a plus rien à attester.',
      );
      await suite.web.snap(u, 'corrected-final');
    }
    expect((await eventJson(psg.id)).result).toMatchObject({ phase: 'final', version: 2, values: [2, 1] });
    lap('v2 final');
  });

  it('postponed: a final Postponed version 1 (bets wait), then the played score as version 2 through the page, final: the bet is paid on it', async () => {
    // A player bets on Lyon to win; betting closes; the settler runs from here on.
    const dubois = await suite.user('dubois');
    await signUpPlayer(suite.web, dubois, 'dubois', { weeklyDepositCents: 100_000, weeklyStakeCents: 50_000 });
    await deposit(suite.web, dubois, 5_000);
    const winner = lyon.markets.find((m) => m.definition.type === 'match-winner')!;
    expect(
      await placeBet(suite.web, dubois, { marketId: winner.id, selection: 'home', stakeCents: 1_000 }),
    ).toMatchObject({
      ok: true,
    });
    for (const m of lyon.markets) await suite.api.api.markets.command(m.id, 'close', { actor: 'test:web' });
    await visit(suite.web, dubois, '/account/bets', 'bets-open');
    const settler = await startSettler(suite.stack);
    try {
      await postponedThenPlayed();
      // Paid on version 2: had the Postponed settled the market (a refund), its one settlement would be that.
      await dubois.page.locator('#bets-body tr[data-state="won"]').waitFor();
    } finally {
      await settler.close();
    }
    const { rows } = await suite.stack.b.pool.query<{ result_version: number; kind: string; result_values: string[] }>(
      `select result_version, kind, result_values::text[] as result_values from betting.settlements where market_id = $1`,
      [winner.id],
    );
    expect(rows).toEqual([{ result_version: 2, kind: 'paid', result_values: ['3', '1'] }]);
    await suite.web.snap(dubois, 'bets-paid-on-v2');
    lap('postponed then played, final, paid');
  });

  async function postponedThenPlayed(): Promise<void> {
    await attestThroughApi(suite.stack, lyon.id, { status: 3, values: [], endedAt, version: 1 });
    await relayReadyResults(suite.stack);
    await finalizePublishedResults(suite.stack);
    expect((await eventJson(lyon.id)).result).toMatchObject({ phase: 'final', status: 3, version: 1 });

    await visit(suite.web, alice, `/admin/results/${lyon.id}`, 'postponed-final');
    const page = alice.page;
    expect(await text(alice, '#chain-phase')).toBe('Définitif');
    expect(await text(alice, '#oracle-chain dd:nth-of-type(2)')).toBe('Reporté (version 1)');
    expect(await text(alice, '#oracle-phase-help')).toBe(
      'Définitif, mais reporté : les paris attendent. Une version plus haute (le résultat joué, ou une annulation) remplace le report et règle les paris.',
    );
    expect(await text(alice, '#attest-closed-text')).toBe(
      'La version 1 est définitive : l’événement est reporté, les paris attendent. Quand il est joué (ou annulé), attestez la version 2 : elle remplace le report et règle les paris.',
    );
    expect(await page.locator('#attest-form').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Attester le résultat joué (version 2)', exact: true }).click();
    // The played result: Terminé, the score to fill, version 2.
    expect(await page.getByLabel('Statut').inputValue()).toBe('1');
    expect(await page.getByLabel('Version').inputValue()).toBe('2');
    expect(await page.getByLabel('Buts de Olympique Lyonnais (domicile)').inputValue()).toBe('');
    expect(await page.getByRole('button', { name: 'Refermer sans attester' }).isVisible()).toBe(true);

    // Played later; bob and carol sign elsewhere first, alice's signature makes the quorum.
    const playedEnd = Math.floor(Date.now() / 1000) - 120;
    await attestThroughApi(suite.stack, lyon.id, { status: 1, values: [3, 1], endedAt: playedEnd, version: 2 }, [
      'bob',
      'carol',
    ]);
    await page.locator('#groups-table tr[data-version="2"]').waitFor();
    // She was filling the form: the live update leaves it as she has it.
    expect(await page.getByLabel('Buts de Olympique Lyonnais (domicile)').inputValue()).toBe('');
    await page.getByLabel('Buts de Olympique Lyonnais (domicile)').fill('3');
    await page.getByLabel('Buts de RC Lens (extérieur)').fill('1');
    await page.getByLabel('Fin de l’événement (heure locale)').fill(parisTime(playedEnd));
    await suite.web.snap(alice, 'played-filled');
    expect(await signBound(alice)).toBe(
      'Attestation enregistrée — soutien 3 / 3 ; quorum atteint : le relayeur va publier le résultat.',
    );
    // When it is published: the chain already has a block dated after the end time (its clock ran ahead here).
    const meta = await text(alice, '#attest-receipt-meta');
    expect(meta).toMatch(
      /^Reçu à \d\d:\d\d:\d\d pour la version 2\. Le dernier bloc de la chaîne \(n° \d+\) est daté après la fin de l’événement : le relayeur peut le publier dès maintenant\.$/,
    );
    await suite.web.snap(alice, 'played-quorum');

    await relayReadyResults(suite.stack);
    await page.locator('#oracle-section[data-phase="proposed"]').waitFor();
    expect(await text(alice, '#oracle-chain dd:nth-of-type(2)')).toBe('Terminé — 3 – 1 (version 2)');
    await finalizePublishedResults(suite.stack);
    await page.locator('#oracle-final[data-final="true"]').waitFor();
    expect(await text(alice, '#chain-phase')).toBe('Définitif');
    expect(await text(alice, '#oracle-chain dd:nth-of-type(2)')).toBe('Terminé — 3 – 1 (version 2)');
    expect(await text(alice, '#attest-closed-text')).toBe(
      'La version 2 est définitive : la chaîne n’accepte plus d’autre version de ce résultat. Il n’y a plus rien à attester.',
    );
    expect(await page.locator('#attest-reopen').isVisible()).toBe(false);
    expect((await eventJson(lyon.id)).result).toMatchObject({ phase: 'final', status: 1, version: 2, values: [3, 1] });
    await suite.web.snap(alice, 'played-final');
  }

  it('no page logged a script error or a CSP violation; no request failed', () => {
    suite.expectNoErrors(['401 GET /auth/me']);
  });
});
