import pg from 'pg';
import { migrateKyc } from '../../../kyc/index.js';
import { migrateApi } from '../../../api/db/migrations.js';
import { ledgerTotal } from '../../../api/ledger/ledger.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

/** A database of its own with kyc's and api's migrations applied. */
export interface BettingDb {
  readonly db: TestDatabase;
  readonly pool: pg.Pool;
  /** Inserts a kyc account (and its limits row) with SQL, as kyc's signup would leave it. */
  account(options?: {
    status?: 'active' | 'suspended' | 'closed';
    withdrawalsAllowed?: boolean;
    weeklyDepositCents?: number | null;
    weeklyStakeCents?: number | null;
  }): Promise<string>;
  ledgerTotal(): Promise<bigint>;
  close(): Promise<void>;
}

export async function createBettingDb(label: string, max = 20): Promise<BettingDb> {
  return bettingDbOn(await createTestDatabase(label), max);
}

/** kyc's and api's migrations on a database a caller created (e.g. an oracle world's); `close()` drops it. */
export async function bettingDbOn(db: TestDatabase, max = 20): Promise<BettingDb> {
  const pool = new pg.Pool({ connectionString: db.url, max });
  await migrateKyc(pool);
  await migrateApi(pool);
  return {
    db,
    pool,
    async account(o = {}) {
      const { rows } = await pool.query<{ id: string }>(
        `with a as (insert into kyc.accounts (assurance_level, status, withdrawals_allowed) values ('eidas1', $1, $2) returning id),
              l as (insert into kyc.limits (account_id, weekly_deposit_cents, weekly_stake_cents, updated_at)
                    select id, $3, $4, now() from a)
         select id from a`,
        [
          o.status ?? 'active',
          o.withdrawalsAllowed ?? false,
          o.weeklyDepositCents === undefined ? 1_000_000 : o.weeklyDepositCents,
          o.weeklyStakeCents === undefined ? 1_000_000 : o.weeklyStakeCents,
        ],
      );
      return rows[0]!.id;
    },
    ledgerTotal: () => ledgerTotal(pool),
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}

/** The pg error a statement (or its commit) fails with. */
export async function pgError(
  work: Promise<unknown>,
): Promise<{ code?: string; constraint?: string; message: string }> {
  try {
    await work;
  } catch (error) {
    return error as { code?: string; constraint?: string; message: string };
  }
  throw new Error('expected the database to refuse');
}
