import type { Request, RequestHandler } from 'express';
import { KycError } from '../errors.js';
import { sendProblem } from '../http/problem.js';
import '../http/session-types.js';

/**
 * The admin behind a request, set by {@link requireAdmin} as `req.admin` (structurally the API's
 * `AdminPrincipal`: `actor` is its stable audit id). Read it typed with {@link adminOf}.
 */
export interface StaffPrincipal {
  /** Stable id for audit logs: `oidc:<issuer-host>:<sub>`. */
  readonly actor: string;
  /** Roles asserted by the staff provider at the last sign-in. */
  readonly roles: readonly string[];
  /** The staff identity's stable id (STAFF_ADMIN_ID_CLAIM, `sub` by default): oracle's admin ↔ attester bindings key. */
  readonly adminId: string;
}

/** Options of {@link createAdminGuard} (the kyc module passes its clock and its audit). */
export interface AdminGuardOptions {
  readonly now?: () => Date;
  /** Called on a 403 (a signed-in admin without the role); errors are the caller's to swallow. */
  readonly onForbidden?: (principal: StaffPrincipal, role: string, req: Request) => Promise<void>;
}

/** Minimum interval between two writes of `lastSeenAt` (keeps admin reads from rewriting the session). */
const LAST_SEEN_WRITE_MS = 60_000;

type StaffSession = NonNullable<Request['session']['staff']>;

/** A session written by another version (or tampered with in Redis) is not a staff session. */
function wellFormed(staff: StaffSession): boolean {
  const s = staff as unknown as Record<string, unknown>;
  return (
    typeof s.actor === 'string' &&
    typeof s.adminId === 'string' &&
    Array.isArray(s.roles) &&
    (s.roles as unknown[]).every((r) => typeof r === 'string') &&
    typeof s.expiresAt === 'number' &&
    typeof s.lastSeenAt === 'number' &&
    typeof s.idleMs === 'number'
  );
}

/**
 * The admin set by {@link requireAdmin} (typed: Express handlers cannot narrow `req`).
 *
 * @throws {KycError} KYC_STAFF_NOT_AUTHENTICATED when the guard did not run (a wiring mistake; answered 401).
 */
export function adminOf(req: Request): StaffPrincipal {
  const admin = (req as Request & { admin?: StaffPrincipal }).admin;
  if (!admin) throw new KycError('KYC_STAFF_NOT_AUTHENTICATED', 'Sign in as staff to continue.');
  return admin;
}

/**
 * Builds `requireAdmin(role?)` guards with a clock and a hook for refusals. Each guard reads the
 * staff part of the session (`req.session.staff`, written only by the staff callback) and
 * - without one, or when it is past its absolute expiry or idle for longer than its idle TTL,
 *   answers 401 problem+json `KYC_STAFF_NOT_AUTHENTICATED` (an expired one is removed);
 * - when `role` is given and the admin lacks it, answers 403 `KYC_STAFF_FORBIDDEN`;
 * - otherwise sets `req.admin = { actor, roles, adminId }` and refreshes the idle clock.
 * A player session never passes it (no `staff` in it). Mount it behind the session middleware and
 * before any body parser.
 */
export function createAdminGuard(options: AdminGuardOptions = {}): (role?: string) => RequestHandler {
  const now = () => (options.now?.() ?? new Date()).getTime();
  return (role) => async (req, res, next) => {
    const staff = req.session?.staff;
    const t = now();
    const valid = staff !== undefined && wellFormed(staff);
    if (!valid || t >= staff.expiresAt || t - staff.lastSeenAt >= staff.idleMs) {
      if (staff !== undefined) delete req.session.staff;
      sendProblem(
        req,
        res,
        new KycError(
          'KYC_STAFF_NOT_AUTHENTICATED',
          staff === undefined ? 'Sign in as staff to continue.' : 'Your staff session has expired. Sign in again.',
        ),
      );
      return;
    }
    const principal: StaffPrincipal = { actor: staff.actor, roles: [...staff.roles], adminId: staff.adminId };
    if (role !== undefined && !staff.roles.includes(role)) {
      if (options.onForbidden) await options.onForbidden(principal, role, req);
      sendProblem(
        req,
        res,
        new KycError('KYC_STAFF_FORBIDDEN', 'Your staff account does not have the role this needs.'),
      );
      return;
    }
    if (t - staff.lastSeenAt >= LAST_SEEN_WRITE_MS) staff.lastSeenAt = t;
    (req as Request & { admin?: StaffPrincipal }).admin = principal;
    next();
  };
}

/**
 * Guard of admin routes, without the kyc module: `requireAdmin()` needs a live staff session,
 * `requireAdmin('verdict:attester')` also that role (401 `KYC_STAFF_NOT_AUTHENTICATED`, 403
 * `KYC_STAFF_FORBIDDEN`). `kycModule.requireAdmin` is the same guard on the module's clock, and it
 * also records 403s in the staff audit log.
 */
export const requireAdmin: (role?: string) => RequestHandler = createAdminGuard();
