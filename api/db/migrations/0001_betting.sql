-- api module: events, markets, bets and the double-entry ledger, in the `betting` schema.
-- Money is bigint cents everywhere. The invariants below are enforced by the database itself, so that
-- no code path (nor an operator with psql) can break them:
--   * every ledger transaction's entries sum to zero and hold at least two entries (deferred check);
--   * entries and transactions are insert-only (a correction is a compensating transaction);
--   * entries can only be added to a ledger transaction in the database transaction that created it;
--   * a player's cash balance is the running sum of its entries, kept by trigger, and never negative;
--   * a bet settles once (accepted → won/lost/refunded) and a market settles once.
-- No row shared by players is updated per bet: escrow and house totals are sums of entries.
create schema if not exists betting;

-- EVENTS, MARKETS, SELECTIONS ---------------------------------------------------------------------

create table betting.events (
  id               uuid primary key default gen_random_uuid(),
  -- The 32-byte id the attesters sign (oracle `eventIdOf`), lowercase hex.
  oracle_event_id  text not null check (oracle_event_id ~ '^0x[0-9a-f]{64}$'),
  -- How the oracle values read (api/markets/outcome.ts); fixed for the event's life.
  outcome_schema   text not null check (outcome_schema in ('football.match/v1', 'horse-racing.race/v1')),
  name             text not null check (length(name) between 1 and 200),
  starts_at        timestamptz not null,
  runners          smallint check (runners between 2 and 64),
  created_at       timestamptz not null default now(),
  constraint events_oracle_event_id unique (oracle_event_id),
  constraint events_runners_iff_race check ((outcome_schema = 'horse-racing.race/v1') = (runners is not null))
);
create index events_starts_at on betting.events (starts_at);

create table betting.markets (
  id               bigint generated always as identity primary key,
  event_id         uuid not null references betting.events (id),
  -- { "type": "match-winner" | "total-goals" | "handicap" | "race-win" | "race-place", "line"?, "places"? }
  definition       jsonb not null check (definition ? 'type'),
  state            text not null default 'inactive'
                   check (state in ('inactive', 'open', 'suspended', 'closed', 'resulted', 'settled', 'voided')),
  -- The cut-off: no bet is accepted at or after it; never after the event starts (trigger below).
  closes_at        timestamptz not null,
  takeout_bps      integer not null check (takeout_bps between 0 and 10000),
  min_stake_cents  bigint not null check (min_stake_cents > 0),
  max_stake_cents  bigint not null,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  constraint markets_stake_range check (max_stake_cents >= min_stake_cents)
);
create index markets_event on betting.markets (event_id);

create function betting.market_closes_before_start() returns trigger language plpgsql as $$
begin
  if new.closes_at > (select starts_at from betting.events where id = new.event_id) then
    raise exception 'market % closes after its event starts', new.id using errcode = 'check_violation',
      constraint = 'markets_close_before_start';
  end if;
  return new;
end $$;
create trigger markets_close_before_start before insert or update of closes_at, event_id on betting.markets
  for each row execute function betting.market_closes_before_start();

create table betting.selections (
  market_id  bigint not null references betting.markets (id),
  idx        smallint not null check (idx >= 0),
  code       text not null,
  label      text not null,
  primary key (market_id, idx),
  constraint selections_code unique (market_id, code)
);

-- LEDGER ----------------------------------------------------------------------------------------

