/**
 * Stable error codes of the betting API. They are part of the public contract: the HTTP edge maps
 * each to one status (api/http/problem.ts) and a problem+json `type`; clients may switch on them.
 * Messages are safe to show to the player and never carry secrets or other players' data.
 */
export type ApiErrorCode =
  /** The request body, query or a path parameter failed validation. */
  | 'API_REQUEST_INVALID'
  /** The request body is larger than the API accepts. */
  | 'API_PAYLOAD_TOO_LARGE'
  /** No route for this method and path. */
  | 'API_NOT_FOUND'
  /** An admin route was reached without an authenticated admin (the requireAdmin port did not set one). */
  | 'ADMIN_NOT_AUTHENTICATED'
  /** The kyc account is missing, suspended, self-excluded or has no limits chosen. */
  | 'ACCOUNT_CANNOT_PLAY'
  /** The kyc account does not allow withdrawals yet (second assurance measure missing). */
  | 'WITHDRAWALS_NOT_ALLOWED'
  /** The event does not exist. */
  | 'EVENT_NOT_FOUND'
  /** An event with this oracle event id already exists. */
  | 'EVENT_ALREADY_EXISTS'
  /** The market does not exist. */
  | 'MARKET_NOT_FOUND'
  /** The market definition does not fit the event's outcome schema (type, line, places…). */
  | 'MARKET_DEFINITION_INVALID'
  /** The market is not open (inactive, suspended, closed…) or its cut-off has passed. */
  | 'MARKET_NOT_OPEN'
  /** The requested state change is not allowed from the market's current state. */
  | 'MARKET_TRANSITION_INVALID'
  /** The selection does not belong to the market. */
  | 'SELECTION_NOT_FOUND'
  /** The stake is below the market's minimum or above its maximum. */
  | 'STAKE_OUT_OF_RANGE'
  /** The stake would exceed the player's weekly (rolling 7 days) stake limit. */
  | 'STAKE_LIMIT_EXCEEDED'
  /** The deposit would exceed the player's weekly (rolling 7 days) deposit limit. */
  | 'DEPOSIT_LIMIT_EXCEEDED'
  /** The player's available balance is lower than the amount. */
  | 'INSUFFICIENT_FUNDS'
  /** The Idempotency-Key header is required on this endpoint. */
  | 'IDEMPOTENCY_KEY_MISSING'
  /** The Idempotency-Key was already used with a different request body. */
  | 'IDEMPOTENCY_KEY_REUSED'
  /** A request with this Idempotency-Key is still being processed. */
  | 'IDEMPOTENCY_KEY_IN_USE'
  /** The payment does not exist. */
  | 'PAYMENT_NOT_FOUND'
  /** The payment provider refused or failed the payment. */
  | 'PAYMENT_FAILED'
  /** A webhook's signature is missing or wrong. */
  | 'WEBHOOK_SIGNATURE_INVALID'
  /** Oracle values that do not fit the outcome schema (wrong length, impossible positions). */
  | 'OUTCOME_VALUES_INVALID'
  /** A settlement cannot be reversed: a player no longer holds the payout it takes back (an operator settles it). */
  | 'SETTLEMENT_REVERSAL_BLOCKED'
  /** Too many requests from this IP or this account in the current window (`Retry-After` says when to retry). */
  | 'API_RATE_LIMITED'
  /** A dependency (Postgres, Redis) is not ready. */
  | 'API_UNAVAILABLE';

/** A failure of the betting API, with a stable {@link ApiErrorCode} and the original error as `cause`. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Readonly<Record<string, unknown>> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.details = options?.details;
  }

  /** Extra public fields for problem+json (e.g. the invalid fields); never secrets. */
  readonly details: Readonly<Record<string, unknown>> | undefined;
}

/** Narrowing helper, optionally for one code. */
export function isApiError(error: unknown, code?: ApiErrorCode): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}
