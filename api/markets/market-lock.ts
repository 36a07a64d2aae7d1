/**
 * The per-market advisory lock. Bets take it shared (many at once, nothing written); a market
 * state change and the settlement take it exclusive, so they wait for the bets in flight and the
 * bets after them wait and then read the new state. Lock-manager only: no tuple lock and no
 * multixact on the market row, which every bet would otherwise write (a hot row in disguise).
 * Keys are (namespace, market id mod 2^31): a collision only makes two markets wait for each other.
 */
const NAMESPACE = 0x6d6b74; // 'mkt'

/** SQL expression taking the shared lock of every market id in the bigint[] parameter, in id order. */
export const lockMarketsShared = (param: string): string =>
  `count(pg_advisory_xact_lock_shared(${NAMESPACE}, (id % 2147483647)::int)) from (select id from unnest(${param}::bigint[]) as u(id) order by id) ids`;

/** SQL expression taking the exclusive lock of the market id parameter. */
export const lockMarketExclusive = (param: string): string =>
  `pg_advisory_xact_lock(${NAMESPACE}, (${param}::bigint % 2147483647)::int)`;

/** SQL boolean expression trying the exclusive lock of a market id without waiting. */
export const tryLockMarketExclusive = (param: string): string =>
  `pg_try_advisory_xact_lock(${NAMESPACE}, (${param}::bigint % 2147483647)::int)`;
