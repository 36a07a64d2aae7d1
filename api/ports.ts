import type { RequestHandler } from 'express';
import type { AccountView } from '../kyc/index.js';
import type { Db } from '../lib/db/transaction.js';

/** Row lock taken on the kyc account while reading it, inside the caller's transaction. */
export type AccountLock = 'none' | 'share' | 'update';

/**
 * What api/ needs from kyc: the account of a player, read on the caller's transaction so that the
 * checks (active, limits, withdrawals) hold until it commits. Money moves take `share`: a kyc
 * suspension (an UPDATE of the account) waits for in-flight bets and deposits, and every later one
 * sees the account suspended. The lead wires kyc's `readPlayerAccount(db, accountId, { lock })`.
 */
export interface PlayerAccounts {
  read(db: Db, accountId: string, options?: { readonly lock?: AccountLock }): Promise<AccountView | null>;
}

/** The admin behind a request, set by the {@link HttpPorts.requireAdmin} middleware. */
export interface AdminPrincipal {
  /** Stable actor id written to the audit log (e.g. `oidc:<sub>` or an attester address). */
  readonly actor: string;
  /** The admin's id (kyc's staff guard sets it): the key of their attester binding in the oracle. */
  readonly adminId?: string;
  /** The staff roles asserted at sign-in (kyc's staff guard sets them). */
  readonly roles?: readonly string[];
}

/**
 * Express middleware the composition root injects:
 * - `requirePlayer`: kyc's; after it `req.user.accountId` is set, else 401 problem+json KYC_NOT_AUTHENTICATED;
 * - `requireAdmin`: staff authentication (OIDC with roles or SIWE, not built here); sets `req.admin`;
 * - `csrf`: kyc's Origin/CSRF check, run before every cookie-authenticated write.
 */
export interface HttpPorts {
  readonly requirePlayer: RequestHandler;
  readonly requireAdmin: RequestHandler;
  readonly csrf: RequestHandler;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's documented augmentation point
  namespace Express {
    interface Request {
      /** Set by `requireAdmin`. */
      admin?: AdminPrincipal;
      /** Set by the request-id middleware (echoed as `x-request-id` and in problem+json). */
      requestId?: string;
    }
  }
}
