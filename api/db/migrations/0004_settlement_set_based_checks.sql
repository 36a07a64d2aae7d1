-- Settlement without per-row trigger work (issue 13's settlement goal; measured: bench/RESULTS.md,
-- "Settlement at scale"). Settling a market updates every open bet in one statement; three per-row
-- costs fired for each of them although no invariant needed them row by row:
--   * the foreign key bets.settlement_id → settlements: one RI lookup (and a FOR KEY SHARE lock of the
--     one settlement row) per bet, ~29% of the UPDATE;
--   * the row trigger bets_guard: one PL/pgSQL call per bet, ~8%, which then found nothing to refuse;
--   * on the ledger side, ledger_accounts_guard: one PL/pgSQL call per paid player's balance update.
-- Every invariant is kept, enforced by the database as before:
--   * a bet's settlement exists: checked once per statement over the statement's changed rows (a
--     transition table), at the end of the statement like the foreign key it replaces, refusing with
--     the same SQLSTATE (23503) and constraint name; the referenced side cannot move under it since a
--     settlement is never deleted (settlements_guard), never truncated and never renumbered (below);
--   * the guards' functions are unchanged in what they refuse; a WHEN condition (evaluated without a
--     function call) skips the call only for the updates the function lets through untouched.

-- 1. bets.settlement_id references a settlement -------------------------------------------------

alter table betting.bets drop constraint bets_settlement_id_fkey;

create function betting.bets_settlement_exists() returns trigger language plpgsql as $$
declare
  missing bigint;
begin
  if tg_level = 'ROW' then
    missing := case when not exists (select 1 from betting.settlements s where s.id = new.settlement_id)
                    then new.settlement_id end;
  else
    -- One pass over the statement's rows: the distinct settlement ids first (a settlement writes one),
    -- then each looked up once.
    select n.settlement_id into missing
      from (select distinct c.settlement_id from changed c where c.settlement_id is not null) n
     where not exists (select 1 from betting.settlements s where s.id = n.settlement_id)
     limit 1;
  end if;
  if missing is not null then
    raise exception 'insert or update on table "bets" violates foreign key constraint "bets_settlement_id_fkey"'
      using errcode = 'foreign_key_violation', constraint = 'bets_settlement_id_fkey',
            detail = format('Key (settlement_id)=(%s) is not present in table "settlements".', missing);
  end if;
  return null;
end $$;

-- Updates (settlement, reversal, void after settlement): once per statement.
create trigger bets_settlement_exists after update on betting.bets
  referencing new table as changed for each statement execute function betting.bets_settlement_exists();
-- Inserts: a placement writes open bets (no settlement: the WHEN skips the call, nothing is captured);
-- a bet inserted with a settlement is checked row by row.
create trigger bets_settlement_exists_insert after insert on betting.bets
  for each row when (new.settlement_id is not null) execute function betting.bets_settlement_exists();

-- The referenced side: what the foreign key refused, refused here.
create function betting.refuse_truncate() returns trigger language plpgsql as $$
begin
  raise exception '% is never truncated', tg_table_name using errcode = 'restrict_violation';
end $$;
create trigger settlements_no_truncate before truncate on betting.settlements
  for each statement execute function betting.refuse_truncate();

create or replace function betting.settlements_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'settlements are never deleted' using errcode = 'restrict_violation';
  end if;
  if old.reversed_at is not null then
    raise exception 'settlement % is already reversed', old.id using errcode = 'restrict_violation';
  end if;
  if (new.id, new.market_id, new.kind, new.feed_row_id) is distinct from (old.id, old.market_id, old.kind, old.feed_row_id) then
    raise exception 'a settlement''s id, market, kind and feed row never change' using errcode = 'restrict_violation';
  end if;
  return new;
end $$;

-- 2. bets_guard: called only when there is something to check ------------------------------------

-- The function as in 0002, the bet's id added to what never changes.
create or replace function betting.bets_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'bets are never deleted' using errcode = 'restrict_violation';
  end if;
  if (new.id, new.player_id, new.market_id, new.selection, new.stake_cents, new.placed_at, new.ledger_tx_id)
     is distinct from (old.id, old.player_id, old.market_id, old.selection, old.stake_cents, old.placed_at, old.ledger_tx_id) then
    raise exception 'only a bet''s settlement fields change' using errcode = 'restrict_violation';
  end if;
  if old.state <> 'accepted' then
    -- A reversed settlement frees its bets: back to accepted (a retraction), or straight to the
    -- settlement that replaces it (a void after settlement refunds them).
    if exists (select 1 from betting.settlements s where s.id = old.settlement_id and s.reversed_at is not null)
       and new.settlement_id is distinct from old.settlement_id then
      return new;
    end if;
    raise exception 'bet % is already %', old.id, old.state using errcode = 'restrict_violation';
  end if;
  return new;
end $$;

drop trigger bets_guard on betting.bets;
-- The function lets an update of an open bet that changes only settlement fields through untouched:
-- exactly the rows the WHEN skips (a first settlement). Everything else still calls it.
create trigger bets_guard before update on betting.bets for each row
  when (old.state <> 'accepted'
        or (new.id, new.player_id, new.market_id, new.selection, new.stake_cents, new.placed_at, new.ledger_tx_id)
           is distinct from (old.id, old.player_id, old.market_id, old.selection, old.stake_cents, old.placed_at, old.ledger_tx_id))
  execute function betting.bets_guard();
create trigger bets_no_delete before delete on betting.bets
  for each row execute function betting.bets_guard();
create trigger bets_no_truncate before truncate on betting.bets
  for each statement execute function betting.refuse_truncate();

-- 3. ledger_accounts_guard: a balance moved by the entries trigger calls nothing -------------------

-- The function as in 0001, the account's id added to what never changes.
create or replace function betting.ledger_accounts_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'ledger accounts are never deleted' using errcode = 'restrict_violation';
  end if;
  if tg_op = 'INSERT' then
    if new.balance_cents is distinct from (case when new.kind = 'player_cash' then 0 end) then
      raise exception 'a player cash account opens with a zero balance' using errcode = 'check_violation';
    end if;
    return new;
  end if;
  if new.id <> old.id or new.kind <> old.kind or new.player_id is distinct from old.player_id
     or new.market_id is distinct from old.market_id then
    raise exception 'a ledger account''s kind and owner never change' using errcode = 'restrict_violation';
  end if;
  if new.balance_cents is distinct from old.balance_cents and pg_trigger_depth() < 2 then
    raise exception 'a balance changes only through ledger entries' using errcode = 'restrict_violation';
  end if;
  return new;
end $$;

drop trigger ledger_accounts_guard on betting.ledger_accounts;
create trigger ledger_accounts_guard before insert or delete on betting.ledger_accounts
  for each row execute function betting.ledger_accounts_guard();
-- A WHEN condition is evaluated before the function is entered, one trigger level above it: the
-- function's `pg_trigger_depth() < 2` (a direct UPDATE runs it at depth 1, the entries trigger's
-- UPDATE at depth 2) reads `pg_trigger_depth() < 1` here.
create trigger ledger_accounts_guard_update before update on betting.ledger_accounts for each row
  when (new.id <> old.id or new.kind <> old.kind or new.player_id is distinct from old.player_id
        or new.market_id is distinct from old.market_id
        or (new.balance_cents is distinct from old.balance_cents and pg_trigger_depth() < 1))
  execute function betting.ledger_accounts_guard();
