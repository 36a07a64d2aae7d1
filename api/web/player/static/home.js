// Home: upcoming events with their markets and indicative pool odds (GET /events), live through
// /static/live.js when it is served (market:<id> snapshots and updates), and the bet slip
// (one bet: POST /bets; several: POST /bets/batch; one Idempotency-Key per submission).
import {
  ApiProblem,
  announce,
  api,
  clearProblem,
  currentPlayer,
  formatCents,
  formatDate,
  formatOdds,
  h,
  live,
  newIdempotencyKey,
  parseEuros,
  refreshBalance,
  showProblem,
  whenReady,
} from '/static/app.js';
import { MARKET_STATES, marketLabel, selectionLabel } from '/static/player/labels.js';

const SLIP_KEY = 'verdict.slip';
/** marketId → the market JSON (as GET /markets/{id}), kept current by live updates. */
const markets = new Map();
/** marketId → { event, label } for the slip's legends. */
const context = new Map();

// ---- events and odds -------------------------------------------------------------------------

function marketTable(event, market) {
  const open = market.state === 'open';
  const rows = market.selections.map((s) =>
    h(
      'tr',
      { dataset: { selection: s.code } },
      h('th', { scope: 'row' }, selectionLabel(event, s)),
      h('td', { class: 'num', dataset: { field: 'pool' } }, formatCents(s.poolCents)),
      h('td', { class: 'num', dataset: { field: 'odds' } }, formatOdds(s.indicativeDividendCents)),
      h(
        'td',
        {},
        open
          ? h(
              'button',
              {
                type: 'button',
                class: 'small secondary',
                dataset: { add: `${market.id}:${s.code}` },
                'aria-label': `Ajouter ${selectionLabel(event, s)} (${marketLabel(market.definition)}, ${event.name}) au ticket`,
                onclick: () => addToSlip(market.id, s.code),
              },
              'Ajouter',
            )
          : '',
      ),
    ),
  );
  return h(
    'table',
    { class: 'market', id: `market-${market.id}`, dataset: { market: market.id } },
    h(
      'caption',
      {},
      `${marketLabel(market.definition)} · `,
      h('span', { dataset: { field: 'state' } }, MARKET_STATES[market.state] ?? market.state),
      ' · pool ',
      h('span', { dataset: { field: 'market-pool' } }, formatCents(market.poolCents)),
      ` · clôture ${formatDate(market.closesAt)}`,
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Sélection'),
        h('th', { scope: 'col', class: 'num' }, 'Mises'),
        h('th', { scope: 'col', class: 'num' }, 'Cote indicative'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Ticket')),
      ),
    ),
    h('tbody', {}, rows),
  );
}

function renderEvents(events) {
  const container = document.getElementById('events');
  const status = document.getElementById('events-status');
  if (events.length === 0) {
    status.textContent = 'Aucun événement à venir pour le moment.';
    return;
  }
  status.hidden = true;
  container.replaceChildren(
    ...events.map((event) =>
      h(
        'article',
        { class: 'event', id: `event-${event.id}`, 'aria-labelledby': `event-title-${event.id}` },
        h('h2', { id: `event-title-${event.id}` }, event.name),
        h('p', { class: 'muted' }, `Début : ${formatDate(event.startsAt)}`),
        event.markets.length === 0
          ? h('p', { class: 'muted' }, 'Pas encore de marché.')
          : event.markets.map((m) => marketTable(event, m)),
      ),
    ),
  );
}

let lastAnnounce = 0;
/** Applies a market's new odds (a live snapshot or update, or a re-read), marking the cells that changed. */
function updateMarket(data) {
  if (!data || data.id === undefined) return;
  const id = String(data.id);
  const previous = markets.get(id);
  markets.set(id, { ...previous, ...data });
  const table = document.getElementById(`market-${id}`);
  if (!table) return;
  let changed = false;
  const set = (cell, text) => {
    if (cell && cell.textContent !== text) {
      cell.textContent = text;
      cell.classList.remove('changed');
      void cell.offsetWidth;
      cell.classList.add('changed');
      changed = true;
    }
  };
  set(table.querySelector('[data-field="market-pool"]'), formatCents(data.poolCents));
  for (const s of data.selections ?? []) {
    const row = table.querySelector(`tr[data-selection="${CSS.escape(s.code)}"]`);
    if (!row) continue;
    set(row.querySelector('[data-field="pool"]'), formatCents(s.poolCents));
    set(row.querySelector('[data-field="odds"]'), formatOdds(s.indicativeDividendCents));
  }
  if (data.state && table.querySelector('[data-field="state"]')) {
    table.querySelector('[data-field="state"]').textContent = MARKET_STATES[data.state] ?? data.state;
  }
  renderSlipFigures();
  if (changed) {
    table.dataset.updates = String(Number(table.dataset.updates ?? 0) + 1);
    // Polite and rare: a screen reader hears that odds moved, at most every 15 s.
    if (Date.now() - lastAnnounce > 15_000) {
      lastAnnounce = Date.now();
      announce(`Cotes mises à jour : ${context.get(id)?.event ?? ''}`);
    }
  }
}

