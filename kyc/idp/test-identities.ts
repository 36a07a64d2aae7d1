import { parisDate } from '../policy/age.js';

/**
 * How the local identity provider misbehaves for one identity, to exercise the client's checks
 * through the real code path (tokens re-signed with the provider's real keys unless stated).
 */
export type IdentityKnob =
  | 'id-token-wrong-aud'
  | 'id-token-wrong-alg'
  | 'id-token-expired'
  | 'id-token-nonce-mismatch'
  | 'userinfo-tampered'
  | 'userinfo-sub-mismatch';

/** A documented test person of the local FranceConnect-like provider (all fictitious). */
export interface TestIdentity {
  /** Account id at the provider; the client sees a pairwise `sub` derived from it. */
  readonly id: string;
  readonly description: string;
  readonly claims: {
    readonly given_name: string;
    readonly family_name: string;
    readonly birthdate: string;
    readonly gender: 'male' | 'female';
    /** INSEE COG code, empty string when born abroad (as FranceConnect sends it). */
    readonly birthplace: string;
    readonly birthcountry: string;
    readonly email: string;
    readonly preferred_username?: string;
    /** Raw IdP birthdate (`YYYY`, `YYYY-MM`), sent only for presumed dates. */
    readonly idp_birthdate?: string;
  };
  /** acr the provider asserts; null = no acr claim. Default eidas1. */
  readonly acr?: string | null;
  readonly knob?: IdentityKnob;
}

const dubois = {
  given_name: 'Angela Claire Louise',
  family_name: 'DUBOIS',
  birthdate: '1962-08-24',
  gender: 'female',
  birthplace: '75107',
  birthcountry: '99100',
  email: 'angela.dubois@example.test',
} as const;

const adult = (id: string, description: string, knob?: IdentityKnob, acr?: string | null): TestIdentity => ({
  id,
  description,
  claims: {
    ...dubois,
    given_name: 'Paul Louis',
    family_name: `TEST-${id.toUpperCase()}`,
    gender: 'male',
    birthdate: '1980-03-15',
  },
  ...(knob ? { knob } : {}),
  ...(acr !== undefined ? { acr } : {}),
});

/**
 * The documented identities (docs/kyc.md). `minor` is computed from today's date so it stays a
 * minor; every other birthdate is fixed.
 */
