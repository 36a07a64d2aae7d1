import { ResultStatus } from '../../oracle/index.js';

/**
 * Outcome schemas: how the oracle's `uint32[]` values of an event read, one per sport, versioned.
 * A schema id never changes meaning; a new reading is a new version (`football.match/v2`), and an
 * event keeps the schema it was created with.
 *
 * - `football.match/v1`: exactly two values, `[homeGoals, awayGoals]` at the end of normal time
 *   (plus stoppage time; extra time and penalties are not part of v1).
 * - `horse-racing.race/v1`: one value per declared runner, in runner-number order (values[0] is
 *   runner 1): its finishing position, `0` for a non-runner or a runner that did not finish. A dead
 *   heat is two or more runners with the same position; positions follow standard competition
 *   ranking (after two runners dead-heat for 1st the next runner is 3rd: `1, 1, 3`).
 */
export const OUTCOME_SCHEMAS = ['football.match/v1', 'horse-racing.race/v1'] as const;
export type OutcomeSchemaId = (typeof OUTCOME_SCHEMAS)[number];

/** The largest number of runners a race may declare (selection indexes are smallints). */
export const MAX_RUNNERS = 64;
/** Lines are half lines between -LINE_LIMIT and LINE_LIMIT. */
export const LINE_LIMIT = 50;

/** A market's definition; what it pays on is derived from the event's values through its schema. */
export type MarketDefinition =
  /** 1X2 on the final score: selections `home`, `draw`, `away`. */
  | { readonly type: 'match-winner' }
  /** Total goals over/under a half line (e.g. 2.5): selections `over`, `under`. */
  | { readonly type: 'total-goals'; readonly line: number }
  /** Handicap on a half line added to the home score (e.g. -1.5): selections `home`, `away`. */
  | { readonly type: 'handicap'; readonly line: number }
  /** Race winner: one selection per runner (`1`…`n`); a dead heat for 1st splits the pool. */
  | { readonly type: 'race-win' }
  /** Race place: a runner wins if it finishes in the top `places`; each place carries 1/places of the pool. */
  | { readonly type: 'race-place'; readonly places: number };

export type MarketType = MarketDefinition['type'];
export const MARKET_TYPES: readonly MarketType[] = [
  'match-winner',
  'total-goals',
  'handicap',
  'race-win',
  'race-place',
];

/** What an event fixes for its markets. `runners` is required by race schemas and absent otherwise. */
export interface EventShape {
  readonly schema: OutcomeSchemaId;
  readonly runners?: number | null | undefined;
}

/** One selection of a market; `index` is its number inside the market (stored as a smallint). */
export interface Selection {
  readonly index: number;
  readonly code: string;
  readonly label: string;
}

/** An exact fraction of the pool (dead heats, place shares). */
export interface Weight {
  readonly num: bigint;
  readonly den: bigint;
}

/** What a market pays on, once the event's result is known. */
export type MarketOutcome =
  /** Selections that win, with their share of the net pool before renormalisation (shares sum to 1). `winners` may be empty (e.g. every runner failed to finish): the pool refunds. */
  | { readonly kind: 'winners'; readonly winners: readonly { readonly selection: number; readonly weight: Weight }[] }
  /** Every stake is refunded (cancelled, abandoned or void event). */
  | { readonly kind: 'void'; readonly reason: 'cancelled' | 'abandoned' | 'void' }
  /** Nothing settles yet: the event was postponed; a later version of the result (final again) settles it. */
  | { readonly kind: 'wait'; readonly reason: 'postponed' }
  /** The values do not fit the schema: nothing may be paid; an operator must look. */
  | { readonly kind: 'invalid'; readonly reason: string };

const isHalfLine = (line: number): boolean =>
  Number.isFinite(line) && Math.abs(line) < LINE_LIMIT && Number.isInteger(line * 2) && !Number.isInteger(line);

/**
 * Checks that a market definition fits an event's schema.
 *
 * @returns null when it fits, else the reason (for MARKET_DEFINITION_INVALID).
 */
export function definitionProblem(event: EventShape, def: MarketDefinition): string | null {
  if (event.schema === 'football.match/v1') {
    if (event.runners != null) return 'a match has no runners';
    switch (def.type) {
      case 'match-winner':
        return null;
      case 'total-goals':
        return isHalfLine(def.line) && def.line > 0 ? null : 'line must be a positive half line (e.g. 2.5)';
      case 'handicap':
        return isHalfLine(def.line) ? null : 'line must be a half line (e.g. -1.5)';
      default:
        return `a ${def.type} market does not apply to ${event.schema}`;
    }
  }
  const runners = event.runners;
  if (runners == null || !Number.isInteger(runners) || runners < 2 || runners > MAX_RUNNERS) {
    return `a race needs between 2 and ${MAX_RUNNERS} runners`;
  }
  switch (def.type) {
    case 'race-win':
      return null;
    case 'race-place':
      return Number.isInteger(def.places) && def.places >= 2 && def.places < runners
        ? null
        : 'places must be an integer from 2 to runners - 1';
    default:
      return `a ${def.type} market does not apply to ${event.schema}`;
  }
}

