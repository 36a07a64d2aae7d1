import { fileURLToPath } from 'node:url';
import { loadMigrations, migrate, type Queryable } from '../../lib/db/migrate.js';

const dir = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Applies the oracle SQL migrations (`oracle/db/migrations/NNNN_*.sql`: attestations, then the
 * chain side) not applied yet, under the `oracle_migrations` history.
 *
 * @returns the ids applied by this call.
 */
export async function migrateOracle(pool: Queryable): Promise<string[]> {
  return migrate(pool, 'oracle', await loadMigrations(dir));
}