create table betting.ledger_accounts (
  id             bigint generated always as identity primary key,
  kind           text not null check (kind in ('player_cash', 'pool_escrow', 'house_revenue', 'outside_world')),
  -- The kyc account the cash belongs to (one wallet per kyc account).
  player_id      uuid references kyc.accounts (id),
  market_id      bigint references betting.markets (id),
  -- Player cash only: the sum of the account's entries, maintained by the entries trigger. It is the
  -- per-player row a bet locks; escrow and house have no balance column (no hot row).
  balance_cents  bigint,
  constraint ledger_accounts_player_iff_cash check ((kind = 'player_cash') = (player_id is not null)),
  constraint ledger_accounts_market_iff_escrow check ((kind = 'pool_escrow') = (market_id is not null)),
  constraint ledger_accounts_balance_iff_cash check ((kind = 'player_cash') = (balance_cents is not null)),
  constraint player_balance_not_negative check (balance_cents >= 0)
);
create unique index ledger_accounts_player on betting.ledger_accounts (player_id) where kind = 'player_cash';
create unique index ledger_accounts_market on betting.ledger_accounts (market_id) where kind = 'pool_escrow';
create unique index ledger_accounts_singleton on betting.ledger_accounts (kind)
  where kind in ('house_revenue', 'outside_world');
insert into betting.ledger_accounts (kind) values ('outside_world'), ('house_revenue');

create table betting.ledger_transactions (
  id          bigint generated always as identity primary key,
  kind        text not null check (kind in ('deposit', 'withdrawal', 'withdrawal_reversal', 'bet', 'settlement', 'correction')),
  -- A payment id, a settlement id…: what the transaction records, for the statement.
  reference   text,
  created_at  timestamptz not null default now(),
  -- The database transaction that wrote it: entries may be added in that transaction only.
  xact_id     xid8 not null default pg_current_xact_id()
);

create table betting.ledger_entries (
  transaction_id  bigint not null references betting.ledger_transactions (id),
  account_id      bigint not null references betting.ledger_accounts (id),
  -- Positive: money into the account; negative: out of it.
  amount_cents    bigint not null constraint ledger_entries_not_zero check (amount_cents <> 0),
  -- One entry per account per transaction (entries of a batch are aggregated per account).
  primary key (transaction_id, account_id)
);
create index ledger_entries_account on betting.ledger_entries (account_id, transaction_id);

-- Insert-only: no update, delete or truncate of entries and transactions.
create function betting.refuse_change() returns trigger language plpgsql as $$
begin
  raise exception '% is insert-only (% refused)', tg_table_name, tg_op using errcode = 'restrict_violation';
end $$;
create trigger ledger_entries_insert_only before update or delete on betting.ledger_entries
  for each row execute function betting.refuse_change();
create trigger ledger_entries_no_truncate before truncate on betting.ledger_entries
  for each statement execute function betting.refuse_change();
create trigger ledger_transactions_insert_only before update or delete on betting.ledger_transactions
  for each row execute function betting.refuse_change();
create trigger ledger_transactions_no_truncate before truncate on betting.ledger_transactions
  for each statement execute function betting.refuse_change();

-- Every ledger transaction balances: checked at commit (deferred), once per transaction row.
create function betting.ledger_transaction_balances() returns trigger language plpgsql as $$
declare
  total bigint;
  n     bigint;
begin
  select coalesce(sum(amount_cents), 0), count(*) into total, n
    from betting.ledger_entries where transaction_id = new.id;
  if n < 2 or total <> 0 then
    raise exception 'ledger transaction % does not balance (% entries, sum %)', new.id, n, total
      using errcode = 'check_violation', constraint = 'ledger_transaction_balanced';
  end if;
  return null;
end $$;
create constraint trigger ledger_transaction_balanced after insert on betting.ledger_transactions
  deferrable initially deferred for each row execute function betting.ledger_transaction_balances();

-- Entries join only transactions of the current database transaction, and move player balances.
-- Statement-level (transition table) so that a settlement's thousands of entries cost one pass;
-- player rows are locked in id order first, so two settlements paying the same players never deadlock.
create function betting.ledger_entries_inserted() returns trigger language plpgsql as $$
begin
  if exists (
    select 1 from (select distinct transaction_id from inserted) i
      join betting.ledger_transactions t on t.id = i.transaction_id
     where t.xact_id <> pg_current_xact_id()
  ) then
    raise exception 'entries can only be added to a ledger transaction in the database transaction that created it'
      using errcode = 'check_violation', constraint = 'ledger_entries_same_transaction';
  end if;
  perform 1 from betting.ledger_accounts a
   where a.kind = 'player_cash' and a.id in (select account_id from inserted)
   order by a.id for no key update;
  update betting.ledger_accounts a set balance_cents = a.balance_cents + d.delta
    from (select account_id, sum(amount_cents) as delta from inserted group by account_id) d
   where a.id = d.account_id and a.kind = 'player_cash';
  return null;
