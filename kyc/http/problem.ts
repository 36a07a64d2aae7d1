import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { KycError, type KycErrorCode, isKycError } from '../errors.js';

/** HTTP status of each kyc error code: the one table of the kyc edge (the API may reuse it). */
export const KYC_ERROR_STATUS: Readonly<Record<KycErrorCode, number>> = {
  KYC_LOGIN_STATE_INVALID: 400,
  KYC_LOGIN_CANCELLED: 400,
  KYC_PROVIDER_ERROR: 502,
  KYC_RESPONSE_INVALID: 400,
  KYC_CODE_REJECTED: 400,
  KYC_ASSURANCE_INSUFFICIENT: 403,
  KYC_IDP_UNAVAILABLE: 503,
  KYC_IDENTITY_INCOMPLETE: 422,
  KYC_BIRTHDATE_INVALID: 422,
  KYC_UNDERAGE: 403,
  KYC_SELF_EXCLUDED: 403,
  KYC_DUPLICATE_PERSON: 409,
  KYC_ACCOUNT_SUSPENDED: 403,
  KYC_UNKNOWN_PROVIDER: 404,
  KYC_NOT_AUTHENTICATED: 401,
  KYC_LIMITS_INVALID: 422,
  KYC_LOGOUT_STATE_INVALID: 400,
  KYC_ACCOUNT_NOT_FOUND: 404,
};

const TITLES: Readonly<Record<number, string>> = {
  400: 'Sign-in failed',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Already registered',
  422: 'Invalid data',
  500: 'Internal error',
  502: 'Identity provider error',
  503: 'Identity provider unavailable',
};

/** problem+json `type` URI of a code, e.g. `https://verdict.example/problems/kyc-underage`. */
export function problemType(code: string): string {
  return `https://verdict.example/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Error handler of the kyc router: RFC 9457 problem+json for API clients, a clear HTML page for
 * browsers (callback errors land here). Unknown errors are a 500 without detail; `cause` and query
 * strings (codes, states) are never echoed.
 */
export function kycErrorHandler(logger: Logger): ErrorRequestHandler {
  return (thrown: unknown, req, res, next) => {
    if (res.headersSent) {
      next(thrown);
      return;
    }
    const error: unknown =
      (thrown as { type?: unknown } | null)?.type === 'entity.parse.failed'
        ? new KycError('KYC_LIMITS_INVALID', 'The request body is not valid JSON.')
        : thrown;
    const known = isKycError(error);
    const code: string = known ? error.code : 'KYC_INTERNAL';
    const status: number = known ? KYC_ERROR_STATUS[error.code] : 500;
    const detail: string = known ? error.message : 'An unexpected error occurred. Please try again later.';
    if (!known) {
      // Name, message, code and stack only: driver errors may carry row values in other fields.
      const e = error as { name?: unknown; message?: unknown; code?: unknown; stack?: unknown } | null;
      logger.error(
        {
          event: 'kyc.internal_error',
          err: { name: e?.name, message: e?.message, code: e?.code, stack: e?.stack },
          path: req.path,
        },
        'kyc request failed',
      );
    } else logger.debug({ event: 'kyc.request_failed', code, status, path: req.path });
    const title = TITLES[status] ?? 'Error';
    const wantsHtml = req.accepts(['application/json', 'application/problem+json', 'text/html']) === 'text/html';
    res.status(status).set('cache-control', 'no-store');
    if (wantsHtml) {
      res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main data-error-code="${code}"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>
<p><a href="/">Back to Verdict</a></p></main></body></html>`);
      return;
    }
    res
      .type('application/problem+json')
      .json({ type: problemType(code), title, status, detail, code, instance: req.path });
  };
}
