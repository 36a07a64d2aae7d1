-- The ledger side of a settlement (and of every placement) without per-row work: a settlement writes
-- one entry per paid player in one INSERT, and the entries' statement trigger then moves every
-- balance in one UPDATE (measured: bench/RESULTS.md, "Settlement at scale"). Two per-row costs went
-- with each entry or balance although no invariant needed them row by row:
--   * the foreign keys ledger_entries.transaction_id and .account_id: two RI lookups (each locking the
--     referenced row FOR KEY SHARE) per entry;
--   * every balance update rewrote the account row onto another page (the pages were full) with an
--     entry in each of its two indexes, since a HOT update needs room on the same page.
-- Every invariant is kept, enforced by the database as before:
--   * an entry's transaction and account exist: checked once per statement by the entries trigger
--     that already reads the statement's entries (a transition table), with the foreign keys' SQLSTATE
--     (23503) and constraint names; the referenced rows cannot move under it: ledger transactions are
--     insert-only and never truncated, accounts are never deleted, truncated or renumbered (0001, 0004);
--   * balances: unchanged (the same trigger, the same check >= 0).

-- 1. ledger_entries' references, checked per statement ------------------------------------------

alter table betting.ledger_entries drop constraint ledger_entries_transaction_id_fkey;
alter table betting.ledger_entries drop constraint ledger_entries_account_id_fkey;

create or replace function betting.ledger_entries_inserted() returns trigger language plpgsql as $$
declare
  missing bigint;
begin
  -- The statement's ledger transactions: each exists and was created by this database transaction.
  select i.transaction_id into missing
    from (select distinct transaction_id from inserted) i
   where not exists (select 1 from betting.ledger_transactions t where t.id = i.transaction_id)
   limit 1;
  if missing is not null then
    raise exception 'insert or update on table "ledger_entries" violates foreign key constraint "ledger_entries_transaction_id_fkey"'
      using errcode = 'foreign_key_violation', constraint = 'ledger_entries_transaction_id_fkey',
            detail = format('Key (transaction_id)=(%s) is not present in table "ledger_transactions".', missing);
  end if;
  if exists (
    select 1 from (select distinct transaction_id from inserted) i
      join betting.ledger_transactions t on t.id = i.transaction_id
     where t.xact_id <> pg_current_xact_id()
  ) then
    raise exception 'entries can only be added to a ledger transaction in the database transaction that created it'
      using errcode = 'check_violation', constraint = 'ledger_entries_same_transaction';
  end if;
  -- The statement's accounts: each exists.
  select i.account_id into missing
    from (select distinct account_id from inserted) i
   where not exists (select 1 from betting.ledger_accounts a where a.id = i.account_id)
   limit 1;
  if missing is not null then
    raise exception 'insert or update on table "ledger_entries" violates foreign key constraint "ledger_entries_account_id_fkey"'
      using errcode = 'foreign_key_violation', constraint = 'ledger_entries_account_id_fkey',
            detail = format('Key (account_id)=(%s) is not present in table "ledger_accounts".', missing);
  end if;
  -- Player rows locked in id order first, so two settlements paying the same players never deadlock.
  perform 1 from betting.ledger_accounts a
   where a.kind = 'player_cash' and a.id in (select account_id from inserted)
   order by a.id for no key update;
  update betting.ledger_accounts a set balance_cents = a.balance_cents + d.delta
    from (select account_id, sum(amount_cents) as delta from inserted group by account_id) d
   where a.id = d.account_id and a.kind = 'player_cash';
  return null;
end $$;

-- Entries are insert-only (update refused by ledger_entries_insert_only), so the insert trigger is the
-- only way in; the trigger itself is unchanged (after insert, for each statement, `inserted`).

-- 2. Balance updates stay on their page (HOT) ------------------------------------------------------

-- A balance is not indexed: an update that finds room on the row's page is HOT (no index entry, no
-- row moved). Half of each page is kept free for them; the table is one row per player and market,
-- not per bet. New pages get it; existing full pages free up as their old row versions are pruned.
alter table betting.ledger_accounts set (fillfactor = 50);