end $$;
create trigger ledger_entries_inserted after insert on betting.ledger_entries
  referencing new table as inserted for each statement execute function betting.ledger_entries_inserted();

-- Ledger accounts: never deleted; kind/owner never change; a balance changes only through entries
-- (the entries trigger runs at depth 2; a direct UPDATE runs at depth 1) and starts at 0.
create function betting.ledger_accounts_guard() returns trigger language plpgsql as $$
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
  if new.kind <> old.kind or new.player_id is distinct from old.player_id or new.market_id is distinct from old.market_id then
    raise exception 'a ledger account''s kind and owner never change' using errcode = 'restrict_violation';
  end if;
  if new.balance_cents is distinct from old.balance_cents and pg_trigger_depth() < 2 then
    raise exception 'a balance changes only through ledger entries' using errcode = 'restrict_violation';
  end if;
  return new;
end $$;
create trigger ledger_accounts_guard before insert or update or delete on betting.ledger_accounts
  for each row execute function betting.ledger_accounts_guard();
create trigger ledger_accounts_no_truncate before truncate on betting.ledger_accounts
  for each statement execute function betting.refuse_change();

-- SETTLEMENTS AND BETS ----------------------------------------------------------------------------

-- One row per settled market, keyed by the market: the oracle result it was settled from is recorded
-- with it, so a second settler run (or instance) conflicts on the unique key and pays nothing.
create table betting.settlements (
  id               bigint generated always as identity primary key,
  market_id        bigint not null references betting.markets (id),
  oracle_event_id  text not null,
  result_version   integer not null,
  result_status    smallint not null,
  result_values    bigint[] not null,
  kind             text not null check (kind in ('paid', 'refunded')),
  pool_cents       bigint not null check (pool_cents >= 0),
  paid_cents       bigint not null check (paid_cents >= 0),
  takeout_cents    bigint not null check (takeout_cents >= 0),
  breakage_cents   bigint not null check (breakage_cents >= 0),
  refunded_cents   bigint not null check (refunded_cents >= 0),
  ledger_tx_id     bigint references betting.ledger_transactions (id),
  settled_at       timestamptz not null default now(),
  constraint settlements_market unique (market_id),
  constraint settlements_conserve check (paid_cents + takeout_cents + breakage_cents + refunded_cents = pool_cents)
);

-- The dividend of each winning selection of a paid settlement (what the set-based UPDATE joins on).
create table betting.settlement_dividends (
  settlement_id        bigint not null references betting.settlements (id),
  selection            smallint not null,
  winning_stake_cents  bigint not null check (winning_stake_cents > 0),
  allocation_cents     bigint not null check (allocation_cents >= 0),
  dividend_cents       bigint not null check (dividend_cents >= 0),
  unit_cents           bigint not null check (unit_cents > 0),
  primary key (settlement_id, selection)
);

create table betting.bets (
  id             bigint generated always as identity primary key,
  player_id      uuid not null,
  market_id      bigint not null,
  selection      smallint not null,
  stake_cents    bigint not null check (stake_cents > 0),
  placed_at      timestamptz not null,
  -- The ledger transaction that moved the stake from the player's cash to the market's escrow
  -- (shared by the bets of one batch).
  ledger_tx_id   bigint not null references betting.ledger_transactions (id),
  state          text not null default 'accepted' check (state in ('accepted', 'won', 'lost', 'refunded')),
  settlement_id  bigint references betting.settlements (id),
  payout_cents   bigint check (payout_cents >= 0),
  foreign key (market_id, selection) references betting.selections (market_id, idx),
  constraint bets_settled_once check (
    (state = 'accepted') = (settlement_id is null) and (state = 'accepted') = (payout_cents is null))
);
-- Settlement reads a market's open bets (and the pool per selection) from this index only.
create index bets_market_open on betting.bets (market_id, selection) include (stake_cents, player_id)
  where state = 'accepted';
