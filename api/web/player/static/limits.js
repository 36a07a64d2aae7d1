// The limits step (after signup, or to change them): PUT /auth/me/limits with both weekly limits in cents.
import {
  ApiProblem,
  api,
  clearProblem,
  currentPlayer,
  formatCents,
  h,
  parseEuros,
  showProblem,
  whenReady,
} from '/static/app.js';

const form = document.getElementById('limits-form');
const problem = document.getElementById('limits-problem');
const result = document.getElementById('limits-result');
const deposit = document.getElementById('weekly-deposit');
const stake = document.getElementById('weekly-stake');

const asInput = (cents) => (cents === null || cents === undefined ? '' : (cents / 100).toFixed(2).replace('.', ','));

async function init() {
  let me;
  try {
    me = await currentPlayer();
  } catch (error) {
    showProblem(problem, error);
    return;
  }
  if (!me) {
    showProblem(
      problem,
      new ApiProblem(401, { code: 'KYC_NOT_AUTHENTICATED', detail: 'Connectez-vous pour fixer vos limites.' }),
    );
    form.hidden = true;
    return;
  }
  deposit.value = asInput(me.limits?.weeklyDepositCents);
  stake.value = asInput(me.limits?.weeklyStakeCents);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearProblem(problem);
  result.hidden = true;
  const weeklyDepositCents = parseEuros(deposit.value);
  const weeklyStakeCents = parseEuros(stake.value);
  deposit.toggleAttribute('aria-invalid', weeklyDepositCents === null);
  stake.toggleAttribute('aria-invalid', weeklyStakeCents === null);
  if (weeklyDepositCents === null || weeklyStakeCents === null) {
    showProblem(problem, new ApiProblem(0, { code: 'KYC_LIMITS_INVALID', detail: 'Indiquez deux montants en euros.' }));
    (weeklyDepositCents === null ? deposit : stake).focus();
    return;
  }
  try {
    const account = await api('/auth/me/limits', { method: 'PUT', body: { weeklyDepositCents, weeklyStakeCents } });
    result.replaceChildren(
      `Limites enregistrées : dépôts ${formatCents(account.limits.weeklyDepositCents)}, mises ${formatCents(account.limits.weeklyStakeCents)} par 7 jours. `,
      h('a', { href: '/account/wallet' }, 'Déposer sur mon compte'),
      ' · ',
      h('a', { href: '/' }, 'Parier'),
    );
    result.hidden = false;
  } catch (error) {
    showProblem(problem, error);
  }
});

whenReady(init());
