// My bets: GET /me/bets (open, provisional result, settled) with each event's on-chain result and,
// the oracle transaction that published that result (the one a settled bet was paid on).
import { ApiProblem, announce, api, formatCents, formatDate, h, showProblem, whenReady } from '/static/app.js';
import { marketLabel, selectionLabel } from '/static/player/labels.js';

const STATES = { accepted: 'En cours', won: 'Gagné', lost: 'Perdu', refunded: 'Remboursé' };
// oracle ResultStatus: 1 Completed, 2 Cancelled, 3 Postponed, 4 Abandoned, 5 Void.
const STATUS = { 1: 'terminé', 2: 'annulé', 3: 'reporté', 4: 'abandonné', 5: 'nul (void)' };
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

/** The transaction that published the result the bet settles on (block number in the title). */
function transactionCell(bet) {
  const tx = bet.result?.transaction;
  if (!tx?.hash) return bet.result ? 'non disponible' : '—';
  return h(
    'code',
    {
      class: 'hash',
      title: tx.blockNumber === null ? 'Transaction de publication' : `Publiée au bloc ${tx.blockNumber}`,
      dataset: { txHash: tx.hash },
    },
    tx.hash,
  );
}

async function render() {
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
  // One GET /markets/{id} per market (its event's name from GET /events/{id}): the bet JSON names ids only.
  await Promise.all(
    [...new Set(bets.map((b) => b.marketId))]
      .filter((id) => !names.has(id))
      .map(async (id) => {
        try {
          const market = await api(`/markets/${encodeURIComponent(id)}`);
          const event = await api(`/events/${encodeURIComponent(market.eventId)}`);
          names.set(id, { event, market });
        } catch {
          names.set(id, { event: { name: `Marché ${id}` }, market: null });
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
      h(
        'td',
        {},
        info.event.name,
        info.market ? h('br') : '',
        info.market ? h('span', { class: 'small muted' }, marketLabel(info.market.definition)) : '',
      ),
      h('td', {}, selection ? selectionLabel(info.event, selection) : bet.selection),
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

/** marketId → { event, market }: read once per page. */
const names = new Map();
let rendering = Promise.resolve();
/** Renders again after the ones in flight (live messages may come in bursts). */
const rerender = () => (rendering = rendering.then(render, render));

// Live: a bet accepted or settled (on this page, in another tab, by the settler) re-reads the list.
document.addEventListener('verdict:me', (event) => {
  const data = event.detail;
  if (data?.kind !== 'bet.accepted' && data?.kind !== 'bet.settled') return;
  void rerender().then(() => {
    if (data.kind === 'bet.settled' && data.bet) {
      const what = STATES[data.bet.state] ?? data.bet.state;
      const payout = data.bet.payoutCents == null ? '' : ` : ${formatCents(data.bet.payoutCents)}`;
      announce(`Pari réglé — ${what}${payout}`);
    }
  });
});

whenReady(rerender());
