import { fileURLToPath } from 'node:url';
import { loadMigrations, migrate, type Queryable } from '../../lib/db/migrate.js';

const dir = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Applies the kyc SQL migrations (`kyc/db/migrations/NNNN_*.sql`) not applied yet.
 *
 * @returns the ids applied by this call.
 */
export async function migrateKyc(pool: Queryable): Promise<string[]> {
  return migrate(pool, 'kyc', await loadMigrations(dir));
}