-- "My bets" pages and the rolling 7-day stake sum.
create index bets_player on betting.bets (player_id, placed_at desc, id desc) include (stake_cents);

create function betting.bets_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'bets are never deleted' using errcode = 'restrict_violation';
  end if;
  if old.state <> 'accepted' then
    raise exception 'bet % is already %', old.id, old.state using errcode = 'restrict_violation';
  end if;
  if (new.player_id, new.market_id, new.selection, new.stake_cents, new.placed_at, new.ledger_tx_id)
     is distinct from (old.player_id, old.market_id, old.selection, old.stake_cents, old.placed_at, old.ledger_tx_id) then
    raise exception 'only a bet''s settlement fields change' using errcode = 'restrict_violation';
  end if;
  return new;
end $$;
create trigger bets_guard before update or delete on betting.bets
  for each row execute function betting.bets_guard();

-- PAYMENTS ----------------------------------------------------------------------------------------

create table betting.payments (
  id              uuid primary key default gen_random_uuid(),
  player_id       uuid not null references kyc.accounts (id),
  kind            text not null check (kind in ('deposit', 'withdrawal')),
  amount_cents    bigint not null check (amount_cents > 0),
  state           text not null default 'pending' check (state in ('pending', 'completed', 'failed')),
  provider        text not null,
  provider_ref    text,
  created_at      timestamptz not null,
  settled_at      timestamptz,
  -- Deposit: the credit once completed. Withdrawal: the debit taken at request time.
  ledger_tx_id    bigint references betting.ledger_transactions (id),
  -- Failed withdrawal: the compensating credit.
  reversal_tx_id  bigint references betting.ledger_transactions (id),
  constraint payments_provider_ref unique (provider, provider_ref)
);
create index payments_player on betting.payments (player_id, kind, created_at desc);

create function betting.payments_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'payments are never deleted' using errcode = 'restrict_violation';
  end if;
  if old.state <> 'pending' and new.state is distinct from old.state then
    raise exception 'payment % is already %', old.id, old.state using errcode = 'restrict_violation';
  end if;
  if (new.player_id, new.kind, new.amount_cents, new.provider) is distinct from
     (old.player_id, old.kind, old.amount_cents, old.provider) then
    raise exception 'a payment''s player, kind, amount and provider never change' using errcode = 'restrict_violation';
  end if;
  return new;
end $$;
create trigger payments_guard before update or delete on betting.payments
  for each row execute function betting.payments_guard();

-- IDEMPOTENCY, AUDIT ------------------------------------------------------------------------------

-- Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): one row per (player, key), written in
-- the same transaction as the effect it answers for, with the response to replay.
create table betting.idempotency_keys (
  player_id    uuid not null,
  key          text not null check (length(key) between 1 and 255),
  -- sha-256 of method, path and canonical body.
  fingerprint  bytea not null,
  status       smallint not null,
  response     jsonb not null,
  created_at   timestamptz not null default now(),
  primary key (player_id, key)
);

-- Every admin write, in the transaction of the write. Insert-only.
create table betting.audit_log (
  id           bigint generated always as identity primary key,
  occurred_at  timestamptz not null default now(),
  actor        text not null,
  action       text not null,
  target       text,
  request_id   text,
  detail       jsonb not null default '{}'::jsonb
);
create trigger audit_log_insert_only before update or delete on betting.audit_log
  for each row execute function betting.refuse_change();
