import type { BirthdatePrecision } from '../identity/pivot-identity.js';

/** Age of majority for gambling in France (L. 320-9-1 CSI). */
export const MAJORITY_AGE = 18;

type Ymd = readonly [number, number, number];

/** The calendar date in Europe/Paris at `now` (signup day is a Paris day, whatever the server's zone). */
export function parisDate(now: Date): Ymd {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Paris',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return [get('year'), get('month'), get('day')];
}

/** The latest birthdate compatible with a (possibly presumed) date: the conservative reading. */
export function latestPossibleBirthdate(birthdate: string, precision: BirthdatePrecision): Ymd {
  const [y, m, d] = birthdate.split('-').map(Number) as [number, number, number];
  // Unknown parts (00) are unknown whatever the precision says: an unknown month reads as the year only.
  if (precision === 'year' || m === 0) return [y, 12, 31];
  if (precision === 'month' || d === 0) return [y, m, new Date(Date.UTC(y, m, 0)).getUTCDate()];
  return [y, m, d];
}

const compare = (a: Ymd, b: Ymd) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/**
 * True when the person is 18 or older on the Paris calendar day of `now`. A person born on
 * 29 February comes of age on 1 March in non-leap years.
 */
export function isAdult(birthdate: string, precision: BirthdatePrecision, now: Date): boolean {
  const [y, m, d] = latestPossibleBirthdate(birthdate, precision);
  return compare([y + MAJORITY_AGE, m, d], parisDate(now)) <= 0;
}
