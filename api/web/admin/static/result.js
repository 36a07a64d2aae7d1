// Attest an event's result (/admin/results/:eventId) and follow it to final.
// - the event: GET /events/{id}; the admin and their bound signer: GET /admin/me (requireStaff);
// - the outcome form follows the event's schema (football.match/v1: home and away goals;
//   horse-racing.race/v1: one finishing position per runner, 0 = non-runner or DNF);
// - three ways to sign: the bound signer instance (POST …/attestations/sign-with-bound-signer), the
//   EIP-712 typed data (POST …/attestations/payload) signed elsewhere and pasted (POST …/attestations),
//   or the browser's wallet (window.ethereum, eth_signTypedData_v4);
// - the oracle panel: GET /admin/events/{id}/oracle, then the `admin` live channel (oracle.event), with
//   what the chain phase means and what comes next (a dispute lapses, a higher version corrects);
// - once a version is on the chain (and no higher one is being attested) the form is closed behind
//   "Corriger le résultat (version n+1)" (none once final, except a final Postponed: "Attester le
//   résultat joué"); a receipt is dated, marked when the panel changed since, cleared when the chain moves.
import { ApiProblem, announce, api, clearProblem, formatDate, h, live, showProblem, whenReady } from '/static/app.js';
import { requireStaff } from '/static/admin/staff.js';

const eventId = decodeURIComponent(location.pathname.split('/').filter(Boolean)[2] ?? '');
const base = `/admin/events/${encodeURIComponent(eventId)}`;
const $ = (id) => document.getElementById(id);

const STATUS = { 1: 'Terminé', 2: 'Annulé', 3: 'Reporté', 4: 'Interrompu', 5: 'Nul et non avenu (void)' };
const SCHEMAS = { 'football.match/v1': 'Football (score)', 'horse-racing.race/v1': 'Course hippique (arrivée)' };
const PHASES = {
  none: 'Rien de publié',
  proposed: 'Proposé : délai de contestation en cours',
  disputed: 'Contesté',
  final: 'Définitif',
};
const PUBLICATION_KINDS = { propose: 'Proposition', batch: 'Lot (racine Merkle)' };
const PUBLICATION_STATES = {
  pending: 'en attente',
  awaiting_signatures: 'en attente de signatures',
  awaiting_root: 'en attente de la racine',
  sent: 'envoyée',
  mined: 'minée',
  confirmed: 'confirmée',
  already_published: 'déjà publiée',
  superseded: 'remplacée',
  conflict: 'en conflit',
  expired: 'expirée',
  failed: 'échec',
};
const TRANSACTION_STATES = {
  signed: 'signée',
  broadcast: 'diffusée',
  mined: 'minée',
  reverted: 'annulée (revert)',
  replaced: 'remplacée',
  dropped: 'abandonnée',
  cancelled: 'annulée',
};
const ACTIONS = {
  created: 'enregistrée',
  replaced: 'remplace votre attestation précédente',
  unchanged: 'déjà enregistrée',
};

let event = null;
let me = null;
let oracle = null;
/** The admin changed the form: live updates no longer fill it. */
let touched = false;
/** The outcome and signing window of the typed data shown for signing elsewhere. */
let pending = null;
/** The admin opened the form to attest the version above the one on the chain. */
let correcting = false;
/** The receipt on screen: its payload (version, outcome key), support and conflict, and the chain it was given on. */
let shown = null;

const POSTPONED = 3;
const timeOfDay = new Intl.DateTimeFormat('fr-FR', { timeStyle: 'medium' });
/** The chain's state a receipt or a correction belongs to: phase and version. */
const chainKey = (status) => `${status?.chain?.phase ?? 'none'}:${status?.chain?.version ?? 0}`;

// ---------------------------------------------------------------------------------------------
// The event and its outcome schema

function teams(name) {
  const parts = String(name ?? '').split(/\s+(?:v|vs|–|-)\s+/);
  return parts.length === 2 ? parts : ['l’équipe à domicile', 'l’équipe à l’extérieur'];
}

