import type { RequestHandler } from 'express';
import type { WindowCounter } from '../../lib/ephemeral/index.js';
import { ApiError } from '../errors.js';

/** A fixed-window limit: at most `limit` requests per `windowSeconds`. */
export interface RateLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

/**
 * A rate-limit middleware over a {@link WindowCounter} (Redis in production, shared by every API
 * instance). `keyOf` names the subject (the client IP, the player's account); a request without one
 * passes. Over the limit: 429 `API_RATE_LIMITED` with `Retry-After`. A counter that fails lets the
 * request through (logged by the caller's `onError`): a Redis outage must not stop betting, and every
 * money check is in Postgres.
 */
export function rateLimit(options: {
  readonly counter: WindowCounter;
  readonly prefix: string;
  readonly limit: RateLimit;
  readonly keyOf: (req: Parameters<RequestHandler>[0]) => string | undefined;
  readonly onError?: (error: unknown) => void;
}): RequestHandler {
  const windowMs = options.limit.windowSeconds * 1000;
  return (req, res, next) => {
    const subject = options.keyOf(req);
    if (subject === undefined) {
      next();
      return;
    }
    options.counter.hit(`${options.prefix}${subject}`, windowMs).then(
      ({ count, resetInMs }) => {
        res.set('ratelimit-limit', String(options.limit.limit));
        res.set('ratelimit-remaining', String(Math.max(0, options.limit.limit - count)));
        if (count > options.limit.limit) {
          res.set('retry-after', String(Math.ceil(resetInMs / 1000)));
          next(new ApiError('API_RATE_LIMITED', 'Too many requests: try again later.'));
          return;
        }
        next();
      },
      (error: unknown) => {
        options.onError?.(error);
        next();
      },
    );
  };
}
