import { randomBytes } from 'node:crypto';
import { FRANCECONNECT_CLAIMS } from '../../kyc/config.js';
import {
  birthdatePrecision,
  canonicalIdentity,
  exclusionKey,
  identityKey,
  normaliseName,
  pivotFromClaims,
} from '../../kyc/identity/pivot-identity.js';
import { isKycError } from '../../kyc/index.js';

const angela = {
  sub: 'x',
  given_name: 'Angela Claire Louise',
  family_name: 'DUBOIS',
  birthdate: '1962-08-24',
  gender: 'female',
  birthplace: '75107',
  birthcountry: '99100',
};

describe('pivot identity', () => {
  it('maps FranceConnect claims; birthplace only when born in France', () => {
    expect(pivotFromClaims(angela, FRANCECONNECT_CLAIMS)).toEqual({
      givenNames: 'Angela Claire Louise',
      familyName: 'DUBOIS',
      birthdate: '1962-08-24',
      birthdatePrecision: 'day',
      gender: 'female',
      birthplace: '75107',
      birthcountry: '99100',
    });
    const abroad = pivotFromClaims({ ...angela, birthplace: '', birthcountry: '99134' }, FRANCECONNECT_CLAIMS);
    expect(abroad.birthplace).toBeNull();
    expect(pivotFromClaims({ ...angela, birthplace: '2A004' }, FRANCECONNECT_CLAIMS).birthplace).toBe('2A004');
  });

  it.each([
    ['family_name', { family_name: '' }],
    ['birthdate', { birthdate: '24/08/1962' }],
    ['birthcountry', { birthcountry: 'FR' }],
    ['birthplace', { birthplace: '' }],
    ['given_name', { given_name: undefined }],
  ])('refuses an identity with an unusable %s', (_field, patch) => {
    try {
      pivotFromClaims({ ...angela, ...patch }, FRANCECONNECT_CLAIMS);
      throw new Error('accepted');
    } catch (error) {
      expect(isKycError(error, 'KYC_IDENTITY_INCOMPLETE')).toBe(true);
    }
  });

  it("reads a generic provider's claims through its claim mapping", () => {
    const claims = { first: 'Carmen', last: 'GARCIA LOPEZ', dob: '1990-02-28', sex: 'female', country: '99134' };
    const mapping = {
      ...FRANCECONNECT_CLAIMS,
      given_name: 'first',
      family_name: 'last',
      birthdate: 'dob',
      gender: 'sex',
      birthcountry: 'country',
    };
    expect(pivotFromClaims(claims, mapping)).toMatchObject({
      givenNames: 'Carmen',
      birthplace: null,
      birthcountry: '99134',
    });
  });

  it('detects presumed birthdates, trusting idp_birthdate when present', () => {
    expect(birthdatePrecision('1990-01-01', undefined)).toBe('year');
    expect(birthdatePrecision('1990-05-01', undefined)).toBe('month');
    expect(birthdatePrecision('1990-05-02', undefined)).toBe('day');
    expect(birthdatePrecision('1990-01-01', '1990-01-01')).toBe('day');
    expect(birthdatePrecision('1990-05-01', '1990-05')).toBe('month');
    expect(birthdatePrecision('1990-01-01', '1990')).toBe('year');
  });

  it('reads unknown (00) parts as unknown, in birthdate and in idp_birthdate', () => {
    expect(birthdatePrecision('2008-00-00', undefined)).toBe('year');
    expect(birthdatePrecision('2008-12-00', undefined)).toBe('month');
    expect(birthdatePrecision('2008-00-15', undefined)).toBe('year');
    expect(birthdatePrecision('2008-01-01', '2008-00-00')).toBe('year');
    expect(birthdatePrecision('2008-12-01', '2008-12-00')).toBe('month');
    expect(birthdatePrecision('2008-01-15', '2008-00-15')).toBe('year');
    expect(birthdatePrecision('2008-12-00', '2008-12-24')).toBe('month');
  });

  it.each([
    ['1990-02-30', undefined],
    ['1990-04-31', undefined],
    ['2007-02-29', undefined],
    ['1990-13-01', undefined],
    ['1990-00-32', undefined],
    ['0000-00-00', undefined],
    ['1990-05-02', '1990-02-30'],
    ['1990-05-02', '1990-13'],
    ['1990-05-02', '19900'],
    ['1990-05-02', 1990],
    ['1990-05-02', '1991'],
    ['1990-05-02', '1990-06'],
    ['1990-05-02', '1990-05-03'],
  ])('refuses the impossible or contradictory birthdate %s (idp_birthdate %p)', (birthdate, idp) => {
    expect(() => birthdatePrecision(birthdate, idp)).toThrow(
      expect.objectContaining({ code: 'KYC_BIRTHDATE_INVALID' }) as Error,
    );
  });

  it('accepts 29 February of a leap year', () => {
    expect(birthdatePrecision('2008-02-29', undefined)).toBe('day');
  });

  it('normalises names: case, accents, ligatures, punctuation, spaces', () => {
    expect(normaliseName("  Angéla-Claire  d'Œuvre ")).toBe('ANGELA CLAIRE D OEUVRE');
    expect(normaliseName('Zoë Æsa')).toBe('ZOE AESA');
  });

  it('gives the same identity key to the same person through different spellings, and different keys otherwise', () => {
    const key = randomBytes(32);
    const a = pivotFromClaims(angela, FRANCECONNECT_CLAIMS);
    const b = pivotFromClaims(
      { ...angela, given_name: 'Angéla  Claire-Louise', family_name: 'Dubois' },
      FRANCECONNECT_CLAIMS,
    );
    expect(identityKey(key, a).equals(identityKey(key, b))).toBe(true);
    for (const patch of [
      { birthdate: '1962-08-25' },
      { gender: 'male' },
      { birthplace: '75108' },
      { given_name: 'Angela' },
    ]) {
      const other = pivotFromClaims({ ...angela, ...patch }, FRANCECONNECT_CLAIMS);
      expect(identityKey(key, other).equals(identityKey(key, a))).toBe(false);
    }
    // Keyed: another key gives another value (a leaked table cannot be dictionary-matched without the key).
    expect(identityKey(randomBytes(32), a).equals(identityKey(key, a))).toBe(false);
    // Domain-separated from the register's key.
    expect(exclusionKey(key, a).equals(identityKey(key, a))).toBe(false);
    expect(canonicalIdentity(a)).toBe(
      ['pivot-v1', 'ANGELA CLAIRE LOUISE', 'DUBOIS', '1962-08-24', 'female', '75107', '99100'].join('\u001f'),
    );
  });
});
