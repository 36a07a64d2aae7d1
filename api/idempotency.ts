import type { Db } from '../lib/db/transaction.js';
import { ApiError } from './errors.js';

/** An Idempotency-Key with the fingerprint of the request it came with. */
export interface IdempotencyKey {
  readonly key: string;
  /** sha-256 of method, path and canonical body. */
  readonly fingerprint: Buffer;
}

/**
 * Takes the key for the current transaction, or answers from it (draft-ietf-httpapi-idempotency-key-header):
 * a key held by a transaction in flight → IDEMPOTENCY_KEY_IN_USE (never waited for); a stored key
 * with another fingerprint → IDEMPOTENCY_KEY_REUSED; a stored key with this fingerprint → its first
 * answer. Call it first in the transaction of the effect, and {@link storeKey} before it commits.
 */
export async function claimKey<T>(
  db: Db,
  playerId: string,
  key: IdempotencyKey,
): Promise<{ status: number; body: T } | null> {
  const { rows: lock } = await db.query<{ ok: boolean }>(
    'select pg_try_advisory_xact_lock(hashtextextended($1, 7)) as ok',
    [`betting.idempotency:${playerId}:${key.key}`],
  );
  if (!lock[0]!.ok)
    throw new ApiError('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed.');
  const { rows } = await db.query<{ fingerprint: Buffer; status: number; response: T }>(
    'select fingerprint, status, response from betting.idempotency_keys where player_id = $1 and key = $2',
    [playerId, key.key],
  );
  const stored = rows[0];
  if (!stored) return null;
  if (!stored.fingerprint.equals(key.fingerprint)) {
    throw new ApiError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request.');
  }
  return { status: stored.status, body: stored.response };
}

/** Records the answer under the key, in the effect's transaction. The primary key is the last guard. */
export async function storeKey(
  db: Db,
  playerId: string,
  key: IdempotencyKey,
  status: number,
  body: unknown,
): Promise<void> {
  await db.query(
    'insert into betting.idempotency_keys (player_id, key, fingerprint, status, response) values ($1, $2, $3, $4, $5)',
    [playerId, key.key, key.fingerprint, status, JSON.stringify(body)],
  );
}

/** A duplicate key that slipped past the advisory lock fails on the primary key: the same 409. */
export function fromKeyConflict(error: unknown): unknown {
  const e = error as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === 'idempotency_keys_pkey'
    ? new ApiError('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed.', {
        cause: error,
      })
    : error;
}
