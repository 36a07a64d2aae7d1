import { withTransaction, type Db, type TransactionPool } from '../../lib/db/transaction.js';
import { ApiError } from '../errors.js';
import { singletonAccounts } from '../ledger/ledger.js';
import type { MarketState } from '../markets/market-state.js';
import { lockMarketExclusive, tryLockMarketExclusive } from '../markets/market-lock.js';
import { marketOutcome, type MarketDefinition, type MarketOutcome, type OutcomeSchemaId } from '../markets/outcome.js';
import { settlePool } from '../pools/parimutuel.js';

/** The oracle result a market settles from (a final result of its event). */
export interface SettlingResult {
  readonly eventId: string;
  readonly version: number;
  readonly status: number;
  readonly values: readonly number[];
}

/** What a settlement did; `alreadySettled` when an earlier run had (nothing paid this time). */
export interface SettlementSummary {
  readonly settlementId: string;
  readonly kind: 'paid' | 'refunded';
  readonly poolCents: bigint;
  readonly paidCents: bigint;
  readonly takeoutCents: bigint;
  readonly breakageCents: bigint;
  readonly refundedCents: bigint;
  readonly bets: number;
  readonly alreadySettled: boolean;
}

interface SettlementRow {
  id: string;
  kind: 'paid' | 'refunded';
  pool_cents: string;
  paid_cents: string;
  takeout_cents: string;
  breakage_cents: string;
  refunded_cents: string;
}

const summary = (r: SettlementRow, bets: number, alreadySettled: boolean): SettlementSummary => ({
  settlementId: r.id,
  kind: r.kind,
  poolCents: BigInt(r.pool_cents),
  paidCents: BigInt(r.paid_cents),
  takeoutCents: BigInt(r.takeout_cents),
  breakageCents: BigInt(r.breakage_cents),
  refundedCents: BigInt(r.refunded_cents),
  bets,
  alreadySettled,
});

/** A market row as settlement reads it, locked by the caller's transaction. */
export interface MarketForSettlement {
  readonly id: string;
  readonly state: MarketState;
  readonly closesAt: Date;
  readonly definition: MarketDefinition;
  readonly takeoutBps: number;
  readonly schema: OutcomeSchemaId;
  readonly runners: number | null;
  readonly oracleEventId: string;
  readonly escrow: string;
}

const MARKET_FOR_SETTLEMENT = `
  select m.id::text, m.state, m.closes_at, m.definition, m.takeout_bps, e.outcome_schema, e.runners, e.oracle_event_id,
         a.id::text as escrow
    from betting.markets m join betting.events e on e.id = m.event_id
    join betting.ledger_accounts a on a.kind = 'pool_escrow' and a.market_id = m.id
   where m.id = $1`;

interface MarketForSettlementRow {
  id: string;
  state: MarketState;
  closes_at: Date;
  definition: MarketDefinition;
  takeout_bps: number;
  outcome_schema: OutcomeSchemaId;
  runners: number | null;
  oracle_event_id: string;
  escrow: string;
}

const marketOf = (r: MarketForSettlementRow): MarketForSettlement => ({
  id: r.id,
  state: r.state,
  closesAt: r.closes_at,
  definition: r.definition,
  takeoutBps: r.takeout_bps,
  schema: r.outcome_schema,
  runners: r.runners,
  oracleEventId: r.oracle_event_id,
  escrow: r.escrow,
});

/**
 * Locks a market for a settlement or a reversal, in the caller's transaction.
 *
 * - `wait`: the exclusive market lock (bets in flight hold it shared and finish first), then the row
 *   `FOR UPDATE` — the order of every market command.
 * - `skip` (the settler): the row `FOR UPDATE SKIP LOCKED`, then the exclusive market lock *tried*: a
 *   market another settler, an admin command or a bet in flight holds is skipped (`busy`), never waited
 *   for, so two settlers never wait on each other and never deadlock with a command.
 *
 * @returns the market, `null` when it does not exist (`wait`), `busy` when skipped (`skip`).
 */
