import type { Redis } from 'ioredis';
import type { Db } from '../../lib/db/transaction.js';

/** What the pool cache needs from ioredis. */
export type PoolRedis = Pick<Redis, 'eval' | 'hgetall'>;

// Increments apply only to a counter that exists: a missing one is rebuilt from Postgres in full,
// never started from a partial sum.
const INCREMENT = `
if redis.call('exists', KEYS[1]) == 1 then
  for i = 1, #ARGV, 2 do redis.call('hincrby', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1`;
const REBUILD = `
if redis.call('exists', KEYS[1]) == 0 then
  redis.call('hset', KEYS[1], '_', '1', unpack(ARGV, 2))
  redis.call('expire', KEYS[1], ARGV[1])
end
return redis.call('hgetall', KEYS[1])`;

/** {@link readPoolTotals}'s statement (`$1` the market id); exported for the test of its plan. */
export const POOL_TOTALS_SQL = `select selection, sum(stake_cents)::text as total from (
   select selection, stake_cents from betting.bets where market_id = $1 and state = 'accepted'
   union all
   select b.selection, b.stake_cents from betting.settlements s
     join betting.bets b on b.settlement_id = s.id and b.market_id = s.market_id
    where s.market_id = $1 and s.reversed_at is null) stakes
 group by selection`;

/**
 * Total stake per selection index of one market, from Postgres, through indexes only: the open bets
 * from `bets_market_open` (partial on `accepted`, `stake_cents` included: an index-only scan), and, once
 * the market is settled (or refunded), its bets from the live settlement through `bets_settlement`. A
 * market's bets change state only in its settlement's transaction (all of them, or back to `accepted` on
 * a reversal), so one snapshot sees every bet in exactly one of the two branches. A plain
 * `where market_id = $1` has no index to use (bets carry no market index over every state: footprint).
 */
export async function readPoolTotals(db: Db, marketId: string): Promise<{ selection: number; total: bigint }[]> {
  const { rows } = await db.query<{ selection: number; total: string }>(POOL_TOTALS_SQL, [marketId]);
  return rows.map((r) => ({ selection: r.selection, total: BigInt(r.total) }));
}

/**
 * Live pool totals per market and selection, in Redis (`<prefix>pool:<marketId>` hashes), for
 * indicative odds. Postgres is the truth: a missing hash is rebuilt from the bets, and hashes
 * expire (`ttlSeconds`) so that an increment lost between a rebuild's read and its write (or to a
 * Redis failure) heals. Losing Redis loses no bet and no money.
 */
export function createPoolCache(deps: {
  readonly redis: PoolRedis;
  readonly db: Db;
  readonly prefix: string;
  readonly ttlSeconds?: number;
}) {
  const key = (marketId: string) => `${deps.prefix}pool:${marketId}`;
  const ttl = deps.ttlSeconds ?? 300;
  return {
    /** Adds accepted stakes (after their transaction committed). */
    async add(stakes: readonly { marketId: string; selection: number; stakeCents: bigint }[]): Promise<void> {
      const byMarket = new Map<string, Map<number, bigint>>();
      for (const s of stakes) {
        const m = byMarket.get(s.marketId) ?? new Map<number, bigint>();
        m.set(s.selection, (m.get(s.selection) ?? 0n) + s.stakeCents);
        byMarket.set(s.marketId, m);
      }
      await Promise.all(
        [...byMarket].map(([marketId, m]) =>
          deps.redis.eval(
            INCREMENT,
            1,
            key(marketId),
            ...[...m].flatMap(([sel, cents]) => [String(sel), cents.toString()]),
          ),
        ),
      );
    },

    /** Total stake per selection index (`count` selections), from Redis or rebuilt from Postgres. */
    async totals(marketId: string, count: number): Promise<bigint[]> {
      let hash = await deps.redis.hgetall(key(marketId));
      if (!hash['_']) {
        const rows = await readPoolTotals(deps.db, marketId);
        const flat = (await deps.redis.eval(
          REBUILD,
          1,
          key(marketId),
          String(ttl),
          ...rows.flatMap((r) => [String(r.selection), r.total.toString()]),
        )) as string[];
        hash = {};
        for (let i = 0; i < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
      }
      return Array.from({ length: count }, (_, i) => BigInt(hash[String(i)] ?? '0'));
    },
  };
}

export type PoolCache = ReturnType<typeof createPoolCache>;
