// /admin: every event with its markets (GET /admin/events, newest start first, "Plus anciens" pages),
// the new-event form (POST /admin/events), a new-market form per event (POST /admin/events/{id}/markets)
// and per market the commands its state allows (POST /admin/markets/{id}/{command}; void asks for a
// reason). Each answer updates the page in place: no reload. Every listed market follows its live
// channel (market:<id>: pools after each bet, states changed elsewhere, e.g. by the settler).
import {
  ApiProblem,
  announce,
  api,
  clearProblem,
  formatCents,
  formatDate,
  h,
  live,
  parseEuros,
  showProblem,
  whenReady,
} from '/static/app.js';
import { requireStaff } from '/static/admin/staff.js';
import { MARKET_STATES, marketLabel, selectionLabel } from '/static/player/labels.js';

const params = new URLSearchParams(location.search);
const PAGE = Math.min(Math.max(Number(params.get('limit')) || 20, 1), 200);

/** The loaded events, newest start first (as GET /admin/events answers them). */
let events = [];
/** The `before` cursor of the next page, or null when the last page is loaded. */
let nextBefore = null;

const SCHEMAS = { 'football.match/v1': 'Match de football', 'horse-racing.race/v1': 'Course hippique' };
const MARKET_TYPES = {
  'football.match/v1': [
    ['match-winner', 'Vainqueur du match (1N2)'],
    ['total-goals', 'Nombre de buts (plus / moins)'],
    ['handicap', 'Handicap'],
  ],
  'horse-racing.race/v1': [
    ['race-win', 'Gagnant'],
    ['race-place', 'Placé'],
  ],
};
const COMMAND_LABELS = { open: 'Ouvrir', suspend: 'Suspendre', close: 'Fermer', void: 'Annuler le marché' };
/** The commands each state allows (api/markets/market-state.ts; void of a settled market: palpable error). */
const COMMANDS = {
  inactive: ['open', 'void'],
  open: ['suspend', 'close', 'void'],
  suspended: ['open', 'close', 'void'],
  closed: ['void'],
  resulted: ['void'],
  settled: ['void'],
  voided: [],
};

const percent = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 });

// ---- small helpers ---------------------------------------------------------------------------

