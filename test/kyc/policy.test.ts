import { isAdult, latestPossibleBirthdate, parisDate } from '../../kyc/policy/age.js';
import { checkAcr } from '../../kyc/policy/assurance.js';
import { isKycError } from '../../kyc/index.js';

describe('isAdult (Europe/Paris calendar day)', () => {
  it('turns 18 on the birthday itself, in Paris time', () => {
    // 2026-03-14T23:30Z is already 15 March in Paris (UTC+1).
    expect(isAdult('2008-03-15', 'day', new Date('2026-03-14T23:30:00Z'))).toBe(true);
    expect(isAdult('2008-03-15', 'day', new Date('2026-03-14T22:59:00Z'))).toBe(false);
    // Summer time (UTC+2): 2026-07-09T22:30Z is 10 July in Paris.
    expect(isAdult('2008-07-10', 'day', new Date('2026-07-09T22:30:00Z'))).toBe(true);
    expect(isAdult('2008-07-10', 'day', new Date('2026-07-09T21:30:00Z'))).toBe(false);
  });

  it('makes a 29 February birthday come of age on 1 March in non-leap years', () => {
    expect(isAdult('2008-02-29', 'day', new Date('2026-02-28T12:00:00Z'))).toBe(false);
    expect(isAdult('2008-02-29', 'day', new Date('2026-03-01T12:00:00Z'))).toBe(true);
  });

  it('reads presumed dates at their latest possible day', () => {
    expect(latestPossibleBirthdate('2008-01-01', 'year')).toEqual([2008, 12, 31]);
    expect(latestPossibleBirthdate('2008-02-01', 'month')).toEqual([2008, 2, 29]);
    expect(latestPossibleBirthdate('2007-02-01', 'month')).toEqual([2007, 2, 28]);
    expect(isAdult('2008-01-01', 'year', new Date('2026-06-01T12:00:00Z'))).toBe(false);
    expect(isAdult('2008-01-01', 'year', new Date('2026-12-31T12:00:00Z'))).toBe(true);
    expect(isAdult('2008-05-01', 'month', new Date('2026-05-30T12:00:00Z'))).toBe(false);
    expect(isAdult('2008-05-01', 'month', new Date('2026-05-31T12:00:00Z'))).toBe(true);
  });

  it('reads unknown (00) parts at their latest possible day', () => {
    expect(latestPossibleBirthdate('2008-00-00', 'year')).toEqual([2008, 12, 31]);
    expect(latestPossibleBirthdate('2008-12-00', 'month')).toEqual([2008, 12, 31]);
    expect(latestPossibleBirthdate('2008-00-15', 'year')).toEqual([2008, 12, 31]);
    // Even with a precision that claims more: 00 is never a day or month.
    expect(latestPossibleBirthdate('2008-00-15', 'day')).toEqual([2008, 12, 31]);
    expect(latestPossibleBirthdate('2008-02-00', 'day')).toEqual([2008, 2, 29]);
    expect(isAdult('2008-00-00', 'day', new Date('2026-06-01T12:00:00Z'))).toBe(false);
    expect(isAdult('2008-12-00', 'day', new Date('2026-12-30T12:00:00Z'))).toBe(false);
    expect(isAdult('2008-12-00', 'day', new Date('2026-12-31T12:00:00Z'))).toBe(true);
  });

  it('computes the Paris date', () => {
    expect(parisDate(new Date('2026-12-31T23:30:00Z'))).toEqual([2027, 1, 1]);
  });
});

describe('checkAcr', () => {
  const fc = { acrLevels: ['eidas1', 'eidas2', 'eidas3'], requiredAcr: 'eidas1' };
  const code = (f: () => unknown) => {
    try {
      f();
      return 'accepted';
    } catch (error) {
      return isKycError(error) ? error.code : 'other';
    }
  };
  it('accepts the required level and above', () => {
    expect(checkAcr('eidas1', fc)).toBe('eidas1');
    expect(checkAcr('eidas3', fc)).toBe('eidas3');
  });
  it.each([[undefined], [''], ['eidas0'], ['EIDAS1'], [1]])('refuses %p', (acr) => {
    expect(code(() => checkAcr(acr, fc))).toBe('KYC_ASSURANCE_INSUFFICIENT');
  });
  it('refuses a lower level than required', () => {
    expect(code(() => checkAcr('eidas1', { ...fc, requiredAcr: 'eidas2' }))).toBe('KYC_ASSURANCE_INSUFFICIENT');
  });
  it('records none for providers without a required level', () => {
    expect(checkAcr(undefined, { acrLevels: [], requiredAcr: undefined })).toBe('none');
    expect(checkAcr('eidas2', { ...fc, requiredAcr: undefined })).toBe('eidas2');
  });
});
