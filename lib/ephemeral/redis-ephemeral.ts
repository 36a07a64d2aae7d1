import { RedisStore } from 'connect-redis';
import type { Store } from 'express-session';
import type { Redis } from 'ioredis';
import type {
  Ephemeral,
  FanOut,
  OneShotStore,
  SessionStoreOptions,
  Unsubscribe,
  WindowCount,
  WindowCounter,
} from './ephemeral.js';

/** {@link OneShotStore} on Redis: `SET … PX`, and `GETDEL`, atomic on the server. */
export class RedisOneShotStore implements OneShotStore {
  constructor(private readonly redis: Redis) {}

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  take(key: string): Promise<string | null> {
    return this.redis.getdel(key);
  }
}

/** {@link WindowCounter} on Redis: `SET key 0 PX window NX`, `INCR`, `PTTL` in one MULTI. */
export class RedisWindowCounter implements WindowCounter {
  constructor(private readonly redis: Redis) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const window = Math.max(1, Math.ceil(windowMs));
    const replies = await this.redis.multi().set(key, '0', 'PX', window, 'NX').incr(key).pttl(key).exec();
    if (!replies) throw new Error('window counter transaction aborted');
    for (const [error] of replies) if (error) throw error;
    const count = Number(replies[1]![1]);
    const ttl = Number(replies[2]![1]);
    return { count, resetInMs: ttl > 0 ? ttl : window };
  }
}

/**
 * {@link FanOut} on Redis pub/sub. Publishing uses the caller's client; subscribing needs a
 * connection in subscriber mode, duplicated from it on the first `subscribe` and closed by `close()`.
 * One Redis subscription per channel, shared by the local handlers of that channel.
 */
export class RedisFanOut implements FanOut {
  private subscriber?: Redis;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();

  constructor(
    private readonly redis: Redis,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  async publish(channel: string, message: string): Promise<void> {
    await this.redis.publish(channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    const subscriber = this.connection();
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    // A wrapper per subscription: the same function subscribed twice is two subscriptions.
    const own = (message: string) => handler(message);
    set.add(own);
    if (set.size === 1) await subscriber.subscribe(channel);
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      const current = this.handlers.get(channel);
      if (!current?.delete(own) || current.size > 0) return;
      this.handlers.delete(channel);
      if (this.subscriber?.status === 'ready') await this.subscriber.unsubscribe(channel);
    };
  }

  private connection(): Redis {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.redis.duplicate();
    subscriber.on('message', (channel: string, message: string) => {
      for (const handler of [...(this.handlers.get(channel) ?? [])]) {
        try {
          handler(message);
        } catch (error) {
          this.onError(error);
        }
      }
    });
    subscriber.on('error', (error: unknown) => this.onError(error));
    this.subscriber = subscriber;
    return subscriber;
  }

  async close(): Promise<void> {
    this.handlers.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }
}

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

/** express-session store on Redis (connect-redis over ioredis). */
export function redisSessionStore(redis: Redis, options: SessionStoreOptions): Store {
  return new RedisStore({ client: connectRedisClient(redis), prefix: options.prefix, ttl: options.ttlSeconds });
}

/**
 * The four roles on one ioredis client (the caller's: `close()` never quits it). Keys are the
 * callers' own (kyc prefixes them with `KYC_REDIS_PREFIX`), so the Redis data is the same as
 * before these interfaces existed.
 */
export function createRedisEphemeral(
  redis: Redis,
  options: { readonly onError?: (error: unknown) => void } = {},
): Ephemeral {
  const fanOut = new RedisFanOut(redis, options.onError);
  return {
    kind: 'redis',
    oneShot: new RedisOneShotStore(redis),
    counters: new RedisWindowCounter(redis),
    fanOut,
    sessionStore: (storeOptions) => redisSessionStore(redis, storeOptions),
    close: () => fanOut.close(),
  };
}
