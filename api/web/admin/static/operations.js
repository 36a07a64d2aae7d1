// Operations: GET /admin/ops every 2 s while the page is visible (not the admin live channel: the
// figures are aggregates over every bet, cheaper read on demand than pushed on each change; see
// docs/api.md, "Staff pages"). Health is written in words, its colour only repeats it.
import { ApiProblem, api, clearProblem, formatCents, formatDate, h, showProblem, whenReady } from '/static/app.js';
import { requireStaff } from '/static/admin/staff.js';
import { marketLabel } from '/static/player/labels.js';

const EVERY_MS = 2_000;
const HEALTH = { ok: 'OK', lagging: 'En retard', failing: 'En échec', unknown: 'Inconnu' };
const STATES = {
  pending: 'à envoyer',
  awaiting_signatures: 'attend les signatures',
  sent: 'envoyée',
  mined: 'minée (confirmations en cours)',
  failed: 'en échec',
  expired: 'expirée',
  conflict: 'en conflit',
};
const number = new Intl.NumberFormat('fr-FR');
const rate = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const byId = (id) => document.getElementById(id);

/** Sets the text of `node`, marking it changed (briefly highlighted) when it differs from before. */
function setText(node, text) {
  if (node.textContent === text) {
    node.classList.remove('changed'); // highlighted until the next read
    return;
  }
  const first = node.dataset.filled !== 'true';
  node.textContent = text;
  node.dataset.filled = 'true';
  if (!first) {
    node.classList.remove('changed');
    void node.offsetWidth; // restart the transition
    node.classList.add('changed');
  }
}

function time(iso) {
  return iso ? h('time', { datetime: iso }, formatDate(iso)) : '—';
}

function healthCell(cell, health) {
  cell.replaceChildren(h('span', { class: `health health-${health}` }, HEALTH[health] ?? health));
  cell.dataset.health = health;
}

function seconds(s) {
  if (s === null || s === undefined) return '—';
  return s < 120 ? `${rate.format(s)} s` : `${number.format(Math.round(s / 60))} min`;
}

function renderBets(ops) {
  const b = ops.bets;
  setText(byId('ops-rate'), `${rate.format(b.perSecond)}${b.estimated ? ' (estimé)' : ''}`);
  setText(
    byId('ops-last-minute'),
    b.lastMinute === null ? 'plus de 10 000 (taux estimé sur les 10 000 derniers)' : number.format(b.lastMinute),
  );
  setText(byId('ops-open-bets'), number.format(b.openBets));
  setText(byId('ops-open-stake'), formatCents(b.openStakeCents));
}

function renderMarkets(ops) {
  const body = byId('ops-markets-body');
  const seen = new Set();
  const rows = ops.markets.map((m) => {
    seen.add(m.marketId);
    let tr = body.querySelector(`tr[data-market="${CSS.escape(m.marketId)}"]`);
    if (!tr) {
      tr = h(
        'tr',
        { dataset: { market: m.marketId } },
        h('td', {}, m.eventName, h('br'), h('span', { class: 'small muted' }, marketLabel(m.definition))),
        h('td', { class: 'num', dataset: { field: 'bets' } }),
        h('td', { class: 'num', dataset: { field: 'stake' } }),
        h('td', {}, time(m.closesAt)),
      );
    }
    setText(tr.querySelector('[data-field="bets"]'), number.format(m.openBets));
    setText(tr.querySelector('[data-field="stake"]'), formatCents(m.stakeCents));
    return tr;
  });
  body.replaceChildren(...rows);
  byId('ops-markets').hidden = rows.length === 0;
  byId('ops-markets-empty').hidden = rows.length > 0;
}

function renderRejections(ops) {
  const r = ops.rejections;
  byId('ops-rejections-since').replaceChildren(formatDate(r.since));
  byId('ops-rejections-since').setAttribute('datetime', r.since);
  const body = byId('ops-rejections-body');
  const rows = r.byCode.map((x) => {
    let tr = body.querySelector(`tr[data-code="${CSS.escape(x.code)}"]`);
    if (!tr) {
      tr = h(
        'tr',
        { dataset: { code: x.code } },
        h('th', { scope: 'row' }, h('code', {}, x.code)),
        h('td', { class: 'num', dataset: { field: 'count' } }),
      );
    }
    setText(tr.querySelector('[data-field="count"]'), number.format(x.count));
    return tr;
  });
  body.replaceChildren(...rows);
  byId('ops-rejections').hidden = rows.length === 0;
  byId('ops-rejections-empty').hidden = rows.length > 0;
}

