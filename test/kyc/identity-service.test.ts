import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import {
  IdentityCipher,
  IdentityService,
  isKycError,
  type PivotIdentity,
  type VerifiedIdentity,
} from '../../kyc/index.js';
import { FakeAccountStore } from './support/fake-account-store.js';

const pivot: PivotIdentity = {
  givenNames: 'Angela Claire Louise',
  familyName: 'DUBOIS',
  birthdate: '1962-08-24',
  birthdatePrecision: 'day',
  gender: 'female',
  birthplace: '75107',
  birthcountry: '99100',
};
const identity = (patch: Partial<VerifiedIdentity> = {}): VerifiedIdentity => ({
  provider: 'franceconnect',
  subject: 'sub-1',
  acr: 'eidas1',
  verifiedAt: new Date('2026-01-01T00:00:00Z'),
  pivot,
  ...patch,
});

function setup(excluded = false) {
  const store = new FakeAccountStore();
  const cipher = new IdentityCipher({ activeKeyId: 'k1', keys: new Map([['k1', randomBytes(32)]]) });
  const service = new IdentityService({
    store,
    register: { isExcluded: () => Promise.resolve(excluded) },
    cipher,
    hmacKey: randomBytes(32),
    logger: pino({ level: 'silent' }),
    now: () => new Date('2026-06-01T10:00:00Z'),
  });
  return { store, service, cipher };
}

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'accepted';
  } catch (error) {
    return isKycError(error) ? error.code : String(error);
  }
};

describe('IdentityService.onboard (unit, FakeAccountStore)', () => {
  it('creates an account with the encrypted pivot identity under the identity id as AAD', async () => {
    const { store, service } = setup();
    expect(await service.onboard(identity())).toEqual({ accountId: 'acc-1', created: true });
    const row = store.rows[0]!;
    expect(row.identity.sealedPivot.data.toString('latin1')).not.toContain('DUBOIS');
    expect(service.openPivot(row.identity.identityId, row.identity.sealedPivot)).toEqual(pivot);
    expect(row.withdrawalsAllowed).toBe(false);
  });

  it('treats a lost race on (provider, subject) as the returning player it is', async () => {
    const { store, service } = setup();
    // A concurrent callback of the same login inserts first, after our existence check.
    store.beforeCreate = () => {
      store.beforeCreate = undefined;
      store.insert('winner', {
        identityId: 'x',
        provider: 'franceconnect',
        subject: 'sub-1',
        identityKey: randomBytes(32),
        acr: 'eidas1',
        verifiedAt: new Date(),
        sealedPivot: { keyId: 'k1', data: Buffer.alloc(0) },
        withdrawalsAllowed: false,
      });
    };
    expect(await service.onboard(identity())).toEqual({ accountId: 'winner', created: false });
    expect(store.rows).toHaveLength(1);
  });

  it('refuses minors, the excluded and duplicates, auditing only the rejection', async () => {
    const minor = setup();
    const young = { ...pivot, birthdate: '2008-06-02' };
    expect(await codeOf(minor.service.onboard(identity({ pivot: young })))).toBe('KYC_UNDERAGE');
    expect(await codeOf(setup(true).service.onboard(identity()))).toBe('KYC_SELF_EXCLUDED');
    expect(minor.store.rows).toHaveLength(0);
    expect(minor.store.audits).toEqual([{ event: 'signup_rejected', provider: 'franceconnect', code: 'KYC_UNDERAGE' }]);

    const { store, service } = setup();
    await service.onboard(identity());
    expect(await codeOf(service.onboard(identity({ provider: 'other', subject: 'sub-2' })))).toBe(
      'KYC_DUPLICATE_PERSON',
    );
    expect(store.rows).toHaveLength(1);
  });

  it('comes of age on the birthday (2008-06-01 is 18 on 2026-06-01)', async () => {
    const { service } = setup();
    expect(await service.onboard(identity({ pivot: { ...pivot, birthdate: '2008-06-01' } }))).toMatchObject({
      created: true,
    });
  });

  it('opens withdrawals at signup for eidas2, otherwise only after a second measure', async () => {
    const { store, service } = setup();
    await service.onboard(identity({ acr: 'eidas2' }));
    expect(store.rows[0]!.withdrawalsAllowed).toBe(true);
    const other = setup();
    const { accountId } = await other.service.onboard(identity());
    expect((await other.service.getAccount(accountId)).withdrawalsAllowed).toBe(false);
    expect((await other.service.recordAssuranceMeasure(accountId, 'payment_account_in_name')).withdrawalsAllowed).toBe(
      true,
    );
  });

  it('refuses a suspended returning player', async () => {
    const { store, service } = setup();
    const { accountId } = await service.onboard(identity());
    await store.suspend(accountId);
    expect(await codeOf(service.onboard(identity()))).toBe('KYC_ACCOUNT_SUSPENDED');
  });

  it('validates limits: positive whole cents, both required, bounded', async () => {
    const { service } = setup();
    const { accountId } = await service.onboard(identity());
    for (const bad of [
      {},
      { weeklyDepositCents: 100 },
      { weeklyDepositCents: 0, weeklyStakeCents: 1 },
      { weeklyDepositCents: '100', weeklyStakeCents: 1 },
      { weeklyDepositCents: 1e12, weeklyStakeCents: 1 },
    ]) {
      expect(await codeOf(service.setLimits(accountId, bad))).toBe('KYC_LIMITS_INVALID');
    }
    expect((await service.setLimits(accountId, { weeklyDepositCents: 5_000, weeklyStakeCents: 2_000 })).canPlay).toBe(
      true,
    );
  });

  it('suspends players found excluded by the re-check, decrypting their identity for the register', async () => {
    const store = new FakeAccountStore();
    const shared = {
      store,
      cipher: new IdentityCipher({ activeKeyId: 'k1', keys: new Map([['k1', randomBytes(32)]]) }),
      hmacKey: randomBytes(32),
      logger: pino({ level: 'silent' }),
    };
    // Nobody is excluded at signup…
    const signup = new IdentityService({ ...shared, register: { isExcluded: () => Promise.resolve(false) } });
    const a = await signup.onboard(identity());
    const b = await signup.onboard(identity({ subject: 'sub-2', pivot: { ...pivot, familyName: 'MARTIN' } }));
    // …then the register lists DUBOIS.
    const seen: PivotIdentity[] = [];
    const later = new IdentityService({
      ...shared,
      register: {
        isExcluded: (p) => {
          seen.push(p);
          return Promise.resolve(p.familyName === 'DUBOIS');
        },
      },
    });
    const result = await later.recheckSelfExclusions({ intervalDays: 7 });
    expect(result.suspended).toEqual([a.accountId]);
    expect(seen.map((p) => p.familyName).sort()).toEqual(['DUBOIS', 'MARTIN']);
    expect((await later.getAccount(b.accountId)).status).toBe('active');
    expect((await later.getAccount(a.accountId)).status).toBe('suspended');
  });
});
