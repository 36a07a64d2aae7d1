import { ResultStatus } from '../../oracle/index.js';
import { definitionProblem, marketOutcome, selectionsOf, type MarketOutcome } from '../../api/markets/outcome.js';
import { effectiveState, transition, MARKET_STATES, type MarketCommand } from '../../api/markets/market-state.js';

const match = { schema: 'football.match/v1' } as const;
const race = (runners: number) => ({ schema: 'horse-racing.race/v1', runners }) as const;
const done = ResultStatus.Completed;
const winners = (o: MarketOutcome) =>
  o.kind === 'winners' ? o.winners.map((w) => [w.selection, `${w.weight.num}/${w.weight.den}`]) : o.kind;

describe('football.match/v1', () => {
  it('reads [home, away] for 1X2', () => {
    const def = { type: 'match-winner' } as const;
    expect(selectionsOf(match, def).map((s) => s.code)).toEqual(['home', 'draw', 'away']);
    expect(winners(marketOutcome(match, def, done, [2, 1]))).toEqual([[0, '1/1']]);
    expect(winners(marketOutcome(match, def, done, [1, 1]))).toEqual([[1, '1/1']]);
    expect(winners(marketOutcome(match, def, done, [0, 3]))).toEqual([[2, '1/1']]);
  });

  it('settles over/under a half line on the total', () => {
    const def = { type: 'total-goals', line: 2.5 } as const;
    expect(winners(marketOutcome(match, def, done, [2, 1]))).toEqual([[0, '1/1']]);
    expect(winners(marketOutcome(match, def, done, [1, 1]))).toEqual([[1, '1/1']]);
  });

  it('adds a half-line handicap to the home score', () => {
    const def = { type: 'handicap', line: -1.5 } as const;
    expect(selectionsOf(match, def).map((s) => s.label)).toEqual(['Home -1.5', 'Away +1.5']);
    expect(winners(marketOutcome(match, def, done, [2, 0]))).toEqual([[0, '1/1']]);
    expect(winners(marketOutcome(match, def, done, [2, 1]))).toEqual([[1, '1/1']]);
    expect(winners(marketOutcome(match, { type: 'handicap', line: 0.5 }, done, [1, 1]))).toEqual([[0, '1/1']]);
  });

  it('refuses whole lines, race markets on a match, and values that are not two scores', () => {
    expect(definitionProblem(match, { type: 'total-goals', line: 2 })).toMatch(/half line/);
    expect(definitionProblem(match, { type: 'total-goals', line: -0.5 })).toMatch(/positive/);
    expect(definitionProblem(match, { type: 'handicap', line: Number.NaN })).toMatch(/half line/);
    expect(definitionProblem(match, { type: 'race-win' })).toMatch(/does not apply/);
    expect(marketOutcome(match, { type: 'match-winner' }, done, [1]).kind).toBe('invalid');
    expect(marketOutcome(match, { type: 'match-winner' }, done, [1, 2, 3]).kind).toBe('invalid');
  });
});

