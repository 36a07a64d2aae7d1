import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { withTransaction } from '../../lib/db/transaction.js';
import { PgAccountStore, migrateKyc, readPlayerAccount, type NewAccount } from '../../kyc/index.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

const newAccount = (overrides: Partial<NewAccount> = {}): NewAccount => ({
  identityId: randomUUID(),
  provider: 'franceconnect',
  subject: randomBytes(8).toString('hex'),
  identityKey: randomBytes(32),
  acr: 'eidas1',
  verifiedAt: new Date(),
  sealedPivot: { keyId: 'k1', data: randomBytes(40) },
  withdrawalsAllowed: false,
  ...overrides,
});

describe('kyc stores on Postgres: caller transactions, account reads with locks, the re-check without row locks', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: PgAccountStore;

  beforeAll(async () => {
    db = await createTestDatabase('kyc_tx');
    pool = new pg.Pool({ connectionString: db.url, max: 6 });
    pool.on('error', () => undefined);
    await migrateKyc(pool);
    store = new PgAccountStore(pool);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  const create = async (overrides: Partial<NewAccount> = {}) => {
    const result = await store.createAccount(newAccount(overrides));
    if (result.kind !== 'created') throw new Error(result.kind);
    return result.accountId;
  };
  /** Makes every active account due for the re-check. */
  const allDue = () => pool.query(`update kyc.accounts set exclusion_checked_at = now() - interval '8 days'`);
  const cutoff = () => new Date(Date.now() - 7 * 86_400_000);
  /** A statement on a connection of its own that fails at once (55P03) instead of waiting for a lock. */
  const withoutWaiting = async (sql: string, params: unknown[]) => {
    const client = await pool.connect();
    try {
      await client.query(`set lock_timeout = '100ms'`);
      await client.query(sql, params);
      return 'ran';
    } catch (error) {
      return (error as { code?: string }).code ?? 'error';
    } finally {
      // Destroyed rather than returned: the session-level lock_timeout must not reach other tests.
      client.release(true);
    }
  };
  const openTransactions = async () => {
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and state like 'idle in transaction%' and pid <> pg_backend_pid()`,
    );
    return rows[0]!.n;
  };

  describe('exclusionCheckBatch', () => {
    beforeEach(async () => {
      await pool.query(`update kyc.accounts set status = 'closed'`);
    });

    it('holds no row lock and no open transaction while it awaits the register', async () => {
      const ids = [await create(), await create()];
      await allDue();
      const seen: { lock: string; update: string; open: number }[] = [];
      const result = await store.exclusionCheckBatch(cutoff(), 10, async (due) => {
        // What a remote register call looks like from the database: other sessions must not wait.
        seen.push({
          lock: await withoutWaiting('select 1 from kyc.accounts where id = $1 for update', [due.accountId]),
          update: await withoutWaiting(`update kyc.limits set updated_at = now() where account_id = $1`, [
            due.accountId,
          ]),
          open: await openTransactions(),
        });
        return due.accountId === ids[1];
      });
      expect(seen).toEqual([
        { lock: 'ran', update: 'ran', open: 0 },
        { lock: 'ran', update: 'ran', open: 0 },
      ]);
      expect(result).toEqual({ checked: 2, suspended: [ids[1]] });
      const { rows } = await pool.query<{ id: string; status: string; fresh: boolean; claimed: boolean }>(
        `select id, status, exclusion_checked_at > now() - interval '1 minute' as fresh,
                exclusion_claimed_until is not null as claimed
           from kyc.accounts where id = any($1::uuid[]) order by created_at`,
        [ids],
      );
      expect(rows).toEqual([
        { id: ids[0], status: 'active', fresh: true, claimed: false },
        { id: ids[1], status: 'suspended', fresh: true, claimed: false },
      ]);
    });

    it('does not let a concurrent batch take accounts another batch has claimed', async () => {
      await create();
      await create();
      await allDue();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let calls = 0;
      const first = store.exclusionCheckBatch(cutoff(), 10, async () => {
        calls++;
        await gate;
        return false;
      });
      while (calls === 0) await new Promise((r) => setTimeout(r, 10));
      expect(await store.exclusionCheckBatch(cutoff(), 10, () => Promise.resolve(false))).toEqual({
        checked: 0,
        suspended: [],
      });
      release();
      expect((await first).checked).toBe(2);
    });

    it('releases its claims and stamps nothing when the register fails; the next run checks them', async () => {
      const id = await create();
      await allDue();
      await expect(
        store.exclusionCheckBatch(cutoff(), 10, () => Promise.reject(new Error('register unreachable'))),
      ).rejects.toThrow('register unreachable');
      const { rows } = await pool.query<{ due: boolean; claimed: boolean }>(
        `select exclusion_checked_at < now() - interval '7 days' as due, exclusion_claimed_until is not null as claimed
           from kyc.accounts where id = $1`,
        [id],
      );
      expect(rows[0]).toEqual({ due: true, claimed: false });
      expect(await store.exclusionCheckBatch(cutoff(), 10, () => Promise.resolve(false))).toEqual({
        checked: 1,
        suspended: [],
      });
    });

    it('takes accounts again once a dead worker’s lease has expired', async () => {
      const id = await create();
      await allDue();
      await pool.query(`update kyc.accounts set exclusion_claimed_until = now() - interval '1 second' where id = $1`, [
        id,
      ]);
      expect((await store.exclusionCheckBatch(cutoff(), 10, () => Promise.resolve(false))).checked).toBe(1);
    });

    it('refuses to run inside a caller transaction', async () => {
      await withTransaction(pool, async (client) => {
        await expect(
          new PgAccountStore({ transaction: client }).exclusionCheckBatch(cutoff(), 10, () => Promise.resolve(false)),
        ).rejects.toThrow(TypeError);
      });
    });
  });

  describe('readPlayerAccount', () => {
    it('reads the account view on the caller client; null for an unknown or malformed id', async () => {
      const id = await create({ withdrawalsAllowed: true, acr: 'eidas2' });
      await store.setLimits(id, { weeklyDepositCents: 10_000, weeklyStakeCents: 5_000 });
      const view = await withTransaction(pool, (client) => readPlayerAccount(client, id));
      expect(view).toMatchObject({
        id,
        status: 'active',
        assuranceLevel: 'eidas2',
        withdrawalsAllowed: true,
        limits: { weeklyDepositCents: 10_000, weeklyStakeCents: 5_000 },
        canPlay: true,
      });
      expect(await readPlayerAccount(pool, randomUUID())).toBeNull();
      expect(await readPlayerAccount(pool, "x' or 1=1 --")).toBeNull();
    });

    it('sees what the caller wrote earlier in its own transaction', async () => {
      await withTransaction(pool, async (client) => {
        const created = await new PgAccountStore({ transaction: client }).createAccount(newAccount());
        if (created.kind !== 'created') throw new Error(created.kind);
        expect(await readPlayerAccount(client, created.accountId)).toMatchObject({ canPlay: false });
        expect(await readPlayerAccount(pool, created.accountId)).toBeNull();
      });
    });

    it.each([
      ['share', 'ran', '55P03'],
      ['update', '55P03', '55P03'],
      ['none', 'ran', 'ran'],
    ] as const)(
      'lock %s: a concurrent FOR SHARE %s, a concurrent suspension or limit change %s until the caller commits',
      async (lock, share, write) => {
        const id = await create();
        await withTransaction(pool, async (client) => {
          expect(await readPlayerAccount(client, id, { lock })).not.toBeNull();
          expect(await withoutWaiting('select 1 from kyc.accounts where id = $1 for share', [id])).toBe(share);
          expect(await withoutWaiting(`update kyc.accounts set status = 'suspended' where id = $1`, [id])).toBe(write);
          // setLimits locks the account row first, so it waits for a bet's FOR SHARE read too.
          const limits = new PgAccountStore(pool).setLimits(id, { weeklyDepositCents: 1, weeklyStakeCents: 1 });
          const raced = await Promise.race([
            limits.then(() => 'ran'),
            new Promise((r) => setTimeout(() => r('waiting'), 200)),
          ]);
          expect(raced).toBe(write === 'ran' ? 'ran' : 'waiting');
          if (raced === 'waiting') {
            // Let it finish after the caller commits.
            void limits.catch(() => undefined);
          }
        });
      },
    );
  });

  describe('PgAccountStore on a caller transaction', () => {
    it('commits and rolls back with the caller: account and the caller’s own rows together', async () => {
      await pool.query('create table if not exists public.wallets (account_id uuid primary key)');
      const before = (await pool.query('select count(*)::int as n from kyc.accounts')).rows[0] as { n: number };
      await expect(
        withTransaction(pool, async (client) => {
          const created = await new PgAccountStore({ transaction: client }).createAccount(newAccount());
          if (created.kind !== 'created') throw new Error(created.kind);
          await client.query('insert into public.wallets values ($1)', [created.accountId]);
          throw new Error('the wallet step failed');
        }),
      ).rejects.toThrow('the wallet step failed');
      const after = (await pool.query('select count(*)::int as n from kyc.accounts')).rows[0] as { n: number };
      expect(after.n).toBe(before.n);
      expect((await pool.query('select * from public.wallets')).rowCount).toBe(0);
    });

    it("answers a duplicate person inside the caller's transaction and leaves it usable (savepoint)", async () => {
      const key = randomBytes(32);
      await create({ identityKey: key });
      const outcome = await withTransaction(pool, async (client) => {
        const inTx = new PgAccountStore({ transaction: client });
        const duplicate = await inTx.createAccount(newAccount({ identityKey: key }));
        const other = await inTx.createAccount(newAccount());
        return { duplicate: duplicate.kind, other: other.kind };
      });
      expect(outcome).toEqual({ duplicate: 'duplicate-person', other: 'created' });
    });
  });
});
