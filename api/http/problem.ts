import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { KYC_ERROR_STATUS, isKycError, problemType } from '../../kyc/index.js';
import { ORACLE_ERROR_STATUS, isOracleError } from '../../oracle/admin.js';
import { ApiError, isApiError, type ApiErrorCode } from '../errors.js';

/** HTTP status of each api error code. With kyc's table, the one table of the API edge. */
export const API_ERROR_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  API_REQUEST_INVALID: 400,
  API_PAYLOAD_TOO_LARGE: 413,
  API_NOT_FOUND: 404,
  ADMIN_NOT_AUTHENTICATED: 401,
  ACCOUNT_CANNOT_PLAY: 403,
  WITHDRAWALS_NOT_ALLOWED: 403,
  EVENT_NOT_FOUND: 404,
  EVENT_ALREADY_EXISTS: 409,
  MARKET_NOT_FOUND: 404,
  MARKET_DEFINITION_INVALID: 422,
  MARKET_NOT_OPEN: 409,
  MARKET_TRANSITION_INVALID: 409,
  SELECTION_NOT_FOUND: 422,
  STAKE_OUT_OF_RANGE: 422,
  STAKE_LIMIT_EXCEEDED: 403,
  DEPOSIT_LIMIT_EXCEEDED: 403,
  INSUFFICIENT_FUNDS: 402,
  IDEMPOTENCY_KEY_MISSING: 400,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_KEY_IN_USE: 409,
  PAYMENT_NOT_FOUND: 404,
  PAYMENT_FAILED: 502,
  WEBHOOK_SIGNATURE_INVALID: 401,
  OUTCOME_VALUES_INVALID: 422,
  SETTLEMENT_REVERSAL_BLOCKED: 409,
  API_RATE_LIMITED: 429,
  API_UNAVAILABLE: 503,
};

/** Every code the API can answer with, kyc's included, and its status. */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  ...KYC_ERROR_STATUS,
  ...ORACLE_ERROR_STATUS,
  ...API_ERROR_STATUS,
};

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Not authenticated',
  402: 'Insufficient funds',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  422: 'Unprocessable request',
  429: 'Too many requests',
  500: 'Internal error',
  502: 'Payment provider error',
  503: 'Unavailable',
};

/** Sets `req.requestId` from a sane `x-request-id` or a new UUID, and echoes it. */
export const requestId: RequestHandler = (req, res, next) => {
  const given = req.get('x-request-id');
  req.requestId = given && /^[\w.:-]{8,128}$/.test(given) ? given : randomUUID();
  res.set('x-request-id', req.requestId);
  next();
};

/**
 * The framework's refusals are the client's: body-parser's (invalid JSON, too large, wrong charset)
 * and the router's (a path parameter that is not valid percent-encoding, e.g. `%E0%A4%A`).
 */
export function fromBodyParser(thrown: unknown): ApiError | null {
  if (thrown instanceof URIError && (thrown as { status?: unknown }).status === 400) {
    return new ApiError('API_REQUEST_INVALID', 'A path parameter is not valid percent-encoding.', {
      details: { errors: [{ path: 'path', message: 'invalid percent-encoding' }] },
    });
  }
  const type = (thrown as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return new ApiError('API_REQUEST_INVALID', 'The request body is not valid JSON.');
  if (type === 'entity.too.large') return new ApiError('API_PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if ((typeof type === 'string' && type.startsWith('encoding.')) || type === 'charset.unsupported') {
    return new ApiError('API_REQUEST_INVALID', 'The request body encoding is not supported.');
  }
  return null;
}

/**
 * RFC 9457 problem+json for every error: known codes (api's and kyc's) with their status and
 * message; anything else a 500 without detail, logged with its stack. `cause` never leaves.
 */
export function problemHandler(logger?: Pick<Logger, 'error' | 'debug'>): ErrorRequestHandler {
  return (thrown: unknown, req, res, next) => {
    if (res.headersSent) {
      next(thrown);
      return;
    }
    const error = fromBodyParser(thrown) ?? thrown;
    let code = 'API_INTERNAL';
    let status = 500;
    let detail = 'An unexpected error occurred. Please try again later.';
    let extra: Record<string, unknown> = {};
    if (isApiError(error)) {
      code = error.code;
      status = API_ERROR_STATUS[error.code];
      detail = error.message;
      extra = { ...error.details };
    } else if (isKycError(error)) {
      code = error.code;
      status = KYC_ERROR_STATUS[error.code];
      detail = error.message;
    } else if (isOracleError(error)) {
      // The oracle's messages name the field at fault and never carry a secret (oracle/errors.ts).
      code = error.code;
      status = ORACLE_ERROR_STATUS[error.code];
      detail = error.message;
    }
    if (status >= 500 && code === 'API_INTERNAL') {
      const e = error as { name?: unknown; message?: unknown; code?: unknown; stack?: unknown } | null;
      logger?.error(
        {
          event: 'api.internal_error',
          requestId: req.requestId,
          err: { name: e?.name, message: e?.message, code: e?.code, stack: e?.stack },
        },
        'api request failed',
      );
    } else logger?.debug({ event: 'api.request_failed', code, status, requestId: req.requestId, path: req.path });
    res
      .status(status)
      .set('cache-control', 'no-store')
      .type('application/problem+json')
      .json({
        ...extra,
        type: problemType(code),
        title: TITLES[status] ?? 'Error',
        status,
        code,
        detail,
        instance: req.originalUrl.split('?')[0],
        requestId: req.requestId ?? null,
      });
  };
}
