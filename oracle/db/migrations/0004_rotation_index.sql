-- ResultProposed no longer logs the attester epoch (gas: see IResultsOracle). The indexer derives it
-- from the latest AttestersRotated event before the proposal, which this partial index finds at once.
-- Owned by oracle/indexer, like 0002.
create index oracle_chain_events_rotations on oracle_chain_events (stream, block_number desc, log_index desc)
  where name = 'AttestersRotated';
