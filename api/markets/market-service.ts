import { withTransaction, type Db, type TransactionPool } from '../../lib/db/transaction.js';
import { ApiError } from '../errors.js';
import {
  definitionProblem,
  selectionsOf,
  type MarketDefinition,
  type OutcomeSchemaId,
  type Selection,
} from './outcome.js';
import { lockMarketExclusive, tryLockMarketExclusive } from './market-lock.js';
import { effectiveState, sourcesOf, transition, type MarketCommand, type MarketState } from './market-state.js';
import { lockMarketForSettlement, voidSettledMarket } from '../settlement/settle-market.js';

export interface NewEvent {
  readonly oracleEventId: string;
  readonly schema: OutcomeSchemaId;
  readonly name: string;
  readonly startsAt: Date;
  readonly runners?: number | null | undefined;
}

export interface EventView {
  readonly id: string;
  readonly oracleEventId: string;
  readonly schema: OutcomeSchemaId;
  readonly name: string;
  readonly startsAt: Date;
  readonly runners: number | null;
}

export interface NewMarket {
  readonly definition: MarketDefinition;
  readonly closesAt: Date;
  readonly takeoutBps: number;
  readonly minStakeCents: bigint;
  readonly maxStakeCents: bigint;
}

export interface MarketView {
  readonly id: string;
  readonly eventId: string;
  readonly definition: MarketDefinition;
  /** As players see it now: an open market past its cut-off reads closed. */
  readonly state: MarketState;
  readonly closesAt: Date;
  readonly takeoutBps: number;
  readonly minStakeCents: bigint;
  readonly maxStakeCents: bigint;
  readonly selections: readonly Selection[];
}

/** Who did an admin write, for the audit log. */
export interface AuditContext {
  readonly actor: string;
  readonly requestId?: string | undefined;
}

interface MarketRow {
  id: string;
  event_id: string;
  definition: MarketDefinition;
  state: MarketState;
  closes_at: Date;
  takeout_bps: number;
  min_stake_cents: string;
  max_stake_cents: string;
  selections: { index: number; code: string; label: string }[];
}

const MARKET_SELECT = `
  select m.id::text, m.event_id, m.definition, m.state, m.closes_at, m.takeout_bps, m.min_stake_cents, m.max_stake_cents,
         coalesce((select json_agg(json_build_object('index', s.idx, 'code', s.code, 'label', s.label) order by s.idx)
                     from betting.selections s where s.market_id = m.id), '[]') as selections
    from betting.markets m`;

interface EventRow {
  id: string;
  oracle_event_id: string;
  outcome_schema: OutcomeSchemaId;
  name: string;
  starts_at: Date;
  runners: number | null;
}

const eventView = (r: EventRow): EventView => ({
  id: r.id,
  oracleEventId: r.oracle_event_id,
  schema: r.outcome_schema,
  name: r.name,
  startsAt: r.starts_at,
  runners: r.runners,
});

