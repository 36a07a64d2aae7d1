import type pg from 'pg';

/** A connection a store may run its statements on: a pool, or a client inside a caller's transaction. */
export type Db = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/** What {@link withTransaction} needs from a pg Pool. */
export type TransactionPool = Pick<pg.Pool, 'connect'>;

/** Options of one transaction. */
export interface TransactionOptions {
  /** Postgres isolation level; Postgres's default (read committed) when omitted. */
  readonly isolation?: 'read committed' | 'repeatable read' | 'serializable';
}

/**
 * Runs `work` inside one transaction on a client of its own: commit when it resolves, rollback
 * when it throws (the original error is rethrown; a failing rollback never hides it). The client
 * goes back to the pool in every case, destroyed if the rollback itself failed. Stores take a
 * {@link Db} so that a caller can run several of them inside one transaction.
 *
 * Never await another connection of the same pool inside `work`: with a small pool (or PGlite,
 * where one session serialises everything) that deadlocks.
 *
 * @param pool - the database.
 * @param work - the statements, run on the transaction's client.
 * @returns what `work` returned, once committed.
 */
export async function withTransaction<T>(
  pool: TransactionPool,
  work: (client: pg.PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query(options.isolation ? `begin isolation level ${options.isolation}` : 'begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch((rollbackError: unknown) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken instanceof Error ? broken : undefined);
  }
}
