/**
 * Key rotation for the encrypted pivot identities: after adding a key to KYC_ENCRYPTION_KEYS and
 * making it KYC_ENCRYPTION_ACTIVE_KEY_ID (old key still listed), re-seals every identity under it.
 * The API keeps serving throughout; drop the old key once this reports 0 remaining.
 */
import pg from 'pg';
import { pino } from 'pino';
import { loadKycJobConfig, runReencryption } from '../kyc/index.js';

const config = loadKycJobConfig(process.env);
const logger = pino({ name: 'kyc-reencrypt' });
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
try {
  const resealed = await runReencryption({ pool, config, logger });
  logger.info({ event: 'kyc.reencrypted', resealed, activeKeyId: config.encryption.activeKeyId });
} finally {
  await pool.end();
}
