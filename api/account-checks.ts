import type { AccountView } from '../kyc/index.js';
import { ApiError } from './errors.js';

/** The account may deposit and bet: active, both limits chosen (kyc's `canPlay`). */
export function assertCanPlay(account: AccountView | null): asserts account is AccountView {
  if (!account || account.status !== 'active' || !account.canPlay) {
    throw new ApiError(
      'ACCOUNT_CANNOT_PLAY',
      'This account cannot deposit or bet (suspended, excluded, or limits not chosen).',
    );
  }
}

/** A limit in cents as a bigint (kyc keeps it as a number of cents). */
export const limitCents = (value: number | null): bigint | null => (value === null ? null : BigInt(value));

export const WEEK_MS = 7 * 24 * 3600 * 1000;
