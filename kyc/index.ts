/**
 * kyc — players get a betting account only by proving who they are.
 *
 * Public surface of the module (the API imports only from here):
 * - {@link createKycModule}: router (login, callback, logout, account) + services + guards;
 * - {@link requirePlayer}, {@link createOriginCheck}: guards of other modules' routes;
 * - {@link readPlayerAccount}: the account view inside the caller's transaction;
 * - {@link loadKycConfig}: the validated kyc configuration section;
 * - {@link createSessionMiddleware}: Redis-backed sessions with the cookie policy the login needs;
 * - {@link migrateKyc}: the module's SQL migrations;
 * - {@link KycError} and {@link KYC_ERROR_STATUS}: stable error codes and their HTTP status;
 *
 * The local FranceConnect-like provider lives in a separate entry point, `kyc/idp/index.ts`, so that
 * production code never loads it.
 *
 * @packageDocumentation
 */

/**
 * Builds the kyc module from its config section and the connections of the composition root.
 * No I/O happens here: providers are discovered on first use (a provider that is down at start-up
 * does not prevent the API from starting).
 *
 * @param deps - config, pg pool, `redis` (an ioredis client) or `ephemeral` (lib/ephemeral), pino logger;
 *   optionally a self-exclusion register.
 * @returns `{ router, identityService, loginService, authenticator, requirePlayer, originCheck, requireAdmin, staffLoginService }`.
 */
export {
  createKycModule,
  type KycModule,
  type KycModuleDeps,
  type KycModuleBaseDeps,
  type KycEphemeralDeps,
} from './module.js';

/**
 * Parses the kyc variables (FRANCECONNECT_*, KYC_*, STAFF_*) once.
 *
 * @param env - usually `process.env`.
 * @throws {KycConfigError} listing every invalid variable by name, never its value.
 */
export {
  loadKycConfig,
  type KycConfig,
  type OidcProviderConfig,
  type StaffAuthConfig,
  type SigningAlg,
  EIDAS_LEVELS,
} from './config.js';

/** Typed errors: `code` is stable; `message` is safe to show to the player. */
export { KycError, KycConfigError, isKycError, type KycErrorCode } from './errors.js';

/** Status table and problem+json helpers of the kyc edge. */
export { KYC_ERROR_STATUS, problemType, kycErrorHandler, sendProblem, type ProblemPage } from './http/problem.js';

/**
 * Guards for other modules' routes (mount behind the session middleware, before any body parser):
 * - {@link requirePlayer}: after it `req.user.accountId` is the signed-in player's account id
 *   ({@link playerAccountId}`(req)` reads it typed); without a player session, 401 problem+json
 *   `KYC_NOT_AUTHENTICATED`. Also `kycModule.requirePlayer`.
 * - {@link createOriginCheck}: the Origin/CSRF check of every cookie-authenticated write (403
 *   `KYC_ORIGIN_REFUSED`). `kycModule.originCheck` is one built for `KYC_ALLOWED_ORIGINS`.
 */
export { requirePlayer, playerAccountId, createOriginCheck, type OriginCheckOptions } from './http/guards.js';

/**
 * Staff (admin) sign-in through the staff OpenID Connect provider (STAFF_*; docs/kyc.md "Staff sign-in"):
 * - {@link requireAdmin}`(role?)`: guard of admin routes (also `kycModule.requireAdmin`, which also
 *   audits 403s); after it `req.admin` is a {@link StaffPrincipal} `{ actor, roles, adminId }`
 *   ({@link adminOf}`(req)` reads it typed); 401 `KYC_STAFF_NOT_AUTHENTICATED` without a live staff
 *   session, 403 `KYC_STAFF_FORBIDDEN` without the role. A player session never passes it.
 * - {@link StaffLoginService}: the sign-in flow without HTTP; {@link PgStaffAuditLog}: `kyc.staff_audit_log`.
 */
export {
  requireAdmin,
  adminOf,
  createAdminGuard,
  type StaffPrincipal,
  type AdminGuardOptions,
} from './staff/staff-guard.js';
export { StaffLoginService, readRoles } from './staff/staff-login-service.js';
export {
  PgStaffAuditLog,
  type StaffAuditLog,
  type StaffAuditEntry,
  type StaffAuditEvent,
} from './staff/staff-audit.js';

/**
 * Sessions in Redis via connect-redis (`redis`), or in an `Ephemeral`'s store (`ephemeral`: Redis, or
 * memory in the local stack): HttpOnly, SameSite=Lax, Secure unless configured off.
 *
 * @param options - `redis` or `ephemeral`, key prefix, secrets (newest first), Secure flag, TTL.
 */
export { createSessionMiddleware, connectRedisClient, type SessionOptions } from './session/redis-session-store.js';

/**
 * Applies kyc/db/migrations to the database (idempotent, advisory-locked).
 *
 * @returns ids of the migrations applied by this call.
 */
export { migrateKyc } from './db/migrations.js';

/** The onboarding policy and account lifecycle (signup, limits, second measure, re-check job). */
export { IdentityService, MAX_WEEKLY_LIMIT_CENTS, type OnboardingResult } from './identity/identity-service.js';

/** The OIDC flow without HTTP (begin, complete, logout). */
export { LoginService, type CompletedLogin } from './login/login-service.js';

/** Account persistence interface, its Postgres implementation and the account view other modules see. */
export type {
  AccountStore,
  AccountView,
  AccountStatus,
  Limits,
  AssuranceMeasureKind,
  NewAccount,
  AuditEntry,
  CreateAccountResult,
  DueIdentity,
} from './identity/account-store.js';
export { PgAccountStore } from './identity/pg-account-store.js';

/**
 * The account view (status, limits, assurance, withdrawalsAllowed, canPlay) read on the caller's
 * client, inside the caller's transaction; `lock: 'share' | 'update'` locks the `kyc.accounts` row
 * (`FOR SHARE` / `FOR UPDATE`) until that transaction ends. Null when there is no such account.
 *
 * @example
 * await withTransaction(pool, async (client) => {
 *   const account = await readPlayerAccount(client, req.user.accountId, { lock: 'share' });
 *   if (!account?.canPlay) throw …;
 * });
 */
export { readPlayerAccount, type AccountLock } from './identity/pg-account-store.js';

/** Identity model shared by OIDC providers and (later) asynchronous KYC vendors. */
export type { VerifiedIdentity, PivotIdentity, BirthdatePrecision } from './identity/pivot-identity.js';

/** Self-exclusion register: the interface, the Postgres (imported file) implementation and the file parser. */
export {
  type SelfExclusionRegister,
  type RegisterEntry,
  parseRegisterFile,
} from './exclusion/self-exclusion-register.js';
export { PgSelfExclusionRegister } from './exclusion/pg-self-exclusion-register.js';

/** AES-256-GCM keyring used for the pivot identity at rest. */
export { IdentityCipher, type SealedBox } from './crypto/identity-cipher.js';

/** Admin jobs behind `scripts/kyc-*.ts` (register import, 7-day re-check, re-encryption). */
export { loadKycJobConfig, type KycJobConfig } from './config.js';
export { importSelfExclusionFile, runExclusionRecheck, runReencryption } from './jobs/kyc-jobs.js';
