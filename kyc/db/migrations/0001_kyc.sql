-- kyc module: accounts gated by a verified identity. Everything lives in the `kyc` schema so that
-- other modules' tables (ledger accounts, bets…) cannot collide with these names.
create schema if not exists kyc;

-- A player account. Created only by a successful verified signup, in the same transaction as its
-- identity, its limits row and an audit entry.
create table kyc.accounts (
  id                    uuid primary key default gen_random_uuid(),
  status                text not null default 'active' check (status in ('active', 'suspended', 'closed')),
  -- acr of the identity that opened the account (eidas1, eidas2, eidas3 or none).
  assurance_level       text not null,
  -- AML (CMF R.561-5-1/-2): eidas1 alone is not enough; withdrawals open once a second measure is
  -- recorded (eidas2+ identity or a payment account in the player's name), see kyc.assurance_measures.
  withdrawals_allowed   boolean not null default false,
  created_at            timestamptz not null default now(),
  suspended_at          timestamptz,
  suspension_reason     text,
  exclusion_checked_at  timestamptz not null default now()
);
create index accounts_exclusion_due on kyc.accounts (exclusion_checked_at) where status = 'active';

-- The verified identity behind an account. Minimum data: provider, subject, HMAC identity key, acr,
-- verified_at; the pivot identity itself only as AES-256-GCM ciphertext under a key id.
create table kyc.identities (
  id                uuid primary key,
  account_id        uuid not null references kyc.accounts (id),
  provider          text not null,
  subject           text not null,
  identity_key      bytea not null,
  acr               text not null,
  verified_at       timestamptz not null,
  pivot_key_id      text not null,
  pivot_ciphertext  bytea not null,
  constraint identities_provider_subject unique (provider, subject)
);
-- One person, one account, whatever the provider.
create unique index identities_identity_key on kyc.identities (identity_key);
create index identities_account on kyc.identities (account_id);
create index identities_pivot_key_id on kyc.identities (pivot_key_id);

-- Weekly (7 rolling days) deposit and stake limits. NULL = not chosen yet: no deposit, no bet.
create table kyc.limits (
  account_id            uuid primary key references kyc.accounts (id),
  weekly_deposit_cents  bigint check (weekly_deposit_cents > 0),
  weekly_stake_cents    bigint check (weekly_stake_cents > 0),
  updated_at            timestamptz
);

-- Second identity-verification measures (AML), recorded by later features (payments, FranceConnect+).
create table kyc.assurance_measures (
  id           bigserial primary key,
  account_id   uuid not null references kyc.accounts (id),
  kind         text not null check (kind in ('eidas_substantial', 'payment_account_in_name')),
  reference    text,
  recorded_at  timestamptz not null default now()
);
create index assurance_measures_account on kyc.assurance_measures (account_id);

-- Self-exclusion register (imported from the ANJ file by an admin command). Only a keyed HMAC of
-- names + birthdate is kept: the register needs matching, not the people's names.
create table kyc.self_exclusions (
  match_key    bytea primary key,
  source       text not null,
  imported_at  timestamptz not null default now()
);

-- Append-only audit trail: signups, logins, rejections, limits, suspensions. No identity data.
create table kyc.audit_log (
  id           bigserial primary key,
  occurred_at  timestamptz not null default now(),
  event        text not null,
  account_id   uuid references kyc.accounts (id),
  provider     text,
  code         text,
  detail       jsonb not null default '{}'::jsonb
);
create index audit_log_account on kyc.audit_log (account_id) where account_id is not null;
