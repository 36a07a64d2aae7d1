-- Leaves of final batch roots written to storage (owned by oracle/relayer, like 0002 and 0006).
--
-- Once a batch root the relayer published is final on-chain, every one of its leaves is sent with
-- `publishFromBatch(root, leaf, proof)`: one publication of kind 'leaf' per leaf (subject: the event id;
-- payload_key: `<root>:<eventId>`, so a leaf is queued once per root whatever happens), sent, replaced,
-- confirmed and reorg-checked like the other kinds. Its payload is the leaf and its proof; it carries no
-- signature, hence no deadline (the column holds the largest bigint).
alter table oracle_publications drop constraint oracle_publications_kind_check;
alter table oracle_publications
  add constraint oracle_publications_kind_check check (kind in ('propose', 'batch', 'leaf'));

-- Two states for leaves:
--   awaiting_root  a leaf whose root is not final on-chain (any more): a reorg took the root's block, or
--                  the root is disputed. Checked once per root per tick; back to `pending` when final.
--   superseded     the event holds a higher version than the leaf (a correction published otherwise):
--                  nothing sent, nothing to alert on.
alter table oracle_publications drop constraint oracle_publications_state_check;
alter table oracle_publications
  add constraint oracle_publications_state_check check (state in (
    'pending', 'awaiting_signatures', 'awaiting_root', 'sent', 'mined', 'confirmed', 'already_published',
    'superseded', 'conflict', 'expired', 'failed'
  ));
drop index oracle_publications_open;
create index oracle_publications_open on oracle_publications (chain_id, contract, state)
  where state in ('pending', 'awaiting_signatures', 'awaiting_root', 'sent', 'mined');

-- When a published root's leaves were queued (null: not yet). The relayer looks only at roots on-chain
-- whose leaves are not queued yet, so its scan follows the roots in their dispute window, not history.
alter table oracle_publications add column leaves_queued_at timestamptz;
create index oracle_publications_leaves_due on oracle_publications (chain_id, contract, id)
  where kind = 'batch' and state in ('confirmed', 'already_published') and leaves_queued_at is null;

-- A mined transaction whose receipt says it reverted: no longer a candidate receipt of its publication
-- (the publication is classified again and may be sent anew with another nonce).
alter table oracle_transactions drop constraint oracle_transactions_state_check;
alter table oracle_transactions
  add constraint oracle_transactions_state_check check (state in (
    'signed', 'broadcast', 'mined', 'reverted', 'replaced', 'dropped', 'cancelled'
  ));