/** Subscribes to every market's odds through /static/live.js when the live server is there. */
async function goLive() {
  const connection = await live();
  if (!connection) {
    document.body.dataset.live = 'off';
    return;
  }
  for (const id of markets.keys()) connection.subscribe(`market:${id}`, updateMarket);
  document.body.dataset.live = 'on';
}

/** Re-reads the markets of the slip (after a bet, when no live channel keeps them current). */
async function rereadMarkets(ids) {
  await Promise.all(ids.map(async (id) => updateMarket(await api(`/markets/${encodeURIComponent(id)}`))));
}

// ---- slip ------------------------------------------------------------------------------------

/** [{ marketId, selection, stake }] in sessionStorage: the slip survives a reload, not the tab. */
function readSlip() {
  try {
    const lines = JSON.parse(sessionStorage.getItem(SLIP_KEY) ?? '[]');
    return Array.isArray(lines) ? lines.filter((l) => markets.has(l.marketId)) : [];
  } catch {
    return [];
  }
}
let slip = [];
const saveSlip = () => sessionStorage.setItem(SLIP_KEY, JSON.stringify(slip));
/** The key of the last submission, reused only to retry the very same slip after a network failure. */
let pending = null;

function addToSlip(marketId, selection) {
  if (!slip.some((l) => l.marketId === marketId && l.selection === selection)) {
    slip.push({ marketId, selection, stake: '' });
    saveSlip();
  }
  document.getElementById('slip-result').hidden = true;
  renderSlip();
  const input = document.querySelector(`input[data-stake="${CSS.escape(`${marketId}:${selection}`)}"]`);
  input?.focus();
}

function removeFromSlip(index) {
  slip.splice(index, 1);
  saveSlip();
  renderSlip();
  document.getElementById('slip-title').focus?.();
}

function lineFigures(line) {
  const market = markets.get(line.marketId);
  const s = market?.selections.find((x) => x.code === line.selection);
  const stake = parseEuros(line.stake);
  const dividend = s?.indicativeDividendCents ?? null;
  return {
    stake,
    dividend,
    potential: stake === null || dividend === null ? null : Math.floor((stake * dividend) / 100),
  };
}

function renderSlipFigures() {
  let total = 0;
  let potential = 0;
  let complete = slip.length > 0;
  slip.forEach((line, i) => {
    const f = lineFigures(line);
    const odds = document.getElementById(`slip-odds-${i}`);
    const ret = document.getElementById(`slip-potential-${i}`);
    if (odds) odds.textContent = formatOdds(f.dividend);
    if (ret) ret.textContent = f.potential === null ? '—' : formatCents(f.potential);
    if (f.stake === null) complete = false;
    total += f.stake ?? 0;
    if (f.potential === null) complete = false;
    potential += f.potential ?? 0;
  });
  document.getElementById('slip-total').textContent = formatCents(total);
  document.getElementById('slip-return').textContent = complete ? formatCents(potential) : '—';
}

function renderSlip() {
  const form = document.getElementById('slip-form');
  document.getElementById('slip-empty').hidden = slip.length > 0;
  form.hidden = slip.length === 0;
  clearProblem(document.getElementById('slip-problem'));
  const lines = slip.map((line, i) => {
    const market = markets.get(line.marketId);
    const ctx = context.get(line.marketId);
    const s = market.selections.find((x) => x.code === line.selection);
    const key = `${line.marketId}:${line.selection}`;
    const inputId = `slip-stake-${i}`;
    return h(
      'fieldset',
      { class: 'slip-line', dataset: { line: key } },
      h('legend', {}, `${ctx.event} — ${ctx.label} : ${ctx.selection(s)}`),
      h('label', { for: inputId }, 'Mise (€)'),
      h('input', {
        id: inputId,
        type: 'text',
        inputmode: 'decimal',
        autocomplete: 'off',
        required: true,
        value: line.stake,
        dataset: { stake: key },
        'aria-describedby': `slip-range-${i}`,
        oninput: (e) => {
          line.stake = e.target.value;
          e.target.removeAttribute('aria-invalid');
          saveSlip();
          renderSlipFigures();
        },
      }),
      h(
        'span',
        { class: 'help', id: `slip-range-${i}` },
        `Entre ${formatCents(market.minStakeCents)} et ${formatCents(market.maxStakeCents)}`,
      ),
      h(
        'p',
        { class: 'slip-line-figures' },
        h('span', {}, 'Cote actuelle : ', h('strong', { id: `slip-odds-${i}` }, '—')),
        h('span', {}, 'Gain potentiel : ', h('strong', { id: `slip-potential-${i}` }, '—')),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'small secondary',
          'aria-label': `Retirer ${ctx.selection(s)} (${ctx.label}) du ticket`,
          onclick: () => removeFromSlip(i),
        },
        'Retirer',
      ),
    );
  });
  document.getElementById('slip-lines').replaceChildren(...lines);
  renderSlipFigures();
}

