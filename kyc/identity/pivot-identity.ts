import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { OidcProviderConfig } from '../config.js';
import { KycError } from '../errors.js';

/** INSEE code of France as a birth country. */
export const FRANCE = '99100';

/** How much of the birthdate is real; FranceConnect pads presumed parts with 01. */
export type BirthdatePrecision = 'day' | 'month' | 'year';

/** The "identité pivot": what the betting decree requires to identify a player. */
export interface PivotIdentity {
  readonly givenNames: string;
  readonly familyName: string;
  /** `YYYY-MM-DD` as sent by the provider (presumed parts padded with 01, or unknown parts `00`). */
  readonly birthdate: string;
  readonly birthdatePrecision: BirthdatePrecision;
  readonly gender: string;
  /** INSEE COG code of the birth municipality; null when born abroad. */
  readonly birthplace: string | null;
  /** INSEE code `99xxx`. */
  readonly birthcountry: string;
}

/**
 * A person as asserted by a provider, after every protocol check. Synchronous OIDC logins and
 * (later) asynchronous KYC vendors both produce this, so onboarding does not care where it came from.
 */
export interface VerifiedIdentity {
  readonly provider: string;
  /** The provider's (pairwise) subject identifier. */
  readonly subject: string;
  /** acr asserted by the provider, or `none` for providers without levels. */
  readonly acr: string;
  readonly verifiedAt: Date;
  readonly pivot: PivotIdentity;
}

const date = /^(\d{4})-(\d{2})-(\d{2})$/;
const Claims = z.object({
  given_name: z.string().trim().min(1),
  family_name: z.string().trim().min(1),
  birthdate: z.string().regex(date),
  gender: z.string().trim().min(1),
  birthplace: z.string().optional(),
  birthcountry: z.string().regex(/^99\d{3}$/),
});

/**
 * Maps provider claims to a {@link PivotIdentity} (pure).
 *
 * @throws {KycError} KYC_IDENTITY_INCOMPLETE when a required claim is missing or malformed.
 */
export function pivotFromClaims(
  claims: Readonly<Record<string, unknown>>,
  mapping: OidcProviderConfig['claimMapping'],
): PivotIdentity {
  const picked = Object.fromEntries(Object.entries(mapping).map(([field, claim]) => [field, claims[claim]]));
  const parsed = Claims.safeParse(picked);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ');
    throw new KycError('KYC_IDENTITY_INCOMPLETE', `The identity provider did not send a usable ${fields}.`);
  }
  const c = parsed.data;
  const bornInFrance = c.birthcountry === FRANCE;
  const birthplace = c.birthplace?.trim() ?? '';
  if (bornInFrance && !/^[0-9][0-9AB][0-9]{3}$/.test(birthplace)) {
    throw new KycError('KYC_IDENTITY_INCOMPLETE', 'The identity provider did not send a usable birthplace.');
  }
  return {
    givenNames: c.given_name.replace(/\s+/g, ' '),
    familyName: c.family_name.replace(/\s+/g, ' '),
    birthdate: c.birthdate,
    birthdatePrecision: birthdatePrecision(c.birthdate, claims.idp_birthdate),
    gender: c.gender.toLowerCase(),
    birthplace: bornInFrance ? birthplace : null,
    birthcountry: c.birthcountry,
  };
}

