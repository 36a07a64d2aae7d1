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
  /** `YYYY-MM-DD` as sent by the provider (presumed parts padded with 01). */
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

/**
 * FranceConnect pads presumed birthdates (`YYYY-01-01`, `YYYY-MM-01`); `idp_birthdate` (FC low) tells
 * the truth when present (`YYYY`, `YYYY-MM` or a full date). Without it, any padded-looking date is
 * taken as presumed: a real 1st of the month can only make the age check stricter, never looser.
 */
export function birthdatePrecision(birthdate: string, idpBirthdate: unknown): BirthdatePrecision {
  if (typeof idpBirthdate === 'string') {
    if (/^\d{4}$/.test(idpBirthdate)) return 'year';
    if (/^\d{4}-\d{2}$/.test(idpBirthdate)) return 'month';
    if (idpBirthdate === birthdate) return 'day';
  }
  if (birthdate.endsWith('-01-01')) return 'year';
  if (birthdate.endsWith('-01')) return 'month';
  return 'day';
}

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
