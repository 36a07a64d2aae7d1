/**
 * Imports the self-exclusion register from a file (full snapshot: entries missing from the file are
 * removed for that source). Usage:
 *   DATABASE_URL=… KYC_IDENTITY_HMAC_KEY=… KYC_ENCRYPTION_KEYS=… KYC_ENCRYPTION_ACTIVE_KEY_ID=… \
 *     npm run kyc:import-exclusions -- <file.csv> [--source anj]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { importSelfExclusionFile, loadKycJobConfig, migrateKyc } from '../kyc/index.js';

const { values, positionals } = parseArgs({
  options: { source: { type: 'string', default: 'anj' } },
  allowPositionals: true,
});
const file = positionals[0];
if (!file || positionals.length !== 1) {
  console.error('usage: kyc-import-self-exclusions <file.csv> [--source <name>]');
  process.exit(2);
}
const config = loadKycJobConfig(process.env);
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
try {
  await migrateKyc(pool);
  const result = await importSelfExclusionFile({ pool, config, file, source: values.source });
  console.log(JSON.stringify({ event: 'kyc.self_exclusions_imported', source: values.source, ...result }));
} finally {
  await pool.end();
}
