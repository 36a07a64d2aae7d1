import { ResultStatus } from '../../oracle/index.js';
import { marketOutcome, type MarketDefinition, type MarketOutcome } from '../../api/markets/outcome.js';
import { indicativeDividends, netPool, settleBets, settlePool } from '../../api/pools/parimutuel.js';
import { prng } from './support/prng.js';

const only = (selection: number): MarketOutcome => ({
  kind: 'winners',
  winners: [{ selection, weight: { num: 1n, den: 1n } }],
});

describe('pari-mutuel pool', () => {
  it('computes a hand-checked win pool: 15% takeout, dividend rounded down to the cent', () => {
    // Pool 100.00 + 200.00 + 33.33 = 333.33; net = floor(33333 × 0.85) = 28333 (takeout 5000).
    const bets = [
      { selection: 0, stake: 10_000n },
      { selection: 1, stake: 20_000n },
      { selection: 2, stake: 3_333n },
    ];
    const { settlement, payouts, totals } = settleBets(bets, only(2), 1500);
    expect(settlement).toMatchObject({ kind: 'paid', pool: 33_333n, net: 28_333n, takeout: 5_000n });
    // dividend per €1 = floor(28333 × 100 / 3333) = 850 cents; payout = floor(3333 × 850 / 100) = 28330.
    expect(settlement.kind === 'paid' && settlement.dividends[0]!.dividend).toBe(850n);
    expect(payouts).toEqual([0n, 0n, 28_330n]);
    expect(totals).toEqual({ pool: 33_333n, paid: 28_330n, takeout: 5_000n, breakage: 3n, refunded: 0n });
  });

  it('rounds the takeout up to the cent', () => {
    expect(netPool(101n, 1500)).toBe(85n); // 85.85 → 85, takeout 16
    expect(netPool(0n, 1500)).toBe(0n);
    expect(() => netPool(1n, 10_001)).toThrow(RangeError);
    expect(() => netPool(1n, 1.5)).toThrow(RangeError);
  });

  it('splits a dead heat equally, and gives the share of an unbacked dead-heater to the backed one', () => {
    const dead: MarketOutcome = {
      kind: 'winners',
      winners: [
        { selection: 0, weight: { num: 1n, den: 2n } },
        { selection: 1, weight: { num: 1n, den: 2n } },
      ],
    };
    const both = settlePool(
      new Map([
        [0, 1_000n],
        [1, 3_000n],
        [2, 6_000n],
      ]),
      dead,
      0,
    );
    expect(both.kind === 'paid' && both.dividends.map((d) => d.allocation)).toEqual([5_000n, 5_000n]);
    const one = settlePool(
      new Map([
        [0, 1_000n],
        [2, 6_000n],
      ]),
      dead,
      0,
    );
    expect(one.kind === 'paid' && one.dividends.map((d) => d.allocation)).toEqual([7_000n]);
  });

  it('refunds in full when nobody backed a winner, when the market is void, and when nobody finished', () => {
    const bets = [
      { selection: 0, stake: 500n },
      { selection: 1, stake: 700n },
    ];
    for (const outcome of [
      only(2),
      { kind: 'void', reason: 'cancelled' } as const,
      { kind: 'winners', winners: [] } as const,
    ]) {
      const { payouts, totals } = settleBets(bets, outcome, 2000);
      expect(payouts).toEqual([500n, 700n]);
      expect(totals).toEqual({ pool: 1_200n, paid: 0n, takeout: 0n, breakage: 0n, refunded: 1_200n });
    }
    expect(() => settleBets(bets, { kind: 'invalid', reason: 'x' }, 0)).toThrow(RangeError);
  });

  it('gives indicative dividends per selection (null without stake)', () => {
    expect(indicativeDividends([10_000n, 30_000n, 0n], 1000)).toEqual([360n, 120n, null]);
    expect(indicativeDividends([10_000n, 30_000n], 1000, 2)).toEqual([180n, 60n]);
  });
});