function part(name, health, detail) {
  const tr = document.querySelector(`#ops-health tr[data-part="${name}"]`);
  healthCell(tr.querySelector('[data-field="health"]'), health);
  setText(tr.querySelector('[data-field="detail"]'), detail);
}

function renderHealth(ops) {
  const { relayer, indexer, settler, chain } = ops;
  part(
    'relayer',
    relayer.health,
    relayer.pending === null
      ? 'Non lu'
      : `${number.format(relayer.pending)} publication(s) en cours, ${number.format(relayer.failed)} en échec` +
          (relayer.oldestPendingAt ? `, la plus ancienne en cours du ${formatDate(relayer.oldestPendingAt)}` : ''),
  );
  part(
    'indexer',
    indexer.health,
    indexer.lastIndexedBlock === null
      ? 'Aucun bloc indexé'
      : `Dernier bloc indexé ${number.format(indexer.lastIndexedBlock)}` +
          (indexer.feedHead
            ? ` ; flux des résultats définitifs : ligne ${indexer.feedHead.id} (${formatDate(indexer.feedHead.at)})`
            : ' ; flux des résultats définitifs vide'),
  );
  part(
    'settler',
    settler.health,
    `Curseur ${settler.cursor}, tête du flux ${settler.feedHead ?? '—'} ; retard : ` +
      (settler.lagRows === null
        ? 'non lu'
        : `${number.format(settler.lagRows)}${settler.lagRowsCapped ? '+' : ''} ligne(s), ${seconds(settler.lagSeconds)}`),
  );
  part(
    'chain',
    chain.health,
    chain.headBlock === null
      ? 'Le fournisseur RPC ne répond pas'
      : `Tête ${number.format(chain.headBlock)}` +
          (chain.lagBlocks === null
            ? ''
            : ` ; indexé ${number.format(chain.indexedBlock)}, retard ${number.format(chain.lagBlocks)} bloc(s)`),
  );
  const body = byId('ops-publications-body');
  const rows = relayer.byState.map((p) =>
    h(
      'tr',
      { dataset: { state: p.state, code: p.errorCode ?? '' } },
      h('td', {}, STATES[p.state] ?? p.state),
      h('td', {}, p.errorCode ? h('code', {}, p.errorCode) : '—'),
      h('td', { class: 'num' }, number.format(p.count)),
      h('td', {}, time(p.oldestAt)),
    ),
  );
  body.replaceChildren(...rows);
  byId('ops-publications').hidden = rows.length === 0;
  byId('ops-publications-empty').hidden = rows.length > 0;
}

function render(ops) {
  renderBets(ops);
  renderMarkets(ops);
  renderRejections(ops);
  renderHealth(ops);
  const at = byId('ops-at');
  at.textContent = formatDate(ops.at);
  at.setAttribute('datetime', ops.at);
  document.body.dataset.opsAt = ops.at;
  byId('operations').hidden = false;
  byId('operations-status').hidden = true;
}

let timer;
let stopped = false;

/** One read; shows a problem (the figures stay as they were) and stops on a lost staff session. */
async function refresh() {
  const problem = byId('problem');
  try {
    render(await api('/admin/ops'));
    if (problem.dataset.code) clearProblem(problem);
  } catch (error) {
    showProblem(problem, error instanceof ApiProblem ? error : new ApiProblem(0, {}));
    if (error instanceof ApiProblem && (error.status === 401 || error.status === 403)) stopped = true;
  }
}

function schedule() {
  clearTimeout(timer);
  if (stopped || document.hidden) return;
  timer = setTimeout(() => void refresh().then(schedule), EVERY_MS);
}

async function start() {
  if (!(await requireStaff())) return;
  await refresh();
  schedule();
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) clearTimeout(timer);
    else void refresh().then(schedule);
  });
}

whenReady(start());
