import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { KycJobConfig } from '../config.js';
import { IdentityCipher } from '../crypto/identity-cipher.js';
import { PgSelfExclusionRegister } from '../exclusion/pg-self-exclusion-register.js';
import { parseRegisterFile, type SelfExclusionRegister } from '../exclusion/self-exclusion-register.js';
import { IdentityService } from '../identity/identity-service.js';
import { PgAccountStore } from '../identity/pg-account-store.js';

import type { Db, TransactionPool } from '../../lib/db/transaction.js';

/** The jobs open transactions of their own: a pool. */
type Pool = Db & TransactionPool;

/**
 * Admin import of the self-exclusion register from a file (a full snapshot of `source`).
 *
 * @throws Error naming the malformed line; nothing is imported then.
 */
export async function importSelfExclusionFile(deps: {
  readonly pool: Pool;
  readonly config: Pick<KycJobConfig, 'identityHmacKey'>;
  readonly file: string;
  readonly source: string;
}): Promise<{ added: number; removed: number; total: number }> {
  const entries = parseRegisterFile(await readFile(deps.file, 'utf8'));
  return new PgSelfExclusionRegister({ db: deps.pool, hmacKey: deps.config.identityHmacKey }).replaceAll(
    deps.source,
    entries,
  );
}

function identityService(deps: { pool: Pool; config: KycJobConfig; logger: Logger; register?: SelfExclusionRegister }) {
  return new IdentityService({
    store: new PgAccountStore(deps.pool),
    register: deps.register ?? new PgSelfExclusionRegister({ db: deps.pool, hmacKey: deps.config.identityHmacKey }),
    cipher: new IdentityCipher(deps.config.encryption),
    hmacKey: deps.config.identityHmacKey,
    logger: deps.logger,
  });
}

/**
 * The self-exclusion re-check job: suspends active players who became excluded. Run daily; each
 * account is checked once its last check is older than `KYC_EXCLUSION_RECHECK_DAYS` (7).
 */
export async function runExclusionRecheck(deps: {
  readonly pool: Pool;
  readonly config: KycJobConfig;
  readonly logger: Logger;
  readonly register?: SelfExclusionRegister;
}): Promise<{ checked: number; suspended: string[] }> {
  return identityService(deps).recheckSelfExclusions({ intervalDays: deps.config.exclusionRecheckDays });
}

/** Re-seals every pivot identity not under the active key (key rotation). */
export async function runReencryption(deps: {
  readonly pool: Pool;
  readonly config: KycJobConfig;
  readonly logger: Logger;
}): Promise<number> {
  return identityService(deps).reencryptIdentities();
}