describe('pari-mutuel properties (seeded PRNG, 2,000 random markets)', () => {
  const defs: {
    event: { schema: 'football.match/v1' | 'horse-racing.race/v1'; runners?: number };
    def: MarketDefinition;
  }[] = [
    { event: { schema: 'football.match/v1' }, def: { type: 'match-winner' } },
    { event: { schema: 'football.match/v1' }, def: { type: 'total-goals', line: 2.5 } },
    { event: { schema: 'football.match/v1' }, def: { type: 'handicap', line: -0.5 } },
    { event: { schema: 'horse-racing.race/v1', runners: 6 }, def: { type: 'race-win' } },
    { event: { schema: 'horse-racing.race/v1', runners: 6 }, def: { type: 'race-place', places: 3 } },
  ];
  const statuses = [
    ResultStatus.Completed,
    ResultStatus.Completed,
    ResultStatus.Completed,
    ResultStatus.Cancelled,
    ResultStatus.Abandoned,
  ];

  /** Random race positions in standard competition ranking, with dead heats and non-finishers. */
  function positions(r: ReturnType<typeof prng>, runners: number): number[] {
    const order = Array.from({ length: runners }, (_, i) => i).sort(() => r.int(0, 1) - 0.5);
    const out = new Array<number>(runners).fill(0);
    let position = 1;
    let i = 0;
    while (i < runners) {
      if (r.int(0, 9) === 0) break; // the rest did not finish
      const tie = Math.min(r.int(1, 10) === 1 ? 2 : 1, runners - i);
      for (let t = 0; t < tie; t++) out[order[i + t]!] = position;
      position += tie;
      i += tie;
    }
    return out;
  }

  it('conserves the pool to the cent, pays nobody a negative amount, and bounds single-winner payouts', () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      const r = prng(seed);
      const { event, def } = r.pick(defs);
      const selections = event.runners ?? (def.type === 'match-winner' ? 3 : 2);
      const bets = Array.from({ length: r.int(0, 40) }, () => ({
        selection: r.int(0, selections - 1),
        stake: BigInt(r.pick([1, 7, 100, 250, 1_000, 12_345, r.int(1, 5_000_000)])),
      }));
      const values = event.runners ? positions(r, event.runners) : [r.int(0, 5), r.int(0, 5)];
      const outcome = marketOutcome(event, def, r.pick(statuses), values);
      expect(outcome.kind).not.toBe('invalid');
      const takeoutBps = r.pick([0, 1, 1500, 2500, 9999, 10_000]);
      const unit = r.pick([1n, 100n]);
      const { settlement, payouts, totals } = settleBets(bets, outcome, takeoutBps, unit);
      const pool = bets.reduce((a, b) => a + b.stake, 0n);
      const ctx = `seed ${seed}`;
      expect([ctx, totals.paid + totals.takeout + totals.breakage + totals.refunded]).toEqual([ctx, pool]);
      expect([ctx, payouts.reduce((a, b) => a + b, 0n)]).toEqual([ctx, totals.paid + totals.refunded]);
      for (const v of [totals.paid, totals.takeout, totals.breakage, totals.refunded, ...payouts]) {
        expect([ctx, v >= 0n]).toEqual([ctx, true]);
      }
      if (settlement.kind === 'refund') {
        expect([ctx, payouts]).toEqual([ctx, bets.map((b) => b.stake)]);
        continue;
      }
      // The takeout is exactly the rounded-up share of the pool.
      expect([ctx, totals.takeout]).toEqual([ctx, pool - (pool * BigInt(10_000 - takeoutBps)) / 10_000n]);
      // Bets on the same winning selection get the same dividend: payout is monotonic in stake.
      // With one winning selection, a winner gets at least stake × (1 − takeout), less one cent per
      // unit staked and 2 cents of rounding: a payout below the stake is possible (a heavily backed
      // winner, the takeout) and is not a bug; a payout below this bound would be.
      if (settlement.dividends.length === 1) {
        bets.forEach((b, i) => {
          if (b.selection !== settlement.dividends[0]!.selection) return;
          const lhs = 10_000n * unit * payouts[i]!;
          const rhs = b.stake * BigInt(10_000 - takeoutBps) * unit - 10_000n * b.stake - 20_000n * unit;
          expect([ctx, lhs >= rhs]).toEqual([ctx, true]);
        });
      }
      // The allocations never exceed the net pool, and losers get nothing.
      expect([ctx, settlement.dividends.reduce((a, d) => a + d.allocation, 0n) <= settlement.net]).toEqual([ctx, true]);
      bets.forEach((b, i) => {
        if (!settlement.dividends.some((d) => d.selection === b.selection))
          expect([ctx, payouts[i]]).toEqual([ctx, 0n]);
      });
    }
  });
});
