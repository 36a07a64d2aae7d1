import { withTransaction, type TransactionPool } from '../../lib/db/transaction.js';
import { ApiError } from '../errors.js';
import { singletonAccounts } from '../ledger/ledger.js';
import type { MarketState } from '../markets/market-state.js';
import { lockMarketExclusive } from '../markets/market-lock.js';
import { marketOutcome, type MarketDefinition, type OutcomeSchemaId } from '../markets/outcome.js';
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

/**
 * Reference set-based settlement of ONE market from its event's final result: the SQL the settler
 * process is meant to run (docs/api.md "Settlement"). Not the settler: it does not read the feed,
 * check the chain, or pick markets with SKIP LOCKED; it shows that the schema settles a market in
 * a constant number of statements, exactly once.
 *
 * In one transaction: the market's exclusive lock (bets in flight hold it shared and finish first;
 * later ones see the market closed) and its row FOR UPDATE; the pool per selection from the open-bets index; the pure
 * pari-mutuel math; a `settlements` row unique per market (a second run finds it and pays
 * nothing); one UPDATE of every open bet joined to the dividends; one balanced ledger transaction
 * (escrow → players aggregated per player, takeout + breakage → house) in one INSERT.
 *
 * @throws {ApiError} MARKET_NOT_FOUND; MARKET_TRANSITION_INVALID unless closed, resulted or voided;
 *   OUTCOME_VALUES_INVALID when the values do not fit the schema (nothing is written).
 */
export async function settleMarket(
  pool: TransactionPool,
  marketId: string,
  result: SettlingResult,
): Promise<SettlementSummary> {
  return withTransaction(pool, async (c) => {
    // Exclusive market lock first: bets still in flight (placed before the cut-off) finish and are settled too.
    await c.query(`select ${lockMarketExclusive('$1')}`, [marketId]);
    const { rows } = await c.query<{
      state: MarketState;
      definition: MarketDefinition;
      takeout_bps: number;
      outcome_schema: OutcomeSchemaId;
      runners: number | null;
      oracle_event_id: string;
      escrow: string;
    }>(
      `select m.state, m.definition, m.takeout_bps, e.outcome_schema, e.runners, e.oracle_event_id, a.id::text as escrow
         from betting.markets m join betting.events e on e.id = m.event_id
         join betting.ledger_accounts a on a.kind = 'pool_escrow' and a.market_id = m.id
        where m.id = $1 for update of m`,
      [marketId],
    );
    const market = rows[0];
    if (!market) throw new ApiError('MARKET_NOT_FOUND', 'No such market.');
    const existing = await c.query<SettlementRow>('select * from betting.settlements where market_id = $1', [marketId]);
    if (existing.rows[0]) return summary(existing.rows[0], 0, true);
    if (!['closed', 'resulted', 'voided'].includes(market.state)) {
      throw new ApiError('MARKET_TRANSITION_INVALID', `Cannot settle a market that is ${market.state}.`);
    }
    if (result.eventId.toLowerCase() !== market.oracle_event_id) {
      throw new ApiError('OUTCOME_VALUES_INVALID', 'The result is for another event.');
    }
    const outcome =
      market.state === 'voided'
        ? ({ kind: 'void', reason: 'void' } as const)
        : marketOutcome(
            { schema: market.outcome_schema, runners: market.runners },
            market.definition,
            result.status,
            result.values,
          );
    if (outcome.kind === 'invalid')
      throw new ApiError('OUTCOME_VALUES_INVALID', `The result cannot settle this market: ${outcome.reason}.`);

    const { rows: pools } = await c.query<{ selection: number; total: string }>(
      `select selection, sum(stake_cents)::text as total from betting.bets
        where market_id = $1 and state = 'accepted' group by selection`,
      [marketId],
    );
    const stakes = new Map(pools.map((p) => [p.selection, BigInt(p.total)]));
    const pool = settlePool(stakes, outcome, market.takeout_bps);
    const kind = pool.kind === 'refund' ? 'refunded' : 'paid';

    // Totals are recomputed from the bets by the SQL below; the row is written first (the unique
    // key claims the market) and completed with the ledger transaction's figures.
    const { rows: created } = await c.query<{ id: string }>(
      `insert into betting.settlements (market_id, oracle_event_id, result_version, result_status, result_values, kind,
                                        pool_cents, paid_cents, takeout_cents, breakage_cents, refunded_cents)
       values ($1, $2, $3, $4, $5, $6, 0, 0, 0, 0, 0) returning id::text`,
      [marketId, market.oracle_event_id, result.version, result.status, result.values, kind],
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
  });
}
