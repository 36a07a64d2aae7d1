import type { Db } from '../../lib/db/transaction.js';

/** Kinds of ledger transaction (the `ledger_transactions.kind` check). */
export type LedgerTransactionKind =
  'deposit' | 'withdrawal' | 'withdrawal_reversal' | 'bet' | 'settlement' | 'correction';

/** One entry: positive into the account, negative out of it. */
export interface EntryInput {
  readonly accountId: string;
  readonly amountCents: bigint;
}

/** The two singleton accounts, looked up once per process. */
export interface SingletonAccounts {
  readonly outsideWorld: string;
  readonly houseRevenue: string;
}

/**
 * Writes a ledger transaction and its entries in one statement. The database checks that it
 * balances (at commit), moves player balances and refuses a negative one (check_violation on
 * `player_balance_not_negative`). Entries for the same account are merged; zero ones dropped.
 *
 * @returns the ledger transaction id.
 */
export async function postTransaction(
  db: Db,
  kind: LedgerTransactionKind,
  entries: readonly EntryInput[],
  reference: string | null = null,
): Promise<string> {
  const merged = new Map<string, bigint>();
  for (const e of entries) merged.set(e.accountId, (merged.get(e.accountId) ?? 0n) + e.amountCents);
  const kept = [...merged].filter(([, amount]) => amount !== 0n);
  const { rows } = await db.query<{ id: string }>(
    `with tx as (insert into betting.ledger_transactions (kind, reference) values ($1, $2) returning id),
          e as (insert into betting.ledger_entries (transaction_id, account_id, amount_cents)
                select tx.id, a, m from tx, unnest($3::bigint[], $4::bigint[]) as u(a, m) order by a
                returning transaction_id)
     select id::text from tx`,
    [kind, reference, kept.map(([a]) => a), kept.map(([, m]) => m.toString())],
  );
  return rows[0]!.id;
}

/** The outside world and house revenue account ids. */
export async function singletonAccounts(db: Db): Promise<SingletonAccounts> {
  const { rows } = await db.query<{ kind: string; id: string }>(
    `select kind, id::text from betting.ledger_accounts where kind in ('outside_world', 'house_revenue')`,
  );
  const byKind = new Map(rows.map((r) => [r.kind, r.id]));
  return { outsideWorld: byKind.get('outside_world')!, houseRevenue: byKind.get('house_revenue')! };
}

/** The player's cash account, created (balance 0) the first time. */
export async function ensurePlayerCash(db: Db, playerId: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `with ins as (
       insert into betting.ledger_accounts (kind, player_id, balance_cents) values ('player_cash', $1, 0)
       on conflict (player_id) where kind = 'player_cash' do nothing returning id)
     select id::text from ins
     union all
     select id::text from betting.ledger_accounts where kind = 'player_cash' and player_id = $1
     limit 1`,
    [playerId],
  );
  if (rows[0]) return rows[0].id;
  // A concurrent first deposit inserted it after this statement's snapshot: read it now.
  const again = await db.query<{ id: string }>(
    `select id::text from betting.ledger_accounts where kind = 'player_cash' and player_id = $1`,
    [playerId],
  );
  return again.rows[0]!.id;
}

/** Locks the player's cash row (the per-player row every money move of that player takes) and reads it. */
export async function lockPlayerCash(
  db: Db,
  playerId: string,
): Promise<{ accountId: string; balanceCents: bigint } | null> {
  const { rows } = await db.query<{ id: string; balance_cents: string }>(
    `select id::text, balance_cents from betting.ledger_accounts
      where kind = 'player_cash' and player_id = $1 for no key update`,
    [playerId],
  );
  const r = rows[0];
  return r ? { accountId: r.id, balanceCents: BigInt(r.balance_cents) } : null;
}

/** The player's balance without locking (0 when the wallet was never opened). */
export async function readBalance(db: Db, playerId: string): Promise<bigint> {
  const { rows } = await db.query<{ balance_cents: string }>(
    `select balance_cents from betting.ledger_accounts where kind = 'player_cash' and player_id = $1`,
    [playerId],
  );
  return rows[0] ? BigInt(rows[0].balance_cents) : 0n;
}

/** Sum of every ledger entry: zero at all times outside a transaction (tests end with it). */
export async function ledgerTotal(db: Db): Promise<bigint> {
  const { rows } = await db.query<{ total: string }>(
    'select coalesce(sum(amount_cents), 0)::text as total from betting.ledger_entries',
  );
  return BigInt(rows[0]!.total);
}
