import * as client from 'openid-client';
import type { Logger } from 'pino';
import type { StaffAuthConfig } from '../config.js';
import { KycError } from '../errors.js';
import type { LoginStateStore } from '../login/login-state-store.js';
import type { ProviderClient } from '../oidc/provider-client.js';
import type { StaffAuditLog } from './staff-audit.js';
import type { StaffPrincipal } from './staff-guard.js';

/** At most this many roles are kept from the roles claim, each at most {@link MAX_ROLE_LENGTH} chars. */
const MAX_ROLES = 64;
const MAX_ROLE_LENGTH = 128;
/** What an admin id may look like (it keys oracle's bindings and appears in audit rows). */
const ADMIN_ID = /^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$/;

/**
 * Reads the roles from the claims: `path` is a claim name or a dotted path into nested objects
 * (Keycloak's `realm_access.roles`). An array of strings, or one string; anything else is no role.
 */
export function readRoles(claims: Readonly<Record<string, unknown>>, path: string): string[] {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    value =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)[part]
        : undefined;
  }
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  const roles = list.filter((r): r is string => typeof r === 'string' && r.length > 0 && r.length <= MAX_ROLE_LENGTH);
  return [...new Set(roles)].slice(0, MAX_ROLES);
}

/**
 * The staff sign-in flow without HTTP: begin (single-use state, nonce and PKCE verifier bound to
 * the browser session, in their own Redis key space so a player's state never completes a staff
 * sign-in), complete (state consumed atomically, response verified by openid-client with the
 * pinned alg, roles re-read from the provider and checked against the required roles). Every
 * completed and refused sign-in is audited.
 */
export class StaffLoginService {
  constructor(
    private readonly deps: {
      readonly config: StaffAuthConfig;
      readonly provider: ProviderClient;
      readonly states: LoginStateStore;
      readonly audit: StaffAuditLog;
      readonly logger: Logger;
    },
  ) {}

  /**
   * @param sessionId - the pre-login browser session the state is bound to.
   * @returns the staff provider's authorize URL.
   * @throws {KycError} KYC_IDP_UNAVAILABLE
   */
  async begin(sessionId: string): Promise<URL> {
    const pending = {
      providerId: 'staff',
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
      createdAt: Date.now(),
    };
    const url = await this.deps.provider.authorizationUrl(pending);
    await this.deps.states.saveLogin(sessionId, pending);
    this.deps.logger.info({ event: 'kyc.staff_login_started' });
    return url;
  }

  /**
   * Completes a staff sign-in from the callback query.
   *
   * @returns the admin (actor, adminId, roles as asserted now).
   * @throws {KycError} KYC_LOGIN_STATE_INVALID, KYC_LOGIN_CANCELLED, KYC_PROVIDER_ERROR, KYC_RESPONSE_INVALID,
   *   KYC_CODE_REJECTED, KYC_IDP_UNAVAILABLE, KYC_STAFF_FORBIDDEN (a required role is missing).
   */
  async complete(sessionId: string, query: URLSearchParams): Promise<StaffPrincipal> {
    const { config, provider } = this.deps;
    let actor: string | undefined;
    let adminId: string | undefined;
    try {
      const state = query.get('state');
      const pending = state ? await this.deps.states.consumeLogin(sessionId, state) : null;
      if (!pending || pending.providerId !== 'staff') {
        throw new KycError(
          'KYC_LOGIN_STATE_INVALID',
          state
            ? 'This sign-in attempt is unknown, expired or was already used. Please sign in again.'
            : 'The sign-in response carries no state. Please sign in again.',
        );
      }
      const callbackUrl = new URL(config.provider.redirectUri);
      callbackUrl.search = query.toString();
      const verified = await provider.verifyCallback(callbackUrl, pending);
      const claims: Record<string, unknown> = { ...verified.userinfo, ...verified.idTokenClaims };
      actor = `oidc:${config.provider.issuer.host}:${verified.idTokenClaims.sub}`;
      const id = claims[config.adminIdClaim];
      if (typeof id !== 'string' || !ADMIN_ID.test(id)) {
        throw new KycError('KYC_RESPONSE_INVALID', 'The staff identity provider sent no usable staff id.');
      }
      adminId = id;
      // The ID token's roles when it has the claim, else the userinfo's: re-read at every sign-in.
      const fromToken = readRoles(verified.idTokenClaims, config.rolesClaim);
      const roles = fromToken.length > 0 ? fromToken : readRoles(verified.userinfo, config.rolesClaim);
      const missing = config.requiredRoles.filter((r) => !roles.includes(r));
      if (missing.length > 0) {
        throw new KycError('KYC_STAFF_FORBIDDEN', 'Your staff account is not allowed to administer Verdict.');
      }
      await this.deps.audit.record({ event: 'staff_login', actor, adminId, detail: { roles } });
      this.deps.logger.info({ event: 'kyc.staff_login_completed', actor, adminId, roles });
      return { actor, adminId, roles };
    } catch (error) {
      if (!(error instanceof KycError)) throw error;
      const causeCode = (error.cause as { code?: unknown } | undefined)?.code;
      this.deps.logger.warn({
        event: 'kyc.staff_login_rejected',
        code: error.code,
        ...(actor ? { actor } : {}),
        ...(typeof causeCode === 'string' ? { causeCode } : {}),
      });
      try {
        await this.deps.audit.record({ event: 'staff_login_refused', actor, adminId, code: error.code });
      } catch (auditError) {
        // The refusal stands; a lost audit row is logged (never the cause of the original error).
        this.deps.logger.error({ event: 'kyc.staff_audit_failed', err: { name: (auditError as Error).name } });
      }
      throw error;
    }
  }
}
