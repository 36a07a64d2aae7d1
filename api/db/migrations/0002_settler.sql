-- The settler: the oracle's final-result feed consumed by cursor, the current final result of each
-- event, settlements that can be reversed (a retraction, an admin void after settlement) and settled
-- again, and the bets of a reversed settlement back to accepted. Every step stays idempotent by key:
--   * a feed row is applied once (settler_applied, primary key the feed row id, written with the cursor);
--   * a market has at most one live (not reversed) settlement, and one per (market, feed row);
--   * a settlement is reversed once, by a compensating `settlement_reversal` ledger transaction.

-- The last feed row a settler handled, per consumer name (one per deployment), moved in the
-- transaction that applies the row.
create table betting.settler_cursors (
  name        text primary key check (length(name) between 1 and 100),
  cursor      bigint not null default 0 check (cursor >= 0),
  updated_at  timestamptz not null default now()
);

-- What the settler did with each feed row (insert-only): the audit trail of the feed, and the key
-- that makes a replay after a crash a no-op.
create table betting.settler_applied (
  feed_row_id      bigint primary key,
  kind             text not null check (kind in ('final', 'retracted')),
  oracle_event_id  text not null,
  -- current: it is now the event's result (a first final, a later version after a postponement, a
  -- retraction of the current final); ignored: anything else (a second final without a retraction,
  -- a retraction of a row that is not current): an operator looks (the settler logs an error).
  outcome          text not null check (outcome in ('current', 'ignored')),
  detail           jsonb not null default '{}'::jsonb,
  applied_at       timestamptz not null default now()
);
create trigger settler_applied_insert_only before update or delete on betting.settler_applied
  for each row execute function betting.refuse_change();

-- The event's result as the feed last decided it: a final row (state final) or the final row the
-- chain took back (state retracted). The settler's market pass reconciles markets with it: settle
-- what has no live settlement, reverse a settlement whose feed row is no longer the current one.
create table betting.event_results (
  oracle_event_id  text primary key check (oracle_event_id ~ '^0x[0-9a-f]{64}$'),
  feed_row_id      bigint not null,
  state            text not null check (state in ('final', 'retracted')),
  version          integer not null,
  status           smallint not null,
  result_values    bigint[] not null,
  ended_at         bigint not null,
  updated_at       timestamptz not null default now()
);

-- Settlements: reversible, keyed by (market, feed row); one live settlement per market.
alter table betting.settlements drop constraint settlements_market;
alter table betting.settlements
  -- The final feed row the settlement paid on (null: a refund of a voided market, or settleMarket by hand).
  add column feed_row_id bigint,
  add column reversed_at timestamptz,
  -- The compensating transaction (null when the settlement moved no money: an empty pool).
  add column reversal_tx_id bigint references betting.ledger_transactions (id),
  add column reversed_by text,
  add column reversal_reason text,
  add constraint settlements_reversal_fields check ((reversed_at is null) = (reversed_by is null)),
  alter column result_version drop not null,
  alter column result_status drop not null,
  alter column result_values drop not null;
create unique index settlements_market_live on betting.settlements (market_id) where reversed_at is null;
create unique index settlements_market_feed_row on betting.settlements (market_id, feed_row_id)
  where feed_row_id is not null;

-- A settlement is reversed once and otherwise never changes after it was completed (settleMarket
-- writes its row and then its totals in the same transaction).
create function betting.settlements_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'settlements are never deleted' using errcode = 'restrict_violation';
  end if;
  if old.reversed_at is not null then
    raise exception 'settlement % is already reversed', old.id using errcode = 'restrict_violation';
  end if;
  if (new.market_id, new.kind, new.feed_row_id) is distinct from (old.market_id, old.kind, old.feed_row_id) then
    raise exception 'a settlement''s market, kind and feed row never change' using errcode = 'restrict_violation';
  end if;
  return new;
end $$;
create trigger settlements_guard before update or delete on betting.settlements
  for each row execute function betting.settlements_guard();

alter table betting.ledger_transactions drop constraint ledger_transactions_kind_check;
alter table betting.ledger_transactions add constraint ledger_transactions_kind_check
  check (kind in ('deposit', 'withdrawal', 'withdrawal_reversal', 'bet', 'settlement', 'settlement_reversal', 'correction'));

-- Bets: only settlement fields change; a settled bet changes again only when the settlement it points
-- to has been reversed.
create or replace function betting.bets_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'bets are never deleted' using errcode = 'restrict_violation';
  end if;
  if (new.player_id, new.market_id, new.selection, new.stake_cents, new.placed_at, new.ledger_tx_id)
     is distinct from (old.player_id, old.market_id, old.selection, old.stake_cents, old.placed_at, old.ledger_tx_id) then
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

-- No index on bets.settlement_id: a reversal (rare: a deep reorg, a palpable error) reads the market's
-- bets by market id; an index would cost every settled bet an entry.
