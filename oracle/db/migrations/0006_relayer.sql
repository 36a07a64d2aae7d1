-- Relayer (issue 10). Owned by oracle/relayer, like 0002.

-- Blocks holding confirmed publications, newest first: the relayer walks them to notice a reorg deeper
-- than its confirmation depth (see ResultRelayer.reopenReorged).
create index oracle_publications_confirmed_blocks on oracle_publications (chain_id, contract, block_number desc)
  where state = 'confirmed';