async function audit(db: Db, ctx: AuditContext, action: string, target: string, detail: Record<string, unknown>) {
  await db.query(
    'insert into betting.audit_log (actor, action, target, request_id, detail) values ($1, $2, $3, $4, $5)',
    [
      ctx.actor,
      action,
      target,
      ctx.requestId ?? null,
      JSON.stringify(detail, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    ],
  );
}

/** Events and markets: admin writes (each with an audit entry in its transaction) and player reads. */
export function createMarketService(deps: { readonly pool: TransactionPool & Db; readonly now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const { pool } = deps;
  const marketView = (r: MarketRow, at: Date): MarketView => ({
    id: r.id,
    eventId: r.event_id,
    definition: r.definition,
    state: effectiveState(r.state, r.closes_at, at),
    closesAt: r.closes_at,
    takeoutBps: r.takeout_bps,
    minStakeCents: BigInt(r.min_stake_cents),
    maxStakeCents: BigInt(r.max_stake_cents),
    selections: r.selections,
  });

  /**
   * A void after settlement (palpable error), under the market's exclusive lock: the settlement
   * reversed and every bet refunded by one compensating transaction (api/settlement/settle-market.ts
   * `voidSettledMarket`), with actor and reason in the audit log. A reason is required.
   */
  async function voidAfterSettlement(
    c: Db,
    marketId: string,
    ctx: AuditContext & { reason?: string | undefined },
  ): Promise<MarketView> {
    if (!ctx.reason) {
      throw new ApiError('API_REQUEST_INVALID', 'Voiding a settled market needs a reason.', {
        details: { errors: [{ path: 'body.reason', message: 'required to void a settled market' }] },
      });
    }
    const market = await lockMarketForSettlement(c, marketId, 'wait');
    if (!market || market === 'busy') throw new ApiError('MARKET_NOT_FOUND', 'No such market.');
    const { reversed, refund } = await voidSettledMarket(c, market, { actor: ctx.actor, reason: ctx.reason });
    await audit(c, ctx, 'market.void', `market:${marketId}`, {
      from: 'settled',
      to: 'voided',
      reason: ctx.reason,
      reversedSettlement: reversed,
      refundSettlement: refund.settlementId,
      refundedCents: refund.refundedCents,
    });
    const { rows } = await c.query<MarketRow>(`${MARKET_SELECT} where m.id = $1`, [marketId]);
    return marketView(rows[0]!, now());
  }

  return {
    /** @throws {ApiError} EVENT_ALREADY_EXISTS, MARKET_DEFINITION_INVALID (runners that do not fit the schema). */
    async createEvent(event: NewEvent, ctx: AuditContext): Promise<EventView> {
      const runners = event.runners ?? null;
      if ((event.schema === 'horse-racing.race/v1') !== (runners !== null)) {
        throw new ApiError('MARKET_DEFINITION_INVALID', 'runners is required for a race and absent for a match.');
      }
      return withTransaction(pool, async (c) => {
        const { rows } = await c.query<EventRow>(
          `insert into betting.events (oracle_event_id, outcome_schema, name, starts_at, runners) values ($1, $2, $3, $4, $5)
           on conflict (oracle_event_id) do nothing
           returning id, oracle_event_id, outcome_schema, name, starts_at, runners`,
          [event.oracleEventId.toLowerCase(), event.schema, event.name, event.startsAt, runners],
        );
        if (!rows[0]) throw new ApiError('EVENT_ALREADY_EXISTS', 'An event with this oracle event id already exists.');
        await audit(c, ctx, 'event.create', `event:${rows[0].id}`, { ...event });
        return eventView(rows[0]);
      });
    },

    /** @throws {ApiError} EVENT_NOT_FOUND, MARKET_DEFINITION_INVALID. */
    async createMarket(eventId: string, market: NewMarket, ctx: AuditContext): Promise<MarketView> {
      return withTransaction(pool, async (c) => {
        const { rows } = await c.query<EventRow>(
          'select id, oracle_event_id, outcome_schema, name, starts_at, runners from betting.events where id = $1',
          [eventId],
        );
        const event = rows[0];
        if (!event) throw new ApiError('EVENT_NOT_FOUND', 'No such event.');
        const shape = { schema: event.outcome_schema, runners: event.runners };
        const problem = definitionProblem(shape, market.definition);
        if (problem) throw new ApiError('MARKET_DEFINITION_INVALID', `Invalid market: ${problem}.`);
        if (market.closesAt > event.starts_at) {
          throw new ApiError('MARKET_DEFINITION_INVALID', 'Invalid market: closesAt is after the event starts.');
        }
        if (market.minStakeCents > market.maxStakeCents) {
          throw new ApiError('MARKET_DEFINITION_INVALID', 'Invalid market: minStakeCents is above maxStakeCents.');
        }
        const inserted = await c.query<{ id: string }>(
          `insert into betting.markets (event_id, definition, closes_at, takeout_bps, min_stake_cents, max_stake_cents)
           values ($1, $2, $3, $4, $5, $6) returning id::text`,
          [
            eventId,
            market.definition,
            market.closesAt,
            market.takeoutBps,
            market.minStakeCents.toString(),
            market.maxStakeCents.toString(),
          ],
        );
        const id = inserted.rows[0]!.id;
        const selections = selectionsOf(shape, market.definition);
        await c.query(
          `insert into betting.selections (market_id, idx, code, label)
           select $1, * from unnest($2::smallint[], $3::text[], $4::text[])`,
          [id, selections.map((s) => s.index), selections.map((s) => s.code), selections.map((s) => s.label)],
        );
        await c.query("insert into betting.ledger_accounts (kind, market_id) values ('pool_escrow', $1)", [id]);
        await audit(c, ctx, 'market.create', `market:${id}`, { eventId, ...market });
        const { rows: created } = await c.query<MarketRow>(`${MARKET_SELECT} where m.id = $1`, [id]);
        return marketView(created[0]!, now());
      });
    },

    /**
     * Applies a state command under the market's row lock (exclusive market lock: it waits for bets in
     * flight, which hold it shared, and every later bet sees the new state). Opening after the cut-off is refused.
     * `void` on a settled market is the palpable-error void (compensating entries; a reason is required).
     *
     * @throws {ApiError} MARKET_NOT_FOUND, MARKET_TRANSITION_INVALID, API_REQUEST_INVALID (void of a settled
     *   market without a reason), SETTLEMENT_REVERSAL_BLOCKED.
     */
    async command(
      marketId: string,
      command: MarketCommand,
      ctx: AuditContext & { reason?: string | undefined },
    ): Promise<MarketView> {
      return withTransaction(pool, async (c) => {
        await c.query(`select ${lockMarketExclusive('$1')}`, [marketId]);
        if (command === 'void') {
          const settled = await c.query<{ state: MarketState }>('select state from betting.markets where id = $1', [
            marketId,
          ]);
          if (settled.rows[0]?.state === 'settled') return voidAfterSettlement(c, marketId, ctx);
        }
        const { rows } = await c.query<{ state: MarketState; closes_at: Date }>(
          'select state, closes_at from betting.markets where id = $1 for update',
          [marketId],
        );
        const row = rows[0];
        if (!row) throw new ApiError('MARKET_NOT_FOUND', 'No such market.');
        const to = transition(row.state, command);
        if (!to || (command === 'open' && now() >= row.closes_at)) {
          throw new ApiError(
            'MARKET_TRANSITION_INVALID',
            `Cannot ${command} a market that is ${effectiveState(row.state, row.closes_at, now())}.`,
            {
              details: { state: row.state, allowedFrom: sourcesOf(command) },
            },
          );
        }
        await c.query('update betting.markets set state = $2, updated_at = $3 where id = $1', [marketId, to, now()]);
        await audit(c, ctx, `market.${command}`, `market:${marketId}`, {
          from: row.state,
          to,
          reason: ctx.reason ?? null,
        });
        const { rows: updated } = await c.query<MarketRow>(`${MARKET_SELECT} where m.id = $1`, [marketId]);
        return marketView(updated[0]!, now());
      });
    },

    /**
     * Writes `closed` on every open or suspended market whose cut-off has passed (reads already show
     * them closed; the settler needs the state), each with an audit entry by `system:cut-off`.
     * Idempotent; safe to run from several instances: a market whose lock is held (bets in flight,
     * an admin command, another sweeper) is skipped until the next run, so the sweep never deadlocks.
     *
     * @returns the ids of the markets it closed.
     */
    async closeDueMarkets(limit = 500): Promise<string[]> {
      return withTransaction(pool, async (c) => {
        const at = now();
        const { rows } = await c.query<{ id: string; state: MarketState }>(
          `with due as (select id, state from betting.markets
                         where state in ('open', 'suspended') and closes_at <= $1 order by id limit $2),
                locked as (select id, state from due where ${tryLockMarketExclusive('due.id')})
           update betting.markets m set state = 'closed', updated_at = $1 from locked due
            where m.id = due.id and m.state in ('open', 'suspended')
           returning m.id::text, due.state`,
          [at, limit],
        );
        for (const r of rows) {
          await audit(c, { actor: 'system:cut-off' }, 'market.close', `market:${r.id}`, {
            from: r.state,
            to: 'closed',
          });
        }
        return rows.map((r) => r.id);
      });
    },

    /** @throws {ApiError} MARKET_NOT_FOUND. */
    async market(marketId: string): Promise<MarketView> {
      const { rows } = await pool.query<MarketRow>(`${MARKET_SELECT} where m.id = $1`, [marketId]);
      if (!rows[0]) throw new ApiError('MARKET_NOT_FOUND', 'No such market.');
      return marketView(rows[0], now());
    },

    /** Events starting from `from` (default: now - 1 day), soonest first, with their markets. */
    async events(page: { limit: number; from?: Date | undefined }): Promise<(EventView & { markets: MarketView[] })[]> {
      const at = now();
      const { rows } = await pool.query<EventRow>(
        `select id, oracle_event_id, outcome_schema, name, starts_at, runners from betting.events
          where starts_at >= $1 order by starts_at, id limit $2`,
        [page.from ?? new Date(at.getTime() - 24 * 3600 * 1000), page.limit],
      );
      if (rows.length === 0) return [];
      const markets = await pool.query<MarketRow>(`${MARKET_SELECT} where m.event_id = any($1::uuid[]) order by m.id`, [
        rows.map((r) => r.id),
      ]);
      return rows.map((r) => ({
        ...eventView(r),
        markets: markets.rows.filter((m) => m.event_id === r.id).map((m) => marketView(m, at)),
      }));
    },

    /**
     * Every event (past, upcoming, whatever its markets' states), newest start first (then id), with all
     * its markets: the staff list. `before` is the id of the last event of the previous page.
     *
     * @throws {ApiError} EVENT_NOT_FOUND when `before` names no event.
     */
    async allEvents(page: {
      limit: number;
      before?: string | undefined;
    }): Promise<(EventView & { markets: MarketView[] })[]> {
      const at = now();
      let cursor: { starts_at: Date; id: string } | undefined;
      if (page.before !== undefined) {
        const found = await pool.query<{ starts_at: Date; id: string }>(
          'select starts_at, id from betting.events where id = $1',
          [page.before],
        );
        cursor = found.rows[0];
        if (!cursor) throw new ApiError('EVENT_NOT_FOUND', 'No such event (the `before` cursor).');
      }
      const { rows } = await pool.query<EventRow>(
        `select id, oracle_event_id, outcome_schema, name, starts_at, runners from betting.events
          where $1::timestamptz is null or (starts_at, id) < ($1, $2::uuid)
          order by starts_at desc, id desc limit $3`,
        [cursor?.starts_at ?? null, cursor?.id ?? null, page.limit],
      );
      if (rows.length === 0) return [];
      const markets = await pool.query<MarketRow>(`${MARKET_SELECT} where m.event_id = any($1::uuid[]) order by m.id`, [
        rows.map((r) => r.id),
      ]);
      return rows.map((r) => ({
        ...eventView(r),
        markets: markets.rows.filter((m) => m.event_id === r.id).map((m) => marketView(m, at)),
      }));
    },

    /** @throws {ApiError} EVENT_NOT_FOUND. */
    async event(eventId: string): Promise<EventView & { markets: MarketView[] }> {
      const { rows } = await pool.query<EventRow>(
        'select id, oracle_event_id, outcome_schema, name, starts_at, runners from betting.events where id = $1',
        [eventId],
      );
      if (!rows[0]) throw new ApiError('EVENT_NOT_FOUND', 'No such event.');
      const markets = await pool.query<MarketRow>(`${MARKET_SELECT} where m.event_id = $1 order by m.id`, [eventId]);
      return { ...eventView(rows[0]), markets: markets.rows.map((m) => marketView(m, now())) };
    },
  };
}

export type MarketService = ReturnType<typeof createMarketService>;