export async function lockMarketForSettlement(
  c: Db,
  marketId: string,
  mode: 'wait' | 'skip',
): Promise<MarketForSettlement | 'busy' | null> {
  if (mode === 'wait') {
    await c.query(`select ${lockMarketExclusive('$1')}`, [marketId]);
    const { rows } = await c.query<MarketForSettlementRow>(`${MARKET_FOR_SETTLEMENT} for update of m`, [marketId]);
    return rows[0] ? marketOf(rows[0]) : null;
  }
  const { rows } = await c.query<MarketForSettlementRow>(`${MARKET_FOR_SETTLEMENT} for update of m skip locked`, [
    marketId,
  ]);
  if (!rows[0]) return 'busy';
  const { rows: locked } = await c.query<{ ok: boolean }>(`select ${tryLockMarketExclusive('$1')} as ok`, [marketId]);
  return locked[0]!.ok ? marketOf(rows[0]) : 'busy';
}

/** The live (not reversed) settlement of a market, if any. */
export async function liveSettlement(
  c: Db,
  marketId: string,
): Promise<(SettlementSummary & { feedRowId: string | null }) | null> {
  const { rows } = await c.query<SettlementRow & { feed_row_id: string | null }>(
    'select *, feed_row_id::text from betting.settlements where market_id = $1 and reversed_at is null',
    [marketId],
  );
  return rows[0] ? { ...summary(rows[0], 0, true), feedRowId: rows[0].feed_row_id } : null;
}

/**
 * Reference set-based settlement of ONE market from its event's final result, by hand (tests, the
 * benchmark): the market's locks taken waiting ({@link lockMarketForSettlement} `wait`), then
 * {@link writeSettlement}. A market that has a live settlement pays nothing (`alreadySettled`). The
 * settler process (api/settlement/settler.ts) runs the same write with its own locking.
 *
 * @throws {ApiError} MARKET_NOT_FOUND; MARKET_TRANSITION_INVALID unless closed, resulted or voided;
 *   OUTCOME_VALUES_INVALID when the values do not fit the schema or the result cannot settle yet
 *   (postponed) — nothing is written.
 */
export async function settleMarket(
  pool: TransactionPool,
  marketId: string,
  result: SettlingResult,
): Promise<SettlementSummary> {
  return withTransaction(pool, async (c) => {
    const market = await lockMarketForSettlement(c, marketId, 'wait');
    if (!market || market === 'busy') throw new ApiError('MARKET_NOT_FOUND', 'No such market.');
    const existing = await liveSettlement(c, marketId);
    if (existing) {
      const { feedRowId: _feedRowId, ...rest } = existing;
      return rest;
    }
    if (!['closed', 'resulted', 'voided'].includes(market.state)) {
      throw new ApiError('MARKET_TRANSITION_INVALID', `Cannot settle a market that is ${market.state}.`);
    }
    return writeSettlement(c, market, { result, feedRowId: null });
  });
}

/**
 * Settles every open bet of a locked market that has no live settlement, in a constant number of
 * statements: the pool per selection from the open-bets index; the pure pari-mutuel math; a
 * `settlements` row (unique live per market, and per (market, feed row): a second writer conflicts and
 * its transaction rolls back); one UPDATE of every open bet; one balanced ledger transaction (escrow →
 * players aggregated per player, takeout + breakage → house) in one INSERT; the market `settled`
 * (a voided market stays voided, refunded).
 *
 * @param input.result - the event's final result; null only for a voided market (refund).
 * @param input.feedRowId - the feed row the result came from (the settler), or null (by hand).
 * @throws {ApiError} OUTCOME_VALUES_INVALID (values that do not fit, another event, a postponement).
 */
