import type { Request, RequestHandler } from 'express';
import { KycError } from '../errors.js';
import { sendProblem } from './problem.js';
import './session-types.js';

/**
 * The signed-in player's account id of a request that went through {@link requirePlayer}
 * (`req.user!.accountId`, typed): Express handlers cannot narrow `req` by type.
 *
 * @throws {KycError} KYC_NOT_AUTHENTICATED when the guard did not run (a wiring mistake; answered 401).
 */
export function playerAccountId(req: Request): string {
  const id = req.user?.accountId;
  if (typeof id !== 'string' || id === '') throw new KycError('KYC_NOT_AUTHENTICATED', 'You are not signed in.');
  return id;
}

/**
 * Guard of every route that needs a signed-in player. Mount it behind the session middleware
 * (`createSessionMiddleware`), anywhere: it reads the session itself, so it does not depend on the
 * kyc router having run. After it, `req.user.accountId` is the signed-in player's account id;
 * without a player session it answers 401 problem+json `KYC_NOT_AUTHENTICATED` and stops the chain
 * (mount it before any body parser, so an anonymous request is refused before its body is read).
 *
 * It checks the session only: whether the account may play is the account view's business
 * (`readPlayerAccount(...).canPlay`), read inside the caller's transaction.
 */
export const requirePlayer: RequestHandler = (req, res, next) => {
  // passport's session format (`req.session.passport.user`), written by req.login() at the callback.
  const accountId = (req.session as { passport?: { user?: unknown } } | undefined)?.passport?.user;
  if (typeof accountId !== 'string' || accountId === '') {
    sendProblem(req, res, new KycError('KYC_NOT_AUTHENTICATED', 'You are not signed in.'));
    return;
  }
  req.user = { accountId };
  next();
};

/** Options of {@link createOriginCheck}. */
export interface OriginCheckOptions {
  /** Origins (`https://host[:port]`) whose pages may send cookie-authenticated writes. */
  readonly allowedOrigins: readonly (string | URL)[];
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence of cookie-authenticated writes (POST, PUT, PATCH, DELETE; safe methods pass): the
 * request must show that a page of an allowed origin sent it. In order:
 * 1. `Origin` present: it must be an allowed origin (`null` never is);
 * 2. no `Origin`, `Sec-Fetch-Site` present: `same-origin` or `none` (typed by the user) pass,
 *    `same-site` and `cross-site` do not;
 * 3. neither: the `Referer`'s origin must be allowed; a write with none of the three is refused.
 * Browsers send `Origin` on every cross-origin request and on same-origin POSTs, so a legitimate
 * page never meets rule 3's refusal. Refusals answer 403 problem+json `KYC_ORIGIN_REFUSED`.
 * SameSite=Lax cookies already stop most cross-site POSTs; this also covers same-site sibling
 * hosts and older browsers.
 *
 * @throws TypeError at construction when an allowed origin is not an http(s) origin.
 */
export function createOriginCheck(options: OriginCheckOptions): RequestHandler {
  const allowed = new Set(
    options.allowedOrigins.map((o) => {
      const url = new URL(o);
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw new TypeError(`not an http(s) origin: ${url.protocol}`);
      return url.origin;
    }),
  );
  const refuse = (req: Request, res: Parameters<RequestHandler>[1]) =>
    sendProblem(
      req,
      res,
      new KycError('KYC_ORIGIN_REFUSED', 'This request did not come from a Verdict page and was refused.'),
    );
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const origin = req.get('origin');
    if (origin !== undefined) {
      if (allowed.has(origin)) next();
      else refuse(req, res);
      return;
    }
    const site = req.get('sec-fetch-site');
    if (site !== undefined) {
      if (site === 'same-origin' || site === 'none') next();
      else refuse(req, res);
      return;
    }
    const referer = req.get('referer');
    let refererOrigin: string | undefined;
    try {
      refererOrigin = referer === undefined ? undefined : new URL(referer).origin;
    } catch {
      refererOrigin = undefined;
    }
    if (refererOrigin !== undefined && allowed.has(refererOrigin)) next();
    else refuse(req, res);
  };
}
