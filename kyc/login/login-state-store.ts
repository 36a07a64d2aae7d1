import { createHash } from 'node:crypto';
import type { OneShotStore } from '../../lib/ephemeral/index.js';

/** What the callback must find again: the single-use values of one authorize request. */
export interface PendingLogin {
  readonly providerId: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string | undefined;
  readonly createdAt: number;
}

/** A logout redirect in flight: the fresh state to verify when the provider sends the browser back. */
export interface PendingLogout {
  readonly providerId: string;
  readonly createdAt: number;
}

/**
 * Server-side OIDC login state in a {@link OneShotStore} (Redis, or memory in the local stack). Keys are a hash of (browser session id, state): a state
 * presented from another session simply does not exist (and cannot burn the real one), a second use
 * finds nothing because `take` consumes atomically (GETDEL on Redis) (two concurrent callbacks: exactly one wins), and
 * the TTL expires abandoned logins. Values never contain tokens; the raw ID token, needed for logout,
 * is stored separately under a random handle with the session's TTL.
 */
export class LoginStateStore {
  constructor(
    private readonly store: OneShotStore,
    private readonly options: {
      readonly prefix: string;
      readonly loginTtlSeconds: number;
      readonly sessionTtlSeconds: number;
    },
  ) {}

  private key(kind: string, sessionId: string, value: string): string {
    const digest = createHash('sha256').update(`${kind}\0${sessionId}\0${value}`).digest('base64url');
    return `${this.options.prefix}${kind}:${digest}`;
  }

  async saveLogin(sessionId: string, pending: PendingLogin): Promise<void> {
    const key = this.key('login', sessionId, pending.state);
    await this.store.put(key, JSON.stringify(pending), this.options.loginTtlSeconds * 1000);
  }

  /** Returns the pending login once; null if unknown, expired, already used or bound to another session. */
  async consumeLogin(sessionId: string, state: string): Promise<PendingLogin | null> {
    const raw = await this.store.take(this.key('login', sessionId, state));
    if (raw === null) return null;
    const pending = JSON.parse(raw) as PendingLogin;
    // Belt and braces: the store expires the key, this guards against one without eviction.
    if (Date.now() - pending.createdAt > this.options.loginTtlSeconds * 1000) return null;
    return pending;
  }

  async saveLogout(sessionId: string, state: string, pending: PendingLogout): Promise<void> {
    await this.store.put(
      this.key('logout', sessionId, state),
      JSON.stringify(pending),
      this.options.loginTtlSeconds * 1000,
    );
  }

  async consumeLogout(sessionId: string, state: string): Promise<PendingLogout | null> {
    const raw = await this.store.take(this.key('logout', sessionId, state));
    return raw === null ? null : (JSON.parse(raw) as PendingLogout);
  }

  async saveIdToken(handle: string, idToken: string): Promise<void> {
    await this.store.put(this.key('idtoken', '', handle), idToken, this.options.sessionTtlSeconds * 1000);
  }

  async takeIdToken(handle: string): Promise<string | null> {
    return this.store.take(this.key('idtoken', '', handle));
  }
}
