-- Relayer (issue 10). Owned by oracle/relayer, like 0002.

-- Blocks holding confirmed publications, newest first: the relayer walks them to notice a reorg deeper
-- than its confirmation depth (see ResultRelayer.reopenReorged).
create index oracle_publications_confirmed_blocks on oracle_publications (chain_id, contract, block_number desc)
  where state = 'confirmed';


-- The ready-results query (PgAttestationStore.ready) leaves out the outcomes a deployment's outbox holds
-- by one equality probe per payload; with every column of the probe in the index, the planner picks it
-- even on tables it has no statistics for (it preferred the (chain_id, contract, kind) prefix of the unique
-- key, a scan of every propose publication per payload).
create index oracle_publications_held on oracle_publications (outcome_key, chain_id, contract)
  where kind = 'propose';
-- Its batch probe: from a batch item (oracle_batch_items_key) to its root's publication, on every column.
create index oracle_publications_batch_subject on oracle_publications (subject, chain_id, contract)
  where kind = 'batch';

-- Failure codes (oracle/errors.ts: OracleErrorCode) of failed, expired and conflicting publications; a
-- failed publication with a transient code is put back in the queue at retry_at (automatic, with backoff),
-- any other waits for `npm run oracle -- retry`.
alter table oracle_publications
  add column error_code text,
  add column retries integer not null default 0,
  add column retry_at timestamptz;
create index oracle_publications_retry on oracle_publications (chain_id, contract, retry_at)
  where state = 'failed' and retry_at is not null;
