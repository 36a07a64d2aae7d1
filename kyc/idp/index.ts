/**
 * The local FranceConnect-like OpenID Provider (oidc-provider) and its documented test identities.
 * A separate entry point from `kyc/index.ts` so production code never loads it; it also refuses
 * to start when NODE_ENV is production.
 *
 * @packageDocumentation
 */

/**
 * Starts the provider on `host:port` (port 0 = any free port).
 *
 * @param options - registered clients (a `staff: true` one for the staff sign-in), identities (default
 *   {@link testIdentities}), staff identities (default {@link staffTestIdentities}), acr values.
 * @returns the issuer URL, the identities, the authorize requests seen, and `close()`.
 * @throws Error when NODE_ENV is production.
 */
export {
  startLocalIdp,
  FRANCECONNECT_AUTHORIZE_PARAMS,
  type LocalIdp,
  type LocalIdpClient,
  type LocalIdpOptions,
} from './local-idp.js';

/** The documented test identities (adult, minor, presumed birthdate, self-excluded, duplicate, abroad, knobs). */
export { testIdentities, type TestIdentity, type IdentityKnob } from './test-identities.js';

/** The documented staff identities (five admins/attesters alice…erin, frank without attester role, sam without admin role). */
export { staffTestIdentities, DEV_ADMIN_ROLES, type StaffTestIdentity } from './test-identities.js';
