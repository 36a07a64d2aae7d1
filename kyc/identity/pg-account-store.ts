import type pg from 'pg';
import type {
  AccountStatus,
  AccountStore,
  AccountView,
  AssuranceMeasureKind,
  AuditEntry,
  CreateAccountResult,
  DueIdentity,
  NewAccount,
} from './account-store.js';
import type { SealedBox } from '../crypto/identity-cipher.js';

type Db = Pick<pg.Pool, 'query' | 'connect'>;

interface AccountRow {
  id: string;
  status: AccountStatus;
  assurance_level: string;
  withdrawals_allowed: boolean;
  created_at: Date;
  weekly_deposit_cents: string | null;
  weekly_stake_cents: string | null;
}

const toNumber = (v: string | null): number | null => (v === null ? null : Number(v));

/** {@link AccountStore} on Postgres (schema `kyc`, see kyc/db/migrations). */
export class PgAccountStore implements AccountStore {
  constructor(private readonly db: Db) {}

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.db.connect();
    try {
      await c.query('begin');
      const result = await fn(c);
      await c.query('commit');
      return result;
    } catch (error) {
      await c.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      c.release();
    }
  }

  async createAccount(a: NewAccount): Promise<CreateAccountResult> {
    try {
      return await this.tx(async (c) => {
        const { rows } = await c.query<{ id: string }>(
          'insert into kyc.accounts (assurance_level, withdrawals_allowed) values ($1, $2) returning id',
          [a.acr, a.withdrawalsAllowed],
        );
        const accountId = rows[0]!.id;
        await c.query(
          `insert into kyc.identities
             (id, account_id, provider, subject, identity_key, acr, verified_at, pivot_key_id, pivot_ciphertext)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            a.identityId,
            accountId,
            a.provider,
            a.subject,
            a.identityKey,
            a.acr,
            a.verifiedAt,
            a.sealedPivot.keyId,
            a.sealedPivot.data,
          ],
        );
        await c.query('insert into kyc.limits (account_id) values ($1)', [accountId]);
        await insertAudit(c, { event: 'account_created', accountId, provider: a.provider, detail: { acr: a.acr } });
        return { kind: 'created', accountId } as const;
      });
    } catch (error) {
      const pgError = error as { code?: string; constraint?: string };
      if (pgError.code === '23505' && pgError.constraint === 'identities_identity_key') {
        return { kind: 'duplicate-person' };
      }
      if (pgError.code === '23505' && pgError.constraint === 'identities_provider_subject') {
        return { kind: 'duplicate-subject' };
      }
      throw error;
    }
  }

  async findByProviderSubject(provider: string, subject: string) {
    const { rows } = await this.db.query<{ account_id: string; status: AccountStatus }>(
      `select i.account_id, a.status from kyc.identities i join kyc.accounts a on a.id = i.account_id
        where i.provider = $1 and i.subject = $2`,
      [provider, subject],
    );
    const row = rows[0];
    return row ? { accountId: row.account_id, status: row.status } : null;
  }

  async getAccount(accountId: string): Promise<AccountView | null> {
    const { rows } = await this.db.query<AccountRow>(
      `select a.id, a.status, a.assurance_level, a.withdrawals_allowed, a.created_at,
              l.weekly_deposit_cents, l.weekly_stake_cents
         from kyc.accounts a left join kyc.limits l on l.account_id = a.id
        where a.id = $1`,
      [accountId],
    );
    const r = rows[0];
    if (!r) return null;
    const limits = {
      weeklyDepositCents: toNumber(r.weekly_deposit_cents),
      weeklyStakeCents: toNumber(r.weekly_stake_cents),
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
  }

  async setLimits(accountId: string, limits: { weeklyDepositCents: number; weeklyStakeCents: number }) {
    return this.tx(async (c) => {
      const { rowCount } = await c.query(
        `update kyc.limits set weekly_deposit_cents = $2, weekly_stake_cents = $3, updated_at = now()
          where account_id = $1`,
        [accountId, limits.weeklyDepositCents, limits.weeklyStakeCents],
      );
      if (rowCount !== 1) return false;
      await insertAudit(c, { event: 'limits_set', accountId, detail: { ...limits } });
      return true;
    });
  }

  async recordAssuranceMeasure(accountId: string, kind: AssuranceMeasureKind, reference: string | null) {
    return this.tx(async (c) => {
      const { rowCount } = await c.query('update kyc.accounts set withdrawals_allowed = true where id = $1', [
        accountId,
      ]);
      if (rowCount !== 1) return false;
      await c.query('insert into kyc.assurance_measures (account_id, kind, reference) values ($1, $2, $3)', [
        accountId,
        kind,
        reference,
      ]);
      await insertAudit(c, { event: 'assurance_measure_recorded', accountId, detail: { kind } });
      return true;
    });
  }

  async suspend(accountId: string, reason: string) {
    return this.tx(async (c) => {
      const changed = await suspendIn(c, accountId, reason);
      return changed;
    });
  }

  async audit(entry: AuditEntry): Promise<void> {
    await insertAudit(this.db, entry);
  }

  async exclusionCheckBatch(
    checkedBefore: Date,
    limit: number,
    isExcluded: (identity: DueIdentity) => Promise<boolean>,
  ): Promise<{ checked: number; suspended: string[] }> {
    return this.tx(async (c) => {
      const { rows } = await c.query<{
        account_id: string;
        identity_id: string;
        pivot_key_id: string;
        pivot_ciphertext: Buffer;
      }>(
        `select a.id as account_id, i.id as identity_id, i.pivot_key_id, i.pivot_ciphertext
           from kyc.accounts a join kyc.identities i on i.account_id = a.id
          where a.status = 'active' and a.exclusion_checked_at < $1
          order by a.exclusion_checked_at
          limit $2
          for update of a skip locked`,
        [checkedBefore, limit],
      );
      const suspended: string[] = [];
      for (const r of rows) {
        const due = {
          accountId: r.account_id,
          identityId: r.identity_id,
          sealedPivot: { keyId: r.pivot_key_id, data: r.pivot_ciphertext },
        };
        if (await isExcluded(due)) {
          await suspendIn(c, r.account_id, 'self_excluded');
          suspended.push(r.account_id);
        }
      }
      if (rows.length > 0) {
        await c.query('update kyc.accounts set exclusion_checked_at = now() where id = any($1::uuid[])', [
          rows.map((r) => r.account_id),
        ]);
      }
      return { checked: rows.length, suspended };
    });
  }

  async identitiesNotSealedWith(activeKeyId: string, limit: number): Promise<DueIdentity[]> {
    const { rows } = await this.db.query<{
      account_id: string;
      id: string;
      pivot_key_id: string;
      pivot_ciphertext: Buffer;
    }>(`select account_id, id, pivot_key_id, pivot_ciphertext from kyc.identities where pivot_key_id <> $1 limit $2`, [
      activeKeyId,
      limit,
    ]);
    return rows.map((r) => ({
      accountId: r.account_id,
      identityId: r.id,
      sealedPivot: { keyId: r.pivot_key_id, data: r.pivot_ciphertext },
    }));
  }

  async replaceSealedPivot(identityId: string, previousKeyId: string, sealed: SealedBox): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `update kyc.identities set pivot_key_id = $3, pivot_ciphertext = $4 where id = $1 and pivot_key_id = $2`,
      [identityId, previousKeyId, sealed.keyId, sealed.data],
    );
    return rowCount === 1;
  }
}

async function suspendIn(c: Pick<pg.PoolClient, 'query'>, accountId: string, reason: string): Promise<boolean> {
  const { rowCount } = await c.query(
    `update kyc.accounts set status = 'suspended', suspended_at = now(), suspension_reason = $2
      where id = $1 and status = 'active'`,
    [accountId, reason],
  );
  if (rowCount !== 1) return false;
  await insertAudit(c, { event: 'account_suspended', accountId, code: reason });
  return true;
}

async function insertAudit(c: Pick<pg.PoolClient, 'query'>, e: AuditEntry): Promise<void> {
  await c.query('insert into kyc.audit_log (event, account_id, provider, code, detail) values ($1, $2, $3, $4, $5)', [
    e.event,
    e.accountId ?? null,
    e.provider ?? null,
    e.code ?? null,
    JSON.stringify(e.detail ?? {}),
  ]);
}
