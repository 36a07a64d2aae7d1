import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';

/** One SQL migration: applied once, in `id` order, inside its own transaction. */
export interface Migration {
  readonly id: string;
  readonly sql: string;
}

/** What `migrate` needs from a pg Pool (or a test double of it). */
export type Queryable = Pick<pg.Pool, 'connect'>;

/**
 * Reads `NNNN_name.sql` files from a folder, sorted by name.
 *
 * @param dir - absolute path of the folder (a module's `db/migrations`).
 * @returns the migrations, in the order they must be applied.
 */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({ id: file.replace(/\.sql$/, ''), sql: await readFile(join(dir, file), 'utf8') })),
  );
}

/**
 * Applies the migrations of one module that are not applied yet. Each module keeps its own
 * history table (`<module>_migrations`), so kyc/ and oracle/ stay independent of each other
 * and of api/. A transaction-scoped advisory lock serialises concurrent starts (several API
 * instances or a relayer and an indexer booting together): the second waits, then finds
 * nothing left to do.
 *
 * @param pool - the database to migrate.
 * @param module - a short lowercase name (`kyc`, `oracle`, `api`).
 * @param migrations - from {@link loadMigrations}.
 * @returns the ids applied by this call.
 * @throws the database error of the first failing migration; that migration is rolled back.
 */
export async function migrate(pool: Queryable, module: string, migrations: readonly Migration[]): Promise<string[]> {
  if (!/^[a-z][a-z0-9_]*$/.test(module)) throw new TypeError(`invalid module name for migrations: ${module}`);
  const table = `${module}_migrations`;
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [table]);
    await client.query(
      `create table if not exists ${table} (id text primary key, applied_at timestamptz not null default now())`,
    );
    const done = new Set((await client.query<{ id: string }>(`select id from ${table}`)).rows.map((r) => r.id));
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      await client.query('savepoint migration');
      await client.query(migration.sql);
      await client.query(`insert into ${table} (id) values ($1)`, [migration.id]);
      await client.query('release savepoint migration');
      applied.push(migration.id);
    }
    await client.query('commit');
    return applied;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