describe('horse-racing.race/v1', () => {
  it('pays the winner, and splits a dead heat for first', () => {
    const def = { type: 'race-win' } as const;
    expect(selectionsOf(race(4), def).map((s) => s.code)).toEqual(['1', '2', '3', '4']);
    expect(winners(marketOutcome(race(4), def, done, [2, 1, 3, 0]))).toEqual([[1, '1/1']]);
    expect(winners(marketOutcome(race(4), def, done, [1, 1, 3, 4]))).toEqual([
      [0, '1/2'],
      [1, '1/2'],
    ]);
  });

  it('gives each of k places 1/k, shared by runners dead-heating across the last place', () => {
    const def = { type: 'race-place', places: 3 } as const;
    expect(winners(marketOutcome(race(5), def, done, [1, 2, 3, 3, 5]))).toEqual([
      [0, '1/3'],
      [1, '1/3'],
      [2, '1/6'],
      [3, '1/6'],
    ]);
    expect(winners(marketOutcome(race(5), def, done, [1, 1, 3, 4, 0]))).toEqual([
      [0, '1/3'],
      [1, '1/3'],
      [2, '1/3'],
    ]);
    // Two runners dead-heat for 2nd of 2 places: each takes half of the 2nd place.
    expect(winners(marketOutcome(race(4), { type: 'race-place', places: 2 }, done, [2, 1, 2, 0]))).toEqual([
      [0, '1/4'],
      [1, '1/2'],
      [2, '1/4'],
    ]);
  });

  it('has no winner when every runner is a non-runner or did not finish (the pool refunds)', () => {
    expect(marketOutcome(race(3), { type: 'race-win' }, done, [0, 0, 0])).toEqual({ kind: 'winners', winners: [] });
  });

  it('refuses impossible positions', () => {
    const def = { type: 'race-win' } as const;
    expect(marketOutcome(race(3), def, done, [1, 2])).toMatchObject({ kind: 'invalid' });
    expect(marketOutcome(race(3), def, done, [1, 1, 2])).toMatchObject({ kind: 'invalid' });
    expect(marketOutcome(race(3), def, done, [2, 3, 0])).toMatchObject({ kind: 'invalid' });
    expect(marketOutcome(race(3), def, done, [1, 4, 2])).toMatchObject({ kind: 'invalid' });
    expect(definitionProblem(race(3), { type: 'race-place', places: 3 })).toMatch(/places/);
    expect(definitionProblem(race(1), { type: 'race-win' })).toMatch(/runners/);
    expect(definitionProblem(race(3), { type: 'match-winner' })).toMatch(/does not apply/);
  });
});

describe('result statuses', () => {
  it.each([
    [ResultStatus.Cancelled, 'cancelled'],
    [ResultStatus.Abandoned, 'abandoned'],
    [ResultStatus.Void, 'void'],
  ])('status %d voids every market (%s)', (status, reason) => {
    expect(marketOutcome(match, { type: 'match-winner' }, status, [1, 0])).toEqual({ kind: 'void', reason });
    expect(marketOutcome(race(3), { type: 'race-win' }, status, [])).toEqual({ kind: 'void', reason });
  });

  it('keeps every market waiting on a postponement (a later version settles)', () => {
    const wait = { kind: 'wait', reason: 'postponed' };
    expect(marketOutcome(match, { type: 'match-winner' }, ResultStatus.Postponed, [])).toEqual(wait);
    expect(marketOutcome(race(3), { type: 'race-place', places: 2 }, ResultStatus.Postponed, [])).toEqual(wait);
  });

  it('treats status None as invalid', () => {
    expect(marketOutcome(match, { type: 'match-winner' }, ResultStatus.None, [1, 0]).kind).toBe('invalid');
  });
});

describe('market state machine', () => {
  it('follows inactive → open → suspended ⇄ open → closed → resulted → settled', () => {
    const path: [MarketCommand, string][] = [
      ['open', 'open'],
      ['suspend', 'suspended'],
      ['open', 'open'],
      ['close', 'closed'],
      ['result', 'resulted'],
      ['settle', 'settled'],
    ];
    let state = 'inactive' as (typeof MARKET_STATES)[number];
    for (const [command, to] of path) {
      const next = transition(state, command);
      expect(next).toBe(to);
      state = next!;
    }
  });

  it('voids from any state before settled, and refuses every other move', () => {
    for (const s of MARKET_STATES)
      expect(transition(s, 'void')).toBe(s === 'settled' || s === 'voided' ? null : 'voided');
    expect(transition('closed', 'open')).toBeNull();
    expect(transition('inactive', 'close')).toBeNull();
    expect(transition('settled', 'open')).toBeNull();
    expect(transition('open', 'settle')).toBeNull();
  });

  it('reads an open market past its cut-off as closed', () => {
    const cut = new Date('2026-01-01T12:00:00Z');
    expect(effectiveState('open', cut, new Date('2026-01-01T11:59:59.999Z'))).toBe('open');
    expect(effectiveState('open', cut, cut)).toBe('closed');
    expect(effectiveState('inactive', cut, cut)).toBe('inactive');
  });
});
