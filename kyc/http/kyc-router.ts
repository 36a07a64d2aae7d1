import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type passport from 'passport';
import type { Logger } from 'pino';
import type { KycConfig } from '../config.js';
import { KycError } from '../errors.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { LoginRateLimiter } from '../login/login-rate-limit.js';
import type { LoginService } from '../login/login-service.js';
import { publicEncryptionJwks } from '../oidc/provider-client.js';
import { playerAccountId, requirePlayer } from './guards.js';
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
 *
 * The router sets nothing on requests it does not answer (other routes use `requirePlayer`).
 * Authenticated routes check the session, then the Origin, and only then read a body.
 */
export function createKycRouter(deps: {
  readonly config: KycConfig;
  readonly login: LoginService;
  readonly identities: IdentityService;
  readonly authenticator: passport.Authenticator;
  readonly originCheck: RequestHandler;
  readonly loginRateLimiter: LoginRateLimiter;
  readonly logger: Logger;
}): Router {
  const { config, login, identities, authenticator, originCheck, loginRateLimiter } = deps;
  const router = express.Router();
  // req.login()/req.logout() (session id regeneration) on the routes that sign in or out; no session() middleware.
  const passportInit = authenticator.initialize();

  const noStore = (res: Response) => res.set('cache-control', 'no-store');

  const jwks = JSON.stringify({
    keys: config.providers.flatMap((p) => (p.responseEncryption ? publicEncryptionJwks(p.responseEncryption) : [])),
  });
  router.get('/auth/jwks.json', (_req, res) => {
    // Short cache: a rotated key appears within minutes at the provider.
    res.set('cache-control', 'public, max-age=300').type('application/jwk-set+json').send(jwks);
  });

  for (const provider of config.providers) {
    router.get(provider.redirectUri.pathname, passportInit, async (req, res) => {
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

  router.post('/auth/logout', requirePlayer, originCheck, passportInit, async (req, res) => {
    const kyc = req.session.kyc;
    const user = req.user;
    if (!user || !kyc) throw new KycError('KYC_NOT_AUTHENTICATED', 'You are not signed in.');
    // passport regenerates the session: the old id is dead before the browser leaves.
    await new Promise<void>((resolve, reject) => req.logout((error) => (error ? reject(error as Error) : resolve())));
    req.session.kycLogoutStartedAt = Date.now();
    const url = await login.beginLogout(user.accountId, kyc.providerId, kyc.idTokenHandle, req.sessionID);
    noStore(res).redirect(303, url?.href ?? config.paths.afterLogout);
  });

  router.get('/auth/me', requirePlayer, async (req, res) => {
    noStore(res).json(await identities.getAccount(playerAccountId(req)));
  });

  router.put(
    '/auth/me/limits',
    requirePlayer,
    originCheck,
    (req, _res, next) => {
      if (!req.is('application/json')) throw new KycError('KYC_LIMITS_INVALID', 'Send the limits as application/json.');
      next();
    },
    express.json({ limit: '2kb' }),
    async (req, res) => {
      const body = (req.body ?? {}) as { weeklyDepositCents?: unknown; weeklyStakeCents?: unknown };
      noStore(res).json(await identities.setLimits(playerAccountId(req), body));
    },
  );

  router.get('/auth/:provider', async (req: Request<{ provider: string }>, res) => {
    login.provider(req.params.provider);
    // Before anything is written: a refused start leaves no session and no login state behind.
    const rate = await loginRateLimiter.take(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (!rate.allowed) {
      res.set('retry-after', String(rate.retryAfterSeconds));
      throw new KycError('KYC_RATE_LIMITED', 'Too many sign-in attempts from this address. Please wait a moment.');
    }
    req.session.kycLoginStartedAt = Date.now();
    const url = await login.begin(req.params.provider, req.sessionID);
    noStore(res).redirect(303, url.href);
  });

  router.use(kycErrorHandler(deps.logger));
  return router;
}
