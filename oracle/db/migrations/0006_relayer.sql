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
