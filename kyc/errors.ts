/**
 * Stable error codes of the kyc module. They are part of the public contract: the HTTP edge maps
 * each to a status and a problem+json `type`, clients may switch on them, and they never change
 * meaning. Messages are written for the player (shown on the error page) and never carry identity
 * data, tokens or secrets.
 */
export type KycErrorCode =
  /** `state` missing, unknown, already used, expired or bound to another browser session. */
  | 'KYC_LOGIN_STATE_INVALID'
  /** The player cancelled at the identity provider (`error=access_denied`). */
  | 'KYC_LOGIN_CANCELLED'
  /** The identity provider answered the callback with an error other than access_denied. */
  | 'KYC_PROVIDER_ERROR'
  /** The authorization response, ID token or userinfo failed verification (iss, nonce, aud, alg, signature, sub, time). */
  | 'KYC_RESPONSE_INVALID'
  /** The token endpoint refused the authorization code (replayed, expired or not ours). */
  | 'KYC_CODE_REJECTED'
  /** acr missing, unknown or lower than the level this provider must assert. */
  | 'KYC_ASSURANCE_INSUFFICIENT'
  /** The identity provider could not be reached or answered with a server error / timeout. */
  | 'KYC_IDP_UNAVAILABLE'
  /** The identity lacks a field the onboarding rules require (names, birthdate, birth country…). */
  | 'KYC_IDENTITY_INCOMPLETE'
  /** The birthdate (or `idp_birthdate`) is not a date that exists (`1990-02-30`), or they contradict each other. */
  | 'KYC_BIRTHDATE_INVALID'
  /** Younger than 18 on the day of signup (Europe/Paris). */
  | 'KYC_UNDERAGE'
  /** Listed in the self-exclusion register. */
  | 'KYC_SELF_EXCLUDED'
  /** The same person already holds an account (through this or another provider). */
  | 'KYC_DUPLICATE_PERSON'
  /** The account exists but is suspended (e.g. became self-excluded). */
  | 'KYC_ACCOUNT_SUSPENDED'
  /** No provider with this id is configured. */
  | 'KYC_UNKNOWN_PROVIDER'
  /** The request needs a signed-in player. */
  | 'KYC_NOT_AUTHENTICATED'
  /** Limits payload invalid. */
  | 'KYC_LIMITS_INVALID'
  /** Logout `state` missing, unknown or already used. */
  | 'KYC_LOGOUT_STATE_INVALID'
  /** The account does not exist. */
  | 'KYC_ACCOUNT_NOT_FOUND'
  /** The request cannot be read: malformed percent-encoding in the path, a corrupt or truncated body, another client error. */
  | 'KYC_REQUEST_MALFORMED'
  /** The request body is larger than the route accepts. */
  | 'KYC_BODY_TOO_LARGE'
  /** The request body's charset or content encoding is not supported. */
  | 'KYC_UNSUPPORTED_MEDIA_TYPE'
  /** A cookie-authenticated write came from another origin (or without an Origin the server can check). */
  | 'KYC_ORIGIN_REFUSED'
  /** Too many login starts from this client; retry after the `Retry-After` delay. */
  | 'KYC_RATE_LIMITED'
  /** The request needs a signed-in staff member (admin): no staff session, or it expired (idle or absolute). */
  | 'KYC_STAFF_NOT_AUTHENTICATED'
  /** The staff member lacks the role the route (or the staff sign-in) requires. */
  | 'KYC_STAFF_FORBIDDEN';

/** A failure of the kyc module, with a stable {@link KycErrorCode} and the original error as `cause`. */
export class KycError extends Error {
  constructor(
    readonly code: KycErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KycError';
  }
}

/** Narrowing helper, optionally for one code. */
export function isKycError(error: unknown, code?: KycErrorCode): error is KycError {
  return error instanceof KycError && (code === undefined || error.code === code);
}

/** Invalid kyc configuration: one error listing every problem, naming variables, never values. */
export class KycConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid kyc configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'KycConfigError';
  }
}