async function submitSlip(event) {
  event.preventDefault();
  const problem = document.getElementById('slip-problem');
  const result = document.getElementById('slip-result');
  clearProblem(problem);
  result.hidden = true;
  const bets = [];
  for (const [i, line] of slip.entries()) {
    const stakeCents = parseEuros(line.stake);
    if (stakeCents === null) {
      const input = document.getElementById(`slip-stake-${i}`);
      input.setAttribute('aria-invalid', 'true');
      showProblem(
        problem,
        new ApiProblem(0, { code: 'STAKE_NOT_A_NUMBER', detail: 'Indiquez une mise en euros, par exemple 5 ou 2,50.' }),
      );
      input.focus();
      return;
    }
    bets.push({ marketId: line.marketId, selection: line.selection, stakeCents });
  }
  if (bets.length === 0) return;
  const single = bets.length === 1;
  const body = single ? bets[0] : { bets };
  const fingerprint = JSON.stringify(body);
  if (pending?.fingerprint !== fingerprint) pending = { fingerprint, key: newIdempotencyKey() };
  const button = document.getElementById('slip-submit');
  button.disabled = true;
  document.body.dataset.busy = 'true';
  try {
    const answer = await api(single ? '/bets' : '/bets/batch', {
      method: 'POST',
      body,
      idempotencyKey: pending.key,
    });
    pending = null;
    const placed = answer?.bets ?? [];
    const total = placed.reduce((sum, b) => sum + Number(b.stakeCents), 0);
    result.replaceChildren(
      `Ticket validé : ${placed.length} pari${placed.length > 1 ? 's' : ''}, mise totale ${formatCents(total)}. `,
      h('a', { href: '/account/bets' }, 'Voir mes paris'),
    );
    result.hidden = false;
    const ids = [...new Set(slip.map((l) => l.marketId))];
    slip = [];
    saveSlip();
    renderSlip();
    await Promise.all([refreshBalance(), document.body.dataset.live === 'on' ? null : rereadMarkets(ids)]);
  } catch (error) {
    // A network failure keeps the key: sending the same slip again cannot place it twice.
    if (!(error instanceof ApiProblem) || error.code !== 'NETWORK') pending = null;
    showProblem(problem, error);
    const index = error instanceof ApiProblem ? error.body?.index : undefined;
    const input = document.getElementById(`slip-stake-${typeof index === 'number' ? index : 0}`);
    if (input && ['STAKE_OUT_OF_RANGE', 'API_REQUEST_INVALID'].includes(error.code)) {
      input.setAttribute('aria-invalid', 'true');
    }
  } finally {
    button.disabled = false;
    delete document.body.dataset.busy;
  }
}

async function init() {
  let events;
  try {
    ({ events } = await api('/events'));
  } catch (error) {
    document.getElementById('events-status').hidden = true;
    showProblem(document.getElementById('problem'), error);
    return;
  }
  for (const event of events) {
    for (const m of event.markets) {
      markets.set(m.id, m);
      context.set(m.id, {
        event: event.name,
        label: marketLabel(m.definition),
        selection: (s) => selectionLabel(event, s),
      });
    }
  }
  renderEvents(events);
  slip = readSlip();
  renderSlip();
  document.getElementById('slip-form').addEventListener('submit', submitSlip);
  document.getElementById('slip-clear').addEventListener('click', () => {
    slip = [];
    saveSlip();
    renderSlip();
  });
  const me = await currentPlayer().catch(() => null);
  document.getElementById('slip-signin').hidden = Boolean(me);
  await goLive();
}

whenReady(init());
