import { readPlayerAccount } from '../../../kyc/index.js';
import type { PlayerAccounts } from '../../../api/ports.js';

/**
 * {@link PlayerAccounts} wired to kyc's own `readPlayerAccount` over the real kyc tables, as the
 * composition root wires it (was a copy of its SQL, written before kyc exported it).
 */
export const sqlPlayerAccounts: PlayerAccounts = {
  read: (db, accountId, options) => readPlayerAccount(db, accountId, options),
};
