import type pg from 'pg';
import { FINAL_CHANNEL, ResultStatus, type FinalResult, type OracleReader } from '../../oracle/index.js';
import { withTransaction, type Db } from '../../lib/db/transaction.js';
import { PollLoop } from '../../lib/poll-loop.js';
import { isApiError } from '../errors.js';
import {
  liveSettlement,
  lockMarketForSettlement,
  reverseSettlement,
  writeSettlement,
  type ReversalSummary,
  type SettlementSummary,
} from './settle-market.js';

/** The actor of the settler's own writes in the audit log. */
export const SETTLER_ACTOR = 'system:settler';

/** Told of what the settler does (metrics, tests). Every callback is optional and must not throw. */
export interface SettlerObserver {
  /** A market settled (paid or refunded), and how long its transaction took. */
  settled?(marketId: string, summary: SettlementSummary, seconds: number): void;
  /** A market's settlement reversed (its result was retracted). */
  reversed?(marketId: string, summary: ReversalSummary, seconds: number): void;
  /** A feed row applied (`current`) or only recorded (`ignored`). */
  feedRow?(row: FinalResult, outcome: 'current' | 'ignored'): void;
  /** A market left for a later pass: `busy` (locked elsewhere), `unverified` (the chain does not agree yet), `invalid`, `blocked`. */
  skipped?(marketId: string, reason: 'busy' | 'unverified' | 'invalid' | 'blocked'): void;
}

type Log = (fields: Record<string, unknown>, message: string) => void;

/** Dependencies of {@link createSettler}. */
export interface SettlerDeps {
  /** The betting database (it also holds the oracle feed table the reader reads). */
  readonly pool: pg.Pool;
  /** The oracle's read side: the feed by cursor, and the chain to check a result before paying on it. */
  readonly reader: Pick<OracleReader, 'finalResultsSince' | 'isFinal' | 'resultOf'>;
  readonly logger?: { readonly info: Log; readonly warn: Log; readonly error: Log };
  readonly observer?: SettlerObserver;
  readonly now?: () => Date;
}

/** Options of {@link createSettler}. */
export interface SettlerOptions {
  /** Cursor name (one per oracle deployment); several settler instances of one deployment share it. */
  readonly name?: string;
  /** Pause between passes when nothing woke the settler (NOTIFY may not arrive: an embedded Postgres). */
  readonly pollMs?: number;
  /** Feed rows read per pass. */
  readonly feedBatch?: number;
  /** Markets listed per query of the market pass. */
  readonly marketBatch?: number;
  /** Wake on `LISTEN oracle_final` (default true). */
  readonly listen?: boolean;
}

/** What one market pass did. */
export interface MarketPass {
  readonly settled: number;
  readonly reversed: number;
  readonly skipped: number;
}

interface EventResultRow {
  feed_row_id: string;
  state: 'final' | 'retracted';
  version: number;
  status: number;
  result_values: string[];
}

interface Candidate {
  id: string;
  oracle_event_id: string;
  feed_row_id: string | null;
  state: 'final' | 'retracted' | null;
  version: number | null;
  status: number | null;
  result_values: string[] | null;
  market_state: string;
}

/** What a market needs, from its state, its live settlement and its event's current result. */
type Action =
  | { kind: 'settle'; feedRowId: string; version: number; status: number; values: number[] }
  | { kind: 'refund-void' }
  | { kind: 'reverse' }
  | { kind: 'none' };

const EVENT_ID = /^0x[0-9a-f]{64}$/;

/**
 * The markets that need the settler, at most `$3` after `$2` (ids skipped this pass excluded):
 * - no live settlement, voided: refund (no result needed);
 * - no live settlement, the event's current result final and not postponed, the market closed (or
 *   past its cut-off): settle;
 * - a live settlement paid on a feed row that is no longer the event's current final: reverse (and a
 *   later pass settles again on the new final).
 */
const CANDIDATES = `
  select m.id::text, e.oracle_event_id, r.feed_row_id::text, r.state, r.version, r.status, r.result_values::text[],
         m.state as market_state
    from betting.markets m
    join betting.events e on e.id = m.event_id
    left join betting.event_results r on r.oracle_event_id = e.oracle_event_id
    left join betting.settlements s on s.market_id = m.id and s.reversed_at is null
   where m.id <> all($2::bigint[])
     and ((s.id is null and m.state = 'voided')
       or (s.id is null and r.state = 'final' and r.status <> ${ResultStatus.Postponed}
           and (m.state in ('closed', 'resulted') or (m.state in ('open', 'suspended') and m.closes_at <= $1)))
       or (s.feed_row_id is not null and (r.state is distinct from 'final' or r.feed_row_id <> s.feed_row_id)))
   order by m.id limit $3`;

