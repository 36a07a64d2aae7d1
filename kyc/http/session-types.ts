/** What the kyc module keeps in the (Redis-backed) session. No identity data, no tokens. */
declare module 'express-session' {
  interface SessionData {
    /** Set when a login starts so the pre-login session is persisted and its id can bind the state. */
    kycLoginStartedAt?: number;
    /** After login: the provider and the handle of the ID token kept in Redis for logout. */
    kyc?: { providerId: string; idTokenHandle: string };
    /** Between the logout redirect and its return. */
    kycLogoutStartedAt?: number;
    /** Set when a staff sign-in starts (persists the pre-login session its state is bound to). */
    staffLoginStartedAt?: number;
    /**
     * After a staff sign-in: the admin (never a player: a staff session has no passport user, and a
     * player session has no `staff`). Written only by the staff callback, on a regenerated session.
     */
    staff?: {
      readonly actor: string;
      readonly adminId: string;
      readonly roles: readonly string[];
      /** Epoch ms of the sign-in. */
      readonly authenticatedAt: number;
      /** Epoch ms after which the session is refused whatever happens (absolute TTL). */
      readonly expiresAt: number;
      /** Idle TTL in ms: refused when the last admin request is older. */
      readonly idleMs: number;
      /** Epoch ms of the last admin request (refreshed at most once a minute). */
      lastSeenAt: number;
    };
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- passport's documented augmentation point
  namespace Express {
    /** The signed-in player as passport stores it: the account id only. */
    interface User {
      accountId: string;
    }
  }
}

export {};
