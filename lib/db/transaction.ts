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
  // A connection killed during the work (a terminated backend, a network cut) rejects the query in
  // flight; pg also emits 'error' on the checked-out client, which would crash the process unheard.
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
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
    client.removeListener('error', onError);
    client.release(broken instanceof Error ? broken : undefined);
  }
}

let savepoints = 0;

/**
 * Runs `work` on a client that is already inside a (caller's) transaction, under a savepoint: when
 * `work` throws, only its own statements are rolled back (`rollback to savepoint`) and the caller's
 * transaction stays usable; the original error is rethrown. Lets a store that handles an expected
 * failure itself (a unique violation meaning "duplicate") run inside somebody else's transaction.
 *
 * @param client - a client inside an open transaction (the `client` of {@link withTransaction}).
 * @param work - the statements, run on the same client.
 */
export async function withSavepoint<T>(client: Db, work: (client: Db) => Promise<T>): Promise<T> {
  const name = `sp_${++savepoints}`;
  await client.query(`savepoint ${name}`);
  try {
    const result = await work(client);
    await client.query(`release savepoint ${name}`);
    return result;
  } catch (error) {
    // A failing rollback (broken connection) never hides the original error; the caller's
    // transaction then fails on its next statement.
    await client
      .query(`rollback to savepoint ${name}`)
      .then(() => client.query(`release savepoint ${name}`))
      .catch(() => undefined);
    throw error;
  }
}

/**
 * Where a store runs its statements: a pool (each atomic write in a transaction of its own), or a
 * caller's open transaction, as `{ transaction: client }` or the checked-out pool client itself
 * (atomic writes under a savepoint, committed or rolled back with the caller's work).
 */
export type StoreDb = (Db & TransactionPool) | { readonly transaction: Db } | Pick<pg.PoolClient, 'query' | 'release'>;

/** The caller's client when `db` is a transaction (`{ transaction }`, or a checked-out pool client); undefined for a pool. */
export function callerTransaction(db: StoreDb): Db | undefined {
  if ('transaction' in db) return db.transaction;
  // A pg.PoolClient also has connect(): never open a second transaction on it, join the caller's.
  return typeof (db as { release?: unknown }).release === 'function' ? db : undefined;
}

/** The connection plain reads and single statements of a {@link StoreDb} go to. */
export function queryable(db: StoreDb): Db {
  return callerTransaction(db) ?? (db as Db);
}

/** Runs `work` atomically on a {@link StoreDb}: its own transaction on a pool, a savepoint inside a caller's transaction. */
export function atomically<T>(db: StoreDb, work: (client: Db) => Promise<T>): Promise<T> {
  const caller = callerTransaction(db);
  return caller ? withSavepoint(caller, work) : withTransaction(db as TransactionPool, work);
}