function renderEvent() {
  const facts = [
    ['Nom', event.name],
    ['Schéma du résultat', `${SCHEMAS[event.schema] ?? event.schema} — ${event.schema}`],
    ['Début', formatDate(event.startsAt)],
    ['Identifiant oracle', h('code', { class: 'hash' }, event.oracleEventId)],
  ];
  if (event.runners) facts.splice(2, 0, ['Partants', String(event.runners)]);
  $('event-facts').replaceChildren(...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
  $('event-section').hidden = false;
  document.title = `Résultat — ${event.name} · Verdict`;

  if (event.schema === 'football.match/v1') {
    const [home, away] = teams(event.name);
    $('home-goals-label').textContent = `Buts de ${home} (domicile)`;
    $('away-goals-label').textContent = `Buts de ${away} (extérieur)`;
  } else if (event.schema === 'horse-racing.race/v1') {
    const inputs = [];
    for (let i = 1; i <= (event.runners ?? 0); i++) {
      inputs.push(
        h(
          'p',
          {},
          h('label', { for: `runner-${i}` }, `Partant n° ${i}`),
          h('input', {
            id: `runner-${i}`,
            name: `runner-${i}`,
            type: 'number',
            min: '0',
            max: String(event.runners),
            step: '1',
            inputmode: 'numeric',
            autocomplete: 'off',
            required: true,
            dataset: { runner: String(i) },
          }),
        ),
      );
    }
    $('race-runners').replaceChildren(...inputs);
  }
  showValueFields();
}

function showValueFields() {
  const completed = $('result-kind').value === '1';
  $('values-football').hidden = !(completed && event?.schema === 'football.match/v1');
  $('values-race').hidden = !(completed && event?.schema === 'horse-racing.race/v1');
}

// ---------------------------------------------------------------------------------------------
// The form: defaults, reading, validation

const pad = (n) => String(n).padStart(2, '0');
/** Unix seconds as a datetime-local value (the browser's time zone). */
function localValue(seconds) {
  const d = new Date(Number(seconds) * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The version to attest: the open round (attested, not yet on chain), else the next after the chain's. */
function defaultVersion(status) {
  const onChain = status?.chain?.version ?? 0;
  const attested = Math.max(0, ...(status?.attestations?.groups ?? []).map((g) => g.version));
  return attested > onChain ? attested : onChain + 1;
}

function setValues(values) {
  if (event.schema === 'football.match/v1') {
    $('home-goals').value = values[0] ?? '';
    $('away-goals').value = values[1] ?? '';
  } else {
    for (const input of $('race-runners').querySelectorAll('input[data-runner]')) {
      input.value = values[Number(input.dataset.runner) - 1] ?? '';
    }
  }
}

/** Fills the form with a signed payload (`result` of a group), so that the admin signs the same bytes. */
function fillFrom(result) {
  $('result-kind').value = String(result.status);
  setValues(result.values ?? []);
  $('result-version').value = String(result.version);
  $('result-ended').value = localValue(result.endedAt);
  showValueFields();
}

/** Defaults from what exists: the best-supported payload of the open version, else an empty result. */
function fillDefaults() {
  if (touched || !event) return;
  const version = defaultVersion(oracle);
  const groups = (oracle?.attestations?.groups ?? []).filter((g) => g.version === version);
  groups.sort((a, b) => b.attesters.length - a.attesters.length);
  if (groups[0]) {
    fillFrom(groups[0].result);
  } else {
    $('result-version').value = String(version);
    if (!$('result-ended').value) {
      // The usual end (match: 1 h 45 after kick-off; race: 5 min), or now when that is still ahead.
      const start = Date.parse(event.startsAt) / 1000;
      const usual = start + (event.schema === 'football.match/v1' ? 105 * 60 : 5 * 60);
      $('result-ended').value = localValue(Math.min(usual, Math.floor(Date.now() / 1000)));
    }
  }
  const onChain = oracle?.chain;
  $('result-version-help').textContent = onChain
    ? `La version ${onChain.version} est sur la chaîne (${PHASES[onChain.phase] ?? onChain.phase}) ; une version plus haute la remplace (par exemple le résultat joué d’un match reporté).`
    : 'Version 1 pour le premier résultat de l’événement.';
}

/**
 * What the form offers for what is on the chain: `open` (nothing published, a higher version being
 * attested, or the admin opened a correction), `closed` (a version is on the chain: a correction is one
 * explicit action away) or `final` (final and not Postponed: the chain takes no other version).
 */
function formMode(status) {
  const chain = status?.chain;
  if (!chain) return 'open';
  if (chain.phase === 'final' && Number(chain.status) !== POSTPONED) return 'final';
  if ((status.attestations?.groups ?? []).some((g) => g.version > chain.version)) return 'open';
  return correcting ? 'open' : 'closed';
}

const deadlineText = (chain) => (chain.finalAt ? formatDate(chain.finalAt) : '—');

/** Why the form is closed (or what a correction does), in the notice above it. */
function closedText(chain) {
  const v = chain.version;
  if (chain.phase === 'final' && Number(chain.status) !== POSTPONED)
    return `La version ${v} est définitive : la chaîne n’accepte plus d’autre version de ce résultat. Il n’y a plus rien à attester.`;
  if (chain.phase === 'final')
    return `La version ${v} est définitive : l’événement est reporté, les paris attendent. Quand il est joué (ou annulé), attestez la version ${v + 1} : elle remplace le report et règle les paris.`;
  if (chain.phase === 'disputed')
    return `La version ${v} est contestée. Si elle est juste, n’attestez rien : la contestation tombe le ${deadlineText(chain)} et la version ${v} devient définitive. Si elle est fausse, attestez une version ${v + 1} : signée par un quorum, elle remplace la version contestée, avec un nouveau délai de contestation.`;
  return `La version ${v} est publiée ; le délai de contestation court jusqu’au ${deadlineText(chain)}. Si elle est juste, il n’y a rien à signer : elle devient définitive d’elle-même. Si elle est fausse, attestez une version ${v + 1} : signée par un quorum avant la fin du délai, elle remplace la version ${v}, avec un nouveau délai.`;
}

function renderForm(status) {
  const chain = status?.chain;
  const mode = formMode(status);
  const open = mode === 'open';
  $('attest-form').hidden = !open;
  if (!open) {
    $('payload-section').hidden = true;
    pending = null;
  }
  const explained = Boolean(chain) && (mode !== 'open' || correcting);
  $('attest-closed').hidden = !explained;
  $('attest-closed').dataset.mode = mode;
  if (explained) $('attest-closed-text').textContent = closedText(chain);
  const reopen = $('attest-reopen');
  reopen.hidden = mode !== 'closed';
  reopen.setAttribute('aria-expanded', 'false');
  if (chain) {
    reopen.textContent =
      chain.phase === 'final'
        ? `Attester le résultat joué (version ${chain.version + 1})`
        : `Corriger le résultat (version ${chain.version + 1})`;
  }
  $('attest-collapse').hidden = !(open && correcting);
}

/** "Corriger le résultat": the form opens on the chain's result (the played score to fill after a Postponed), version n+1. */
function openCorrection() {
  const chain = oracle?.chain;
  if (!chain) return;
  correcting = true;
  const signed = (oracle.attestations?.groups ?? [])
    .filter((g) => g.version === chain.version)
    .sort((a, b) => b.signatures - a.signatures)[0];
  const postponed = Number(chain.status) === POSTPONED;
  $('result-kind').value = postponed ? '1' : String(chain.status);
  setValues(postponed ? [] : (chain.values ?? []));
  $('result-version').value = String(chain.version + 1);
  if (signed) $('result-ended').value = localValue(signed.result.endedAt);
  showValueFields();
  touched = true; // the admin's correction: live updates leave it alone
  clearReceipt();
  renderForm(oracle);
  $('result-kind').focus();
}

function closeCorrection() {
  correcting = false;
  touched = false;
  clearProblem($('attest-problem'));
  clearInvalid();
  renderForm(oracle);
  fillDefaults();
  $('attest-reopen').focus();
}

class FormError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

function integer(input, label, max) {
  const text = input.value.trim();
  const value = Number(text);
  if (text === '' || !Number.isInteger(value) || value < 0 || (max !== undefined && value > max)) {
    throw new FormError(
      input,
      `${label} : un nombre entier${max !== undefined ? ` de 0 à ${max}` : ' positif ou nul'}.`,
    );
  }
  return value;
}

/** The outcome body of the form. @throws {FormError} naming the field at fault */
function readOutcome() {
  const status = Number($('result-kind').value);
  let values = [];
  if (status === 1 && event.schema === 'football.match/v1') {
    values = [
      integer($('home-goals'), $('home-goals-label').textContent),
      integer($('away-goals'), $('away-goals-label').textContent),
    ];
  } else if (status === 1) {
    values = [...$('race-runners').querySelectorAll('input[data-runner]')].map((input) =>
      integer(input, `Partant n° ${input.dataset.runner}`, event.runners),
    );
    if (!values.some((v) => v === 1))
      throw new FormError($('runner-1'), 'Une arrivée a au moins un premier (place 1).');
  }
  const version = integer($('result-version'), 'Version');
  if (version < 1) throw new FormError($('result-version'), 'Version : 1 ou plus.');
  const ended = Date.parse($('result-ended').value);
  if (Number.isNaN(ended)) throw new FormError($('result-ended'), 'Fin de l’événement : une date et une heure.');
  const endedAt = Math.floor(ended / 1000);
  if (endedAt > Math.floor(Date.now() / 1000) + 60) {
    throw new FormError(
      $('result-ended'),
      'Fin de l’événement : elle est dans le futur ; on n’atteste qu’un résultat acquis.',
    );
  }
  return { status, values, endedAt, version };
}

function clearInvalid() {
  for (const input of $('attest-form').querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

// ---------------------------------------------------------------------------------------------
// Signing and submitting

function receiptText(receipt) {
  const quorum = receipt.ready
    ? 'quorum atteint : le relayeur va publier le résultat.'
    : receipt.conflict
      ? 'conflit : d’autres attestataires ont signé un résultat différent pour cette version.'
      : 'quorum pas encore atteint.';
  return `Attestation ${ACTIONS[receipt.action] ?? receipt.action} — soutien ${receipt.support} / ${receipt.threshold} ; ${quorum}`;
}

async function busy(task) {
  document.body.dataset.busy = 'true';
  try {
    await task();
  } finally {
    document.body.dataset.busy = 'false';
  }
}

/**
 * After a ready receipt: when the relayer publishes. It waits for a block dated from the end time on; the
 * panel's `chainHead` (the chain's latest block) says whether there is one yet.
 */
function publicationNote(endedAt) {
  const end = new Date(Number(endedAt) * 1000);
  const head = oracle?.chainHead;
  if (!head) {
    return ` Le relayeur le publie dès que la chaîne a un bloc daté de la fin de l’événement (${formatDate(end.toISOString())}) ou après : un nœud local qui ne mine qu’avec des transactions le fait attendre jusqu’au bloc suivant (npm run chain:mine).`;
  }
  if (Number(head.timestamp) < Number(endedAt)) {
    return ` Il sera publié au premier bloc après la fin de l’événement (${timeOfDay.format(end)}) : le dernier bloc de la chaîne, n° ${head.number} (${timeOfDay.format(new Date(head.at))}), la précède ; un nœud local qui ne mine qu’avec des transactions attend la suivante (npm run chain:mine).`;
  }
  return ` Le dernier bloc de la chaîne (n° ${head.number}) est daté après la fin de l’événement : le relayeur peut le publier dès maintenant.`;
}

function receiptMeta() {
  const meta = $('attest-receipt-meta');
  const when = `Reçu à ${timeOfDay.format(shown.at)} pour la version ${shown.version}.`;
  if (!shown.stale) {
    meta.textContent = when + (shown.ready ? publicationNote(shown.endedAt) : '');
    return;
  }
  const g = shown.stale.group;
  const now = g
    ? `soutien actuel ${g.signatures} / ${g.threshold}${shown.stale.conflict ? ', conflit' : ''}`
    : 'cette attestation n’y figure plus';
  meta.textContent = `${when} Depuis, le suivi a changé (${now}) : voyez « Suivi oracle » ci-dessous.`;
}

function clearReceipt() {
  shown = null;
  $('attest-receipt').hidden = true;
  $('attest-result').hidden = true;
}

/** The panel changed: a receipt of another chain state goes; one whose support or conflict moved is marked. */
function followReceipt(status) {
  if (!shown) return;
  if (chainKey(status) !== shown.chain) {
    clearReceipt();
    return;
  }
  const group = (status.attestations?.groups ?? []).find((g) => g.outcomeKey === shown.outcomeKey);
  const conflict = (status.attestations?.conflicts ?? []).some((c) => c.version === shown.version);
  if (shown.stale || !group || group.signatures > shown.support || conflict !== shown.conflict) {
    shown.stale = { group, conflict };
    $('attest-receipt').dataset.stale = 'true';
  }
  // (A lower support is a read from before this submission: live frames cross answers.) The chain's
  // head may have moved: the publication note is read again.
  receiptMeta();
}

function submitted(receipt, outcome) {
  const result = $('attest-result');
  result.textContent = receiptText(receipt);
  result.dataset.action = receipt.action;
  result.hidden = false;
  shown = {
    at: new Date(),
    version: Number(receipt.result?.version ?? outcome.version),
    endedAt: receipt.result?.endedAt ?? outcome.endedAt,
    outcomeKey: receipt.outcomeKey,
    support: receipt.support,
    conflict: receipt.conflict,
    ready: receipt.ready,
    chain: chainKey(oracle),
    stale: null,
  };
  $('attest-receipt').dataset.stale = 'false';
  receiptMeta();
  $('attest-receipt').hidden = false;
  touched = false;
  announce(result.textContent);
  // Without a live connection, read the panel again (with one, the admin channel brings it).
  void live().then((connection) => (connection ? undefined : refreshOracle()));
}

async function typedDataFor(outcome) {
  const { result, typedData } = await api(`${base}/attestations/payload`, { method: 'POST', body: outcome });
  return {
    typedData,
    window: { notBefore: String(result.notBefore), deadline: String(result.deadline), epoch: result.epoch },
  };
}

async function withWallet(outcome) {
  const { typedData, window: signedWindow } = await typedDataFor(outcome);
  let signature;
  try {
    const [account] = await window.ethereum.request({ method: 'eth_requestAccounts' });
    // Wallets compare the domain's chain id with their network's: as a number (chain ids fit).
    const request = { ...typedData, domain: { ...typedData.domain, chainId: Number(typedData.domain.chainId) } };
    signature = await window.ethereum.request({
      method: 'eth_signTypedData_v4',
      params: [account, JSON.stringify(request)],
    });
  } catch (error) {
    throw new ApiProblem(0, {
      code: 'WALLET_REFUSED',
      detail: error?.message ? String(error.message) : 'Le portefeuille n’a pas signé.',
    });
  }
  return api(`${base}/attestations`, { method: 'POST', body: { ...outcome, signature, signedWindow } });
}

async function onAttest(e) {
  e.preventDefault();
  const problem = $('attest-problem');
  clearProblem(problem);
  clearInvalid();
  clearReceipt();
  const button =
    e.submitter && !e.submitter.hidden ? e.submitter : me?.boundSigner ? $('sign-bound') : $('prepare-payload');
  const action = button.dataset.action;
  let outcome;
  try {
    outcome = readOutcome();
  } catch (error) {
    if (!(error instanceof FormError)) throw error;
    error.field?.setAttribute('aria-invalid', 'true');
    showProblem(problem, new ApiProblem(0, { code: 'FORM_INVALID', detail: error.message }));
    error.field?.focus();
    return;
  }
  await busy(async () => {
    try {
      if (action === 'bound') {
        submitted(await api(`${base}/attestations/sign-with-bound-signer`, { method: 'POST', body: outcome }), outcome);
      } else if (action === 'wallet') {
        submitted(await withWallet(outcome), outcome);
      } else {
        const { typedData, window: signedWindow } = await typedDataFor(outcome);
        pending = { outcome, signedWindow };
        $('payload-json').value = JSON.stringify(typedData, null, 2);
        clearProblem($('signature-problem'));
        $('signature-input').value = '';
        $('payload-section').hidden = false;
        $('signature-input').focus();
      }
    } catch (error) {
      showProblem(problem, error);
    }
  });
}

async function onSignature(e) {
  e.preventDefault();
  const problem = $('signature-problem');
  clearProblem(problem);
  clearReceipt();
  const input = $('signature-input');
  input.removeAttribute('aria-invalid');
  const signature = input.value.trim();
  if (!/^0x[0-9a-fA-F]{2,4096}$/.test(signature)) {
    input.setAttribute('aria-invalid', 'true');
    showProblem(
      problem,
      new ApiProblem(0, { code: 'FORM_INVALID', detail: 'Signature : 0x suivi de chiffres hexadécimaux.' }),
    );
    input.focus();
    return;
  }
  await busy(async () => {
    try {
      const receipt = await api(`${base}/attestations`, {
        method: 'POST',
        body: { ...pending.outcome, signature, signedWindow: pending.signedWindow },
      });
      const { outcome } = pending;
      $('payload-section').hidden = true;
      pending = null;
      submitted(receipt, outcome);
    } catch (error) {
      showProblem(problem, error);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The oracle panel

const short = (address) => `${address.slice(0, 6)}…${address.slice(-4)}`;
const same = (a, b) => String(a).toLowerCase() === String(b).toLowerCase();

function valuesText(status, values) {
  if (Number(status) !== 1) return STATUS[status] ?? `statut ${status}`;
  if (event?.schema === 'horse-racing.race/v1') {
    const order = values
      .map((place, i) => ({ place, runner: i + 1 }))
      .filter((r) => r.place > 0)
      .sort((a, b) => a.place - b.place)
      .map((r) => `${r.place}. n° ${r.runner}`);
    const out = values.map((p, i) => (p === 0 ? `n° ${i + 1}` : null)).filter(Boolean);
    return `Terminé — ${order.join(', ')}${out.length ? ` ; non classés : ${out.join(', ')}` : ''}`;
  }
  return `Terminé — ${values.join(' – ')}`;
}

/** Admins behind attester addresses (from the stored attestations), e.g. "alice (0x1234…abcd)". */
function attesterLabel(address) {
  const a = (oracle?.attestations?.attestations ?? []).find((x) => same(x.attester, address));
  return h(
    'span',
    { class: 'attester', title: address },
    a ? `${a.adminId} ` : '',
    h('code', {}, `(${short(address)})`),
  );
}

function attesterList(addresses) {
  if (!addresses.length) return '—';
  return h('ul', { class: 'plain-list' }, ...addresses.map((address) => h('li', {}, attesterLabel(address))));
}

function renderChain(status) {
  const chain = status.chain;
  const phase = chain?.phase ?? 'none';
  const section = $('oracle-section');
  section.dataset.phase = phase;
  section.dataset.final = status.final ? 'true' : 'false';
  const facts = [
    ['Phase sur la chaîne', h('strong', { id: 'chain-phase', dataset: { phase } }, PHASES[phase] ?? phase)],
  ];
  if (chain) {
    facts.push(['Résultat publié', `${valuesText(chain.status, chain.values ?? [])} (version ${chain.version})`]);
    if (chain.transaction?.hash) {
      facts.push([
        'Transaction',
        h(
          'span',
          {},
          h(
            'code',
            { class: 'hash', id: 'chain-tx', dataset: { txHash: chain.transaction.hash } },
            chain.transaction.hash,
          ),
          chain.transaction.blockNumber === null ? '' : ` — bloc ${chain.transaction.blockNumber}`,
        ),
      ]);
    }
    if (chain.finalAt && phase !== 'final') {
      facts.push([
        phase === 'disputed' ? 'Fin de la contestation' : 'Fin du délai de contestation',
        h(
          'span',
          {},
          h('time', { datetime: chain.finalAt }, formatDate(chain.finalAt)),
          ' — ',
          h('span', { id: 'dispute-countdown', role: 'timer', dataset: { until: chain.finalAt } }),
        ),
      ]);
    }
  }
  facts.push([
    'Définitif',
    h(
      'strong',
      { id: 'oracle-final', dataset: { final: status.final ? 'true' : 'false' } },
      status.final ? 'Oui' : 'Non',
    ),
  ]);
  $('oracle-chain').replaceChildren(...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
  const help = $('oracle-phase-help');
  help.textContent = chain ? phaseHelp(chain) : '';
  help.hidden = !chain;
  help.dataset.phase = phase;
  tick();
}

/** What the chain phase means and what happens next (docs/contracts.md, "Lifecycle of a result"). */
function phaseHelp(chain) {
  const v = chain.version;
  if (chain.phase === 'disputed')
    return `Contesté : un attestataire ou le gardien a contesté la version ${v} pendant son délai ; rien n’est payé sur elle. Ensuite : une version plus haute signée par un quorum la remplace (avec un nouveau délai de contestation), ou la gouvernance tranche ; sinon la contestation tombe le ${deadlineText(chain)} (3 jours après) et la version ${v} devient définitive telle quelle.`;
  if (chain.phase === 'proposed')
    return `Proposé : rien n’est payé tant que le délai court. Sans contestation d’ici le ${deadlineText(chain)}, la version ${v} devient définitive sans autre transaction ; un attestataire ou le gardien peut la contester d’ici là, et une version plus haute signée par un quorum la remplace.`;
  if (Number(chain.status) === POSTPONED)
    return 'Définitif, mais reporté : les paris attendent. Une version plus haute (le résultat joué, ou une annulation) remplace le report et règle les paris.';
  return 'Définitif : les paris sont réglés sur ce résultat ; il ne change plus.';
}

/** The dispute window's countdown (chain deadline against this computer's clock). */
function tick() {
  const node = $('dispute-countdown');
  if (!node) return;
  const left = Math.ceil((Date.parse(node.dataset.until) - Date.now()) / 1000);
  if (left <= 0) {
    node.textContent = 'délai écoulé : le résultat devient définitif dès la lecture suivante de la chaîne';
    return;
  }
  if (left >= 3600) {
    // A dispute holds for days: days, hours and minutes.
    const days = Math.floor(left / 86_400);
    const hours = Math.floor((left % 86_400) / 3600);
    const mins = Math.floor((left % 3600) / 60);
    node.textContent = `encore ${days > 0 ? `${days} j ` : ''}${hours} h ${pad(mins)} min`;
    return;
  }
  const minutes = Math.floor(left / 60);
  const seconds = left % 60;
  node.textContent = `encore ${minutes > 0 ? `${minutes} min ` : ''}${pad(seconds)} s`;
}
setInterval(tick, 1000);

function renderGroups(status) {
  const att = status.attestations ?? { groups: [], conflicts: [] };
  const conflicted = new Set((att.conflicts ?? []).map((c) => c.version));
  const groups = [...(att.groups ?? [])].sort(
    (a, b) => b.version - a.version || b.attesters.length - a.attesters.length,
  );
  if (!groups.length) {
    $('oracle-groups').replaceChildren(
      h('p', { class: 'muted', id: 'groups-empty' }, 'Personne n’a encore attesté ce résultat.'),
    );
    return;
  }
  const onChain = status.chain?.version ?? 0;
  const rows = groups.map((g) => {
    const reached = g.signatures >= g.threshold;
    const quorum = reached
      ? conflicted.has(g.version)
        ? 'Atteint, mais bloqué par un conflit'
        : g.expired
          ? 'Atteint, mais fenêtre de signature expirée'
          : 'Quorum atteint'
      : `Pas encore (${g.threshold - g.signatures} de plus)`;
    return h(
      'tr',
      {
        dataset: {
          outcomeKey: g.outcomeKey,
          version: String(g.version),
          support: String(g.signatures),
          ready: g.ready ? 'true' : 'false',
        },
      },
      h('td', { class: 'num' }, String(g.version)),
      h('td', { dataset: { field: 'result' } }, valuesText(g.result.status, g.result.values ?? [])),
      h('td', {}, formatDate(new Date(Number(g.result.endedAt) * 1000).toISOString())),
      h('td', {}, attesterList(g.attesters)),
      h('td', { class: 'num', dataset: { field: 'support' } }, `${g.signatures} / ${g.threshold}`),
      h('td', { dataset: { field: 'quorum', reached: reached ? 'true' : 'false' } }, quorum),
      h(
        'td',
        {},
        // A version at or below the chain's is done: nothing to take back into the form.
        g.version <= onChain
          ? '—'
          : h(
              'button',
              {
                type: 'button',
                class: 'secondary small',
                dataset: { fill: g.outcomeKey },
                onclick: () => {
                  fillFrom(g.result);
                  touched = true;
                  $('result-kind').focus();
                },
              },
              'Reprendre ce résultat',
              h(
                'span',
                { class: 'visually-hidden' },
                ` (version ${g.version}, ${valuesText(g.result.status, g.result.values ?? [])})`,
              ),
            ),
      ),
    );
  });
  $('oracle-groups').replaceChildren(
    h(
      'div',
      { class: 'table-scroll', role: 'region', tabindex: '0', 'aria-labelledby': 'groups-title' },
      h(
        'table',
        { id: 'groups-table' },
        h(
          'caption',
          {},
          `Résultats signés, par version (quorum : ${att.threshold ?? groups[0].threshold} attestataires sur l’époque ${att.epoch ?? '—'})`,
        ),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Version', 'Résultat', 'Fin', 'Attestataires', 'Soutien', 'Quorum', 'Action'].map((t) =>
              h('th', { scope: 'col', class: t === 'Version' || t === 'Soutien' ? 'num' : null }, t),
            ),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}

function renderConflicts(status) {
  const conflicts = status.attestations?.conflicts ?? [];
  const history = (status.attestations?.conflictHistory ?? []).filter((c) => c.resolvedAt);
  const nodes = conflicts.map((c) => {
    const letters = c.payloads.map((_, i) => String.fromCharCode(65 + i));
    return h(
      'div',
      { class: 'conflict table-scroll', dataset: { version: String(c.version) } },
      h(
        'table',
        { class: 'conflict-table' },
        h(
          'caption',
          {},
          `Version ${c.version} : ${c.payloads.length} résultats différents signés — rien n’est publié tant que le conflit dure`,
          c.openedAt ? ` (depuis ${formatDate(c.openedAt)})` : '',
        ),
        h('thead', {}, h('tr', {}, h('td', {}), ...letters.map((l) => h('th', { scope: 'col' }, `Résultat ${l}`)))),
        h(
          'tbody',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, 'Résultat'),
            ...c.payloads.map((p) =>
              h('td', { dataset: { outcomeKey: p.outcomeKey } }, valuesText(p.status, p.values ?? [])),
            ),
          ),
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, 'Fin'),
            ...c.payloads.map((p) => h('td', {}, formatDate(new Date(Number(p.endedAt) * 1000).toISOString()))),
          ),
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, 'Attestataires'),
            ...c.payloads.map((p) => h('td', {}, attesterList(p.attesters))),
          ),
        ),
      ),
      h(
        'p',
        { class: 'small muted' },
        'Pour le lever : un attestataire signe à nouveau l’autre résultat (il remplace sa signature), ou retire la sienne.',
      ),
    );
  });
  if (!nodes.length) nodes.push(h('p', { class: 'muted', id: 'conflicts-none' }, 'Aucun conflit en cours.'));
  if (history.length) {
    nodes.push(
      h(
        'p',
        { class: 'small muted', id: 'conflicts-resolved' },
        `Conflits levés : ${history.map((c) => `version ${c.version} le ${formatDate(c.resolvedAt)}`).join(' ; ')}.`,
      ),
    );
  }
  $('oracle-conflicts').replaceChildren(...nodes);
}

function renderPublications(status) {
  const publications = status.publications ?? [];
  if (!publications.length) {
    $('oracle-publications').replaceChildren(
      h('p', { class: 'muted', id: 'publications-none' }, 'Le relayeur n’a encore rien publié pour cet événement.'),
    );
    return;
  }
  const rows = publications.map((p) =>
    h(
      'tr',
      { dataset: { publication: String(p.id), state: p.state } },
      h('td', {}, PUBLICATION_KINDS[p.kind] ?? p.kind),
      h(
        'td',
        { dataset: { field: 'state' } },
        PUBLICATION_STATES[p.state] ?? p.state,
        p.errorCode ? h('br') : '',
        p.errorCode ? h('code', {}, p.errorCode) : '',
      ),
      h(
        'td',
        {},
        p.transactions?.length
          ? h(
              'ul',
              { class: 'plain-list' },
              ...p.transactions.map((t) =>
                h(
                  'li',
                  {},
                  h('code', { class: 'hash', dataset: { txHash: t.txHash } }, t.txHash),
                  ` — ${TRANSACTION_STATES[t.state] ?? t.state}`,
                ),
              ),
            )
          : '—',
      ),
      h(
        'td',
        { class: 'num', dataset: { field: 'block' } },
        p.blockNumber === null || p.blockNumber === undefined ? '—' : String(p.blockNumber),
      ),
      h('td', {}, formatDate(p.createdAt)),
    ),
  );
  $('oracle-publications').replaceChildren(
    h(
      'div',
      { class: 'table-scroll', role: 'region', tabindex: '0', 'aria-labelledby': 'publications-title' },
      h(
        'table',
        { id: 'publications-table' },
        h('caption', {}, 'Publications du relayeur (transactions et leur état)'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Type', 'État', 'Transactions', 'Bloc', 'Créée le'].map((t) =>
              h('th', { scope: 'col', class: t === 'Bloc' ? 'num' : null }, t),
            ),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}

function renderOracle(status) {
  const before = oracle;
  oracle = status;
  if (before && chainKey(before) !== chainKey(status)) {
    // The chain moved on (published, disputed, corrected, final): a correction in progress ends.
    correcting = false;
    touched = false;
  }
  renderChain(status);
  renderGroups(status);
  renderConflicts(status);
  renderPublications(status);
  $('oracle-section').hidden = false;
  fillDefaults();
  renderForm(status);
  followReceipt(status);
  if (!before) return;
  const reached = (s) => (s?.attestations?.groups ?? []).some((g) => g.ready);
  if (status.final && !before.final) announce('Le résultat est définitif.');
  else if ((status.chain?.phase ?? 'none') !== (before.chain?.phase ?? 'none'))
    announce(`Chaîne : ${PHASES[status.chain?.phase] ?? ''}`);
  else if (reached(status) && !reached(before)) announce('Quorum atteint.');
  else if ((status.attestations?.conflicts ?? []).length > (before.attestations?.conflicts ?? []).length)
    announce('Conflit : deux résultats différents ont été signés.');
}

async function refreshOracle() {
  try {
    renderOracle(await api(`${base}/oracle`));
  } catch (error) {
    showProblem($('problem'), error);
  }
}

async function follow() {
  const connection = await live();
  if (!connection) {
    $('oracle-live').textContent = 'Suivi en direct indisponible : rechargez la page pour voir les changements.';
    return;
  }
  connection.subscribe(
    'admin',
    (data) => {
      if (data?.kind === 'oracle.event' && String(data.eventId) === eventId) renderOracle(data);
      else if (data?.kind === 'oracle.events') {
        const mine = (data.events ?? []).find((x) => String(x.eventId) === eventId);
        if (mine) renderOracle(mine);
      }
    },
    (code) => {
      $('oracle-live').textContent = `Suivi en direct interrompu (${code}) : rechargez la page.`;
      document.body.dataset.liveAdmin = 'off';
    },
  );
  $('oracle-live').textContent =
    'Suivi en direct : attestations, publication et finalité s’affichent ici sans recharger la page.';
  document.body.dataset.liveAdmin = 'on';
}

// ---------------------------------------------------------------------------------------------

async function start() {
  me = await requireStaff();
  if (!me) {
    $('result-status').hidden = true;
    return;
  }
  try {
    event = await api(`/events/${encodeURIComponent(eventId)}`);
  } catch (error) {
    $('result-status').hidden = true;
    showProblem($('problem'), error);
    return;
  }
  renderEvent();
  $('attester-info').replaceChildren(
    ...(me.attester
      ? [
          `Vous attestez en tant que ${me.adminId}, avec la clé `,
          h('code', { class: 'hash' }, me.attester),
          me.boundSigner
            ? ' (un signataire la détient pour vous).'
            : ' (aucun signataire ne la détient ici : signez avec votre portefeuille ou ailleurs).',
        ]
      : [
          `Aucune clé d’attestataire n’est attribuée à ${me.adminId} : vous pouvez suivre ce résultat, pas l’attester.`,
        ]),
  );
  $('sign-bound').hidden = !me.boundSigner;
  $('sign-wallet').hidden = typeof window.ethereum?.request !== 'function';
  $('attest-section').hidden = false;
  $('result-kind').addEventListener('change', showValueFields);
  $('attest-form').addEventListener('input', () => (touched = true));
  $('attest-form').addEventListener('submit', (e) => void onAttest(e));
  $('signature-form').addEventListener('submit', (e) => void onSignature(e));
  $('attest-reopen').addEventListener('click', openCorrection);
  $('attest-collapse').addEventListener('click', closeCorrection);
  $('attest-form').addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && correcting) closeCorrection();
  });
  await refreshOracle();
  fillDefaults();
  $('result-status').hidden = true;
  await follow();
}

whenReady(start());
