import { atomically, queryable, type StoreDb } from '../../lib/db/transaction.js';
import { exclusionKey, type PivotIdentity } from '../identity/pivot-identity.js';
import type { RegisterEntry, SelfExclusionRegister } from './self-exclusion-register.js';

/**
 * Register imported from the ANJ file into `kyc.self_exclusions`. Rows hold only a keyed HMAC of
 * (given names, family name, birthdate), never the names themselves. `db` is a pool, or
 * `{ transaction: client }` to run on a caller's transaction (the import then commits with it).
 */
export class PgSelfExclusionRegister implements SelfExclusionRegister {
  constructor(private readonly deps: { readonly db: StoreDb; readonly hmacKey: Buffer }) {}

  async isExcluded(person: PivotIdentity): Promise<boolean> {
    const { rowCount } = await queryable(this.deps.db).query('select 1 from kyc.self_exclusions where match_key = $1', [
      exclusionKey(this.deps.hmacKey, person),
    ]);
    return rowCount === 1;
  }

  /**
   * Replaces every entry of `source` with `entries`, in one transaction: the file is a full
   * snapshot, so people removed from it are removed here; readers never see a half import.
   */
  async replaceAll(
    source: string,
    entries: readonly RegisterEntry[],
  ): Promise<{ added: number; removed: number; total: number }> {
    const keys = [...new Map(entries.map((e) => [exclusionKey(this.deps.hmacKey, e).toString('hex'), e])).keys()];
    return atomically(this.deps.db, async (c) => {
      const removed = await c.query(
        `delete from kyc.self_exclusions where source = $1 and not (encode(match_key, 'hex') = any($2::text[]))`,
        [source, keys],
      );
      const added = await c.query(
        `insert into kyc.self_exclusions (match_key, source)
           select decode(k, 'hex'), $1 from unnest($2::text[]) as k
         on conflict (match_key) do nothing`,
        [source, keys],
      );
      await c.query(`insert into kyc.audit_log (event, code, detail) values ('self_exclusions_imported', $1, $2)`, [
        source,
        JSON.stringify({ added: added.rowCount, removed: removed.rowCount, total: keys.length }),
      ]);
      return { added: added.rowCount ?? 0, removed: removed.rowCount ?? 0, total: keys.length };
    });
  }
}
