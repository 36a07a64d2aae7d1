import { atomically, callerTransaction, queryable, type Db, type StoreDb } from '../../lib/db/transaction.js';
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Row lock {@link readPlayerAccount} may take on `kyc.accounts`. */
export type AccountLock = 'none' | 'share' | 'update';

/**
 * The account view (status, limits, assurance, withdrawalsAllowed, canPlay) of one account, read
 * on `db`: pass the client of your transaction to read inside it. `lock: 'share'` takes
 * `FOR SHARE` on the `kyc.accounts` row until your transaction ends (suspension, closure and limit
 * changes wait for it: a bet checked against the view is placed against the view it checked);
 * `'update'` takes `FOR UPDATE`. Outside a transaction a lock ends with the statement.
 *
 * @param accountId - an account id (e.g. `req.user.accountId` after `requirePlayer`).
 * @returns null when no such account exists (or the id is not a UUID).
 */
export async function readPlayerAccount(
  db: Db,
  accountId: string,
  options: { lock?: AccountLock } = {},
): Promise<AccountView | null> {
  if (!UUID.test(accountId)) return null;
  const lock = options.lock ?? 'none';
  const clause = lock === 'share' ? 'for share of a' : lock === 'update' ? 'for update of a' : '';
  const { rows } = await db.query<AccountRow>(
    `select a.id, a.status, a.assurance_level, a.withdrawals_allowed, a.created_at,
            l.weekly_deposit_cents, l.weekly_stake_cents
       from kyc.accounts a left join kyc.limits l on l.account_id = a.id
      where a.id = $1 ${clause}`,
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

/** How long a re-check batch keeps its claim on accounts before another worker may take them. */
const EXCLUSION_CLAIM_SECONDS = 600;

/**
 * {@link AccountStore} on Postgres (schema `kyc`, see kyc/db/migrations).
 *
 * On a pool (`new PgAccountStore(pool)`) each write is a transaction of its own. On a caller's
 * transaction (`new PgAccountStore({ transaction: client })`, or the client itself) every statement
 * runs on that client, writes under a savepoint, and commits or rolls back with the caller's work:
 * the API can open an account and its wallet, or check limits and place a bet, in one transaction.
 */
export class PgAccountStore implements AccountStore {
  constructor(private readonly db: StoreDb) {}

  private get q(): Db {
    return queryable(this.db);
  }

  private tx<T>(fn: (c: Db) => Promise<T>): Promise<T> {
    return atomically(this.db, fn);
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
    const { rows } = await this.q.query<{ account_id: string; status: AccountStatus }>(
      `select i.account_id, a.status from kyc.identities i join kyc.accounts a on a.id = i.account_id
        where i.provider = $1 and i.subject = $2`,
      [provider, subject],
    );
    const row = rows[0];
    return row ? { accountId: row.account_id, status: row.status } : null;
  }

  async getAccount(accountId: string): Promise<AccountView | null> {
    return readPlayerAccount(this.q, accountId);
  }

  async setLimits(accountId: string, limits: { weeklyDepositCents: number; weeklyStakeCents: number }) {
    return this.tx(async (c) => {
      // Waits for transactions reading the account FOR SHARE (a bet checked against the old limits).
      await c.query('select 1 from kyc.accounts where id = $1 for update', [accountId]);
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
    await insertAudit(this.q, entry);
  }

  /**
   * One batch of the re-check, holding no row lock while `isExcluded` runs (it may call a remote
   * register): (1) one statement claims up to `limit` due accounts with a lease
   * (`exclusion_claimed_until`, skipping rows another worker is claiming), (2) `isExcluded` runs with
   * no transaction open, (3) one short transaction suspends the excluded (if still active) and stamps
   * the check. If `isExcluded` throws, the claims are released and nothing is stamped; if the worker
   * dies, the lease expires and the accounts are due again.
   *
   * @throws TypeError on a store bound to a caller's transaction (the batch needs transactions of its own).
   */
  async exclusionCheckBatch(
    checkedBefore: Date,
    limit: number,
    isExcluded: (identity: DueIdentity) => Promise<boolean>,
  ): Promise<{ checked: number; suspended: string[] }> {
    if (callerTransaction(this.db)) {
      throw new TypeError('exclusionCheckBatch runs on the pool, never inside a caller transaction');
    }
    const { rows } = await this.q.query<{
      account_id: string;
      identity_id: string;
      pivot_key_id: string;
      pivot_ciphertext: Buffer;
    }>(
      `with claimed as (
         update kyc.accounts a set exclusion_claimed_until = now() + make_interval(secs => $3)
          where a.id in (select d.id from kyc.accounts d
                          where d.status = 'active' and d.exclusion_checked_at < $1
                            and (d.exclusion_claimed_until is null or d.exclusion_claimed_until < now())
                          order by d.exclusion_checked_at
                          limit $2
                          for update skip locked)
         returning a.id)
       select i.account_id, i.id as identity_id, i.pivot_key_id, i.pivot_ciphertext
         from claimed c join kyc.identities i on i.account_id = c.id`,
      [checkedBefore, limit, EXCLUSION_CLAIM_SECONDS],
    );
    if (rows.length === 0) return { checked: 0, suspended: [] };
    const ids = rows.map((r) => r.account_id);
    const excluded: string[] = [];
    try {
      for (const r of rows) {
        const due = {
          accountId: r.account_id,
          identityId: r.identity_id,
          sealedPivot: { keyId: r.pivot_key_id, data: r.pivot_ciphertext },
        };
        if (await isExcluded(due)) excluded.push(r.account_id);
      }
    } catch (error) {
      await this.q
        .query('update kyc.accounts set exclusion_claimed_until = null where id = any($1::uuid[])', [ids])
        .catch(() => undefined); // the lease expires anyway; the register's error is the one to report
      throw error;
    }
    return this.tx(async (c) => {
      const suspended: string[] = [];
      for (const id of excluded) if (await suspendIn(c, id, 'self_excluded')) suspended.push(id);
      await c.query(
        `update kyc.accounts set exclusion_checked_at = now(), exclusion_claimed_until = null
          where id = any($1::uuid[])`,
        [ids],
      );
      return { checked: rows.length, suspended };
    });
  }

  async identitiesNotSealedWith(activeKeyId: string, limit: number): Promise<DueIdentity[]> {
    const { rows } = await this.q.query<{
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
    const { rowCount } = await this.q.query(
      `update kyc.identities set pivot_key_id = $3, pivot_ciphertext = $4 where id = $1 and pivot_key_id = $2`,
      [identityId, previousKeyId, sealed.keyId, sealed.data],
    );
    return rowCount === 1;
  }
}

async function suspendIn(c: Db, accountId: string, reason: string): Promise<boolean> {
  const { rowCount } = await c.query(
    `update kyc.accounts set status = 'suspended', suspended_at = now(), suspension_reason = $2
      where id = $1 and status = 'active'`,
    [accountId, reason],
  );
  if (rowCount !== 1) return false;
  await insertAudit(c, { event: 'account_suspended', accountId, code: reason });
  return true;
}

async function insertAudit(c: Db, e: AuditEntry): Promise<void> {
  await c.query('insert into kyc.audit_log (event, account_id, provider, code, detail) values ($1, $2, $3, $4, $5)', [
    e.event,
    e.accountId ?? null,
    e.provider ?? null,
    e.code ?? null,
    JSON.stringify(e.detail ?? {}),
  ]);
}
