import type { Db } from '../../lib/db/transaction.js';
import type { OracleChanges } from './live-module.js';

/**
 * The oracle's changes as betting event ids, by polling Postgres (what the API instance reads
 * anyway): attestations, the relayer's publications (direct or in a batch) and the indexer's
 * results (proposed, disputed, final). Polling rather than `LISTEN oracle_final`: that channel only
 * announces final and retracted feed rows (not attestations, publications nor disputes), an
 * embedded Postgres may not deliver NOTIFY, and a poll holds no connection — it runs only while
 * the instance has admin subscribers. Rows updated in the last `lookbackSeconds` are read each
 * time and compared with what was seen (by their latest `updated_at`), so a transaction that
 * commits late, with an older `now()`, is not missed. The first call is the baseline (nothing).
 */
export function createOracleChanges(db: Db, options: { readonly lookbackSeconds?: number } = {}): OracleChanges {
  const lookback = options.lookbackSeconds ?? 60;
  let seen: Map<string, string> | undefined;
  return {
    async changed() {
      const { rows } = await db.query<{ id: string; at: string }>(
        `with c as (
           select event_id, updated_at from oracle_attestations where updated_at > now() - make_interval(secs => $1)
           union all
           select event_id, updated_at from oracle_results where updated_at > now() - make_interval(secs => $1)
           union all
           select p.subject, p.updated_at from oracle_publications p
            where p.kind = 'propose' and p.updated_at > now() - make_interval(secs => $1)
           union all
           select i.event_id, p.updated_at from oracle_publications p join oracle_batch_items i on i.root = p.subject
            where p.kind = 'batch' and p.updated_at > now() - make_interval(secs => $1))
         select e.id::text as id, max(c.updated_at)::text as at
           from c join betting.events e on e.oracle_event_id = c.event_id
          group by e.id`,
        [lookback],
      );
      const now = new Map(rows.map((r) => [r.id, r.at]));
      const before = seen;
      seen = now;
      if (!before) return [];
      return rows.filter((r) => before.get(r.id) !== r.at).map((r) => r.id);
    },
  };
}

/**
 * The events an admin view starts from (the `admin` snapshot): those with oracle activity whose
 * result is not final yet, and those that became final in the last day; newest first, at most `limit`.
 */
export function oracleEventsInProgress(db: Db, limit = 50): () => Promise<readonly string[]> {
  return async () => {
    const { rows } = await db.query<{ id: string }>(
      `select e.id::text as id
         from betting.events e
         left join oracle_results r on r.event_id = e.oracle_event_id
        where (r.event_id is null and exists (select 1 from oracle_attestations a where a.event_id = e.oracle_event_id))
           or (r.event_id is not null and (r.phase <> 'final' or r.updated_at > now() - interval '1 day'))
        group by e.id
        order by e.id desc
        limit $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  };
}
