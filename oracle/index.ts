/**
 * Public read side of the oracle, for api/ and other modules: types and readers only. Nothing here
 * signs or sends; the relayer, the indexer and the signers are reached through `oracle/main.ts`.
 */
import type { AbstractProvider } from 'ethers';
import type pg from 'pg';
import { oracleContract, readResultView, type ResultView } from './chain/oracle-contract.js';
import { ResultStatus } from './result.js';

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

/** Fields every feed row carries: the result as it was (or is no longer) final. */
interface FeedRowFields {
  /** Cursor: strictly increasing within one deployment, in commit order; keep the last one handled. */
  readonly id: string;
  readonly eventId: string;
  readonly version: number;
  readonly status: number;
  readonly values: readonly number[];
  readonly endedAt: bigint;
  /** Set when the result is (was) final through a batch root. */
  readonly batchRoot: string | null;
}

/**
 * The result is final with these values: settle it (once per row id) — unless it is `Postponed`
 * (`terminal: false`), which means "wait": nothing settles on it, and the event's later version (the played
 * result, or `Cancelled`) comes as another `final` row of the same event with a higher `version`, with no
 * retraction in between.
 */
export interface FinalRow extends FeedRowFields {
  readonly kind: 'final';
  /** The confirmed block at which the result became final. */
  readonly finalBlockNumber: number;
  /**
   * False for a final `Postponed` result: the event is not over, a later version may follow (as a new final
   * row). True for every other status: this is the event's result for good (short of a retraction row).
   */
  readonly terminal: boolean;
}

/**
 * The chain took back the final row `retracts` (same event, same values, repeated here): reverse what
 * was done for it. Only a reorg deeper than the indexer's confirmation depth does this (an alert). The
 * event may become final again later: that is a new {@link FinalRow}.
 */
export interface RetractionRow extends FeedRowFields {
  readonly kind: 'retracted';
  /** Id of the final row taken back (the latest row of this event before this one). */
  readonly retracts: string;
  /** The block the indexer rewound to (or indexed) when it decided the retraction. */
  readonly retractedAtBlock: number;
}

/**
 * One row of the append-only feed (`oracle_final_results`): rows are never changed or deleted. Per event
 * they alternate `final`, `retracted`, `final`, … in cursor order; a `final` row with `terminal: false`
 * (Postponed) may also be followed by another `final` row of a higher version.
 */
export type FinalResult = FinalRow | RetractionRow;

/** Reads results: on-chain views, and the indexer's feed of final results. */
export interface OracleReader {
  /** `resultOf(eventId)` on the contract (never reverts). */
  resultOf(eventId: string): Promise<ResultView>;
  /** True when the contract reads the result as final. */
  isFinal(eventId: string): Promise<boolean>;
  /**
   * Feed rows of this reader's deployment (chain id and oracle address) after `cursor` (exclusive;
   * `'0'` from the start), oldest first. The table is the truth: a consumer that was down catches up from
   * its last cursor; `LISTEN oracle_final` only tells it when to look.
   */
  finalResultsSince(cursor: string, limit?: number): Promise<FinalResult[]>;
}

/**
 * @param deps.provider - a provider the caller built (the API's).
 * @param deps.address - the ResultsOracle address.
 * @param deps.chainId - its chain; read from the provider (once) when omitted.
 * @param deps.pool - the database the oracle indexer writes to (it may hold other deployments' feeds).
 */
export function createOracleReader(deps: {
  provider: AbstractProvider;
  address: string;
  chainId?: bigint;
  pool: pg.Pool;
}): OracleReader {
  const contract = oracleContract(deps.address, deps.provider);
  let stream: Promise<string> | undefined;
  const streamOf = (): Promise<string> =>
    (stream ??= (
      deps.chainId !== undefined ? Promise.resolve(deps.chainId) : deps.provider.getNetwork().then((n) => n.chainId)
    ).then((chainId) => `${chainId}:${deps.address.toLowerCase()}`)).catch((error: unknown) => {
      stream = undefined; // a provider that failed once is asked again next time
      throw error;
    });
  return {
    resultOf: (eventId) => readResultView(contract, eventId),
    isFinal: async (eventId) => (await contract.getFunction('isFinal').staticCall(eventId)) as boolean,
    async finalResultsSince(cursor, limit = 500) {
      if (!/^\d{1,19}$/.test(cursor)) throw new TypeError(`cursor: a row id (decimal digits), got ${cursor}`);
      const { rows } = await deps.pool.query<{
        id: string;
        kind: 'final' | 'retracted';
        retracts: string | null;
        event_id: string;
        version: number;
        status: number;
        values_: number[];
        ended_at: string;
        batch_root: string | null;
        final_block_number: string;
      }>(
        `select id, kind, retracts, event_id, version, status, values_, ended_at, batch_root, final_block_number
           from oracle_final_results where stream = $1 and id > $2 order by id limit $3`,
        [await streamOf(), cursor, limit],
      );
      return rows.map((r): FinalResult => {
        const fields: FeedRowFields = {
          id: String(r.id),
          eventId: r.event_id,
          version: r.version,
          status: r.status,
          values: r.values_,
          endedAt: BigInt(r.ended_at),
          batchRoot: r.batch_root,
        };
        return r.kind === 'retracted'
          ? {
              ...fields,
              kind: 'retracted',
              retracts: String(r.retracts),
              retractedAtBlock: Number(r.final_block_number),
            }
          : {
              ...fields,
              kind: 'final',
              finalBlockNumber: Number(r.final_block_number),
              terminal: r.status !== ResultStatus.Postponed,
            };
      });
    },
  };
}
