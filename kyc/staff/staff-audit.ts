import type pg from 'pg';

/** Events of the staff sign-in trail (`kyc.staff_audit_log`). */
export type StaffAuditEvent = 'staff_login' | 'staff_login_refused' | 'staff_logout' | 'staff_forbidden';

/** One row of the staff trail. No tokens, no secrets. */
export interface StaffAuditEntry {
  readonly event: StaffAuditEvent;
  /** `oidc:<issuer-host>:<sub>`; absent when the refusal came before an identity was verified. */
  readonly actor?: string | undefined;
  readonly adminId?: string | undefined;
  /** The kyc error code of a refusal. */
  readonly code?: string | undefined;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Where staff sign-in events go; {@link PgStaffAuditLog} in production, a fake in unit tests. */
export interface StaffAuditLog {
  record(entry: StaffAuditEntry): Promise<void>;
}

/** The insert-only `kyc.staff_audit_log` table (a trigger refuses updates and deletes). */
export class PgStaffAuditLog implements StaffAuditLog {
  constructor(private readonly db: Pick<pg.Pool, 'query'>) {}

  async record(entry: StaffAuditEntry): Promise<void> {
    await this.db.query(
      `insert into kyc.staff_audit_log (event, actor, admin_id, code, detail) values ($1, $2, $3, $4, $5::jsonb)`,
      [entry.event, entry.actor ?? null, entry.adminId ?? null, entry.code ?? null, JSON.stringify(entry.detail ?? {})],
    );
  }
}