/** A Date as the value of a datetime-local input (local time, minutes). */
function toLocalInput(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value as an ISO instant, or null. */
function fromLocalInput(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** A fresh 32-byte oracle event id, 0x-prefixed lowercase hex. */
function randomOracleId() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** "2,5" / "-1.5" → a number, or null. */
function parseNumber(text) {
  const s = String(text ?? '')
    .trim()
    .replace(/[\s\u00a0\u202f]/g, '')
    .replace(',', '.')
    .replace('−', '-');
  if (!/^[-+]?\d+(\.\d+)?$/.test(s)) return null;
  return Number(s);
}

/** A problem found before sending (a value the API cannot even receive), shown like the API's. */
function showLocal(region, text, input) {
  region.replaceChildren(h('p', {}, h('strong', {}, text)));
  region.dataset.code = 'FORM_INVALID';
  region.hidden = false;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

/** Marks the inputs the API named in `errors[]` (`body.<field>` → `fields[field]`) invalid. */
function markInvalid(problem, fields) {
  const errors = Array.isArray(problem?.body?.errors) ? problem.body.errors : [];
  let first = null;
  for (const e of errors) {
    const name = String(e.path ?? '')
      .replace(/^body\./, '')
      .split('.')[0];
    const input = fields[name];
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      first ??= input;
    }
  }
  first?.focus();
}

function clearInvalid(form) {
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** Runs `action` with `<body data-busy>` set (tests and the buttons wait on it). */
async function busy(action) {
  document.body.dataset.busy = 'true';
  try {
    return await action();
  } finally {
    document.body.dataset.busy = 'false';
  }
}

// ---- markets ---------------------------------------------------------------------------------

function stateLabel(state) {
  return MARKET_STATES[state] ?? state;
}

function selectionsCell(event, market) {
  return h(
    'td',
    { dataset: { field: 'selections' } },
    h(
      'ul',
      { class: 'plain-list' },
      market.selections.map((s) =>
        h(
          'li',
          { dataset: { selection: s.code } },
          `${event.runners && /^\d+$/.test(s.code) ? `Partant n° ${s.code}` : selectionLabel(event, s)} : `,
          h('span', { class: 'num' }, formatCents(s.poolCents ?? 0)),
        ),
      ),
    ),
    h(
      'span',
      { class: 'small muted' },
      'Total : ',
      h('span', { dataset: { field: 'pool' } }, formatCents(market.poolCents ?? 0)),
    ),
  );
}

function commandsCell(event, market) {
  const label = `${marketLabel(market.definition)}, ${event.name}`;
  const cell = h('td', { class: 'commands', dataset: { field: 'commands' } });
  const commands = COMMANDS[market.state] ?? [];
  if (commands.length === 0) {
    cell.append(h('span', { class: 'muted small' }, 'Aucune commande'));
    return cell;
  }
  const buttons = h(
    'div',
    { class: 'command-buttons' },
    commands.map((command) =>
      h(
        'button',
        {
          type: 'button',
          class: command === 'void' ? 'small danger' : 'small secondary',
          dataset: { command },
          'aria-label': `${COMMAND_LABELS[command]} : ${label}`,
          onclick: () => (command === 'void' ? askVoidReason(event, market, cell) : run(event, market, command)),
        },
        COMMAND_LABELS[command],
      ),
    ),
  );
  cell.append(buttons);
  return cell;
}

/** The void's reason form, in the market's commands cell. */
function askVoidReason(event, market, cell) {
  if (cell.querySelector('form')) {
    cell.querySelector('textarea').focus();
    return;
  }
  const id = `void-reason-${market.id}`;
  const textarea = h('textarea', { id, name: 'reason', rows: '2', maxlength: '500', required: true });
  const form = h(
    'form',
    { class: 'void-form', novalidate: true, dataset: { voidFor: market.id } },
    h(
      'p',
      {},
      h('label', { for: id }, 'Motif de l’annulation'),
      textarea,
      h(
        'span',
        { class: 'help' },
        market.state === 'settled'
          ? 'Marché déjà réglé : l’annulation reprend les gains et rembourse toutes les mises.'
          : 'Toutes les mises seront remboursées.',
      ),
    ),
    h(
      'p',
      {},
      h('button', { type: 'submit', class: 'small danger' }, 'Confirmer l’annulation'),
      ' ',
      h(
        'button',
        {
          type: 'button',
          class: 'small secondary',
          onclick: () => {
            form.remove();
            cell.querySelector('button[data-command="void"]')?.focus();
          },
        },
        'Retour',
      ),
    ),
  );
  form.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    form.remove();
    cell.querySelector('button[data-command="void"]')?.focus();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const reason = textarea.value.trim();
    const region = document.getElementById(`event-problem-${event.id}`);
    if (!reason) {
      showLocal(region, 'Indiquez le motif de l’annulation.', textarea);
      return;
    }
    textarea.removeAttribute('aria-invalid');
    void run(event, market, 'void', reason);
  });
  cell.append(form);
  textarea.focus();
}

function marketRow(event, market) {
  return h(
    'tr',
    { id: `admin-market-${market.id}`, dataset: { market: market.id, state: market.state } },
    h(
      'th',
      { scope: 'row' },
      marketLabel(market.definition),
      h('br'),
      h('span', { class: 'small muted' }, `n° ${market.id}`),
    ),
    h('td', { dataset: { field: 'state' } }, stateLabel(market.state)),
    h('td', { dataset: { field: 'closes' } }, formatDate(market.closesAt)),
    h('td', { class: 'num', dataset: { field: 'takeout' } }, `${percent.format(market.takeoutBps / 100)} %`),
    h(
      'td',
      { class: 'num', dataset: { field: 'stakes' } },
      `${formatCents(market.minStakeCents)} – ${formatCents(market.maxStakeCents)}`,
    ),
    selectionsCell(event, market),
    commandsCell(event, market),
  );
}

function marketsTable(event) {
  if (event.markets.length === 0) {
    return h('p', { class: 'muted', id: `markets-empty-${event.id}` }, 'Pas encore de marché.');
  }
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'admin-markets', id: `markets-${event.id}` },
      h('caption', {}, `Marchés — ${event.name}`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Marché', 'État', 'Clôture', 'Prélèvement', 'Mises (min – max)', 'Mises par sélection', 'Commandes'].map(
            (title, i) => h('th', { scope: 'col', class: i === 3 || i === 4 ? 'num' : null }, title),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        event.markets.map((m) => marketRow(event, m)),
      ),
    ),
  );
}

