import type { ErrorRequestHandler, Request, Response } from 'express';
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
  KYC_REQUEST_MALFORMED: 400,
  KYC_BODY_TOO_LARGE: 413,
  KYC_UNSUPPORTED_MEDIA_TYPE: 415,
  KYC_ORIGIN_REFUSED: 403,
  KYC_RATE_LIMITED: 429,
  KYC_STAFF_NOT_AUTHENTICATED: 401,
  KYC_STAFF_FORBIDDEN: 403,
};

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Already registered',
  413: 'Request too large',
  415: 'Unsupported media type',
  422: 'Invalid data',
  429: 'Too many requests',
  500: 'Internal error',
  502: 'Identity provider error',
  503: 'Identity provider unavailable',
};

/** Codes of the sign-in flow, whose 400 page is titled as a failed sign-in. */
const SIGN_IN_CODES: ReadonlySet<string> = new Set([
  'KYC_LOGIN_STATE_INVALID',
  'KYC_LOGIN_CANCELLED',
  'KYC_RESPONSE_INVALID',
  'KYC_CODE_REJECTED',
  'KYC_LOGOUT_STATE_INVALID',
]);

/** problem+json `type` URI of a code, e.g. `https://verdict.example/problems/kyc-underage`. */
export function problemType(code: string): string {
  return `https://verdict.example/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Renders the HTML page of a problem for browsers in the application's layout. An application sets
 * one on `res.locals.problemPage` (before kyc's router and guards) to replace the plain page; the
 * detail is kyc's safe message, never a query string or a cause.
 */
export type ProblemPage = (problem: { code: string; status: number; title: string; detail: string }) => string;

/**
 * Answers a kyc error: RFC 9457 problem+json for API clients, a clear HTML page for browsers.
 * Used by {@link kycErrorHandler} and by the guards that answer without an error handler
 * (`requirePlayer`, the Origin check), so they behave the same wherever they are mounted.
 *
 * @param status - overrides the table's status (a client error carrying its own 4xx status).
 */
export function sendProblem(req: Request, res: Response, error: KycError, status?: number): void {
  const code = error.code;
  const answered = status ?? KYC_ERROR_STATUS[code];
  sendBody(req, res, code, answered, error.message);
}

function sendBody(req: Request, res: Response, code: string, status: number, detail: string): void {
  const title = status === 400 && SIGN_IN_CODES.has(code) ? 'Sign-in failed' : (TITLES[status] ?? 'Error');
  const wantsHtml = req.accepts(['application/json', 'application/problem+json', 'text/html']) === 'text/html';
  res.status(status).set('cache-control', 'no-store');
  if (wantsHtml) {
    const page = (res.locals as { problemPage?: ProblemPage }).problemPage;
    if (page) {
      res.type('html').send(page({ code, status, title, detail }));
      return;
    }
    res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main data-error-code="${code}"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>
<p><a href="/">Back to Verdict</a></p></main></body></html>`);
    return;
  }
  // The request id the process gave this request (its `x-request-id`, set before kyc runs), as the API's problems carry.
  const requestId = res.get('x-request-id');
  res.type('application/problem+json').json({
    type: problemType(code),
    title,
    status,
    detail,
    code,
    instance: req.path,
    ...(requestId ? { requestId } : {}),
  });
}

/**
 * Maps an error raised by Express, its router or body-parser that carries a 4xx status (malformed
 * percent-encoding in the path, body too large, unsupported charset or encoding, corrupt compressed
 * body, invalid JSON…) to a kyc error and the status to answer; null for anything else.
 */
export function clientError(thrown: unknown): { error: KycError; status: number } | null {
  if (typeof thrown !== 'object' || thrown === null || isKycError(thrown)) return null;
  const e = thrown as { status?: unknown; statusCode?: unknown; type?: unknown; expose?: unknown };
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 499) return null;
  if (e.type === 'entity.parse.failed') {
    return { error: new KycError('KYC_LIMITS_INVALID', 'The request body is not valid JSON.'), status: 422 };
  }
  if (status === 413) {
    return { error: new KycError('KYC_BODY_TOO_LARGE', 'The request body is too large.'), status };
  }
  if (status === 415) {
    return {
      error: new KycError(
        'KYC_UNSUPPORTED_MEDIA_TYPE',
        'The request body charset or content encoding is not supported.',
      ),
      status,
    };
  }
  return { error: new KycError('KYC_REQUEST_MALFORMED', 'The request cannot be read.'), status };
}

/**
 * Error handler of the kyc router: RFC 9457 problem+json for API clients, a clear HTML page for
 * browsers (callback errors land here). An error carrying a 4xx status (see {@link clientError})
 * answers that status; unknown errors are a 500 without detail; `cause` and query strings (codes,
 * states) are never echoed.
 */
export function kycErrorHandler(logger: Logger): ErrorRequestHandler {
  return (thrown: unknown, req, res, next) => {
    if (res.headersSent) {
      next(thrown);
      return;
    }
    const client = clientError(thrown);
    if (client) {
      logger.debug({ event: 'kyc.request_failed', code: client.error.code, status: client.status, path: req.path });
      sendProblem(req, res, client.error, client.status);
      return;
    }
    if (isKycError(thrown)) {
      logger.debug({
        event: 'kyc.request_failed',
        code: thrown.code,
        status: KYC_ERROR_STATUS[thrown.code],
        path: req.path,
      });
      sendProblem(req, res, thrown);
      return;
    }
    // Name, message, code and stack only: driver errors may carry row values in other fields.
    const e = thrown as { name?: unknown; message?: unknown; code?: unknown; stack?: unknown } | null;
    logger.error(
      {
        event: 'kyc.internal_error',
        err: { name: e?.name, message: e?.message, code: e?.code, stack: e?.stack },
        path: req.path,
      },
      'kyc request failed',
    );
    sendBody(req, res, 'KYC_INTERNAL', 500, 'An unexpected error occurred. Please try again later.');
  };
}
