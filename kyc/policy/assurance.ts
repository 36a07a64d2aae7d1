import type { OidcProviderConfig } from '../config.js';
import { KycError } from '../errors.js';

/**
 * The acr check openid-client does not do: present, known to this provider's scale, and at least
 * the required level. Returns the acr to record (`none` for providers without levels).
 *
 * @throws {KycError} KYC_ASSURANCE_INSUFFICIENT
 */
export function checkAcr(acr: unknown, provider: Pick<OidcProviderConfig, 'acrLevels' | 'requiredAcr'>): string {
  const { requiredAcr, acrLevels } = provider;
  if (requiredAcr === undefined) {
    return typeof acr === 'string' && acrLevels.includes(acr) ? acr : 'none';
  }
  if (typeof acr !== 'string' || acr === '') {
    throw new KycError(
      'KYC_ASSURANCE_INSUFFICIENT',
      'The identity provider did not state the assurance level of this sign-in.',
    );
  }
  const level = acrLevels.indexOf(acr);
  if (level < 0 || level < acrLevels.indexOf(requiredAcr)) {
    throw new KycError(
      'KYC_ASSURANCE_INSUFFICIENT',
      `This sign-in was made at an assurance level lower than the required ${requiredAcr}.`,
    );
  }
  return acr;
}

/** eIDAS substantial or high (R.561-5-1 CMF): enough on its own to open withdrawals. */
export function isSubstantialOrHigh(acr: string): boolean {
  return acr === 'eidas2' || acr === 'eidas3';
}
