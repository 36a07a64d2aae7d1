import type { AccountView } from '../../../kyc/index.js';
import type { PlayerAccounts } from '../../../api/ports.js';

/**
 * {@link PlayerAccounts} over the real kyc tables, with the row lock asked for: what kyc's coming
 * `readPlayerAccount(db, accountId, { lock })` does (same view as `PgAccountStore.getAccount`).
 */
export const sqlPlayerAccounts: PlayerAccounts = {
  async read(db, accountId, options = {}) {
    const lock =
      options.lock === 'update' ? 'for no key update of a' : options.lock === 'share' ? 'for share of a' : '';
    const { rows } = await db.query<{
      id: string;
      status: AccountView['status'];
      assurance_level: string;
      withdrawals_allowed: boolean;
      created_at: Date;
      weekly_deposit_cents: string | null;
      weekly_stake_cents: string | null;
    }>(
      `select a.id, a.status, a.assurance_level, a.withdrawals_allowed, a.created_at,
              l.weekly_deposit_cents, l.weekly_stake_cents
         from kyc.accounts a left join kyc.limits l on l.account_id = a.id
        where a.id = $1 ${lock}`,
      [accountId],
    );
    const r = rows[0];
    if (!r) return null;
    const limits = {
      weeklyDepositCents: r.weekly_deposit_cents === null ? null : Number(r.weekly_deposit_cents),
      weeklyStakeCents: r.weekly_stake_cents === null ? null : Number(r.weekly_stake_cents),
    };
    return {
      id: r.id,
      status: r.status,
      assuranceLevel: r.assurance_level,
      withdrawalsAllowed: r.withdrawals_allowed && r.status === 'active',
      limits,
      canPlay: r.status === 'active' && limits.weeklyDepositCents !== null && limits.weeklyStakeCents !== null,
      createdAt: r.created_at,
    };
  },
};