/** Sends a market command; the row is redrawn from the answer. */
async function run(event, market, command, reason) {
  const region = document.getElementById(`event-problem-${event.id}`);
  clearProblem(region);
  await busy(async () => {
    try {
      const updated = await api(`/admin/markets/${encodeURIComponent(market.id)}/${command}`, {
        method: 'POST',
        body: reason === undefined ? {} : { reason },
      });
      event.markets = event.markets.map((m) => (m.id === updated.id ? updated : m));
      const row = document.getElementById(`admin-market-${market.id}`);
      const fresh = marketRow(event, updated);
      row?.replaceWith(fresh);
      const text = `${marketLabel(updated.definition)} (${event.name}) : ${stateLabel(updated.state)}.`;
      setStatus(event, text);
      announce(text);
      (fresh.querySelector('button[data-command]') ?? document.getElementById(`event-status-${event.id}`))?.focus();
    } catch (error) {
      showProblem(region, error);
      region.focus?.();
    }
  });
}

function setStatus(event, text) {
  const status = document.getElementById(`event-status-${event.id}`);
  if (!status) return;
  status.textContent = text;
  status.hidden = false;
}

// ---- live ------------------------------------------------------------------------------------

/** marketId → unsubscribe, for the markets shown. */
const following = new Map();
let connection = null;

/** A market's new body (live snapshot or update): pools in place; a new state redraws its row. */
function liveMarket(data) {
  if (!data || data.id === undefined) return;
  const id = String(data.id);
  const event = events.find((e) => e.markets.some((m) => m.id === id));
  if (!event) return;
  const previous = event.markets.find((m) => m.id === id);
  const market = { ...previous, ...data };
  event.markets = event.markets.map((m) => (m.id === id ? market : m));
  const row = document.getElementById(`admin-market-${id}`);
  if (!row) return;
  if (market.state !== row.dataset.state && !row.querySelector('form')) {
    const focused = row.contains(document.activeElement) ? document.activeElement.dataset.command : null;
    const fresh = marketRow(event, market);
    row.replaceWith(fresh);
    if (focused) fresh.querySelector(`button[data-command="${focused}"]`)?.focus();
    announce(`${marketLabel(market.definition)} (${event.name}) : ${stateLabel(market.state)}.`);
  } else {
    row.querySelector('[data-field="selections"]')?.replaceWith(selectionsCell(event, market));
  }
}

/** Subscribes to every shown market not followed yet (after each render). */
function follow() {
  if (!connection) return;
  for (const event of events) {
    for (const m of event.markets) {
      if (!following.has(m.id)) following.set(m.id, connection.subscribe(`market:${m.id}`, liveMarket));
    }
  }
}

// ---- new market form -------------------------------------------------------------------------

