import session, { type Store } from 'express-session';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { redisSessionStore, type SessionStores } from '../../lib/ephemeral/index.js';

/** connect-redis's client facade over ioredis (lib/ephemeral), kept exported here for existing callers. */
export { connectRedisClient } from '../../lib/ephemeral/index.js';

/** Options of {@link createSessionMiddleware}, usually from the kyc config. */
export type SessionOptions = {
  /** Key prefix of sessions, e.g. `kyc:sess:`. */
  readonly prefix: string;
  /** Newest first; older secrets still verify cookies during rotation. */
  readonly secrets: readonly string[];
  readonly cookieSecure: boolean;
  readonly ttlSeconds: number;
  readonly cookieName?: string;
} & (
  | {
      /** Sessions in this Redis (connect-redis). */
      readonly redis: Redis;
    }
  | {
      /** Sessions in the store of an `Ephemeral` (lib/ephemeral: Redis, or memory in the local stack). */
      readonly ephemeral: SessionStores;
    }
);

function storeOf(options: SessionOptions): Store {
  const storeOptions = { prefix: options.prefix, ttlSeconds: options.ttlSeconds };
  return 'ephemeral' in options
    ? options.ephemeral.sessionStore(storeOptions)
    : redisSessionStore(options.redis, storeOptions);
}

/**
 * Sessions (Redis via connect-redis, or an `Ephemeral`'s store) with a HttpOnly, SameSite=Lax,
 * Secure (configurable) cookie. Nothing is stored for anonymous visitors until a login starts
 * (`saveUninitialized: false`). Behind a TLS-terminating proxy, set express `trust proxy` so Secure
 * cookies are sent.
 */
export function createSessionMiddleware(options: SessionOptions): RequestHandler {
  return session({
    name: options.cookieName ?? 'verdict.sid',
    secret: [...options.secrets],
    store: storeOf(options),
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: {
      httpOnly: true,
      secure: options.cookieSecure,
      sameSite: 'lax',
      maxAge: options.ttlSeconds * 1000,
      path: '/',
    },
  });
}
