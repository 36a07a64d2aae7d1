import { RedisStore } from 'connect-redis';
import session from 'express-session';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';

/**
 * connect-redis 10 speaks the node-redis v5 client API; this facade maps the few commands it uses
 * onto ioredis, the project's Redis client.
 */
export function connectRedisClient(redis: Redis) {
  return {
    get: (key: string) => redis.get(key),
    set: (key: string, value: string, options?: { expiration?: { type: 'EX'; value: number } }) =>
      options?.expiration ? redis.set(key, value, 'EX', options.expiration.value) : redis.set(key, value),
    expire: (key: string, seconds: number) => redis.expire(key, seconds),
    del: (keys: string | string[]) => redis.del(...(Array.isArray(keys) ? keys : [keys])),
    mGet: (keys: string[]) => redis.mget(...keys),
    async *scanIterator(options: { MATCH: string; COUNT: number }) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', options.MATCH, 'COUNT', options.COUNT);
        cursor = next;
        if (keys.length > 0) yield keys;
      } while (cursor !== '0');
    },
  };
}

/** Options of {@link createSessionMiddleware}, usually from the kyc config. */
export interface SessionOptions {
  readonly redis: Redis;
  /** Redis key prefix of sessions, e.g. `kyc:sess:`. */
  readonly prefix: string;
  /** Newest first; older secrets still verify cookies during rotation. */
  readonly secrets: readonly string[];
  readonly cookieSecure: boolean;
  readonly ttlSeconds: number;
  readonly cookieName?: string;
}

/**
 * Sessions in Redis (connect-redis) with a HttpOnly, SameSite=Lax, Secure (configurable) cookie.
 * Nothing is stored for anonymous visitors until a login starts (`saveUninitialized: false`).
 * Behind a TLS-terminating proxy, set express `trust proxy` so Secure cookies are sent.
 */
export function createSessionMiddleware(options: SessionOptions): RequestHandler {
  return session({
    name: options.cookieName ?? 'verdict.sid',
    secret: [...options.secrets],
    store: new RedisStore({
      client: connectRedisClient(options.redis),
      prefix: options.prefix,
      ttl: options.ttlSeconds,
    }),
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
