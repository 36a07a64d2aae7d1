/**
 * Public read side of the oracle, for api/ and other modules: types and readers only. Nothing here
 * signs or sends; the relayer, the indexer and the signers are reached through `oracle/main.ts`.
 */
import type { AbstractProvider } from 'ethers';
import type pg from 'pg';
import { oracleContract, readResultView, type ResultView } from './chain/oracle-contract.js';

export { FINAL_CHANNEL } from './indexer/result-indexer.js';
export type { ResultView } from './chain/oracle-contract.js';
export {
  Phase,
  ResultStatus,
  eventIdOf,
  outcomeKey,
  type Batch,
  type Outcome,
  type Result,
  type AttesterSignature,
} from './result.js';

/** A result the indexer derived as final (one row of `oracle_final_results`). */
export interface FinalResult {
  /** Cursor: strictly increasing; keep the last one seen. */
  readonly id: string;
  readonly eventId: string;
  readonly version: number;
  readonly status: number;
  readonly values: readonly number[];
  readonly endedAt: bigint;
  /** Set when the result is final through a batch root. */
  readonly batchRoot: string | null;
  readonly finalBlockNumber: number;
}

/** Reads results: on-chain views, and the indexer's feed of final results. */
export interface OracleReader {
  /** `resultOf(eventId)` on the contract (never reverts). */
  resultOf(eventId: string): Promise<ResultView>;
  /** True when the contract reads the result as final. */
  isFinal(eventId: string): Promise<boolean>;
  /**
   * Final results after `cursor` (exclusive), oldest first. The table is the truth: a consumer that
   * was down catches up from its last cursor; `LISTEN oracle_final` only tells it when to look.
   */
  finalResultsSince(cursor: string, limit?: number): Promise<FinalResult[]>;
}

/**
 * @param deps.provider - a provider the caller built (the API's).
 * @param deps.address - the ResultsOracle address.
 * @param deps.pool - the database the oracle indexer writes to.
 */
export function createOracleReader(deps: { provider: AbstractProvider; address: string; pool: pg.Pool }): OracleReader {
  const contract = oracleContract(deps.address, deps.provider);
  return {
    resultOf: (eventId) => readResultView(contract, eventId),
    isFinal: async (eventId) => (await contract.getFunction('isFinal').staticCall(eventId)) as boolean,
    async finalResultsSince(cursor, limit = 500) {
      const { rows } = await deps.pool.query<{
        id: string;
        event_id: string;
        version: number;
        status: number;
        values_: number[];
        ended_at: string;
        batch_root: string | null;
        final_block_number: string;
      }>('select * from oracle_final_results where id > $1 order by id limit $2', [cursor, limit]);
      return rows.map((r) => ({
        id: String(r.id),
        eventId: r.event_id,
        version: r.version,
        status: r.status,
        values: r.values_,
        endedAt: BigInt(r.ended_at),
        batchRoot: r.batch_root,
        finalBlockNumber: Number(r.final_block_number),
      }));
    },
  };
}
