import type { Db } from '../../lib/db/transaction.js';
import type { MarketDefinition } from '../markets/outcome.js';

/** One settlement the settler (or a void, or settleMarket by hand) wrote, as the staff pages list it. */
export interface SettlementRun {
  readonly id: string;
  readonly marketId: string;
  readonly definition: MarketDefinition;
  readonly event: { readonly id: string; readonly name: string; readonly oracleEventId: string };
  /** `paid` (on a result) or `refunded` (a void, a cancelled/abandoned event, no winning stake). */
  readonly kind: 'paid' | 'refunded';
  /** The oracle result it settled from (null: the refund of a voided market). */
  readonly result: { readonly status: number; readonly version: number; readonly values: readonly number[] } | null;
  /** The settler's feed row (null: a refund of a void, or settleMarket by hand). */
  readonly feedRowId: string | null;
  readonly poolCents: bigint;
  readonly paidCents: bigint;
  readonly takeoutCents: bigint;
  readonly breakageCents: bigint;
  readonly refundedCents: bigint;
  /** Per winning selection (paid settlements): winning stake and dividend per unit. */
  readonly dividends: readonly {
    readonly selection: number;
    readonly code: string;
    readonly label: string;
    readonly winningStakeCents: bigint;
    readonly dividendCents: bigint;
    readonly unitCents: bigint;
  }[];
  /** Bets it settled; null once reversed (its bets went back to open, or to the refund that replaced it). */
  readonly bets: number | null;
  readonly ledgerTxId: string | null;
  readonly settledAt: Date;
  readonly reversal: {
    readonly at: Date;
    readonly by: string;
    readonly reason: string | null;
    readonly ledgerTxId: string | null;
  } | null;
}

interface RunRow {
  id: string;
  market_id: string;
  definition: MarketDefinition;
  event_id: string;
  event_name: string;
  oracle_event_id: string;
  kind: 'paid' | 'refunded';
  result_status: number | null;
  result_version: number | null;
  result_values: string[] | null;
  feed_row_id: string | null;
  pool_cents: string;
  paid_cents: string;
  takeout_cents: string;
  breakage_cents: string;
  refunded_cents: string;
  dividends: {
    selection: number;
    code: string;
    label: string;
    winning_stake_cents: string | number;
    dividend_cents: string | number;
    unit_cents: string | number;
  }[];
  bets: number;
  ledger_tx_id: string | null;
  settled_at: Date;
  reversed_at: Date | null;
  reversed_by: string | null;
  reversal_reason: string | null;
  reversal_tx_id: string | null;
}

/**
 * The settlements, newest first (by id), `limit` of them older than `before` (the last id of the
 * previous page): one statement, the bets counted per settlement on the `bets_settlement` index.
 */
export async function listSettlementRuns(
  db: Db,
  page: { readonly limit: number; readonly before?: string | undefined },
): Promise<SettlementRun[]> {
  const { rows } = await db.query<RunRow>(
    `select s.id::text, s.market_id::text, m.definition, e.id as event_id, e.name as event_name, e.oracle_event_id,
            s.kind, s.result_status, s.result_version, s.result_values::text[], s.feed_row_id::text,
            s.pool_cents::text, s.paid_cents::text, s.takeout_cents::text, s.breakage_cents::text, s.refunded_cents::text,
            coalesce((select json_agg(json_build_object('selection', d.selection, 'code', sel.code, 'label', sel.label,
                                                        'winning_stake_cents', d.winning_stake_cents::text,
                                                        'dividend_cents', d.dividend_cents::text,
                                                        'unit_cents', d.unit_cents::text) order by d.selection)
                        from betting.settlement_dividends d
                        join betting.selections sel on sel.market_id = s.market_id and sel.idx = d.selection
                       where d.settlement_id = s.id), '[]') as dividends,
            (select count(*)::int from betting.bets b where b.settlement_id = s.id) as bets,
            s.ledger_tx_id::text, s.settled_at, s.reversed_at, s.reversed_by, s.reversal_reason, s.reversal_tx_id::text
       from betting.settlements s
       join betting.markets m on m.id = s.market_id
       join betting.events e on e.id = m.event_id
      where $1::bigint is null or s.id < $1::bigint
      order by s.id desc
      limit $2`,
    [page.before ?? null, page.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    marketId: r.market_id,
    definition: r.definition,
    event: { id: r.event_id, name: r.event_name, oracleEventId: r.oracle_event_id },
    kind: r.kind,
    result:
      r.result_status === null
        ? null
        : { status: r.result_status, version: r.result_version ?? 0, values: (r.result_values ?? []).map(Number) },
    feedRowId: r.feed_row_id,
    poolCents: BigInt(r.pool_cents),
    paidCents: BigInt(r.paid_cents),
    takeoutCents: BigInt(r.takeout_cents),
    breakageCents: BigInt(r.breakage_cents),
    refundedCents: BigInt(r.refunded_cents),
    dividends: r.dividends.map((d) => ({
      selection: d.selection,
      code: d.code,
      label: d.label,
      winningStakeCents: BigInt(d.winning_stake_cents),
      dividendCents: BigInt(d.dividend_cents),
      unitCents: BigInt(d.unit_cents),
    })),
    bets: r.reversed_at === null ? r.bets : null,
    ledgerTxId: r.ledger_tx_id,
    settledAt: r.settled_at,
    reversal:
      r.reversed_at === null
        ? null
        : { at: r.reversed_at, by: r.reversed_by ?? '', reason: r.reversal_reason, ledgerTxId: r.reversal_tx_id },
  }));
}
