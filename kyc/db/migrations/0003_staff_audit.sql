-- Staff (admin) sign-in trail: every staff login, logout and refusal (a refused sign-in, a route
-- refused for a missing role). Staff are not player accounts, so they get their own table. No
-- tokens, no secrets, no player data. Insert-only: rows can be neither updated nor deleted.
create table kyc.staff_audit_log (
  id           bigserial primary key,
  occurred_at  timestamptz not null default now(),
  event        text not null check (event in ('staff_login', 'staff_login_refused', 'staff_logout', 'staff_forbidden')),
  -- `oidc:<issuer-host>:<sub>`; null when the refusal came before an identity was verified.
  actor        text,
  admin_id     text,
  code         text,
  detail       jsonb not null default '{}'::jsonb
);
create index staff_audit_log_actor on kyc.staff_audit_log (actor, occurred_at) where actor is not null;

create function kyc.staff_audit_log_insert_only() returns trigger language plpgsql as $$
begin
  raise exception 'kyc.staff_audit_log is insert-only' using errcode = 'insufficient_privilege';
end;
$$;
create trigger staff_audit_log_insert_only before update or delete on kyc.staff_audit_log
  for each row execute function kyc.staff_audit_log_insert_only();