export async function writeSettlement(
  c: Db,
  market: MarketForSettlement,
  input: { readonly result: SettlingResult | null; readonly feedRowId: string | null },
): Promise<SettlementSummary> {
  const { result } = input;
  if (result && result.eventId.toLowerCase() !== market.oracleEventId) {
    throw new ApiError('OUTCOME_VALUES_INVALID', 'The result is for another event.');
  }
  let outcome: MarketOutcome;
  if (market.state === 'voided') outcome = { kind: 'void', reason: 'void' };
  else if (!result) throw new ApiError('OUTCOME_VALUES_INVALID', 'A market that is not voided needs a result.');
  else
    outcome = marketOutcome(
      { schema: market.schema, runners: market.runners },
      market.definition,
      result.status,
      result.values,
    );
  if (outcome.kind === 'invalid')
    throw new ApiError('OUTCOME_VALUES_INVALID', `The result cannot settle this market: ${outcome.reason}.`);
  if (outcome.kind === 'wait')
    throw new ApiError('OUTCOME_VALUES_INVALID', `The result does not settle markets yet: ${outcome.reason}.`);

  const marketId = market.id;
  const { rows: pools } = await c.query<{ selection: number; total: string }>(
    `select selection, sum(stake_cents)::text as total from betting.bets
      where market_id = $1 and state = 'accepted' group by selection`,
    [marketId],
  );
  const stakes = new Map(pools.map((p) => [p.selection, BigInt(p.total)]));
  const pool = settlePool(stakes, outcome, market.takeoutBps);
  const kind = pool.kind === 'refund' ? 'refunded' : 'paid';

  // Totals are recomputed from the bets by the SQL below; the row is written first (the unique
  // key claims the market) and completed with the ledger transaction's figures.
  const { rows: created } = await c.query<{ id: string }>(
    `insert into betting.settlements (market_id, oracle_event_id, result_version, result_status, result_values, kind,
                                      pool_cents, paid_cents, takeout_cents, breakage_cents, refunded_cents, feed_row_id)
     values ($1, $2, $3, $4, $5, $6, 0, 0, 0, 0, 0, $7) returning id::text`,
    [
      marketId,
      market.oracleEventId,
      result?.version ?? null,
      result?.status ?? null,
      result?.values ?? null,
      kind,
      input.feedRowId,
    ],
  );
  const settlementId = created[0]!.id;
  if (pool.kind === 'paid') {
    await c.query(
      `insert into betting.settlement_dividends (settlement_id, selection, winning_stake_cents, allocation_cents, dividend_cents, unit_cents)
       select $1, * from unnest($2::smallint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])`,
      [
        settlementId,
        pool.dividends.map((d) => d.selection),
        pool.dividends.map((d) => d.winningStake.toString()),
        pool.dividends.map((d) => d.allocation.toString()),
        pool.dividends.map((d) => d.dividend.toString()),
        pool.dividends.map(() => pool.unitCents.toString()),
      ],
    );
  }
  const { houseRevenue } = await singletonAccounts(c);
  // Dividends by selection index (what settlement_dividends holds), for the UPDATE below.
  const dividendBySelection: (string | null)[] = [];
  let unitCents = '100';
  if (pool.kind === 'paid') {
    unitCents = pool.unitCents.toString();
    for (const d of pool.dividends) {
      while (dividendBySelection.length <= d.selection) dividendBySelection.push(null);
      dividendBySelection[d.selection] = d.dividend.toString();
    }
  }
  const { rows: totals } = await c.query<{ bets: number; pool: string; paid: string; tx_id: string | null }>(
    `with settled as (
       -- The dividend of a bet's selection by index into $6 (null: a losing selection): no join, no
       -- self-join, one pass over the market's open bets.
       update betting.bets b
          set settlement_id = $2,
              state = case when $3 = 'refunded' then 'refunded' when ($6::bigint[])[b.selection + 1] is not null then 'won' else 'lost' end,
              payout_cents = case when $3 = 'refunded' then b.stake_cents
                                  else coalesce(b.stake_cents * ($6::bigint[])[b.selection + 1] / $7::bigint, 0) end
        where b.market_id = $1 and b.state = 'accepted'
       returning b.player_id, b.stake_cents, b.payout_cents),
     sums as (select count(*)::int as bets, coalesce(sum(stake_cents), 0) as pool, coalesce(sum(payout_cents), 0) as paid from settled),
     tx as (insert into betting.ledger_transactions (kind, reference)
            select 'settlement', 'settlement:' || $2 from sums where pool > 0 returning id),
     entries as (
       select p.account_id, p.amount from (
         select a.id as account_id, sum(s.payout_cents) as amount
           from settled s join betting.ledger_accounts a on a.kind = 'player_cash' and a.player_id = s.player_id
          group by a.id
         union all select $4::bigint, -pool from sums
         union all select $5::bigint, pool - paid from sums) p
       where p.amount <> 0),
     written as (insert into betting.ledger_entries (transaction_id, account_id, amount_cents)
                 select tx.id, e.account_id, e.amount from tx, entries e order by e.account_id returning 1)
     select bets, pool::text, paid::text, (select id::text from tx) as tx_id from sums`,
    [marketId, settlementId, kind, market.escrow, houseRevenue, dividendBySelection, unitCents],
  );
  const t = totals[0]!;
  const poolCents = BigInt(t.pool);
  const paid = BigInt(t.paid);
  const house = poolCents - paid;
  const takeout = pool.kind === 'paid' ? pool.takeout : 0n;
  const { rows: done } = await c.query<SettlementRow>(
    `update betting.settlements
        set pool_cents = $2, paid_cents = $3, takeout_cents = $4, breakage_cents = $5, refunded_cents = $6,
            ledger_tx_id = $7
      where id = $1 returning *`,
    [
      settlementId,
      poolCents.toString(),
      kind === 'paid' ? paid.toString() : '0',
      takeout.toString(),
      (kind === 'paid' ? house - takeout : 0n).toString(),
      kind === 'refunded' ? paid.toString() : '0',
      t.tx_id,
    ],
  );
  await c.query(
    `update betting.markets set state = 'settled', updated_at = now() where id = $1 and state <> 'voided'`,
    [marketId],
  );
  return summary(done[0]!, t.bets, false);
}

