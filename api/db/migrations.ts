import { fileURLToPath } from 'node:url';
import { loadMigrations, migrate, type Queryable } from '../../lib/db/migrate.js';

const dir = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Applies the api SQL migrations (`api/db/migrations/NNNN_*.sql`, schema `betting`, history table
 * `api_migrations`). Run kyc's migrations first: wallets and payments reference `kyc.accounts`.
 *
 * @returns the ids applied by this call.
 */
export async function migrateApi(pool: Queryable): Promise<string[]> {
  return migrate(pool, 'api', await loadMigrations(dir));
}