function marketForm(event) {
  const sfx = event.id;
  const field = (name) => `market-${name}-${sfx}`;
  const types = MARKET_TYPES[event.schema] ?? [];
  const type = h(
    'select',
    { id: field('type'), name: 'type' },
    types.map(([value, label]) => h('option', { value }, label)),
  );
  const line = h('input', {
    id: field('line'),
    name: 'line',
    type: 'text',
    inputmode: 'decimal',
    autocomplete: 'off',
    'aria-describedby': field('line-help'),
  });
  const places = h('input', {
    id: field('places'),
    name: 'places',
    type: 'number',
    min: '2',
    max: String(Math.max((event.runners ?? 3) - 1, 2)),
    step: '1',
    inputmode: 'numeric',
    value: String(Math.min(3, Math.max((event.runners ?? 3) - 1, 2))),
  });
  const closes = h('input', {
    id: field('closes'),
    name: 'closesAt',
    type: 'datetime-local',
    required: true,
    value: toLocalInput(new Date(event.startsAt)),
    'aria-describedby': field('closes-help'),
  });
  const takeout = h('input', {
    id: field('takeout'),
    name: 'takeoutBps',
    type: 'text',
    inputmode: 'decimal',
    autocomplete: 'off',
    value: '15',
  });
  const min = h('input', {
    id: field('min'),
    name: 'minStakeCents',
    type: 'text',
    inputmode: 'decimal',
    autocomplete: 'off',
    value: '1',
  });
  const max = h('input', {
    id: field('max'),
    name: 'maxStakeCents',
    type: 'text',
    inputmode: 'decimal',
    autocomplete: 'off',
    value: '1000',
  });
  const lineField = h(
    'p',
    { hidden: true },
    h('label', { for: field('line') }, 'Ligne'),
    line,
    h(
      'span',
      { class: 'help', id: field('line-help') },
      'Une demi-ligne, par exemple 2,5 (buts) ou -1,5 (handicap du domicile).',
    ),
  );
  const placesField = h('p', { hidden: true }, h('label', { for: field('places') }, 'Nombre de places payées'), places);
  const showFields = () => {
    const t = type.value;
    lineField.hidden = t !== 'total-goals' && t !== 'handicap';
    placesField.hidden = t !== 'race-place';
    if (t === 'total-goals' && !line.value) line.value = '2,5';
    if (t === 'handicap' && (!line.value || line.value === '2,5')) line.value = '-0,5';
  };
  type.addEventListener('change', showFields);
  const problem = h('div', { class: 'problem', id: `market-problem-${sfx}`, role: 'alert', hidden: true });
  const form = h(
    'form',
    { id: `market-form-${sfx}`, novalidate: true, class: 'market-form' },
    h(
      'fieldset',
      {},
      h('legend', {}, `Nouveau marché — ${event.name}`),
      h('p', {}, h('label', { for: field('type') }, 'Type de marché'), type),
      lineField,
      placesField,
      h(
        'p',
        {},
        h('label', { for: field('closes') }, 'Heure limite des paris (heure locale)'),
        closes,
        h(
          'span',
          { class: 'help', id: field('closes-help') },
          `Au plus tard au début : ${formatDate(event.startsAt)}.`,
        ),
      ),
      h('p', {}, h('label', { for: field('takeout') }, 'Prélèvement (%)'), takeout),
      h('p', {}, h('label', { for: field('min') }, 'Mise minimale (€)'), min),
      h('p', {}, h('label', { for: field('max') }, 'Mise maximale (€)'), max),
    ),
    problem,
    h('p', {}, h('button', { type: 'submit', id: `market-submit-${sfx}` }, 'Créer le marché')),
  );
  showFields();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearProblem(problem);
    clearInvalid(form);
    const definition = { type: type.value };
    if (!lineField.hidden) {
      const value = parseNumber(line.value);
      if (value === null) return showLocal(problem, 'La ligne doit être un nombre, par exemple 2,5.', line);
      definition.line = value;
    }
    if (!placesField.hidden) {
      const value = parseNumber(places.value);
      if (value === null) return showLocal(problem, 'Indiquez le nombre de places payées.', places);
      definition.places = value;
    }
    const closesAt = fromLocalInput(closes.value);
    if (!closesAt) return showLocal(problem, 'Indiquez l’heure limite des paris.', closes);
    const takeoutPercent = parseNumber(takeout.value);
    if (takeoutPercent === null)
      return showLocal(problem, 'Le prélèvement est un pourcentage, par exemple 15.', takeout);
    const minCents = parseEuros(min.value);
    if (minCents === null) return showLocal(problem, 'La mise minimale est un montant en euros, par exemple 1.', min);
    const maxCents = parseEuros(max.value);
    if (maxCents === null)
      return showLocal(problem, 'La mise maximale est un montant en euros, par exemple 1000.', max);
    void busy(async () => {
      try {
        const market = await api(`/admin/events/${encodeURIComponent(event.id)}/markets`, {
          method: 'POST',
          body: {
            definition,
            closesAt,
            takeoutBps: Math.round(takeoutPercent * 100),
            minStakeCents: minCents,
            maxStakeCents: maxCents,
          },
        });
        event.markets = [...event.markets, market];
        const article = renderEvent(event);
        document.getElementById(`event-${event.id}`)?.replaceWith(article);
        follow();
        const text = `Marché créé : ${marketLabel(market.definition)} (${event.name}), pas encore ouvert.`;
        setStatus(event, text);
        announce(text);
        article.querySelector(`#admin-market-${CSS.escape(market.id)} button[data-command]`)?.focus();
      } catch (error) {
        showProblem(problem, error);
        markInvalid(error, {
          definition: type,
          line,
          places,
          closesAt: closes,
          takeoutBps: takeout,
          minStakeCents: min,
          maxStakeCents: max,
        });
        if (error instanceof ApiProblem && error.code === 'MARKET_DEFINITION_INVALID') {
          const detail = error.detail ?? '';
          if (/closesAt/.test(detail)) closes.setAttribute('aria-invalid', 'true');
          if (/StakeCents/.test(detail)) min.setAttribute('aria-invalid', 'true');
        }
      }
    });
  });
  return h(
    'details',
    { class: 'new-market', id: `new-market-${sfx}` },
    h('summary', {}, 'Nouveau marché', h('span', { class: 'visually-hidden' }, ` (${event.name})`)),
    form,
  );
}

