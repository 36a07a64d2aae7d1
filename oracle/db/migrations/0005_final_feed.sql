-- The final-result feed becomes append-only (owned by oracle/indexer, like 0002 and 0004).
--
-- A row is either `final` (settle on these values) or `retracted` (the chain took back the final row
-- `retracts` points to: reverse it). Rows are never updated or deleted (a trigger refuses it), so a
-- consumer that keeps a cursor on `id` sees every decision exactly once, in the order it was made. Per
-- event the rows alternate: final, retracted, final, ... A result that comes back final after a
-- retraction is a new final row.
alter table oracle_final_results drop constraint oracle_final_results_stream_event_id_key;
alter table oracle_final_results
  add column kind text not null default 'final' check (kind in ('final', 'retracted')),
  add column retracts bigint references oracle_final_results (id),
  add constraint oracle_final_results_retraction check ((kind = 'retracted') = (retracts is not null));
-- A final row is retracted at most once.
create unique index oracle_final_results_retracts on oracle_final_results (retracts) where retracts is not null;
-- The reader's query (one deployment, after a cursor) and the latest row of an event.
create index oracle_final_results_cursor on oracle_final_results (stream, id);
create index oracle_final_results_event on oracle_final_results (stream, event_id, id desc);

create function oracle_final_results_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'oracle_final_results is append-only (% refused): write a retraction row instead', tg_op
    using errcode = 'P0001';
end;
$$;
create trigger oracle_final_results_append_only before update or delete on oracle_final_results
  for each row execute function oracle_final_results_append_only();
create trigger oracle_final_results_no_truncate before truncate on oracle_final_results
  for each statement execute function oracle_final_results_append_only();

-- Final rows a reorg deeper than the confirmation depth put in doubt: the block that made them final is
-- gone but the chain still holds the same payload, pending finality. The indexer re-examines them every
-- range: final again with the same payload → the doubt is dropped (no row); disputed, superseded or gone
-- → a retraction row.
create table oracle_feed_doubts (
  stream text not null,
  event_id text not null,
  final_id bigint not null references oracle_final_results (id),
  since_block bigint not null,
  created_at timestamptz not null default now(),
  primary key (stream, event_id)
);

-- Time-based finality runs at every range (and once after a rewind): find the pending proposals at once.
create index oracle_results_pending on oracle_results (stream, final_at) where phase = 'proposed';
-- Rewinds revert only what was made final after the common ancestor.
create index oracle_results_final_block on oracle_results (stream, final_block_number);
create index oracle_results_batch_root on oracle_results (stream, batch_root) where batch_root is not null;
create index oracle_batch_roots_final_block on oracle_batch_roots (stream, final_block_number);