/**
 * The settler process's work: consumes the oracle's final-result feed by cursor into each event's
 * current result, then reconciles every market with it — settles, refunds, or reverses — one market
 * per transaction.
 *
 * Exactly once: a feed row is applied in the transaction that moves the cursor and records it in
 * `settler_applied` (its primary key); a market is settled under its row lock `FOR UPDATE SKIP LOCKED`
 * and its exclusive market lock (tried), with one live settlement per market and one per (market, feed
 * row) as unique keys. A crash rolls back the market in progress; a restart finds it unsettled and
 * settles it. Two settlers skip each other's markets.
 *
 * Before paying on a result it checks the chain: `isFinal` and the same status, version and values
 * (else the market waits for a later pass: a retraction is probably on its way).
 */
export function createSettler(deps: SettlerDeps, options: SettlerOptions = {}) {
  const name = options.name ?? 'settler';
  const feedBatch = options.feedBatch ?? 200;
  const marketBatch = options.marketBatch ?? 100;
  const now = deps.now ?? (() => new Date());
  const log = deps.logger;
  const observer = deps.observer ?? {};
  let stopping = false;
  let listener: { client: pg.PoolClient; drop: (error?: Error) => void } | undefined;
  const reported = new Set<string>();
  const loop = new PollLoop(
    async () => {
      await ensureListening();
      return tick();
    },
    options.pollMs ?? 2_000,
    (error) => log?.error({ event: 'settler.tick_failed', err: String(error) }, 'settler pass failed'),
  );

  /** Reads the feed after the cursor and applies it; true when a full batch was read (more may wait). */
  async function ingestFeed(): Promise<{ applied: number; more: boolean }> {
    await deps.pool.query('insert into betting.settler_cursors (name) values ($1) on conflict (name) do nothing', [
      name,
    ]);
    const { rows: at } = await deps.pool.query<{ cursor: string }>(
      'select cursor::text from betting.settler_cursors where name = $1',
      [name],
    );
    const rows = await deps.reader.finalResultsSince(at[0]!.cursor, feedBatch);
    if (rows.length === 0) return { applied: 0, more: false };
    const applied = await withTransaction(deps.pool, async (c) => {
      // The cursor row serialises the settlers of one deployment: the second one sees the rows applied.
      const { rows: locked } = await c.query<{ cursor: string }>(
        'select cursor::text from betting.settler_cursors where name = $1 for update',
        [name],
      );
      const cursor = BigInt(locked[0]!.cursor);
      const fresh = rows.filter((r) => BigInt(r.id) > cursor);
      const outcomes: [FinalResult, 'current' | 'ignored'][] = [];
      for (const row of fresh) outcomes.push([row, await applyFeedRow(c, row)]);
      if (fresh.length > 0) {
        await c.query('update betting.settler_cursors set cursor = $2, updated_at = now() where name = $1', [
          name,
          fresh[fresh.length - 1]!.id,
        ]);
      }
      return outcomes;
    });
    for (const [row, outcome] of applied) observer.feedRow?.(row, outcome);
    return { applied: applied.length, more: rows.length === feedBatch };
  }

  /** One feed row into the event's current result (in the cursor's transaction). */
  async function applyFeedRow(c: Db, row: FinalResult): Promise<'current' | 'ignored'> {
    const eventId = row.eventId.toLowerCase();
    const record = async (outcome: 'current' | 'ignored', detail: Record<string, unknown> = {}) => {
      await c.query(
        `insert into betting.settler_applied (feed_row_id, kind, oracle_event_id, outcome, detail)
         values ($1, $2, $3, $4, $5) on conflict (feed_row_id) do nothing`,
        [row.id, row.kind, eventId, outcome, JSON.stringify(detail)],
      );
      return outcome;
    };
    const ignore = async (reason: string) => {
      log?.error({ event: 'settler.feed_row_ignored', feedRowId: row.id, eventId, kind: row.kind, reason }, reason);
      return record('ignored', { reason });
    };
    if (!EVENT_ID.test(eventId)) return ignore('the event id is not 32 bytes of hex');
    if (!row.values.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) {
      return ignore('values are not uint32');
    }
    const { rows } = await c.query<EventResultRow>(
      `select feed_row_id::text, state, version, status, result_values::text[] from betting.event_results
        where oracle_event_id = $1 for update`,
      [eventId],
    );
    const current = rows[0];
    const write = async () => {
      await c.query(
        `insert into betting.event_results (oracle_event_id, feed_row_id, state, version, status, result_values, ended_at)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (oracle_event_id) do update
           set feed_row_id = excluded.feed_row_id, state = excluded.state, version = excluded.version,
               status = excluded.status, result_values = excluded.result_values, ended_at = excluded.ended_at,
               updated_at = now()`,
        [
          eventId,
          row.id,
          row.kind === 'final' ? 'final' : 'retracted',
          row.version,
          row.status,
          row.values,
          row.endedAt.toString(),
        ],
      );
      log?.info(
        {
          event: 'settler.feed_row',
          feedRowId: row.id,
          eventId,
          kind: row.kind,
          status: row.status,
          version: row.version,
        },
        row.kind === 'final' ? 'final result' : 'final result retracted',
      );
      return record('current');
    };
    if (row.kind === 'retracted') {
      if (current && current.state === 'final' && current.feed_row_id === row.retracts) return write();
      return ignore(`retracts feed row ${row.retracts}, which is not the event's current final result`);
    }
    if (!current || current.state === 'retracted') return write();
    if (current.status === ResultStatus.Postponed && row.version > current.version) return write();
    return ignore(
      `a second final result (feed row ${current.feed_row_id} is final, version ${current.version}) without a retraction`,
    );
  }

  function actionOf(c: Candidate, live: { feedRowId: string | null } | null): Action {
    if (live) {
      if (live.feedRowId !== null && (c.state !== 'final' || c.feed_row_id !== live.feedRowId))
        return { kind: 'reverse' };
      return { kind: 'none' };
    }
    if (c.market_state === 'voided') return { kind: 'refund-void' };
    if (c.state === 'final' && c.status !== ResultStatus.Postponed && c.feed_row_id !== null) {
      return {
        kind: 'settle',
        feedRowId: c.feed_row_id,
        version: c.version!,
        status: c.status!,
        values: c.result_values!.map(Number),
      };
    }
    return { kind: 'none' };
  }

  /** The chain agrees: the result is final with the same status, version and values. */
  async function onChain(eventId: string, action: Extract<Action, { kind: 'settle' }>): Promise<boolean> {
    const [final, view] = await Promise.all([deps.reader.isFinal(eventId), deps.reader.resultOf(eventId)]);
    return (
      final &&
      view.status === action.status &&
      view.version === action.version &&
      view.values.length === action.values.length &&
      view.values.every((v, i) => v === action.values[i])
    );
  }

  /** Settles, refunds or reverses every market that needs it, one transaction per market. */
  async function settleDue(): Promise<MarketPass> {
    let settled = 0;
    let reversed = 0;
    const skipped = new Set<string>();
    const verified = new Map<string, boolean>();
    const skip = (marketId: string, reason: 'busy' | 'unverified' | 'invalid' | 'blocked') => {
      skipped.add(marketId);
      observer.skipped?.(marketId, reason);
    };
    while (!stopping) {
      const { rows } = await deps.pool.query<Candidate>(CANDIDATES, [now(), [...skipped], marketBatch]);
      if (rows.length === 0) break;
      for (const candidate of rows) {
        if (stopping) break; // between markets
        const first = actionOf(candidate, null);
        if (first.kind === 'settle') {
          const key = `${candidate.oracle_event_id}:${first.feedRowId}`;
          if (!verified.has(key)) {
            const ok = await onChain(candidate.oracle_event_id, first).catch((error: unknown) => {
              log?.warn({ event: 'settler.chain_check_failed', err: String(error) }, 'chain check failed');
              return false;
            });
            verified.set(key, ok);
            if (!ok) {
              log?.warn(
                { event: 'settler.result_unverified', eventId: candidate.oracle_event_id, feedRowId: first.feedRowId },
                'the chain does not (yet) read this final result: not paying on it',
              );
            }
          }
          if (!verified.get(key)) {
            skip(candidate.id, 'unverified');
            continue;
          }
        }
        const started = process.hrtime.bigint();
        try {
          const done = await withTransaction(deps.pool, async (c) => {
            const market = await lockMarketForSettlement(c, candidate.id, 'skip');
            if (market === 'busy' || market === null) return { kind: 'busy' as const };
            // Re-read under the locks: the event's result (shared: the feed waits for this market) and the live settlement.
            const { rows: fresh } = await c.query<EventResultRow>(
              `select feed_row_id::text, state, version, status, result_values::text[] from betting.event_results
                where oracle_event_id = $1 for share`,
              [market.oracleEventId],
            );
            const r = fresh[0];
            const current: Candidate = {
              ...candidate,
              market_state: market.state,
              feed_row_id: r?.feed_row_id ?? null,
              state: r?.state ?? null,
              version: r?.version ?? null,
              status: r?.status ?? null,
              result_values: r?.result_values ?? null,
            };
            const live = await liveSettlement(c, market.id);
            const action = actionOf(current, live);
            if (action.kind === 'none') return { kind: 'none' as const };
            if (action.kind === 'reverse') {
              const summary = await reverseSettlement(c, market, {
                actor: SETTLER_ACTOR,
                reason: `the final result (feed row ${live!.feedRowId}) is no longer the event's final result`,
              });
              await c.query(
                `insert into betting.audit_log (actor, action, target, detail) values ($1, 'settlement.reverse', $2, $3)`,
                [SETTLER_ACTOR, `market:${market.id}`, JSON.stringify({ ...summary, feedRowId: live!.feedRowId })],
              );
              return { kind: 'reversed' as const, summary: summary! };
            }
            if (action.kind === 'settle') {
              // The result must be the one the chain was checked for.
              if (first.kind !== 'settle' || first.feedRowId !== action.feedRowId) return { kind: 'busy' as const };
              let target = market;
              if (market.state === 'open' || market.state === 'suspended') {
                if (market.closesAt > now()) return { kind: 'none' as const };
                await c.query(`update betting.markets set state = 'closed', updated_at = now() where id = $1`, [
                  market.id,
                ]);
                await c.query(
                  `insert into betting.audit_log (actor, action, target, detail) values ($1, 'market.close', $2, $3)`,
                  [SETTLER_ACTOR, `market:${market.id}`, JSON.stringify({ from: market.state, to: 'closed' })],
                );
                target = { ...market, state: 'closed' };
              }
              const summary = await writeSettlement(c, target, {
                result: {
                  eventId: market.oracleEventId,
                  version: action.version,
                  status: action.status,
                  values: action.values,
                },
                feedRowId: action.feedRowId,
              });
              return { kind: 'settled' as const, summary };
            }
            const summary = await writeSettlement(c, market, { result: null, feedRowId: null });
            return { kind: 'settled' as const, summary };
          });
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          if (done.kind === 'busy') skip(candidate.id, 'busy');
          else if (done.kind === 'none') skipped.add(candidate.id);
          else if (done.kind === 'settled') {
            settled += 1;
            log?.info(
              {
                event: 'settler.market_settled',
                marketId: candidate.id,
                settlementId: done.summary.settlementId,
                kind: done.summary.kind,
                bets: done.summary.bets,
                poolCents: done.summary.poolCents.toString(),
                paidCents: done.summary.paidCents.toString(),
                seconds,
              },
              'market settled',
            );
            observer.settled?.(candidate.id, done.summary, seconds);
          } else {
            reversed += 1;
            log?.warn(
              { event: 'settler.market_reversed', marketId: candidate.id, ...done.summary, seconds },
              'settlement reversed (its final result was retracted)',
            );
            observer.reversed?.(candidate.id, done.summary, seconds);
          }
        } catch (error) {
          const reason = isApiError(error, 'SETTLEMENT_REVERSAL_BLOCKED')
            ? 'blocked'
            : isApiError(error, 'OUTCOME_VALUES_INVALID')
              ? 'invalid'
              : undefined;
          if (!reason) throw error;
          skip(candidate.id, reason);
          const key = `${candidate.id}:${candidate.feed_row_id}:${reason}`;
          if (!reported.has(key)) {
            reported.add(key);
            log?.error(
              {
                event: `settler.market_${reason}`,
                marketId: candidate.id,
                feedRowId: candidate.feed_row_id,
                err: String(error),
              },
              'market left unsettled: an operator must look',
            );
          }
        }
      }
    }
    return { settled, reversed, skipped: skipped.size };
  }

  /** One pass: the feed, then the markets. True when more feed rows are waiting. (The started loop also LISTENs.) */
  async function tick(): Promise<boolean> {
    const feed = await ingestFeed();
    await settleDue();
    return feed.more;
  }

  /** The LISTEN connection: a pool client held while started, its handlers removed before it goes back. */
  async function ensureListening(): Promise<void> {
    if (options.listen === false || listener || stopping) return;
    const client = await deps.pool.connect();
    const onNotification = () => loop.poke();
    const onError = (error: Error) => {
      log?.warn({ event: 'settler.listen_lost', err: String(error) }, 'LISTEN connection lost (polling goes on)');
      if (listener?.client === client) listener = undefined;
      drop(error);
    };
    const drop = (error?: Error) => {
      client.removeListener('notification', onNotification);
      client.removeListener('error', onError);
      client.release(error);
    };
    client.on('notification', onNotification);
    client.on('error', onError);
    try {
      await client.query(`listen ${FINAL_CHANNEL}`);
      listener = { client, drop };
    } catch (error) {
      drop(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }

  return {
    ingestFeed,
    settleDue,
    tick,
    /** Starts the loop (LISTEN, then a pass at once and after every notification or poll interval). */
    start(): void {
      stopping = false;
      loop.start();
    },
    /** Stops between markets and releases the LISTEN connection. */
    async stop(): Promise<void> {
      stopping = true;
      await loop.stop();
      const held = listener;
      listener = undefined;
      if (held) {
        const failed = await held.client.query(`unlisten ${FINAL_CHANNEL}`).then(
          () => undefined,
          (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
        );
        held.drop(failed);
      }
    },
  };
}

export type Settler = ReturnType<typeof createSettler>;