/** What a reversal did. */
export interface ReversalSummary {
  readonly settlementId: string;
  /** The compensating ledger transaction (null: the settlement had moved no money). */
  readonly reversalTxId: string | null;
  readonly bets: number;
}

/** Who reverses a settlement, and why (the settlement row and the audit log keep both). */
export interface ReversalContext {
  readonly actor: string;
  readonly reason: string;
}

const isNegativeBalance = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  (error as { code?: string }).code === '23514' &&
  (error as { constraint?: string }).constraint === 'player_balance_not_negative';

/**
 * Reverses the live settlement of a locked market (the chain took its final result back): one
 * compensating `settlement_reversal` transaction, the exact negation of the settlement's entries
 * (players give back their payouts, the escrow gets the pool back, the house gives back takeout and
 * breakage); the settlement marked reversed (once: a trigger refuses a second time); its bets back to
 * `accepted`; the market back to `closed` (waiting for a result) unless it is voided.
 *
 * @returns null when the market has no live settlement.
 * @throws {ApiError} SETTLEMENT_REVERSAL_BLOCKED when a player no longer holds the payout to give back
 *   (the balance would go negative); nothing is written (the caller's transaction fails).
 */
export async function reverseSettlement(
  c: Db,
  market: MarketForSettlement,
  ctx: ReversalContext,
): Promise<ReversalSummary | null> {
  const live = await c.query<{ id: string; ledger_tx_id: string | null }>(
    `select id::text, ledger_tx_id::text from betting.settlements where market_id = $1 and reversed_at is null for update`,
    [market.id],
  );
  const s = live.rows[0];
  if (!s) return null;
  let reversalTxId: string | null = null;
  if (s.ledger_tx_id !== null) {
    try {
      const { rows } = await c.query<{ id: string }>(
        `with tx as (insert into betting.ledger_transactions (kind, reference)
                     values ('settlement_reversal', 'settlement:' || $1) returning id),
              e as (insert into betting.ledger_entries (transaction_id, account_id, amount_cents)
                    select tx.id, le.account_id, -le.amount_cents from tx, betting.ledger_entries le
                     where le.transaction_id = $2 order by le.account_id returning 1)
         select id::text from tx`,
        [s.id, s.ledger_tx_id],
      );
      reversalTxId = rows[0]!.id;
    } catch (error) {
      if (isNegativeBalance(error)) {
        throw new ApiError(
          'SETTLEMENT_REVERSAL_BLOCKED',
          'A player no longer holds the payout this reversal takes back.',
          { cause: error },
        );
      }
      throw error;
    }
  }
  await c.query(
    `update betting.settlements set reversed_at = now(), reversal_tx_id = $2, reversed_by = $3, reversal_reason = $4
      where id = $1`,
    [s.id, reversalTxId, ctx.actor, ctx.reason],
  );
  const bets = await c.query(
    `update betting.bets set state = 'accepted', settlement_id = null, payout_cents = null
      where market_id = $1 and settlement_id = $2`,
    [market.id, s.id],
  );
  await c.query(`update betting.markets set state = 'closed', updated_at = now() where id = $1 and state = 'settled'`, [
    market.id,
  ]);
  return { settlementId: s.id, reversalTxId, bets: bets.rowCount ?? 0 };
}

