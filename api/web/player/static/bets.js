// My bets: GET /me/bets (open, provisional result, settled) with each event's on-chain result and,
// once settled, the oracle transaction of the result it was settled on.
import { ApiProblem, api, formatCents, formatDate, h, showProblem, whenReady } from '/static/app.js';

const STATES = { accepted: 'En cours', won: 'Gagné', lost: 'Perdu', refunded: 'Remboursé' };
const STATUS = { 1: 'terminé', 2: 'annulé', 3: 'abandonné', 4: 'reporté', 5: 'nul (void)' };
const PHASES = {
  proposed: 'provisoire (publié, délai de contestation en cours)',
  disputed: 'contesté',
  final: 'définitif',
};

function resultText(result) {
  if (!result) return 'Pas encore de résultat';
  const values = result.values?.length ? result.values.join(' – ') : '';
  const status = STATUS[result.status] ?? `statut ${result.status}`;
  return `${result.status === 1 ? values : status} · ${PHASES[result.phase] ?? result.phase}`;
}

function transactionCell(bet) {
  const tx = bet.settlementTransaction;
  if (!tx?.hash) return bet.state === 'accepted' ? '—' : 'non disponible';
  const short = `${tx.hash.slice(0, 10)}…${tx.hash.slice(-8)}`;
  const label = h('span', { class: 'hash', title: tx.hash, dataset: { txHash: tx.hash } }, short);
  return tx.url ? h('a', { href: tx.url, rel: 'noopener' }, label) : label;
}

async function init() {
  const status = document.getElementById('bets-status');
  let bets;
  try {
    ({ bets } = await api('/me/bets?limit=100'));
  } catch (error) {
    status.hidden = true;
    showProblem(document.getElementById('problem'), error instanceof ApiProblem ? error : new ApiProblem(0, {}));
    return;
  }
  if (bets.length === 0) {
    status.replaceChildren('Vous n’avez pas encore parié. ', h('a', { href: '/' }, 'Voir les paris en cours'));
    return;
  }
  const names = new Map();
  // One GET /markets/{id} per market (its event's name from GET /events/{id}): the bet JSON names ids only.
  await Promise.all(
    [...new Set(bets.map((b) => b.marketId))].map(async (id) => {
      try {
        const market = await api(`/markets/${encodeURIComponent(id)}`);
        const event = await api(`/events/${encodeURIComponent(market.eventId)}`);
        names.set(id, { event: event.name, market });
      } catch {
        names.set(id, { event: `Marché ${id}`, market: null });
      }
    }),
  );
  const rows = bets.map((bet) => {
    const info = names.get(bet.marketId);
    const selection = info.market?.selections.find((s) => s.code === bet.selection);
    return h(
      'tr',
      { dataset: { bet: bet.id, state: bet.state } },
      h('td', {}, formatDate(bet.placedAt)),
      h('td', {}, info.event),
      h('td', {}, selection?.label ?? bet.selection),
      h('td', { class: 'num' }, formatCents(bet.stakeCents)),
      h('td', { dataset: { field: 'state' } }, STATES[bet.state] ?? bet.state),
      h('td', { dataset: { field: 'result' } }, resultText(bet.result)),
      h(
        'td',
        { class: 'num', dataset: { field: 'payout' } },
        bet.payoutCents === null ? '—' : formatCents(bet.payoutCents),
      ),
      h('td', { dataset: { field: 'transaction' } }, transactionCell(bet)),
    );
  });
  document.getElementById('bets-body').replaceChildren(...rows);
  document.getElementById('bets-table').hidden = false;
  status.hidden = true;
}

whenReady(init());