/** A birthdate's parts; 0 is an unknown month or day (`2008-00-00`, `2008-12-00`). */
export interface BirthdateParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Reads `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (the last two only when `partial`), where `00` is an
 * unknown month or day. Returns null for an impossible date: year before 1800, month above 12, a day
 * the month does not have (`1990-02-30`, `1990-04-31`), or above 31 when the month is unknown.
 */
export function parseBirthdate(text: string, partial = false): BirthdateParts | null {
  const m = (partial ? /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/ : /^(\d{4})-(\d{2})-(\d{2})$/).exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2] ?? '0');
  const day = Number(m[3] ?? '0');
  if (year < 1800 || month > 12 || day > 31) return null;
  if (month !== 0 && day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

const PRECISION_ORDER: readonly BirthdatePrecision[] = ['day', 'month', 'year'];
const coarsest = (...ps: BirthdatePrecision[]): BirthdatePrecision =>
  PRECISION_ORDER[Math.max(...ps.map((p) => PRECISION_ORDER.indexOf(p)))]!;
/** Precision of the known parts: an unknown month makes a known day meaningless (year only). */
const knownPrecision = (p: BirthdateParts): BirthdatePrecision =>
  p.month === 0 ? 'year' : p.day === 0 ? 'month' : 'day';

/**
 * How much of `birthdate` is real, the conservative reading of three sources:
 * - unknown parts (`00`) in `birthdate` are unknown;
 * - `idp_birthdate` (FC), when present, tells the real precision (`YYYY`, `YYYY-MM`, a full date,
 *   each part possibly `00`);
 * - without it, FranceConnect's padding is assumed: any `-01-01` / `-01` ending is presumed (a real
 *   1st of the month can only make the age check stricter, never looser).
 * The coarsest reading wins.
 *
 * @throws {KycError} KYC_BIRTHDATE_INVALID when either date is impossible, or when `idp_birthdate`
 *   contradicts a known part of `birthdate`.
 */
export function birthdatePrecision(birthdate: string, idpBirthdate: unknown): BirthdatePrecision {
  const parts = parseBirthdate(birthdate);
  if (!parts) throw invalidBirthdate();
  const own = knownPrecision(parts);
  if (idpBirthdate !== undefined && idpBirthdate !== null && idpBirthdate !== '') {
    const idp = typeof idpBirthdate === 'string' ? parseBirthdate(idpBirthdate, true) : null;
    if (!idp) throw invalidBirthdate();
    const contradicts =
      idp.year !== parts.year ||
      (idp.month !== 0 && parts.month !== 0 && idp.month !== parts.month) ||
      (idp.month !== 0 && idp.day !== 0 && parts.day !== 0 && idp.day !== parts.day);
    if (contradicts) throw invalidBirthdate();
    return coarsest(own, knownPrecision(idp));
  }
  if (birthdate.endsWith('-01-01')) return 'year';
  if (birthdate.endsWith('-01')) return coarsest(own, 'month');
  return own;
}

const invalidBirthdate = () =>
  new KycError('KYC_BIRTHDATE_INVALID', 'The identity provider sent a birthdate that does not exist.');

/** Uppercase, accents and punctuation removed, single spaces: `Angéla-Claire  d'Œuvre` → `ANGELA CLAIRE D OEUVRE`. */
export function normaliseName(name: string): string {
  return name
    .replace(/[œŒ]/g, 'OE')
    .replace(/[æÆ]/g, 'AE')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();
}

/** The canonical string of a person (fields separated by U+001F, versioned). */
export function canonicalIdentity(p: PivotIdentity): string {
  return [
    'pivot-v1',
    normaliseName(p.givenNames),
    normaliseName(p.familyName),
    p.birthdate,
    p.gender,
    p.birthcountry === FRANCE ? (p.birthplace ?? '') : '',
    p.birthcountry,
  ].join('\u001f');
}

/** HMAC-SHA-256 of the canonical identity: equal for the same person through any provider. */
export function identityKey(hmacKey: Buffer, p: PivotIdentity): Buffer {
  return createHmac('sha256', hmacKey).update(canonicalIdentity(p)).digest();
}

/**
 * Key used to match the self-exclusion register: fewer fields (names and birthdate), because the
 * register does not carry gender or birthplace. Domain-separated from {@link identityKey}.
 */
export function exclusionKey(
  hmacKey: Buffer,
  p: Pick<PivotIdentity, 'givenNames' | 'familyName' | 'birthdate'>,
): Buffer {
  const canonical = ['exclusion-v1', normaliseName(p.givenNames), normaliseName(p.familyName), p.birthdate];
  return createHmac('sha256', hmacKey).update(canonical.join('\u001f')).digest();
}
