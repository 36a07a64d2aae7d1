// /admin/settlement-runs: the settlement runs (GET /admin/settlements, newest first, by pages of
// `?limit=`, default 25): event, market, the oracle result used, totals, bets, date and reversal.
import { announce, api, clearProblem, formatCents, formatDate, h, live, showProblem, whenReady } from '/static/app.js';
import { requireStaff } from '/static/admin/staff.js';
import { marketLabel, selectionLabel } from '/static/player/labels.js';

const params = new URLSearchParams(location.search);
const PAGE = Math.min(Math.max(Number(params.get('limit')) || 25, 1), 200);
/** ResultStatus of the oracle (oracle/result.ts). */
const STATUSES = { 0: 'aucun', 1: 'terminé', 2: 'annulé', 3: 'reporté', 4: 'abandonné', 5: 'nul' };
const KINDS = { paid: 'payé', refunded: 'remboursé' };

let loaded = 0;
let nextBefore = null;

function resultText(run) {
  if (!run.result) return 'Aucun (remboursement d’un marché annulé)';
  const { status, version, values } = run.result;
  const football = ['match-winner', 'total-goals', 'handicap'].includes(run.definition.type);
  const read =
    status !== 1
      ? ''
      : football && values.length === 2
        ? ` · ${values[0]} – ${values[1]}`
        : ` · arrivée ${values.map((p, i) => `n° ${i + 1} : ${p === 0 ? 'non-partant' : `${p}${p === 1 ? 'ᵉʳ' : 'ᵉ'}`}`).join(', ')}`;
  return `${STATUSES[status] ?? `statut ${status}`}${read} · version ${version}`;
}

function dividendsText(run) {
  if (run.dividends.length === 0) return null;
  return run.dividends
    .map(
      (d) =>
        `${run.definition.type.startsWith('race-') ? `Partant n° ${d.code}` : selectionLabel({ runners: null }, d)} : ${formatCents(d.dividendCents)} pour ${formatCents(d.unitCents)} (mises gagnantes ${formatCents(d.winningStakeCents)})`,
    )
    .join(' ; ');
}

function reversalCell(run) {
  if (!run.reversal) return h('td', { dataset: { field: 'reversal' } }, '—');
  return h(
    'td',
    { dataset: { field: 'reversal' } },
    h('strong', {}, `Annulé le ${formatDate(run.reversal.at)}`),
    h('br'),
    `par ${run.reversal.by}`,
    run.reversal.reason ? h('br') : null,
    run.reversal.reason ? `Motif : ${run.reversal.reason}` : null,
  );
}

function row(run) {
  const dividends = dividendsText(run);
  return h(
    'tr',
    {
      id: `settlement-${run.id}`,
      dataset: { settlement: run.id, market: run.marketId, kind: run.kind, reversed: run.reversal ? 'true' : 'false' },
    },
    h('td', { dataset: { field: 'date' } }, formatDate(run.settledAt)),
    h(
      'td',
      { dataset: { field: 'event' } },
      h('a', { href: `/admin/results/${encodeURIComponent(run.event.id)}` }, run.event.name),
    ),
    h(
      'th',
      { scope: 'row', dataset: { field: 'market' } },
      marketLabel(run.definition),
      h('br'),
      h('span', { class: 'small muted' }, `n° ${run.marketId} · ${KINDS[run.kind] ?? run.kind}`),
    ),
    h(
      'td',
      { dataset: { field: 'result' } },
      resultText(run),
      run.feedRowId ? h('span', { class: 'small muted' }, ` (ligne ${run.feedRowId} du flux)`) : null,
      dividends ? h('br') : null,
      dividends ? h('span', { class: 'small', dataset: { field: 'dividends' } }, dividends) : null,
    ),
    ...['poolCents', 'paidCents', 'takeoutCents', 'breakageCents', 'refundedCents'].map((k) =>
      h('td', { class: 'num', dataset: { field: k } }, formatCents(run[k])),
    ),
    h('td', { class: 'num', dataset: { field: 'bets' } }, run.bets === null ? '—' : String(run.bets)),
    reversalCell(run),
  );
}

async function loadPage() {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (nextBefore) query.set('before', nextBefore);
  const { settlements } = await api(`/admin/settlements?${query}`);
  const body = document.getElementById('settlements-body');
  body.append(...settlements.map(row));
  loaded += settlements.length;
  nextBefore = settlements.length === PAGE ? settlements[settlements.length - 1].id : null;
  const status = document.getElementById('settlements-status');
  document.getElementById('settlements-table').hidden = loaded === 0;
  status.hidden = loaded > 0;
  if (loaded === 0) status.textContent = 'Aucun marché réglé pour le moment.';
  document.getElementById('settlements-more').hidden = nextBefore === null;
  return settlements;
}

/**
 * A run written or reversed (`settlement` on the `admin` channel): re-reads the newest page; a run not
 * shown yet is prepended, a shown one replaced (its reversal).
 */
async function refreshNewest() {
  const { settlements } = await api(`/admin/settlements?limit=${PAGE}`);
  const body = document.getElementById('settlements-body');
  let added = 0;
  for (const run of [...settlements].reverse()) {
    const shown = document.getElementById(`settlement-${run.id}`);
    if (shown) shown.replaceWith(row(run));
    else {
      body.prepend(row(run));
      loaded += 1;
      added += 1;
    }
  }
  document.getElementById('settlements-table').hidden = loaded === 0;
  document.getElementById('settlements-status').hidden = loaded > 0;
  if (added > 0) announce(added === 1 ? 'Un nouveau règlement.' : `${added} nouveaux règlements.`);
}

async function follow(region) {
  const status = document.getElementById('settlements-live');
  const connection = await live();
  if (!connection) {
    status.textContent = 'Suivi en direct indisponible : rechargez la page pour voir les nouveaux règlements.';
    return;
  }
  let refreshing = Promise.resolve();
  connection.subscribe(
    'admin',
    (data) => {
      if (data?.kind !== 'settlement') return;
      refreshing = refreshing
        .then(refreshNewest)
        .catch((error) => showProblem(region, error))
        .finally(() => {
          document.body.dataset.liveSettlements = String(Number(document.body.dataset.liveSettlements ?? 0) + 1);
        });
    },
    (code) => {
      status.textContent = `Suivi en direct interrompu (${code}) : rechargez la page.`;
      document.body.dataset.liveAdmin = 'off';
    },
  );
  status.textContent =
    'Suivi en direct : les nouveaux règlements et les annulations s’affichent sans recharger la page.';
  document.body.dataset.liveAdmin = 'on';
}

async function main() {
  if (!(await requireStaff())) return;
  const region = document.getElementById('settlements-problem');
  const more = document.getElementById('settlements-more');
  more.addEventListener('click', async () => {
    clearProblem(region);
    document.body.dataset.busy = 'true';
    try {
      const page = await loadPage();
      const first = page[0] && document.getElementById(`settlement-${page[0].id}`);
      if (first) {
        first.setAttribute('tabindex', '-1');
        first.focus();
      }
    } catch (error) {
      showProblem(region, error);
    } finally {
      document.body.dataset.busy = 'false';
    }
  });
  try {
    await loadPage();
  } catch (error) {
    document.getElementById('settlements-status').hidden = true;
    showProblem(region, error);
  }
  await follow(region);
}

whenReady(main());
