import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { Logger } from 'pino';
import { KycError } from '../errors.js';
import type { AccountStore } from '../identity/account-store.js';
import type { IdentityService, OnboardingResult } from '../identity/identity-service.js';
import { pivotFromClaims } from '../identity/pivot-identity.js';
import type { ProviderClient } from '../oidc/provider-client.js';
import { checkAcr } from '../policy/assurance.js';
import type { LoginMetrics } from './login-metrics.js';
import type { LoginStateStore } from './login-state-store.js';

/** A completed login: the account plus the handle of the ID token kept in Redis for logout. */
export interface CompletedLogin extends OnboardingResult {
  readonly providerId: string;
  readonly idTokenHandle: string;
}

/**
 * The OIDC login flow without HTTP: begin (single-use state/nonce bound to the browser session),
 * complete (state consumed atomically, responses verified, acr checked, identity mapped, policy
 * applied) and logout (id_token_hint plus a fresh state verified on return).
 */
export class LoginService {
  constructor(
    private readonly deps: {
      readonly providers: ReadonlyMap<string, ProviderClient>;
      readonly states: LoginStateStore;
      readonly identities: IdentityService;
      readonly store: AccountStore;
      readonly logger: Logger;
      readonly metrics?: LoginMetrics | undefined;
      readonly now?: () => Date;
    },
  ) {}

  provider(providerId: string): ProviderClient {
    const provider = this.deps.providers.get(providerId);
    if (!provider) throw new KycError('KYC_UNKNOWN_PROVIDER', 'Unknown identity provider.');
    return provider;
  }

  /**
   * @param sessionId - the pre-login browser session the state is bound to.
   * @returns the provider's authorize URL to redirect the browser to.
   * @throws {KycError} KYC_UNKNOWN_PROVIDER, KYC_IDP_UNAVAILABLE
   */
  async begin(providerId: string, sessionId: string): Promise<URL> {
    const provider = this.provider(providerId);
    const pending = {
      providerId,
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: provider.config.pkce ? client.randomPKCECodeVerifier() : undefined,
      createdAt: Date.now(),
    };
    const url = await provider.authorizationUrl(pending);
    await this.deps.states.saveLogin(sessionId, pending);
    this.deps.logger.info({ event: 'kyc.login_started', provider: providerId });
    return url;
  }

  /**
   * Completes a login from the callback query.
   *
   * @throws {KycError} any code of the callback checks and of {@link IdentityService.onboard}.
   */
  async complete(providerId: string, sessionId: string, query: URLSearchParams): Promise<CompletedLogin> {
    const started = performance.now();
    const record = (outcome: string) =>
      this.deps.metrics?.record(providerId, outcome, (performance.now() - started) / 1000);
    const provider = this.provider(providerId);
    const state = query.get('state');
    const pending = state ? await this.deps.states.consumeLogin(sessionId, state) : null;
    if (!pending || pending.providerId !== providerId) {
      this.deps.logger.warn({
        event: 'kyc.login_rejected',
        provider: providerId,
        code: 'KYC_LOGIN_STATE_INVALID',
        stateMissing: !state,
      });
      throw new KycError(
        'KYC_LOGIN_STATE_INVALID',
        state
          ? 'This sign-in attempt is unknown, expired or was already used. Please sign in again.'
          : 'The sign-in response carries no state. Please sign in again.',
      );
    }
    try {
      const callbackUrl = new URL(provider.config.redirectUri);
      callbackUrl.search = query.toString();
      const verified = await provider.verifyCallback(callbackUrl, pending);
      const acr = checkAcr(verified.idTokenClaims.acr, provider.config);
      const pivot = pivotFromClaims({ ...verified.idTokenClaims, ...verified.userinfo }, provider.config.claimMapping);
      const result = await this.deps.identities.onboard({
        provider: providerId,
        subject: verified.idTokenClaims.sub,
        acr,
        verifiedAt: this.deps.now?.() ?? new Date(),
        pivot,
      });
      const idTokenHandle = randomBytes(24).toString('base64url');
      await this.deps.states.saveIdToken(idTokenHandle, verified.idToken);
      this.deps.logger.info({
        event: 'kyc.login_completed',
        provider: providerId,
        accountId: result.accountId,
        created: result.created,
      });
      record(result.created ? 'created' : 'returning');
      return { ...result, providerId, idTokenHandle };
    } catch (error) {
      if (!(error instanceof KycError)) {
        record('internal_error');
        throw error;
      }
      record(error.code);
      const causeCode = (error.cause as { code?: unknown } | undefined)?.code;
      this.deps.logger.warn({
        event: 'kyc.login_rejected',
        provider: providerId,
        code: error.code,
        ...(typeof causeCode === 'string' ? { causeCode } : {}),
      });
      // Policy rejections are audited by the identity service; protocol ones here.
      if (
        !['KYC_UNDERAGE', 'KYC_SELF_EXCLUDED', 'KYC_DUPLICATE_PERSON', 'KYC_ACCOUNT_SUSPENDED'].includes(error.code)
      ) {
        await this.deps.store.audit({ event: 'login_rejected', provider: providerId, code: error.code });
      }
      throw error;
    }
  }

  /**
   * Starts RP-initiated logout: the stored ID token becomes the `id_token_hint`, a fresh single-use
   * state is bound to the (post-logout) browser session.
   *
   * @returns the provider's end-session URL, or null when there is nothing to do at the provider.
   */
  async beginLogout(
    accountId: string,
    providerId: string,
    idTokenHandle: string,
    sessionId: string,
  ): Promise<URL | null> {
    await this.deps.store.audit({ event: 'logout', accountId, provider: providerId });
    const provider = this.deps.providers.get(providerId);
    const idToken = await this.deps.states.takeIdToken(idTokenHandle);
    if (!provider || !idToken) return null;
    const state = client.randomState();
    const url = await provider.endSessionUrl(idToken, state).catch((error: unknown) => {
      this.deps.logger.warn({
        event: 'kyc.logout_provider_unavailable',
        provider: providerId,
        err: { name: (error as Error).name },
      });
      return null;
    });
    if (url) await this.deps.states.saveLogout(sessionId, state, { providerId, createdAt: Date.now() });
    return url;
  }

  /** @throws {KycError} KYC_LOGOUT_STATE_INVALID when the returned state is missing, unknown or reused. */
  async completeLogout(providerId: string, sessionId: string, state: string | null): Promise<void> {
    const pending = state ? await this.deps.states.consumeLogout(sessionId, state) : null;
    if (!pending || pending.providerId !== providerId) {
      throw new KycError('KYC_LOGOUT_STATE_INVALID', 'This sign-out response is unknown or was already used.');
    }
  }
}
