import express, { type Request, type Response, type Router } from 'express';
import type passport from 'passport';
import type { Logger } from 'pino';
import type { KycConfig } from '../config.js';
import { KycError } from '../errors.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { LoginService } from '../login/login-service.js';
import { publicEncryptionJwks } from '../oidc/provider-client.js';
import { kycErrorHandler } from './problem.js';
import './session-types.js';

/**
 * Routes (the router is mounted at the application root, behind the session middleware):
 * - `GET  /auth/:provider` — starts a login (303 to the provider).
 * - `GET  <redirect URI path of each provider>` — the callback (303 to the limits page or home).
 * - `POST /auth/logout` — local logout, then 303 to the provider's end-session endpoint.
 * - `GET  <post-logout redirect URI path of each provider>` — verifies the logout state.
 * - `GET  /auth/me`, `PUT /auth/me/limits` — the signed-in player's account (JSON).
 * - `GET  /auth/jwks.json` — public keys FranceConnect+ encrypts ID tokens and userinfo to (the
 *   `jwks_uri` registered at the provider); public members only.
 */
export function createKycRouter(deps: {
  readonly config: KycConfig;
  readonly login: LoginService;
  readonly identities: IdentityService;
  readonly authenticator: passport.Authenticator;
  readonly logger: Logger;
}): Router {
  const { config, login, identities, authenticator } = deps;
  const router = express.Router();
  router.use(authenticator.initialize());
  router.use(authenticator.session());

  const noStore = (res: Response) => res.set('cache-control', 'no-store');

  const jwks = JSON.stringify({
    keys: config.providers.flatMap((p) => (p.responseEncryption ? publicEncryptionJwks(p.responseEncryption) : [])),
  });
  router.get('/auth/jwks.json', (_req, res) => {
    // Short cache: a rotated key appears within minutes at the provider.
    res.set('cache-control', 'public, max-age=300').type('application/jwk-set+json').send(jwks);
  });

  for (const provider of config.providers) {
    router.get(provider.redirectUri.pathname, async (req, res) => {
      const query = new URL(req.originalUrl, 'http://placeholder').searchParams;
      const completed = await login.complete(provider.id, req.sessionID, query);
      // passport regenerates the session id here (session fixation defence).
      await new Promise<void>((resolve, reject) => {
        req.login({ accountId: completed.accountId }, (error) => (error ? reject(error as Error) : resolve()));
      });
      req.session.kyc = { providerId: completed.providerId, idTokenHandle: completed.idTokenHandle };
      const account = await identities.getAccount(completed.accountId);
      noStore(res).redirect(303, account.canPlay ? config.paths.afterLogin : config.paths.setLimits);
    });

    if (provider.postLogoutRedirectUri) {
      router.get(provider.postLogoutRedirectUri.pathname, async (req, res) => {
        const state = typeof req.query.state === 'string' ? req.query.state : null;
        await login.completeLogout(provider.id, req.sessionID, state);
        noStore(res).redirect(303, config.paths.afterLogout);
      });
    }
  }

  router.post('/auth/logout', async (req, res) => {
    const kyc = req.session.kyc;
    const user = req.user;
    if (!user || !kyc) throw new KycError('KYC_NOT_AUTHENTICATED', 'You are not signed in.');
    // passport regenerates the session: the old id is dead before the browser leaves.
    await new Promise<void>((resolve, reject) => req.logout((error) => (error ? reject(error as Error) : resolve())));
    req.session.kycLogoutStartedAt = Date.now();
    const url = await login.beginLogout(user.accountId, kyc.providerId, kyc.idTokenHandle, req.sessionID);
    noStore(res).redirect(303, url?.href ?? config.paths.afterLogout);
  });

  const accountId = (req: Request): string => {
    if (!req.user) throw new KycError('KYC_NOT_AUTHENTICATED', 'You are not signed in.');
    return req.user.accountId;
  };

  router.get('/auth/me', async (req, res) => {
    noStore(res).json(await identities.getAccount(accountId(req)));
  });

  router.put('/auth/me/limits', express.json({ limit: '2kb' }), async (req, res) => {
    const id = accountId(req);
    if (!req.is('application/json')) throw new KycError('KYC_LIMITS_INVALID', 'Send the limits as application/json.');
    const body = (req.body ?? {}) as { weeklyDepositCents?: unknown; weeklyStakeCents?: unknown };
    noStore(res).json(await identities.setLimits(id, body));
  });

  router.get('/auth/:provider', async (req: Request<{ provider: string }>, res) => {
    login.provider(req.params.provider);
    req.session.kycLoginStartedAt = Date.now();
    const url = await login.begin(req.params.provider, req.sessionID);
    noStore(res).redirect(303, url.href);
  });

  router.use(kycErrorHandler(deps.logger));
  return router;
}
