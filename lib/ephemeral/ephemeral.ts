import type { Store } from 'express-session';

/**
 * Redis's roles in Verdict, as interfaces. Postgres is the truth; what lives behind these is
 * short-lived and rebuildable: losing it loses no money and no bet. Each role has one Redis
 * implementation (production, several API instances share it) and one in-memory implementation
 * (the local stack and unit tests, one process). Both pass the same contract suite
 * (`test/lib/ephemeral/contract.ts`).
 */

/**
 * Single-use values with a time to live: OIDC login state, logout state, ID-token handles.
 * `take` consumes atomically: of two concurrent takes of one key, exactly one gets the value.
 */
export interface OneShotStore {
  /** Stores `value` under `key` for `ttlMs` milliseconds, replacing any previous value. */
  put(key: string, value: string, ttlMs: number): Promise<void>;
  /** The value once, then nothing; null when unknown, expired or already taken. */
  take(key: string): Promise<string | null>;
}

/** What one {@link WindowCounter.hit} counted. */
export interface WindowCount {
  /** Hits of `key` in the current window, this one included (1 for the first). */
  readonly count: number;
  /** Milliseconds until the window ends (> 0). */
  readonly resetInMs: number;
}

/**
 * Fixed-window counters for rate limits: the first hit of a key opens a window of `windowMs`, later
 * hits in it count up, and the key disappears when the window ends (the next hit opens a new one).
 */
export interface WindowCounter {
  hit(key: string, windowMs: number): Promise<WindowCount>;
}

/** Stops one subscription; idempotent. */
export type Unsubscribe = () => Promise<void>;

/**
 * Fan-out publish/subscribe: a message published on a channel reaches every subscriber of that
 * channel at the time of the publish (at most once, no replay, no persistence), on this instance
 * and, with Redis, on every other instance sharing it. Handlers run asynchronously, never inside
 * `publish`; a handler that throws is reported to the implementation's `onError` and does not stop
 * the delivery to the others.
 */
export interface FanOut {
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is active: a publish that starts after it is delivered. */
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;
}

/** Options of a session store. */
export interface SessionStoreOptions {
  /** Key prefix of sessions, e.g. `kyc:sess:` (Redis keys; a namespace in memory). */
  readonly prefix: string;
  /** TTL of a session without a cookie expiry; with one, the cookie's expiry wins. */
  readonly ttlSeconds: number;
}

/** express-session stores: connect-redis on Redis, an expiring map in memory. */
export interface SessionStores {
  sessionStore(options: SessionStoreOptions): Store;
}

/** The four roles together, as the composition root hands them to modules (`kyc`: `{ ephemeral }`). */
export interface Ephemeral extends SessionStores {
  readonly kind: 'redis' | 'memory';
  readonly oneShot: OneShotStore;
  readonly counters: WindowCounter;
  readonly fanOut: FanOut;
  /** Releases what this instance opened (subscriber connections, timers); never the caller's client. */
  close(): Promise<void>;
}
