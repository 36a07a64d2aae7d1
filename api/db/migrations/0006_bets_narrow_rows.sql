-- Footprint per open bet (issue 13: <= 550 bytes, bet + ledger; measured: bench/RESULTS.md, "Settlement
-- at scale"). Same columns, constraints, triggers and invariants; fewer bytes per bet:
--   * bets rows laid out without padding: `state` a 4-byte enum next to the 2-byte selection, both
--     between the 8-byte columns instead of a 2-byte column padded to 8 and a 9-byte text at the end
--     (an open bet's row: 112 → 96 bytes);
--   * bets_market_open no longer carries player_id (16 bytes per open bet): no query reads it from
--     the index (settlement's pool sums and the operations view read market, selection, stake);
--   * bets_player no longer keyed by id after placed_at (8 bytes per bet; see the index below);
--   * ledger_entries: one index per entry less wide. The primary key (one entry per account per
--     transaction) is now (account_id, transaction_id), the index the statements already read; the
--     lookups by transaction (the zero-sum check, reversals) use a plain index on transaction_id,
--     whose two entries per bet share one deduplicated index tuple.
-- The bets table is rebuilt (a new table, the rows copied with their ids, the old one dropped): every
-- constraint, index and trigger is created again below under its former name. On a large table this
-- rewrites it under an exclusive lock (the runner has one transaction per migration): schedule it.

-- 1. bets --------------------------------------------------------------------------------------

create type betting.bet_state as enum ('accepted', 'won', 'lost', 'refunded');
-- The code writes states as text (`set state = case … then 'won' … end`): an assignment cast keeps
-- that valid; an unknown state still fails (the enum's input refuses it, 22P02).
create cast (text as betting.bet_state) with inout as assignment;

create table betting.bets_rebuilt (
  id             bigint generated always as identity,
  player_id      uuid not null,
  market_id      bigint not null,
  selection      smallint not null,
  state          betting.bet_state not null default 'accepted',
  stake_cents    bigint not null constraint bets_stake_cents_check check (stake_cents > 0),
  placed_at      timestamptz not null,
  -- The ledger transaction that moved the stake from the player's cash to the market's escrow
  -- (shared by the bets of one batch).
  ledger_tx_id   bigint not null,
  -- References betting.settlements (id): checked per statement (0004, bets_settlement_exists).
  settlement_id  bigint,
  payout_cents   bigint constraint bets_payout_cents_check check (payout_cents >= 0)
);

insert into betting.bets_rebuilt (id, player_id, market_id, selection, state, stake_cents, placed_at, ledger_tx_id,
                                  settlement_id, payout_cents)
  overriding system value
  select id, player_id, market_id, selection, state::betting.bet_state, stake_cents, placed_at, ledger_tx_id,
         settlement_id, payout_cents
    from betting.bets order by id;
select setval(pg_get_serial_sequence('betting.bets_rebuilt', 'id'), coalesce(max(id), 0) + 1, false)
  from betting.bets_rebuilt;

drop table betting.bets;
alter table betting.bets_rebuilt rename to bets;
alter sequence betting.bets_rebuilt_id_seq rename to bets_id_seq;

alter table betting.bets
  add constraint bets_pkey primary key (id),
  add constraint bets_ledger_tx_id_fkey foreign key (ledger_tx_id) references betting.ledger_transactions (id),
  add constraint bets_market_id_selection_fkey foreign key (market_id, selection)
    references betting.selections (market_id, idx),
  add constraint bets_settled_once check (
    (state = 'accepted') = (settlement_id is null) and (state = 'accepted') = (payout_cents is null));

-- Settlement reads a market's open bets (and the pool per selection) from this index only.
create index bets_market_open on betting.bets (market_id, selection) include (stake_cents) where state = 'accepted';
-- The rolling 7-day stake sum (index-only) and "my bets" (a player's bets). No longer keyed by id
-- after placed_at: no query orders a player's bets by (placed_at, id) (my bets orders by id and reads
-- the rows themselves), and the id was 8 bytes of every bet's entry.
create index bets_player on betting.bets (player_id, placed_at desc) include (stake_cents);
-- Reversals and voids after settlement find a settlement's bets (0003).
create index bets_settlement on betting.bets (settlement_id) where settlement_id is not null;

-- The triggers of 0001–0004, on the rebuilt table (functions unchanged).
create trigger bets_guard before update on betting.bets for each row
  when (old.state <> 'accepted'
        or (new.id, new.player_id, new.market_id, new.selection, new.stake_cents, new.placed_at, new.ledger_tx_id)
           is distinct from (old.id, old.player_id, old.market_id, old.selection, old.stake_cents, old.placed_at, old.ledger_tx_id))
  execute function betting.bets_guard();
create trigger bets_no_delete before delete on betting.bets
  for each row execute function betting.bets_guard();
create trigger bets_no_truncate before truncate on betting.bets
  for each statement execute function betting.refuse_truncate();
create trigger bets_settlement_exists after update on betting.bets
  referencing new table as changed for each statement execute function betting.bets_settlement_exists();
create trigger bets_settlement_exists_insert after insert on betting.bets
  for each row when (new.settlement_id is not null) execute function betting.bets_settlement_exists();

-- 2. ledger_entries' indexes ----------------------------------------------------------------------

alter table betting.ledger_entries drop constraint ledger_entries_pkey;
drop index betting.ledger_entries_account;
-- One entry per account per transaction; a player's statement (newest first, by transaction id).
alter table betting.ledger_entries add constraint ledger_entries_pkey primary key (account_id, transaction_id);
-- A transaction's entries: the deferred zero-sum check, reversals.
create index ledger_entries_transaction on betting.ledger_entries (transaction_id);