export function testIdentities(today: Date = new Date()): readonly TestIdentity[] {
  // The Paris year, as the age check uses (differs from UTC on New Year's Eve night).
  const year = parisDate(today)[0];
  const minorYear = year - 16;
  return [
    {
      id: 'dubois',
      description: 'Adult, born 1962-08-24 in Paris 7e (the FranceConnect sandbox persona)',
      claims: dubois,
    },
    {
      id: 'dubois-again',
      description: 'The same person as dubois under another provider account (duplicate person)',
      claims: { ...dubois, given_name: 'Angéla Claire  Louise' },
    },
    {
      id: 'minor',
      description: `Minor, born ${minorYear}-06-10 in Lyon 3e`,
      claims: {
        ...dubois,
        given_name: 'Lucas',
        family_name: 'MARTIN',
        gender: 'male',
        birthdate: `${minorYear}-06-10`,
        birthplace: '69383',
        email: 'lucas.martin@example.test',
      },
    },
    {
      id: 'presumed',
      description:
        'Presumed birthdate: turns 18 this year, sent as YYYY-01-01 (idp_birthdate YYYY): refused until 31 December',
      claims: {
        ...dubois,
        given_name: 'Nour',
        family_name: 'BENALI',
        birthdate: `${year - 18}-01-01`,
        idp_birthdate: `${year - 18}`,
        birthplace: '',
        birthcountry: '99350',
        email: 'nour.benali@example.test',
      },
    },
    {
      id: 'excluded',
      description: 'Adult listed in the self-exclusion register of the tests (Jean Pierre DURAND, 1975-11-02)',
      claims: {
        ...dubois,
        given_name: 'Jean Pierre',
        family_name: 'DURAND',
        gender: 'male',
        birthdate: '1975-11-02',
        birthplace: '13055',
        email: 'jp.durand@example.test',
      },
    },
    {
      id: 'abroad',
      description: 'Adult born abroad (Madrid, Spain: birthcountry 99134, empty birthplace)',
      claims: {
        ...dubois,
        given_name: 'Carmen',
        family_name: 'GARCIA LOPEZ',
        birthdate: '1990-02-28',
        birthplace: '',
        birthcountry: '99134',
        email: 'carmen.garcia@example.test',
      },
    },
    {
      id: 'plus',
      description: 'Adult asserted at eidas2 (FranceConnect+ persona)',
      claims: {
        ...dubois,
        given_name: 'Marc',
        family_name: 'LEROY',
        gender: 'male',
        birthdate: '1970-01-20',
        email: 'marc.leroy@example.test',
      },
      acr: 'eidas2',
    },
    adult('acr-missing', 'Adult, ID token without acr', undefined, null),
    adult('acr-eidas0', 'Adult, ID token with acr eidas0', undefined, 'eidas0'),
    adult('wrong-aud', 'ID token re-signed with another audience', 'id-token-wrong-aud'),
    adult('wrong-alg', 'ID token signed RS256 (client pins ES256)', 'id-token-wrong-alg'),
    adult('expired', 'ID token expired 2 minutes ago (client clock ahead beyond tolerance)', 'id-token-expired'),
    adult('nonce-mismatch', 'ID token with another nonce', 'id-token-nonce-mismatch'),
    adult('tampered-userinfo', 'Userinfo JWT payload changed after signing', 'userinfo-tampered'),
    adult('userinfo-sub', 'Userinfo JWT (validly signed) about another sub', 'userinfo-sub-mismatch'),
  ];
}

/** A documented staff member of the local provider's staff sign-in (fictitious). */
export interface StaffTestIdentity {
  /** Account id at the provider, and the `sub` the staff client sees (public subject): the adminId. */
  readonly id: string;
  readonly description: string;
  readonly claims: {
    readonly name: string;
    readonly preferred_username: string;
    readonly email: string;
    /** Sent in the `roles` claim (scope `roles`). */
    readonly roles: readonly string[];
  };
}

const staff = (id: string, name: string, roles: readonly string[], description: string): StaffTestIdentity => ({
  id,
  description,
  claims: { name, preferred_username: id, email: `${id}@staff.verdict.test`, roles },
});

/** Roles of the five development admins: administer, and attest results with their bound attester key. */
export const DEV_ADMIN_ROLES = ['verdict:admin', 'verdict:attester'] as const;

/**
 * The documented staff identities (docs/kyc.md, "Staff sign-in"): the five development admins
 * `alice`, `bob`, `carol`, `dave`, `erin` (the admin ids oracle's tests and the local stack bind to
 * the development attester keys), `frank`, an admin who does not attest, and `sam`, a staff member
 * without the admin role (refused at sign-in).
 */
export function staffTestIdentities(): readonly StaffTestIdentity[] {
  return [
    staff('alice', 'Alice Admin', DEV_ADMIN_ROLES, 'Development admin and attester 1'),
    staff('bob', 'Bob Admin', DEV_ADMIN_ROLES, 'Development admin and attester 2'),
    staff('carol', 'Carol Admin', DEV_ADMIN_ROLES, 'Development admin and attester 3'),
    staff('dave', 'Dave Admin', DEV_ADMIN_ROLES, 'Development admin and attester 4'),
    staff('erin', 'Erin Admin', DEV_ADMIN_ROLES, 'Development admin and attester 5'),
    staff('frank', 'Frank Operator', ['verdict:admin'], 'Admin without the attester role'),
    staff('sam', 'Sam Support', ['verdict:support'], 'Staff member without the admin role (refused)'),
  ];
}
