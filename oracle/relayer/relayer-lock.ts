import pg from 'pg';
import { OracleError } from '../errors.js';

/**
 * Leader election of the relayers of one chain: a session-level Postgres advisory lock held on a
 * dedicated connection. Exactly one relayer holds it; the others stand by and try again every tick.
 * When the leader dies its session ends, Postgres releases the lock and a standby takes over.
 *
 * The same connection carries every outbox write of the leader (see `PgOutboxStore`): if the session
 * is lost, the writes fail, and since a transaction is recorded before it is broadcast, a relayer that
 * lost its lock can never send. That is the fencing a lock alone would not give.
 */
export class RelayerLock {
  private readonly connectionString: string;
  private readonly key: string;
  private client: pg.Client | undefined;
  private isHeld = false;
  private readonly lostListeners: (() => void)[] = [];

  /**
   * @param deps.connectionString - Postgres URL.
   * @param deps.key - what is locked, e.g. `relayer:<chainId>:<oracle address>`.
   */
  constructor(deps: { connectionString: string; key: string }) {
    this.connectionString = deps.connectionString;
    this.key = deps.key;
  }

  /** True while this process holds the lock on a live session. */
  get held(): boolean {
    return this.isHeld;
  }

  /**
   * The session that holds the lock (outbox writes go through it).
   *
   * @throws OracleError `ORACLE_LOCK_LOST` when this process does not hold the lock (any more).
   */
  get session(): pg.Client {
    if (!this.client || !this.isHeld) {
      throw new OracleError('ORACLE_LOCK_LOST', 'relayer lock not held: this process must not record or send');
    }
    return this.client;
  }

  /** Called when the session holding the lock is lost. */
  onLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  /** Tries once to take the lock; true when this process is (now or already) the leader. */
  async tryAcquire(): Promise<boolean> {
    if (this.isHeld) return true;
    if (!this.client) {
      const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true });
      const lost = (): void => {
        const wasHeld = this.isHeld;
        this.isHeld = false;
        if (this.client === client) this.client = undefined;
        if (wasHeld) for (const listener of this.lostListeners) listener();
      };
      client.on('error', lost);
      client.on('end', lost);
      await client.connect();
      this.client = client;
    }
    const { rows } = await this.client.query<{ locked: boolean }>(
      'select pg_try_advisory_lock(hashtextextended($1, 0)) as locked',
      [this.key],
    );
    this.isHeld = rows[0]?.locked === true;
    return this.isHeld;
  }

  /** Releases the lock and closes the session. */
  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.isHeld = false;
    if (!client) return;
    await client.end().catch(() => undefined);
  }
}