// ---- events ----------------------------------------------------------------------------------

function renderEvent(event) {
  const runners = event.runners ? ` · ${event.runners} partants` : '';
  return h(
    'article',
    {
      class: 'event admin-event',
      id: `event-${event.id}`,
      dataset: { event: event.id },
      'aria-labelledby': `event-title-${event.id}`,
    },
    h('h3', { id: `event-title-${event.id}` }, event.name),
    h(
      'p',
      { class: 'muted small' },
      `Début : ${formatDate(event.startsAt)} · ${SCHEMAS[event.schema] ?? event.schema} (${event.schema})${runners}`,
      h('br'),
      'Identifiant oracle : ',
      h('code', { class: 'hash', dataset: { field: 'oracle-id' } }, event.oracleEventId),
    ),
    h(
      'p',
      {},
      h(
        'a',
        { href: `/admin/results/${encodeURIComponent(event.id)}`, class: 'result-link' },
        'Attester le résultat',
        h('span', { class: 'visually-hidden' }, ` (${event.name})`),
      ),
    ),
    h('div', { class: 'problem', id: `event-problem-${event.id}`, role: 'alert', tabindex: '-1', hidden: true }),
    h('p', { class: 'success', id: `event-status-${event.id}`, role: 'status', tabindex: '-1', hidden: true }),
    marketsTable(event),
    marketForm(event),
  );
}

function renderEvents() {
  const container = document.getElementById('events');
  const status = document.getElementById('events-status');
  if (events.length === 0) {
    status.textContent = 'Aucun événement pour le moment : créez le premier ci-dessus.';
    status.hidden = false;
    container.replaceChildren();
  } else {
    status.hidden = true;
    container.replaceChildren(...events.map(renderEvent));
  }
  document.getElementById('events-more').hidden = nextBefore === null;
  follow();
}

