import { createHash } from 'node:crypto';
import type { WindowCounter } from '../../lib/ephemeral/index.js';

/** The verdict of {@link LoginRateLimiter.take}. */
export interface RateDecision {
  readonly allowed: boolean;
  /** Seconds until the client's window ends (for `Retry-After`). */
  readonly retryAfterSeconds: number;
}

/**
 * Fixed-window limit of login starts per client in a {@link WindowCounter}: one counter key per client
 * and window (a hash of the client address, never the address itself), created with the window as
 * TTL. A refused start writes nothing else: no session, no login state. On Redis, shared by every API
 * instance; in memory (the local stack), by this process.
 */
export class LoginRateLimiter {
  constructor(
    private readonly counters: WindowCounter,
    private readonly options: { readonly prefix: string; readonly limit: number; readonly windowSeconds: number },
  ) {}

  async take(client: string): Promise<RateDecision> {
    const digest = createHash('sha256').update(`login-start\0${client}`).digest('base64url');
    const key = `${this.options.prefix}ratelimit:login:${digest}`;
    const { count, resetInMs } = await this.counters.hit(key, this.options.windowSeconds * 1000);
    return { allowed: count <= this.options.limit, retryAfterSeconds: Math.max(1, Math.ceil(resetInMs / 1000)) };
  }
}
