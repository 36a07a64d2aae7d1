import type { MarketOutcome } from '../markets/outcome.js';

/**
 * Pari-mutuel (tote) pool arithmetic, pure, in integer cents (bigint). Rounding, all towards the house:
 *
 * 1. `net = floor(pool × (10000 − takeoutBps) / 10000)`; `takeout = pool − net` (the takeout is
 *    rounded up to the cent).
 * 2. The net pool is split between the winning selections that hold stake, in proportion to their
 *    outcome weights renormalised over those selections (a dead heat on a runner nobody backed
 *    goes to the backed ones): `allocation_s = floor(net × w_s / Σw)`.
 * 3. The dividend per unit (`unitCents`, €1 = 100 by default) is rounded down to the cent:
 *    `dividend_s = floor(allocation_s × unit / winningStake_s)`.
 * 4. A winning bet is paid `floor(stake × dividend_s / unit)` (exact for whole-unit stakes).
 *
 * `breakage = net − Σ payouts` (everything rounded away in 2–4) goes to the house. A void market, an
 * empty winner list or winners that nobody backed refund every stake in full, with no takeout.
 * Conservation holds to the cent: `paid + takeout + breakage + refunded = pool`.
 */
export const BPS = 10_000n;
export const DEFAULT_UNIT_CENTS = 100n;

/** Dividend of one winning selection. */
export interface SelectionDividend {
  readonly selection: number;
  /** Sum of the stakes on this selection. */
  readonly winningStake: bigint;
  /** Share of the net pool given to this selection. */
  readonly allocation: bigint;
  /** Paid per unit staked, in cents. */
  readonly dividend: bigint;
}

/** How a market's pool settles, before looking at individual bets. */
export type PoolSettlement =
  | {
      readonly kind: 'paid';
      readonly pool: bigint;
      readonly takeout: bigint;
      readonly net: bigint;
      readonly unitCents: bigint;
      readonly dividends: readonly SelectionDividend[];
    }
  | {
      readonly kind: 'refund';
      readonly reason: 'void' | 'no-winning-stake';
      readonly pool: bigint;
    };

/** Totals of a settled pool over its bets; `paid + takeout + breakage + refunded = pool`. */
export interface PoolTotals {
  readonly pool: bigint;
  readonly paid: bigint;
  readonly takeout: bigint;
  readonly breakage: bigint;
  readonly refunded: bigint;
}

function checkTakeout(takeoutBps: number): bigint {
  if (!Number.isInteger(takeoutBps) || takeoutBps < 0 || takeoutBps > 10_000) {
    throw new RangeError(`takeoutBps must be an integer in 0..10000, got ${takeoutBps}`);
  }
  return BigInt(takeoutBps);
}

/** `floor(pool × (10000 − takeoutBps) / 10000)`. */
export function netPool(pool: bigint, takeoutBps: number): bigint {
  return (pool * (BPS - checkTakeout(takeoutBps))) / BPS;
}

/**
 * Settles a pool from the total stake per selection and the market's outcome.
 *
 * @param stakes - total stake per selection index (missing = 0).
 * @param outcome - from `marketOutcome`; `invalid` must be handled by the caller (nothing is paid).
 * @param takeoutBps - the market's takeout in basis points.
 * @param unitCents - the unit a dividend is quoted for (default 100 = €1).
 * @throws RangeError for an `invalid` outcome, a negative stake or a bad takeout.
 */
export function settlePool(
  stakes: ReadonlyMap<number, bigint>,
  outcome: MarketOutcome,
  takeoutBps: number,
  unitCents: bigint = DEFAULT_UNIT_CENTS,
): PoolSettlement {
  checkTakeout(takeoutBps);
  if (unitCents <= 0n) throw new RangeError('unitCents must be positive');
  let pool = 0n;
  for (const s of stakes.values()) {
    if (s < 0n) throw new RangeError('a stake total cannot be negative');
    pool += s;
  }
  if (outcome.kind === 'invalid') throw new RangeError(`cannot settle an invalid outcome: ${outcome.reason}`);
  if (outcome.kind === 'wait') throw new RangeError(`cannot settle yet: ${outcome.reason}`);
  if (outcome.kind === 'void') return { kind: 'refund', reason: 'void', pool };
  const backed = outcome.winners.filter((w) => (stakes.get(w.selection) ?? 0n) > 0n);
  if (backed.length === 0) return { kind: 'refund', reason: 'no-winning-stake', pool };
  const net = netPool(pool, takeoutBps);
  // Weights over a common denominator: N_s / Σ N.
  const lcm = backed.reduce((l, w) => (l * w.weight.den) / gcd(l, w.weight.den), 1n);
  const shares = backed.map((w) => (w.weight.num * lcm) / w.weight.den);
  const total = shares.reduce((a, b) => a + b, 0n);
  const dividends = backed.map((w, i) => {
    const winningStake = stakes.get(w.selection)!;
    const allocation = (net * shares[i]!) / total;
    return { selection: w.selection, winningStake, allocation, dividend: (allocation * unitCents) / winningStake };
  });
  return { kind: 'paid', pool, takeout: pool - net, net, unitCents, dividends };
}

/** What one bet receives from a settled pool (its stake back on a refund, 0 when it lost). */
export function payoutOf(settlement: PoolSettlement, selection: number, stake: bigint): bigint {
  if (settlement.kind === 'refund') return stake;
  const d = settlement.dividends.find((x) => x.selection === selection);
  return d ? (stake * d.dividend) / settlement.unitCents : 0n;
}

/**
 * Settles a list of bets: each bet's payout and the pool's totals.
 *
 * @param bets - every bet of the market (selection index and stake).
 */
export function settleBets<B extends { readonly selection: number; readonly stake: bigint }>(
  bets: readonly B[],
  outcome: MarketOutcome,
  takeoutBps: number,
  unitCents: bigint = DEFAULT_UNIT_CENTS,
): { settlement: PoolSettlement; payouts: bigint[]; totals: PoolTotals } {
  const stakes = new Map<number, bigint>();
  for (const b of bets) stakes.set(b.selection, (stakes.get(b.selection) ?? 0n) + b.stake);
  const settlement = settlePool(stakes, outcome, takeoutBps, unitCents);
  const payouts = bets.map((b) => payoutOf(settlement, b.selection, b.stake));
  const sum = payouts.reduce((a, b) => a + b, 0n);
  const totals: PoolTotals =
    settlement.kind === 'refund'
      ? { pool: settlement.pool, paid: 0n, takeout: 0n, breakage: 0n, refunded: sum }
      : { pool: settlement.pool, paid: sum, takeout: settlement.takeout, breakage: settlement.net - sum, refunded: 0n };
  return { settlement, payouts, totals };
}

/**
 * Indicative dividend per unit of each selection if it won alone (or, for a place market, took
 * one of `shareOf` places): `floor(net / shareOf × unit / stake_s)`; null for a selection without
 * stake. Shown to players as indicative odds (`dividend / unit`); the final dividend can differ.
 */
export function indicativeDividends(
  stakes: readonly bigint[],
  takeoutBps: number,
  shareOf = 1,
  unitCents: bigint = DEFAULT_UNIT_CENTS,
): (bigint | null)[] {
  const pool = stakes.reduce((a, b) => a + b, 0n);
  const net = netPool(pool, takeoutBps);
  const k = BigInt(shareOf);
  return stakes.map((s) => (s > 0n ? (net * unitCents) / (k * s) : null));
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}
