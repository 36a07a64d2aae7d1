import type { Redis } from 'ioredis';
import { createRedisEphemeral, type Ephemeral } from '../lib/ephemeral/index.js';
import passport from 'passport';
import type pg from 'pg';
import type { Logger } from 'pino';
import express, { type RequestHandler, type Router } from 'express';
import type { Registry } from 'prom-client';
import type { KycConfig } from './config.js';
import { IdentityCipher } from './crypto/identity-cipher.js';
import { PgSelfExclusionRegister } from './exclusion/pg-self-exclusion-register.js';
import type { SelfExclusionRegister } from './exclusion/self-exclusion-register.js';
import { createOriginCheck, requirePlayer } from './http/guards.js';
import { createKycRouter } from './http/kyc-router.js';
import type { AccountStore } from './identity/account-store.js';
import { IdentityService } from './identity/identity-service.js';
import { PgAccountStore } from './identity/pg-account-store.js';
import { LoginRateLimiter } from './login/login-rate-limit.js';
import { LoginStateStore } from './login/login-state-store.js';
import { LoginMetrics } from './login/login-metrics.js';
import { LoginService } from './login/login-service.js';
import { ProviderClient } from './oidc/provider-client.js';
import { PgStaffAuditLog, type StaffAuditLog } from './staff/staff-audit.js';
import { createAdminGuard } from './staff/staff-guard.js';
import { StaffLoginService } from './staff/staff-login-service.js';
import { createStaffRouter } from './staff/staff-router.js';
import './http/session-types.js';

/**
 * Where the short-lived state goes (login state, rate-limit counters): an ioredis client, or an
 * {@link Ephemeral} (lib/ephemeral: Redis, or memory in the local stack). The keys are the same.
 */
export type KycEphemeralDeps = { readonly redis: Redis } | { readonly ephemeral: Ephemeral };

/** Dependencies of {@link createKycModule}: the kyc config section and connections opened by the composition root. */
export type KycModuleDeps = KycEphemeralDeps & KycModuleBaseDeps;

/** {@link KycModuleDeps} but the Redis/ephemeral choice. */
export interface KycModuleBaseDeps {
  readonly config: KycConfig;
  readonly pool: Pick<pg.Pool, 'query' | 'connect'>;
  readonly logger: Logger;
  /** Defaults to the imported register in Postgres; a remote register (ANJ) can be injected. */
  readonly register?: SelfExclusionRegister;
  /** Defaults to {@link PgAccountStore} on `pool`. */
  readonly store?: AccountStore;
  /** Registry for the kyc metrics (`kyc_login_outcomes_total`, `kyc_callback_duration_seconds`); none when absent. */
  readonly metrics?: Registry;
  /** Clock of the onboarding policy (age on the Paris day) and of the staff session TTLs; tests inject one. */
  readonly now?: () => Date;
  /** Defaults to {@link PgStaffAuditLog} on `pool` (`kyc.staff_audit_log`). */
  readonly staffAudit?: StaffAuditLog;
}

/** What the API composes: the router to mount at the root and the services behind it. */
export interface KycModule {
  /** Express router: login, callback, logout and account routes, with its own problem+json handler. Mount behind the session middleware. */
  readonly router: Router;
  readonly identityService: IdentityService;
  readonly loginService: LoginService;
  /** Passport instance of the sign-in routes (`req.login`/`req.logout`); other routes use {@link KycModule.requirePlayer}. */
  readonly authenticator: passport.Authenticator;
  /** The `requirePlayer` guard: `req.user.accountId` after it, 401 `KYC_NOT_AUTHENTICATED` without a player session. */
  readonly requirePlayer: RequestHandler;
  /** The Origin/CSRF check of cookie-authenticated writes, for the configured origins (`KYC_ALLOWED_ORIGINS`). */
  readonly originCheck: RequestHandler;
  /**
   * Guard of admin routes: `requireAdmin()` needs a live staff session, `requireAdmin(role)` also
   * that role; sets `req.admin = { actor, roles, adminId }`; 401 `KYC_STAFF_NOT_AUTHENTICATED`, 403
   * `KYC_STAFF_FORBIDDEN` (audited). Without a staff section (no STAFF_OIDC_*) every request is 401.
   */
  readonly requireAdmin: (role?: string) => RequestHandler;
  /** The staff sign-in flow without HTTP; undefined without a staff section. */
  readonly staffLoginService: StaffLoginService | undefined;
}

