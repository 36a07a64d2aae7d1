import { withTransaction } from '../../lib/db/transaction.js';
import { ensurePlayerCash, postTransaction, readBalance, singletonAccounts } from '../../api/ledger/ledger.js';
import { createBettingDb, pgError, type BettingDb } from './support/db.js';

describe('ledger invariants (real Postgres, raw SQL trying to break each)', () => {
  let b: BettingDb;
  let player: string;
  let cash: string;
  let outside: string;
  let house: string;
  beforeAll(async () => {
    b = await createBettingDb('api_ledger');
    player = await b.account();
    cash = await ensurePlayerCash(b.pool, player);
    ({ outsideWorld: outside, houseRevenue: house } = await singletonAccounts(b.pool));
    await withTransaction(b.pool, (c) =>
      postTransaction(c, 'deposit', [
        { accountId: outside, amountCents: -10_000n },
        { accountId: cash, amountCents: 10_000n },
      ]),
    );
  });
  afterAll(async () => {
    expect(await b.ledgerTotal()).toBe(0n);
    await b.close();
  });

  it('keeps the player balance as the sum of its entries', async () => {
    expect(await readBalance(b.pool, player)).toBe(10_000n);
    const { rows } = await b.pool.query<{ s: string }>(
      'select sum(amount_cents)::bigint as s from betting.ledger_entries where account_id = $1',
      [cash],
    );
    expect(BigInt(rows[0]!.s)).toBe(10_000n);
  });

  it('refuses, at commit, a transaction whose entries do not sum to zero', async () => {
    const error = await pgError(
      withTransaction(b.pool, async (c) => {
        const { rows } = await c.query<{ id: string }>(
          "insert into betting.ledger_transactions (kind) values ('correction') returning id",
        );
        await c.query('insert into betting.ledger_entries values ($1, $2, 5), ($1, $3, -4)', [
          rows[0]!.id,
          house,
          outside,
        ]);
      }),
    );
    expect(error).toMatchObject({ code: '23514', constraint: 'ledger_transaction_balanced' });
    expect(await b.ledgerTotal()).toBe(0n);
  });

  it('refuses a transaction with no entries or a single one', async () => {
    const empty = await pgError(
      withTransaction(b.pool, (c) => c.query("insert into betting.ledger_transactions (kind) values ('correction')")),
    );
    expect(empty.constraint).toBe('ledger_transaction_balanced');
    const zero = await pgError(
      withTransaction(b.pool, async (c) => {
        const { rows } = await c.query<{ id: string }>(
          "insert into betting.ledger_transactions (kind) values ('correction') returning id",
        );
        await c.query('insert into betting.ledger_entries values ($1, $2, 0)', [rows[0]!.id, house]);
      }),
    );
    expect(zero.constraint).toBe('ledger_entries_not_zero');
  });

  it('refuses entries added to a transaction committed earlier (even if they balance)', async () => {
    const tx = await withTransaction(b.pool, (c) =>
      postTransaction(c, 'correction', [
        { accountId: house, amountCents: 1n },
        { accountId: outside, amountCents: -1n },
      ]),
    );
    const error = await pgError(
      b.pool.query('insert into betting.ledger_entries values ($1, $2, 3), ($1, $3, -3) on conflict do nothing', [
        tx,
        cash,
        house,
      ]),
    );
    expect(error).toMatchObject({ code: '23514', constraint: 'ledger_entries_same_transaction' });
  });

  it('refuses an entry whose transaction or account does not exist (checked once per statement)', async () => {
    const missing = '9223372036854775807';
    const noAccount = await pgError(
      withTransaction(b.pool, async (c) => {
        const { rows } = await c.query<{ id: string }>(
          "insert into betting.ledger_transactions (kind) values ('correction') returning id",
        );
        await c.query('insert into betting.ledger_entries values ($1, $2, 5), ($1, $3, -5)', [
          rows[0]!.id,
          house,
          missing,
        ]);
      }),
    );
    expect(noAccount).toMatchObject({ code: '23503', constraint: 'ledger_entries_account_id_fkey' });
    const noTransaction = await pgError(
      b.pool.query('insert into betting.ledger_entries values ($1, $2, 5), ($1, $3, -5)', [missing, house, outside]),
    );
    expect(noTransaction).toMatchObject({ code: '23503', constraint: 'ledger_entries_transaction_id_fkey' });
    // The referenced rows cannot go away under the entries: never deleted, truncated or renumbered.
    for (const sql of [
      'update betting.ledger_accounts set id = default where id = $1',
      'update betting.ledger_transactions set id = default where id = (select max(id) from betting.ledger_transactions where $1::bigint > 0)',
      'delete from betting.ledger_accounts where id = $1',
      'truncate betting.ledger_accounts cascade',
    ]) {
      expect([sql, (await pgError(b.pool.query(sql, sql.includes('$1') ? [house] : []))).code]).toEqual([sql, '23001']);
    }
    expect(await b.ledgerTotal()).toBe(0n);
  });

  it('refuses update, delete and truncate of entries and transactions', async () => {
    for (const sql of [
      'update betting.ledger_entries set amount_cents = amount_cents * 2',
      'delete from betting.ledger_entries',
      'truncate betting.ledger_entries cascade',
      "update betting.ledger_transactions set kind = 'bet'",
      'delete from betting.ledger_transactions',
      'truncate betting.ledger_transactions cascade',
    ]) {
      expect([sql, (await pgError(b.pool.query(sql))).code]).toEqual([sql, '23001']);
    }
  });

  it('refuses a balance written directly, a wallet opened with money in it, and a deleted account', async () => {
    expect(
      (await pgError(b.pool.query('update betting.ledger_accounts set balance_cents = 1e9 where id = $1', [cash])))
        .code,
    ).toBe('23001');
    const other = await b.account();
    expect(
      (
        await pgError(
          b.pool.query(
            "insert into betting.ledger_accounts (kind, player_id, balance_cents) values ('player_cash', $1, 500)",
            [other],
          ),
        )
      ).code,
    ).toBe('23514');
    expect((await pgError(b.pool.query('delete from betting.ledger_accounts where id = $1', [cash]))).code).toBe(
      '23001',
    );
    expect(
      (await pgError(b.pool.query("update betting.ledger_accounts set kind = 'house_revenue' where id = $1", [cash])))
        .code,
    ).toBe('23001');
    expect(await readBalance(b.pool, player)).toBe(10_000n);
  });

  it('refuses a balanced transaction that takes a player below zero', async () => {
    const error = await pgError(
      withTransaction(b.pool, (c) =>
        postTransaction(c, 'withdrawal', [
          { accountId: cash, amountCents: -10_001n },
          { accountId: outside, amountCents: 10_001n },
        ]),
      ),
    );
    expect(error).toMatchObject({ code: '23514', constraint: 'player_balance_not_negative' });
    expect(await readBalance(b.pool, player)).toBe(10_000n);
  });

  it('refuses a second cash account for one player and one for an account kyc does not know', async () => {
    expect(await ensurePlayerCash(b.pool, player)).toBe(cash);
    expect(
      (
        await pgError(
          b.pool.query(
            "insert into betting.ledger_accounts (kind, player_id, balance_cents) values ('player_cash', $1, 0)",
            [player],
          ),
        )
      ).code,
    ).toBe('23505');
    expect((await pgError(ensurePlayerCash(b.pool, '00000000-0000-4000-8000-000000000000'))).code).toBe('23503');
  });

  it('refuses a second house account and an escrow without a market', async () => {
    expect(
      (await pgError(b.pool.query("insert into betting.ledger_accounts (kind) values ('house_revenue')"))).code,
    ).toBe('23505');
    expect(
      (await pgError(b.pool.query("insert into betting.ledger_accounts (kind) values ('pool_escrow')"))).code,
    ).toBe('23514');
  });
});
