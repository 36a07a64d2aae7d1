import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The verdict of {@link LoginRateLimiter.take}. */
export interface RateDecision {
  readonly allowed: boolean;
  /** Seconds until the client's window ends (for `Retry-After`). */
  readonly retryAfterSeconds: number;
}

/**
 * Fixed-window limit of login starts per client in Redis: one counter key per client and window
 * (a hash of the client address, never the address itself), created with the window as TTL. A
 * refused start writes nothing else: no session, no login state. Shared by every API instance.
 */
export class LoginRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly options: { readonly prefix: string; readonly limit: number; readonly windowSeconds: number },
  ) {}

  async take(client: string): Promise<RateDecision> {
    const digest = createHash('sha256').update(`login-start\0${client}`).digest('base64url');
    const key = `${this.options.prefix}ratelimit:login:${digest}`;
    const replies = await this.redis
      .multi()
      .set(key, '0', 'EX', this.options.windowSeconds, 'NX')
      .incr(key)
      .ttl(key)
      .exec();
    if (!replies) throw new Error('rate limit transaction aborted');
    for (const [error] of replies) if (error) throw error;
    const count = Number(replies[1]![1]);
    const ttl = Number(replies[2]![1]);
    return { allowed: count <= this.options.limit, retryAfterSeconds: ttl > 0 ? ttl : this.options.windowSeconds };
  }
}