export function createKycModule(deps: KycModuleDeps): KycModule {
  const { config, logger } = deps;
  const log = logger.child({ module: 'kyc' });
  const store = deps.store ?? new PgAccountStore(deps.pool);
  const register = deps.register ?? new PgSelfExclusionRegister({ db: deps.pool, hmacKey: config.identityHmacKey });
  const identityService = new IdentityService({
    store,
    register,
    cipher: new IdentityCipher(config.encryption),
    hmacKey: config.identityHmacKey,
    logger: log,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const providers = new Map(
    config.providers.map((p) => [
      p.id,
      new ProviderClient(p, {
        clockToleranceSeconds: config.clockToleranceSeconds,
        httpTimeoutSeconds: config.httpTimeoutSeconds,
        allowInsecureHttp: config.allowInsecureHttp,
      }),
    ]),
  );
  const ephemeral = 'ephemeral' in deps ? deps.ephemeral : createRedisEphemeral(deps.redis);
  const states = new LoginStateStore(ephemeral.oneShot, {
    prefix: config.redisPrefix,
    loginTtlSeconds: config.loginStateTtlSeconds,
    sessionTtlSeconds: config.sessionTtlSeconds,
  });
  const loginService = new LoginService({
    providers,
    states,
    identities: identityService,
    store,
    logger: log,
    metrics: deps.metrics ? new LoginMetrics(deps.metrics) : undefined,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const authenticator = new passport.Passport();
  authenticator.serializeUser((user, done) => done(null, user.accountId));
  authenticator.deserializeUser((id: string, done) => done(null, { accountId: id }));
  const originCheck = createOriginCheck({ allowedOrigins: config.allowedOrigins });
  const loginRateLimiter = new LoginRateLimiter(ephemeral.counters, {
    prefix: config.redisPrefix,
    ...config.loginRateLimit,
  });
  const now = deps.now ?? (() => new Date());
  const staffAudit = deps.staffAudit ?? new PgStaffAuditLog(deps.pool);
  const requireAdmin = createAdminGuard({
    now,
    async onForbidden(principal, role, req) {
      log.warn({ event: 'kyc.staff_forbidden', actor: principal.actor, role, path: req.path });
      await staffAudit.record({
        event: 'staff_forbidden',
        actor: principal.actor,
        adminId: principal.adminId,
        code: 'KYC_STAFF_FORBIDDEN',
        detail: { role, method: req.method, path: req.path },
      });
    },
  });
  const router = express.Router();
  let staffLoginService: StaffLoginService | undefined;
  if (config.staff) {
    staffLoginService = new StaffLoginService({
      config: config.staff,
      provider: new ProviderClient(config.staff.provider, {
        clockToleranceSeconds: config.clockToleranceSeconds,
        httpTimeoutSeconds: config.httpTimeoutSeconds,
        allowInsecureHttp: config.allowInsecureHttp,
      }),
      // Its own key space: a player's login state never completes a staff sign-in, nor the reverse.
      states: new LoginStateStore(ephemeral.oneShot, {
        prefix: `${config.redisPrefix}staff:`,
        loginTtlSeconds: config.loginStateTtlSeconds,
        sessionTtlSeconds: config.staff.absoluteTtlSeconds,
      }),
      audit: staffAudit,
      logger: log,
    });
    router.use(
      createStaffRouter({
        config: config.staff,
        login: staffLoginService,
        audit: staffAudit,
        requireStaff: requireAdmin(),
        originCheck,
        loginRateLimiter,
        now,
        logger: log,
      }),
    );
  }
  const playerRouter = createKycRouter({
    config,
    login: loginService,
    identities: identityService,
    authenticator,
    originCheck,
    loginRateLimiter,
    logger: log,
  });
  router.use(playerRouter);
  return {
    router,
    identityService,
    loginService,
    authenticator,
    requirePlayer,
    originCheck,
    requireAdmin,
    staffLoginService,
  };
}
