// Wallet: balance (GET /me/balance), limits (GET /auth/me), deposit and withdraw with the sandbox
// provider (POST /me/deposits, /me/withdrawals, one Idempotency-Key per submission), statement (GET /me/statement).
import {
  ApiProblem,
  api,
  clearProblem,
  currentPlayer,
  formatCents,
  formatDate,
  h,
  newIdempotencyKey,
  parseEuros,
  refreshBalance,
  showProblem,
  whenReady,
} from '/static/app.js';

const KINDS = {
  deposit: 'Dépôt',
  withdrawal: 'Retrait',
  withdrawal_reversal: 'Retrait annulé (remboursé)',
  bet: 'Pari',
  settlement: 'Gain / remboursement',
  settlement_reversal: 'Règlement annulé',
  correction: 'Correction',
};

async function showBalance() {
  const { balanceCents } = await api('/me/balance');
  document.getElementById('balance').textContent = formatCents(balanceCents);
  await refreshBalance();
}

async function showStatement() {
  const { lines } = await api('/me/statement?limit=50');
  const body = document.getElementById('statement-body');
  if (lines.length === 0) {
    body.replaceChildren(h('tr', {}, h('td', { colspan: '3', class: 'muted' }, 'Aucun mouvement.')));
    return;
  }
  body.replaceChildren(
    ...lines.map((l) =>
      h(
        'tr',
        { dataset: { kind: l.kind } },
        h('td', {}, formatDate(l.at)),
        h('td', {}, KINDS[l.kind] ?? l.kind),
        h('td', { class: 'num' }, formatCents(l.amountCents)),
      ),
    ),
  );
}

function wire(kind, path) {
  const form = document.getElementById(`${kind}-form`);
  const input = document.getElementById(`${kind}-amount`);
  const problem = document.getElementById(`${kind}-problem`);
  const result = document.getElementById('wallet-result');
  let pending = null;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblem(problem);
    result.hidden = true;
    const amountCents = parseEuros(input.value);
    if (amountCents === null || amountCents <= 0) {
      input.setAttribute('aria-invalid', 'true');
      showProblem(
        problem,
        new ApiProblem(0, { code: 'AMOUNT_INVALID', detail: 'Indiquez un montant en euros, par exemple 20 ou 12,50.' }),
      );
      input.focus();
      return;
    }
    input.removeAttribute('aria-invalid');
    if (pending?.amountCents !== amountCents) pending = { amountCents, key: newIdempotencyKey() };
    document.body.dataset.busy = 'true';
    try {
      const payment = await api(path, { method: 'POST', body: { amountCents }, idempotencyKey: pending.key });
      pending = null;
      const what = kind === 'deposit' ? 'Dépôt' : 'Retrait';
      result.textContent =
        payment.state === 'completed'
          ? `${what} de ${formatCents(payment.amountCents)} effectué.`
          : `${what} de ${formatCents(payment.amountCents)} en attente de confirmation du prestataire.`;
      result.hidden = false;
      input.value = '';
      await Promise.all([showBalance(), showStatement()]);
    } catch (error) {
      if (!(error instanceof ApiProblem) || error.code !== 'NETWORK') pending = null;
      showProblem(problem, error);
    } finally {
      delete document.body.dataset.busy;
    }
  });
}

async function init() {
  wire('deposit', '/me/deposits');
  wire('withdraw', '/me/withdrawals');
  try {
    const me = await currentPlayer();
    if (!me)
      throw new ApiProblem(401, { code: 'KYC_NOT_AUTHENTICATED', detail: 'Connectez-vous pour voir votre compte.' });
    const summary = document.getElementById('limits-summary');
    if (me.limits?.weeklyDepositCents != null && me.limits?.weeklyStakeCents != null) {
      summary.textContent = `Vos limites sur 7 jours : dépôts ${formatCents(me.limits.weeklyDepositCents)}, mises ${formatCents(me.limits.weeklyStakeCents)}.`;
    } else {
      summary.replaceChildren(
        'Vous n’avez pas encore fixé vos limites : ',
        h('a', { href: '/account/limits' }, 'fixer mes limites'),
        '.',
      );
    }
    await Promise.all([showBalance(), showStatement()]);
  } catch (error) {
    showProblem(document.getElementById('problem'), error);
  }
}

// Live: the balance and the statement follow the `me` channel (a settlement, a deposit in another tab…).
document.addEventListener('verdict:me', (event) => {
  const data = event.detail;
  if (data?.kind === 'balance' && typeof data.balanceCents === 'number') {
    document.getElementById('balance').textContent = formatCents(data.balanceCents);
    void showStatement().catch(() => undefined);
  }
});

whenReady(init());
