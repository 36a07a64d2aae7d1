import express, { type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import type { StaffAuthConfig } from '../config.js';
import { KycError } from '../errors.js';
import { kycErrorHandler } from '../http/problem.js';
import type { LoginRateLimiter } from '../login/login-rate-limit.js';
import type { StaffAuditLog } from './staff-audit.js';
import type { StaffLoginService } from './staff-login-service.js';
import '../http/session-types.js';

const regenerate = (req: express.Request) =>
  new Promise<void>((resolve, reject) => req.session.regenerate((e) => (e ? reject(e as Error) : resolve())));

/**
 * Staff sign-in routes (mounted at the root, behind the session middleware):
 * - `GET  /admin/auth/login` — starts a staff sign-in (303 to the staff provider).
 * - `GET  <path of STAFF_OIDC_REDIRECT_URI>` (`/admin/auth/callback`) — verifies the response, checks
 *   the roles, regenerates the session (session fixation) and stores the admin in it; 303 to
 *   STAFF_AFTER_LOGIN_PATH.
 * - `POST /admin/auth/logout` — staff session required, Origin check, then the session is
 *   regenerated empty; 303 to STAFF_AFTER_LOGOUT_PATH.
 * A staff sign-in replaces the browser's session: a player signed in in the same browser is signed
 * out (and a player sign-in drops a staff session), so one session is never both.
 */
export function createStaffRouter(deps: {
  readonly config: StaffAuthConfig;
  readonly login: StaffLoginService;
  readonly audit: StaffAuditLog;
  readonly requireStaff: RequestHandler;
  readonly originCheck: RequestHandler;
  readonly loginRateLimiter: LoginRateLimiter;
  readonly now: () => Date;
  readonly logger: Logger;
}): Router {
  const { config, login, loginRateLimiter } = deps;
  const router = express.Router();

  router.get('/admin/auth/login', async (req, res) => {
    const rate = await loginRateLimiter.take(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (!rate.allowed) {
      res.set('retry-after', String(rate.retryAfterSeconds));
      throw new KycError('KYC_RATE_LIMITED', 'Too many sign-in attempts from this address. Please wait a moment.');
    }
    req.session.staffLoginStartedAt = Date.now();
    const url = await login.begin(req.sessionID);
    res.set('cache-control', 'no-store').redirect(303, url.href);
  });

  router.get(config.provider.redirectUri.pathname, async (req, res) => {
    const query = new URL(req.originalUrl, 'http://placeholder').searchParams;
    const admin = await login.complete(req.sessionID, query);
    await regenerate(req);
    const t = deps.now().getTime();
    req.session.staff = {
      actor: admin.actor,
      adminId: admin.adminId,
      roles: admin.roles,
      authenticatedAt: t,
      expiresAt: t + config.absoluteTtlSeconds * 1000,
      idleMs: config.idleTtlSeconds * 1000,
      lastSeenAt: t,
    };
    // The cookie and the Redis entry live as long as the absolute TTL; the guard enforces both TTLs.
    req.session.cookie.maxAge = config.absoluteTtlSeconds * 1000;
    res.set('cache-control', 'no-store').redirect(303, config.paths.afterLogin);
  });

  router.post('/admin/auth/logout', deps.requireStaff, deps.originCheck, async (req, res) => {
    const staff = req.session.staff!;
    await regenerate(req);
    await deps.audit.record({ event: 'staff_logout', actor: staff.actor, adminId: staff.adminId });
    deps.logger.info({ event: 'kyc.staff_logout', actor: staff.actor });
    res.set('cache-control', 'no-store').redirect(303, config.paths.afterLogout);
  });

  router.use(kycErrorHandler(deps.logger));
  return router;
}
