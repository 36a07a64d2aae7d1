-- Contract attesters (ERC-1271, e.g. a Safe) and binding administration. Owned by
-- oracle/attestations, like 0001.

-- The binding says whether the attester is a contract. The service also treats an address with
-- code as a contract when it has a provider to ask.
alter table oracle_attester_bindings add column is_contract boolean not null default false;

-- An attestation verified with isValidSignature(digest, signature) == 0x1626ba7e: the relayer
-- packs it as a 0x01 (ERC-1271) entry. Its signature is whatever bytes the contract accepts
-- (1..65535 bytes: the bundle's length field is a uint16); an ECDSA one stays 65 bytes, low-s.
alter table oracle_attestations add column is_contract boolean not null default false;
alter table oracle_attestations drop constraint oracle_attestations_signature_check;
alter table oracle_attestations add constraint oracle_attestations_signature_check check (
  case
    when is_contract then signature ~ '^0x([0-9a-f]{2})+$' and length(signature) <= 2 + 2 * 65535
    else signature ~ '^0x[0-9a-f]{130}$'
  end
);
alter table oracle_attestation_history add column is_contract boolean;

-- Insert-only audit of binding changes (npm run oracle:bind).
create table oracle_attester_binding_history (
  id          bigserial primary key,
  action      text not null check (action in ('bound', 'updated', 'unbound')),
  attester    text not null,
  admin_id    text not null,
  is_contract boolean not null,
  at          timestamptz not null default now()
);
create index oracle_attester_binding_history_admin on oracle_attester_binding_history (admin_id);
