/**
 * The 7-day self-exclusion re-check: suspends active players found in the register. Schedule it
 * daily (cron, Kubernetes CronJob); safe to run on several hosts (rows are locked SKIP LOCKED).
 *   DATABASE_URL=… KYC_IDENTITY_HMAC_KEY=… KYC_ENCRYPTION_KEYS=… KYC_ENCRYPTION_ACTIVE_KEY_ID=… npm run kyc:recheck-exclusions
 */
import pg from 'pg';
import { pino } from 'pino';
import { loadKycJobConfig, migrateKyc, runExclusionRecheck } from '../kyc/index.js';

const config = loadKycJobConfig(process.env);
const logger = pino({ name: 'kyc-recheck' });
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
try {
  await migrateKyc(pool);
  const { checked, suspended } = await runExclusionRecheck({ pool, config, logger });
  logger.info({ event: 'kyc.exclusion_recheck_done', checked, suspended: suspended.length });
} finally {
  await pool.end();
}
