import session, { type SessionData, type Store } from 'express-session';
import type {
  Ephemeral,
  FanOut,
  OneShotStore,
  SessionStoreOptions,
  Unsubscribe,
  WindowCount,
  WindowCounter,
} from './ephemeral.js';

/** Clock of the in-memory implementations (milliseconds since the epoch); tests inject one. */
export type MillisClock = () => number;

/**
 * Values with a deadline, read lazily (an expired entry is never returned) and swept by
 * {@link ExpiringMap.sweep} so that abandoned keys do not grow the map forever.
 */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(private readonly now: MillisClock) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Milliseconds left before `key` expires; undefined when absent or expired. */
  remaining(key: string): number | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const left = entry.expiresAt - this.now();
    if (left <= 0) {
      this.entries.delete(key);
      return undefined;
    }
    return left;
  }

  set(key: string, value: V, ttlMs: number): void {
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  /** Keys alive now, with `prefix`. */
  keys(prefix: string): string[] {
    const now = this.now();
    return [...this.entries].filter(([k, e]) => k.startsWith(prefix) && e.expiresAt > now).map(([k]) => k);
  }

  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** {@link OneShotStore} in this process's memory. */
export class MemoryOneShotStore implements OneShotStore {
  constructor(private readonly map: ExpiringMap<string>) {}

  put(key: string, value: string, ttlMs: number): Promise<void> {
    this.map.set(key, value, Math.max(1, Math.ceil(ttlMs)));
    return Promise.resolve();
  }

  take(key: string): Promise<string | null> {
    const value = this.map.get(key);
    if (value === undefined) return Promise.resolve(null);
    this.map.delete(key);
    return Promise.resolve(value);
  }
}

/** {@link WindowCounter} in this process's memory. */
export class MemoryWindowCounter implements WindowCounter {
  constructor(private readonly map: ExpiringMap<number>) {}

  hit(key: string, windowMs: number): Promise<WindowCount> {
    const window = Math.max(1, Math.ceil(windowMs));
    const count = (this.map.get(key) ?? 0) + 1;
    const left = this.map.remaining(key);
    if (left === undefined) this.map.set(key, count, window);
    else this.map.set(key, count, left);
    return Promise.resolve({ count, resetInMs: left ?? window });
  }
}

/** {@link FanOut} inside one process: every subscriber of this instance, handlers run on a later tick. */
export class MemoryFanOut implements FanOut {
  private readonly handlers = new Map<string, Set<(message: string) => void>>();

  constructor(private readonly onError: (error: unknown) => void = () => undefined) {}

  publish(channel: string, message: string): Promise<void> {
    const targets = [...(this.handlers.get(channel) ?? [])];
    if (targets.length === 0) return Promise.resolve();
    setImmediate(() => {
      for (const handler of targets) {
        try {
          handler(message);
        } catch (error) {
          this.onError(error);
        }
      }
    });
    return Promise.resolve();
  }

  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    const own = (message: string) => handler(message);
    set.add(own);
    return Promise.resolve(() => {
      const current = this.handlers.get(channel);
      if (current?.delete(own) && current.size === 0) this.handlers.delete(channel);
      return Promise.resolve();
    });
  }

  close(): void {
    this.handlers.clear();
  }
}

type Callback<T = unknown> = (error?: unknown, value?: T) => void;

/**
 * express-session store in this process's memory, with the TTL rule of connect-redis (the cookie's
 * expiry when it has one, else `ttlSeconds`; a TTL ≤ 0 destroys). Sessions are kept serialised, so a
 * caller mutating the object it stored changes nothing, as with Redis.
 */
export class MemorySessionStore extends session.Store {
  constructor(
    private readonly map: ExpiringMap<string>,
    private readonly options: SessionStoreOptions,
    private readonly now: MillisClock,
  ) {
    super();
  }

  private ttlMs(sess: SessionData | undefined): number {
    const expires = sess?.cookie?.expires;
    if (expires) return Math.ceil((Number(new Date(expires)) - this.now()) / 1000) * 1000;
    return this.options.ttlSeconds * 1000;
  }

  override get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void {
    const raw = this.map.get(this.options.prefix + sid);
    callback(null, raw === undefined ? null : (JSON.parse(raw) as SessionData));
  }

  override set(sid: string, sess: SessionData, callback?: Callback): void {
    const ttl = this.ttlMs(sess);
    if (ttl > 0) this.map.set(this.options.prefix + sid, JSON.stringify(sess), ttl);
    else this.map.delete(this.options.prefix + sid);
    callback?.();
  }

  override touch(sid: string, sess: SessionData, callback?: () => void): void {
    const key = this.options.prefix + sid;
    const raw = this.map.get(key);
    const ttl = this.ttlMs(sess);
    if (raw !== undefined) {
      if (ttl > 0) this.map.set(key, raw, ttl);
      else this.map.delete(key);
    }
    callback?.();
  }

  override destroy(sid: string, callback?: Callback): void {
    this.map.delete(this.options.prefix + sid);
    callback?.();
  }

  override clear(callback?: Callback): void {
    for (const key of this.map.keys(this.options.prefix)) this.map.delete(key);
    callback?.();
  }

  override length(callback: (error: unknown, length?: number) => void): void {
    callback(null, this.map.keys(this.options.prefix).length);
  }
}

/** Options of {@link createMemoryEphemeral}. */
export interface MemoryEphemeralOptions {
  readonly now?: MillisClock;
  /** How often expired entries are swept (default 60 s; the timer never keeps the process alive). */
  readonly sweepMs?: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * The four roles in this process's memory: the local stack's default when no `REDIS_URL` is given.
 * One process only: a second API instance would not see these sessions, counters or messages.
 */
export function createMemoryEphemeral(options: MemoryEphemeralOptions = {}): Ephemeral {
  const now = options.now ?? Date.now;
  const strings = new ExpiringMap<string>(now);
  const counts = new ExpiringMap<number>(now);
  const fanOut = new MemoryFanOut(options.onError);
  const timer = setInterval(() => {
    strings.sweep();
    counts.sweep();
  }, options.sweepMs ?? 60_000);
  timer.unref();
  return {
    kind: 'memory',
    oneShot: new MemoryOneShotStore(strings),
    counters: new MemoryWindowCounter(counts),
    fanOut,
    sessionStore: (storeOptions): Store => new MemorySessionStore(strings, storeOptions, now),
    close() {
      clearInterval(timer);
      fanOut.close();
      return Promise.resolve();
    },
  };
}
