-- Chain side of the oracle: the relayer's outbox, batch requests and the indexer's view of the chain.
-- Owned by oracle/relayer and oracle/indexer; the attestation side (0001) never writes here except
-- `oracle_batch_signatures` (attester signatures over a batch root the relayer asked for).

-- One intended publication: a ready result (kind 'propose') or a batch root ('batch').
create table oracle_publications (
  id bigserial primary key,
  chain_id bigint not null,
  contract text not null,
  kind text not null check (kind in ('propose', 'batch')),
  -- eventId for 'propose', Merkle root for 'batch'
  subject text not null,
  -- EIP-712 digest of the signed payload for 'propose', the root for 'batch': one publication per
  -- signed payload (re-signing the same outcome with a new window gives a new digest)
  payload_key text not null,
  -- outcomeKey (payload without its signing window) for 'propose': what "already held" is decided on
  outcome_key text,
  version integer,
  digest text,
  -- the signed payload and its signatures (JSON, bigints as strings), for resends and audits
  payload jsonb not null,
  deadline bigint not null,
  state text not null check (state in (
    'pending',          -- known, nothing sent
    'awaiting_signatures', -- batch root waiting for a quorum of attester signatures
    'sent',             -- a transaction is in flight
    'mined',            -- receipt seen, fewer than N confirmations
    'confirmed',        -- receipt with N confirmations
    'already_published',-- the chain already holds this exact payload: success, nothing sent
    'conflict',         -- the chain holds ANOTHER payload for this event: alert, nothing sent
    'expired',          -- signatures expired before they could be sent
    'failed'            -- reverted / refused for another reason (error column)
  )),
  error text,
  tx_hash text,
  block_number bigint,
  block_hash text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (chain_id, contract, kind, payload_key)
);
create index oracle_publications_open on oracle_publications (chain_id, contract, state)
  where state in ('pending', 'awaiting_signatures', 'sent', 'mined');
create index oracle_publications_subject on oracle_publications (subject);
create index oracle_publications_outcome on oracle_publications (outcome_key);

-- Every signed transaction, recorded BEFORE it is broadcast. Replacements share the nonce.
create table oracle_transactions (
  id bigserial primary key,
  publication_id bigint not null references oracle_publications (id),
  chain_id bigint not null,
  sender text not null,
  nonce bigint not null,
  attempt integer not null,
  tx_hash text not null unique,
  raw_tx text not null,
  max_fee_per_gas numeric(78, 0) not null,
  max_priority_fee_per_gas numeric(78, 0) not null,
  state text not null check (state in ('signed', 'broadcast', 'mined', 'replaced', 'dropped', 'cancelled')),
  block_number bigint,
  block_hash text,
  receipt_status integer,
  created_at timestamptz not null default now(),
  broadcast_at timestamptz,
  updated_at timestamptz not null default now(),
  unique (chain_id, sender, nonce, attempt)
);
create index oracle_transactions_open on oracle_transactions (chain_id, sender, state)
  where state in ('signed', 'broadcast', 'mined');

-- Leaves of a batch root, with the proof of each (what a consumer or `publishFromBatch` needs).
create table oracle_batch_items (
  root text not null,
  event_id text not null,
  outcome_key text not null,
  leaf_index integer not null,
  status smallint not null,
  values_ jsonb not null,
  ended_at bigint not null,
  version integer not null,
  proof jsonb not null,
  primary key (root, event_id)
);
create index oracle_batch_items_event on oracle_batch_items (event_id);
create index oracle_batch_items_key on oracle_batch_items (outcome_key);

-- Attester signatures over a batch root requested by the relayer (written by the attestation side).
create table oracle_batch_signatures (
  root text not null,
  digest text not null,
  attester text not null,
  signature text not null,
  is_contract boolean not null default false,
  created_at timestamptz not null default now(),
  primary key (root, attester)
);

-- Indexer: last indexed block per stream, and recent block hashes for reorg detection.
create table oracle_chain_checkpoints (
  stream text primary key,
  block_number bigint not null,
  block_hash text not null,
  block_timestamp bigint not null,
  updated_at timestamptz not null default now()
);
create table oracle_chain_blocks (
  stream text not null,
  block_number bigint not null,
  block_hash text not null,
  primary key (stream, block_number)
);

-- Raw oracle events, as confirmed at the indexer's depth (the truth the derived tables rebuild from).
create table oracle_chain_events (
  stream text not null,
  block_number bigint not null,
  block_hash text not null,
  log_index integer not null,
  tx_hash text not null,
  name text not null,
  subject text not null,
  args jsonb not null,
  primary key (stream, block_number, log_index)
);
create index oracle_chain_events_subject on oracle_chain_events (stream, subject);

-- Derived: where each event's result stands on-chain.
create table oracle_results (
  stream text not null,
  event_id text not null,
  version integer not null,
  status smallint not null,
  values_ jsonb not null,
  ended_at bigint not null,
  epoch integer,
  phase text not null check (phase in ('proposed', 'disputed', 'final')),
  final_at bigint,
  batch_root text,
  block_number bigint not null,
  block_hash text not null,
  tx_hash text,
  final_block_number bigint,
  updated_at timestamptz not null default now(),
  primary key (stream, event_id)
);

-- Derived: batch roots.
create table oracle_batch_roots (
  stream text not null,
  root text not null,
  count integer not null,
  epoch integer not null,
  phase text not null check (phase in ('proposed', 'disputed', 'final', 'rejected')),
  final_at bigint,
  block_number bigint not null,
  block_hash text not null,
  final_block_number bigint,
  primary key (stream, root)
);

-- Notification outbox: one row per result that became final. Consumers keep a cursor on `id`;
-- `pg_notify('oracle_final', event_id)` only wakes them up, this table is the truth.
create table oracle_final_results (
  id bigserial primary key,
  stream text not null,
  event_id text not null,
  version integer not null,
  status smallint not null,
  values_ jsonb not null,
  ended_at bigint not null,
  batch_root text,
  final_block_number bigint not null,
  created_at timestamptz not null default now(),
  unique (stream, event_id)
);