/**
 * Voids a settled market (palpable error): the live settlement reversed and every bet refunded, in
 * one compensating `settlement_reversal` transaction whose entries are the net of both (each player
 * gets `stake − payout` of each bet, the house gives back takeout and breakage; the escrow is untouched:
 * it was and stays empty), a new `refunded` settlement pointing at it, the bets refunded, the market
 * `voided`. The caller holds the market's locks and writes the audit entry.
 *
 * @throws {ApiError} MARKET_TRANSITION_INVALID unless the market is settled; SETTLEMENT_REVERSAL_BLOCKED
 *   when a winner no longer holds the payout beyond their stake.
 */
export async function voidSettledMarket(
  c: Db,
  market: MarketForSettlement,
  ctx: ReversalContext,
): Promise<{ reversed: string; refund: SettlementSummary }> {
  if (market.state !== 'settled') {
    throw new ApiError(
      'MARKET_TRANSITION_INVALID',
      `Only a settled market is voided this way (it is ${market.state}).`,
    );
  }
  const live = await c.query<SettlementRow & { ledger_tx_id: string | null }>(
    `select *, ledger_tx_id::text from betting.settlements where market_id = $1 and reversed_at is null for update`,
    [market.id],
  );
  const old = live.rows[0];
  if (!old) throw new ApiError('MARKET_TRANSITION_INVALID', 'The market has no live settlement.');
  const { houseRevenue } = await singletonAccounts(c);
  let txId: string | null = null;
  try {
    const { rows } = await c.query<{ id: string | null }>(
      `with nets as (
         select p.account_id, p.amount from (
           select a.id as account_id, sum(b.stake_cents - b.payout_cents) as amount
             from betting.bets b join betting.ledger_accounts a on a.kind = 'player_cash' and a.player_id = b.player_id
            where b.market_id = $1 and b.settlement_id = $2 group by a.id
           union all select $3::bigint, -($4::bigint + $5::bigint)) p
         where p.amount <> 0),
       tx as (insert into betting.ledger_transactions (kind, reference)
              select 'settlement_reversal', 'void:settlement:' || $2 where exists (select 1 from nets) returning id),
       e as (insert into betting.ledger_entries (transaction_id, account_id, amount_cents)
             select tx.id, n.account_id, n.amount from tx, nets n order by n.account_id returning 1)
       select (select id::text from tx) as id`,
      [market.id, old.id, houseRevenue, old.takeout_cents, old.breakage_cents],
    );
    txId = rows[0]?.id ?? null;
  } catch (error) {
    if (isNegativeBalance(error)) {
      throw new ApiError('SETTLEMENT_REVERSAL_BLOCKED', 'A winner no longer holds the payout this void takes back.', {
        cause: error,
      });
    }
    throw error;
  }
  await c.query(
    `update betting.settlements set reversed_at = now(), reversal_tx_id = $2, reversed_by = $3, reversal_reason = $4
      where id = $1`,
    [old.id, txId, ctx.actor, ctx.reason],
  );
  const { rows: created } = await c.query<SettlementRow>(
    `insert into betting.settlements (market_id, oracle_event_id, kind, pool_cents, paid_cents, takeout_cents,
                                      breakage_cents, refunded_cents, ledger_tx_id)
     values ($1, $2, 'refunded', $3, 0, 0, 0, $3, $4) returning *`,
    [market.id, market.oracleEventId, old.pool_cents, txId],
  );
  const refund = created[0]!;
  const bets = await c.query(
    `update betting.bets set state = 'refunded', settlement_id = $3, payout_cents = stake_cents
      where market_id = $1 and settlement_id = $2`,
    [market.id, old.id, refund.id],
  );
  await c.query(`update betting.markets set state = 'voided', updated_at = now() where id = $1`, [market.id]);
  return { reversed: old.id, refund: summary(refund, bets.rowCount ?? 0, false) };
}
