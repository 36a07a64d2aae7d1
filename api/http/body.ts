import express, { type RequestHandler } from 'express';
import { ApiError } from '../errors.js';
import { fromBodyParser } from './problem.js';

/** The `charset` parameter of a content-type, lower-cased (undefined without one). */
function charsetOf(contentType: string | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
}

/**
 * Runs a body parser and turns each of its refusals into an ApiError: invalid JSON, a charset or
 * content-encoding it does not take, a compressed body that does not inflate, too large. (body-parser
 * answers a corrupt gzip or brotli stream with the bare zlib error, which would otherwise be a 500.)
 */
function refusalsAsApiErrors(parser: RequestHandler): RequestHandler {
  return (req, res, next) => {
    parser(req, res, (error?: unknown) => {
      if (error === undefined || error === null) return next();
      next(
        fromBodyParser(error) ??
          new ApiError('API_REQUEST_INVALID', 'The request body could not be read (content-encoding).', {
            cause: error,
          }),
      );
    });
  };
}

/**
 * JSON bodies: UTF-8 only (RFC 8259; body-parser would decode any `utf-*`, UTF-7 included, which
 * smuggles text past byte-level filters), strict (an object or an array), at most `limit`.
 */
export function jsonBody(limit: string): RequestHandler {
  const parse = refusalsAsApiErrors(express.json({ limit, strict: true }));
  return (req, res, next) => {
    const charset = charsetOf(req.get('content-type'));
    if (charset !== undefined && charset !== 'utf-8') {
      return next(new ApiError('API_REQUEST_INVALID', 'The request body encoding is not supported.'));
    }
    parse(req, res, next);
  };
}

/** Raw bodies (signed webhooks: the handler verifies the bytes, then reads them as UTF-8 JSON). */
export function rawBody(limit: string): RequestHandler {
  return refusalsAsApiErrors(express.raw({ type: () => true, limit }));
}