async function loadPage(before) {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (before) query.set('before', before);
  const page = await api(`/admin/events?${query}`);
  events = [...events, ...page.events];
  nextBefore = page.events.length === PAGE ? page.events[page.events.length - 1].id : null;
}

// ---- new event form --------------------------------------------------------------------------

function setUpEventForm() {
  const form = document.getElementById('event-form');
  const name = document.getElementById('event-name');
  const schema = document.getElementById('event-schema');
  const runnersField = document.getElementById('event-runners-field');
  const runners = document.getElementById('event-runners');
  const start = document.getElementById('event-start');
  const oracle = document.getElementById('event-oracle-id');
  const problem = document.getElementById('event-problem');
  const result = document.getElementById('event-result');
  const soon = new Date(Date.now() + 2 * 3600_000);
  soon.setMinutes(Math.ceil(soon.getMinutes() / 15) * 15, 0, 0);
  start.value = toLocalInput(soon);
  const showRunners = () => {
    runnersField.hidden = schema.value !== 'horse-racing.race/v1';
    if (!runnersField.hidden && !runners.value) runners.value = '8';
  };
  schema.addEventListener('change', showRunners);
  showRunners();
  document.getElementById('event-oracle-generate').addEventListener('click', () => {
    oracle.value = randomOracleId();
    oracle.removeAttribute('aria-invalid');
    oracle.focus();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearProblem(problem);
    clearInvalid(form);
    result.hidden = true;
    const startsAt = fromLocalInput(start.value);
    if (!startsAt) return showLocal(problem, 'Indiquez la date et l’heure de début.', start);
    const body = { name: name.value.trim(), schema: schema.value, oracleEventId: oracle.value.trim(), startsAt };
    if (!runnersField.hidden) {
      const n = parseNumber(runners.value);
      if (n === null) return showLocal(problem, 'Indiquez le nombre de partants.', runners);
      body.runners = n;
    }
    void busy(async () => {
      try {
        const created = await api('/admin/events', { method: 'POST', body });
        events = [created, ...events.filter((x) => x.id !== created.id)].sort(
          (a, b) => Date.parse(b.startsAt) - Date.parse(a.startsAt) || (a.id < b.id ? 1 : -1),
        );
        renderEvents();
        result.textContent = `Événement créé : ${created.name} (${formatDate(created.startsAt)}). Ajoutez-lui un marché ci-dessous.`;
        result.hidden = false;
        announce(result.textContent);
        form.reset();
        start.value = toLocalInput(soon);
        showRunners();
        document.getElementById(`new-market-${created.id}`)?.setAttribute('open', '');
        document.getElementById(`market-type-${created.id}`)?.focus();
      } catch (error) {
        showProblem(problem, error);
        markInvalid(error, { name, schema, oracleEventId: oracle, startsAt: start, runners });
        if (error instanceof ApiProblem && error.code === 'EVENT_ALREADY_EXISTS')
          oracle.setAttribute('aria-invalid', 'true');
      }
    });
  });
}

async function main() {
  const me = await requireStaff();
  if (!me) {
    document.getElementById('new-event').hidden = true;
    return;
  }
  setUpEventForm();
  const more = document.getElementById('events-more');
  more.addEventListener('click', () =>
    busy(async () => {
      const region = document.getElementById('events-problem');
      clearProblem(region);
      const first = events.length;
      try {
        await loadPage(nextBefore);
        renderEvents();
        document.querySelectorAll('#events > article')[first]?.querySelector('h3')?.setAttribute('tabindex', '-1');
        document.querySelectorAll('#events > article')[first]?.querySelector('h3')?.focus();
      } catch (error) {
        showProblem(region, error);
      }
    }),
  );
  try {
    await loadPage(null);
    connection = await live();
    document.body.dataset.live = connection ? 'on' : 'off';
    renderEvents();
  } catch (error) {
    document.getElementById('events-status').hidden = true;
    showProblem(document.getElementById('events-problem'), error);
  }
}

whenReady(main());
