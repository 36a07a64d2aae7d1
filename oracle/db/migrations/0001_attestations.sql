-- Attestation side of the oracle: which admin holds which attester key, the attestations they
-- signed, and the conflicts between them. Owned by oracle/attestations. Hex values (event ids,
-- addresses, digests, signatures) are stored lowercase with their 0x prefix.

-- Each attester key belongs to exactly one admin. An admin may only submit signatures made with
-- the key bound to them, and a signer instance only signs for the admin its key is bound to.
create table oracle_attester_bindings (
  attester   text primary key check (attester ~ '^0x[0-9a-f]{40}$'),
  admin_id   text not null,
  created_at timestamptz not null default now()
);
create unique index oracle_attester_bindings_admin on oracle_attester_bindings (admin_id);

-- The current attestation of each attester for one (event, version): a re-attestation by the same
-- attester replaces its row (the previous one stays in oracle_attestation_history).
create table oracle_attestations (
  id             bigserial primary key,
  event_id       text not null check (event_id ~ '^0x[0-9a-f]{64}$'),
  version        bigint not null check (version between 1 and 4294967295),
  attester       text not null check (attester ~ '^0x[0-9a-f]{40}$'),
  admin_id       text not null,
  -- outcomeKey(eventId, status, values, endedAt, version): attestations of the same facts share it
  outcome_key    text not null check (outcome_key ~ '^0x[0-9a-f]{64}$'),
  status         smallint not null check (status between 1 and 5),
  outcome_values bigint[] not null,
  ended_at       bigint not null,
  -- signing window, derived deterministically: not_before = ended_at, deadline = ended_at + TTL
  not_before     bigint not null,
  deadline       bigint not null,
  epoch          bigint not null,
  -- EIP-712 digest of the full Result (domain: chain id + oracle address); groups identical payloads
  digest         text not null check (digest ~ '^0x[0-9a-f]{64}$'),
  -- 65-byte r ‖ s ‖ v, low-s
  signature      text not null check (signature ~ '^0x[0-9a-f]{130}$'),
  -- 'submitted' (admin wallet or attest CLI) or 'signer' (a signer instance)
  source         text not null check (source in ('submitted', 'signer')),
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  unique (event_id, version, attester)
);
create index oracle_attestations_digest on oracle_attestations (digest);
create index oracle_attestations_epoch on oracle_attestations (epoch, deadline);

-- Insert-only audit of every accepted change: created, replaced (re-attestation) or withdrawn.
create table oracle_attestation_history (
  id          bigserial primary key,
  action      text not null check (action in ('created', 'replaced', 'withdrawn')),
  event_id    text not null,
  version     bigint not null,
  attester    text not null,
  admin_id    text not null,
  outcome_key text,
  digest      text,
  epoch       bigint,
  signature   text,
  at          timestamptz not null default now()
);
create index oracle_attestation_history_event on oracle_attestation_history (event_id, version);

-- Conflicts as they were recorded: opened when attesters of the current epoch back two or more
-- payloads of one (event, version), resolved when only one payload keeps support. At most one
-- open row per (event, version). Readiness itself recomputes conflicts from oracle_attestations.
create table oracle_attestation_conflicts (
  id           bigserial primary key,
  event_id     text not null,
  version      bigint not null,
  epoch        bigint not null,
  outcome_keys text[] not null,
  opened_at    timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  resolved_at  timestamptz
);
create unique index oracle_attestation_conflicts_open on oracle_attestation_conflicts (event_id, version)
  where resolved_at is null;
