-- The operations view (OracleOperationsReader.relayer, the API's GET /admin/ops, polled every 2 s while
-- a staff page is open) counts the publications of a deployment that are not done, by state and failure
-- code. Done publications (confirmed, already published) are nearly all of the table and grow with every
-- result; this partial index holds only the others (queued, in flight, failed, expired, conflicting), so
-- the count reads a few entries instead of the whole outbox. Owned by oracle/relayer, like 0002 and 0006.
create index if not exists oracle_publications_not_done on oracle_publications (chain_id, contract, state, error_code)
  include (created_at)
  where state not in ('confirmed', 'already_published');