/** The selections of a market, in index order. Call after {@link definitionProblem} returned null. */
export function selectionsOf(event: EventShape, def: MarketDefinition): Selection[] {
  const named = (...pairs: [string, string][]) => pairs.map(([code, label], index) => ({ index, code, label }));
  switch (def.type) {
    case 'match-winner':
      return named(['home', 'Home'], ['draw', 'Draw'], ['away', 'Away']);
    case 'total-goals':
      return named(['over', `Over ${def.line}`], ['under', `Under ${def.line}`]);
    case 'handicap':
      return named(
        ['home', `Home ${def.line > 0 ? '+' : ''}${def.line}`],
        ['away', `Away ${def.line > 0 ? '' : '+'}${-def.line}`],
      );
    case 'race-win':
    case 'race-place':
      return Array.from({ length: event.runners ?? 0 }, (_, index) => ({
        index,
        code: String(index + 1),
        label: `Runner ${index + 1}`,
      }));
  }
}

const ONE: Weight = { num: 1n, den: 1n };
const only = (selection: number): MarketOutcome => ({ kind: 'winners', winners: [{ selection, weight: ONE }] });

/** Validates race positions: each in 0..runners, standard competition ranking. */
function racePositionsProblem(values: readonly number[], runners: number): string | null {
  if (values.length !== runners) return `expected ${runners} positions, got ${values.length}`;
  const counts = new Map<number, number>();
  for (const p of values) {
    if (!Number.isInteger(p) || p < 0 || p > runners) return `position ${p} outside 0..${runners}`;
    if (p > 0) counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  // Standard competition ranking: a group at position p is preceded by exactly p - 1 finishers.
  let finishedBefore = 0;
  for (const p of [...counts.keys()].sort((a, b) => a - b)) {
    if (p !== finishedBefore + 1) return `position ${p} follows ${finishedBefore} finishers`;
    finishedBefore += counts.get(p)!;
  }
  return null;
}

/**
 * Maps an event's oracle result to what a market pays on. Pure.
 *
 * Statuses: Completed reads the values; Cancelled, Abandoned and Void refund every stake;
 * Postponed is `wait` (markets keep waiting: the oracle accepts a later version of a final
 * Postponed result, and that one settles them); None, or values that do not fit the schema, are
 * `invalid` and pay nothing.
 *
 * Race place with k places: each place slot 1..k carries 1/k of the pool; a group of t runners
 * dead-heating at position p covers slots p..p+t-1, and the slots of that range inside 1..k are
 * shared equally by the t runners (k = 3 and positions 1, 2, 3, 3: 1/3, 1/3, 1/6, 1/6). Race win
 * is the same rule with k = 1.
 *
 * @param event - the event's schema (and runners).
 * @param def - the market's definition (checked with {@link definitionProblem}).
 * @param status - the oracle result's status (`ResultStatus`).
 * @param values - the oracle result's values.
 */
export function marketOutcome(
  event: EventShape,
  def: MarketDefinition,
  status: number,
  values: readonly number[],
): MarketOutcome {
  switch (status) {
    case ResultStatus.Completed:
      break;
    case ResultStatus.Cancelled:
      return { kind: 'void', reason: 'cancelled' };
    case ResultStatus.Abandoned:
      return { kind: 'void', reason: 'abandoned' };
    case ResultStatus.Postponed:
      return { kind: 'wait', reason: 'postponed' };
    case ResultStatus.Void:
      return { kind: 'void', reason: 'void' };
    default:
      return { kind: 'invalid', reason: `status ${status} is not a final outcome` };
  }
  const problem = definitionProblem(event, def);
  if (problem) return { kind: 'invalid', reason: problem };
  if (event.schema === 'football.match/v1') {
    if (values.length !== 2) return { kind: 'invalid', reason: `expected [home, away], got ${values.length} values` };
    const [home, away] = values as [number, number];
    if (![home, away].every((v) => Number.isInteger(v) && v >= 0))
      return { kind: 'invalid', reason: 'scores must be non-negative integers' };
    switch (def.type) {
      case 'match-winner':
        return only(home > away ? 0 : home === away ? 1 : 2);
      case 'total-goals':
        return only(home + away > def.line ? 0 : 1);
      case 'handicap':
        return only(home + def.line > away ? 0 : 1);
      default:
        return { kind: 'invalid', reason: `${def.type} on a match` };
    }
  }
  const runners = event.runners!;
  const positionProblem = racePositionsProblem(values, runners);
  if (positionProblem) return { kind: 'invalid', reason: positionProblem };
  const places = def.type === 'race-place' ? def.places : 1;
  const groups = new Map<number, number[]>();
  values.forEach((p, runner) => {
    if (p > 0 && p <= places) groups.set(p, [...(groups.get(p) ?? []), runner]);
  });
  const winners: { selection: number; weight: Weight }[] = [];
  for (const [p, group] of groups) {
    const t = group.length;
    const slots = Math.min(p + t - 1, places) - p + 1;
    for (const selection of group) {
      winners.push({ selection, weight: reduce({ num: BigInt(slots), den: BigInt(places * t) }) });
    }
  }
  winners.sort((a, b) => a.selection - b.selection);
  return { kind: 'winners', winners };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

function reduce(w: Weight): Weight {
  const g = gcd(w.num, w.den);
  return { num: w.num / g, den: w.den / g };
}
