/** What the kyc module keeps in the (Redis-backed) session. No identity data, no tokens. */
declare module 'express-session' {
  interface SessionData {
    /** Set when a login starts so the pre-login session is persisted and its id can bind the state. */
    kycLoginStartedAt?: number;
    /** After login: the provider and the handle of the ID token kept in Redis for logout. */
    kyc?: { providerId: string; idTokenHandle: string };
    /** Between the logout redirect and its return. */
    kycLogoutStartedAt?: number;
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
