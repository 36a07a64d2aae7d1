import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { IdentityCipher } from '../crypto/identity-cipher.js';
import { KycError } from '../errors.js';
import type { SelfExclusionRegister } from '../exclusion/self-exclusion-register.js';
import { isAdult } from '../policy/age.js';
import { isSubstantialOrHigh } from '../policy/assurance.js';
import type { AccountStore, AccountView, AssuranceMeasureKind } from './account-store.js';
import { identityKey, type PivotIdentity, type VerifiedIdentity } from './pivot-identity.js';

/** Result of {@link IdentityService.onboard}. */
export interface OnboardingResult {
  readonly accountId: string;
  /** True for a new account, false for a returning player. */
  readonly created: boolean;
}

/** Largest weekly limit accepted (1,000,000.00 €), a sanity bound, not a regulatory one. */
export const MAX_WEEKLY_LIMIT_CENTS = 100_000_000;

/**
 * The onboarding policy and the account lifecycle. Knows nothing about OIDC or HTTP: it takes a
 * {@link VerifiedIdentity}, so an asynchronous KYC vendor's approved verdict can feed it too.
 */
export class IdentityService {
  private readonly now: () => Date;

  constructor(
    private readonly deps: {
      readonly store: AccountStore;
      readonly register: SelfExclusionRegister;
      readonly cipher: IdentityCipher;
      readonly hmacKey: Buffer;
      readonly logger: Logger;
      readonly now?: () => Date;
    },
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Signs up a new player or recognises a returning one.
   *
   * New player: adult on the Paris calendar day, not self-excluded, not already registered (by
   * identity key) → account, identity, empty limits and audit entry in one transaction. Any
   * rejection writes only an audit entry.
   *
   * @throws {KycError} KYC_UNDERAGE, KYC_SELF_EXCLUDED, KYC_DUPLICATE_PERSON, KYC_ACCOUNT_SUSPENDED
   */
  async onboard(identity: VerifiedIdentity): Promise<OnboardingResult> {
    const { store, register } = this.deps;
    const existing = await store.findByProviderSubject(identity.provider, identity.subject);
    if (existing) return this.returning(existing, identity);

    if (!isAdult(identity.pivot.birthdate, identity.pivot.birthdatePrecision, this.now())) {
      throw await this.reject(identity, 'KYC_UNDERAGE', 'You must be 18 or older to open a betting account.');
    }
    if (await register.isExcluded(identity.pivot)) {
      throw await this.reject(
        identity,
        'KYC_SELF_EXCLUDED',
        'You are registered as excluded from gambling (interdiction de jeux): an account cannot be opened.',
      );
    }
    const identityId = randomUUID();
    const result = await store.createAccount({
      identityId,
      provider: identity.provider,
      subject: identity.subject,
      identityKey: identityKey(this.deps.hmacKey, identity.pivot),
      acr: identity.acr,
      verifiedAt: identity.verifiedAt,
      sealedPivot: this.deps.cipher.seal(Buffer.from(JSON.stringify(identity.pivot)), identityId),
      withdrawalsAllowed: isSubstantialOrHigh(identity.acr),
    });
    switch (result.kind) {
      case 'created':
        this.deps.logger.info({
          event: 'kyc.account_created',
          provider: identity.provider,
          accountId: result.accountId,
        });
        return { accountId: result.accountId, created: true };
      case 'duplicate-person':
        throw await this.reject(
          identity,
          'KYC_DUPLICATE_PERSON',
          'An account already exists for this person. Sign in with the identity provider you used to open it.',
        );
      case 'duplicate-subject': {
        // Lost a race with a concurrent signup of the same login: that one created the account.
        const winner = await store.findByProviderSubject(identity.provider, identity.subject);
        if (!winner) throw new Error('identity vanished after a unique violation');
        return this.returning(winner, identity);
      }
    }
  }

  private async returning(
    existing: { accountId: string; status: string },
    identity: VerifiedIdentity,
  ): Promise<OnboardingResult> {
    if (existing.status !== 'active') {
      await this.deps.store.audit({
        event: 'login_rejected',
        accountId: existing.accountId,
        provider: identity.provider,
        code: 'KYC_ACCOUNT_SUSPENDED',
      });
      throw new KycError('KYC_ACCOUNT_SUSPENDED', 'This account is suspended. Contact support.');
    }
    await this.deps.store.audit({ event: 'login', accountId: existing.accountId, provider: identity.provider });
    return { accountId: existing.accountId, created: false };
  }

  private async reject(identity: VerifiedIdentity, code: KycError['code'], message: string): Promise<KycError> {
    await this.deps.store.audit({ event: 'signup_rejected', provider: identity.provider, code });
    return new KycError(code, message);
  }

  /** @throws {KycError} KYC_ACCOUNT_NOT_FOUND */
  async getAccount(accountId: string): Promise<AccountView> {
    const account = await this.deps.store.getAccount(accountId);
    if (!account) throw new KycError('KYC_ACCOUNT_NOT_FOUND', 'No such account.');
    return account;
  }

  /**
   * Sets the weekly deposit and stake limits (both required before the first deposit or bet).
   *
   * @throws {KycError} KYC_LIMITS_INVALID, KYC_ACCOUNT_NOT_FOUND, KYC_ACCOUNT_SUSPENDED
   */
  async setLimits(
    accountId: string,
    limits: { weeklyDepositCents?: unknown; weeklyStakeCents?: unknown },
  ): Promise<AccountView> {
    const valid = (v: unknown): v is number =>
      Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= MAX_WEEKLY_LIMIT_CENTS;
    const { weeklyDepositCents, weeklyStakeCents } = limits;
    if (!valid(weeklyDepositCents) || !valid(weeklyStakeCents)) {
      throw new KycError(
        'KYC_LIMITS_INVALID',
        `weeklyDepositCents and weeklyStakeCents must be whole numbers of cents between 1 and ${MAX_WEEKLY_LIMIT_CENTS}.`,
      );
    }
    const account = await this.getAccount(accountId);
    if (account.status !== 'active') throw new KycError('KYC_ACCOUNT_SUSPENDED', 'This account is suspended.');
    await this.deps.store.setLimits(accountId, { weeklyDepositCents, weeklyStakeCents });
    return this.getAccount(accountId);
  }

  /** Records the second identity measure (AML) that opens withdrawals. */
  async recordAssuranceMeasure(
    accountId: string,
    kind: AssuranceMeasureKind,
    reference: string | null = null,
  ): Promise<AccountView> {
    if (!(await this.deps.store.recordAssuranceMeasure(accountId, kind, reference))) {
      throw new KycError('KYC_ACCOUNT_NOT_FOUND', 'No such account.');
    }
    return this.getAccount(accountId);
  }

  /** Decrypts the pivot identity of a stored record (the AAD is the identity id). */
  openPivot(identityId: string, sealed: { keyId: string; data: Buffer }): PivotIdentity {
    return JSON.parse(this.deps.cipher.open(sealed, identityId).toString('utf8')) as PivotIdentity;
  }

  /**
   * The periodic self-exclusion re-check: every active account not checked for `intervalDays` is
   * checked against the register; the excluded are suspended. Run it daily (cron); each account is
   * then checked at most every `intervalDays` (7 by the ANJ rule). Safe to run on several workers.
   *
   * @returns how many accounts were checked and which were suspended.
   */
  async recheckSelfExclusions(options: {
    intervalDays: number;
    batchSize?: number;
  }): Promise<{ checked: number; suspended: string[] }> {
    const cutoff = new Date(this.now().getTime() - options.intervalDays * 86_400_000);
    let checked = 0;
    const suspended: string[] = [];
    for (;;) {
      const batch = await this.deps.store.exclusionCheckBatch(cutoff, options.batchSize ?? 200, (due) =>
        this.deps.register.isExcluded(this.openPivot(due.identityId, due.sealedPivot)),
      );
      checked += batch.checked;
      suspended.push(...batch.suspended);
      if (batch.checked === 0) break;
    }
    this.deps.logger.info({ event: 'kyc.exclusion_recheck', checked, suspended: suspended.length });
    return { checked, suspended };
  }

  /** Re-seals identities still under an old key with the active key (key rotation without downtime). */
  async reencryptIdentities(batchSize = 200): Promise<number> {
    let done = 0;
    for (;;) {
      const rows = await this.deps.store.identitiesNotSealedWith(this.deps.cipher.activeKeyId, batchSize);
      if (rows.length === 0) return done;
      for (const row of rows) {
        const plain = this.deps.cipher.open(row.sealedPivot, row.identityId);
        if (
          await this.deps.store.replaceSealedPivot(
            row.identityId,
            row.sealedPivot.keyId,
            this.deps.cipher.seal(plain, row.identityId),
          )
        ) {
          done++;
        }
      }
    }
  }
}
