import type { SealedBox } from '../crypto/identity-cipher.js';

/** Everything a signup writes, in one transaction. */
export interface NewAccount {
  readonly identityId: string;
  readonly provider: string;
  readonly subject: string;
  readonly identityKey: Buffer;
  readonly acr: string;
  readonly verifiedAt: Date;
  readonly sealedPivot: SealedBox;
  readonly withdrawalsAllowed: boolean;
}

export type CreateAccountResult =
  | { readonly kind: 'created'; readonly accountId: string }
  /** Same person (identity key) already registered, through any provider. */
  | { readonly kind: 'duplicate-person' }
  /** Same (provider, subject) already registered: a concurrent signup of the same login. */
  | { readonly kind: 'duplicate-subject' };

export type AccountStatus = 'active' | 'suspended' | 'closed';

export interface Limits {
  /** Weekly (7 rolling days) deposit limit in cents; null until the player chooses it. */
  readonly weeklyDepositCents: number | null;
  readonly weeklyStakeCents: number | null;
}

/** What other modules may know about an account: no identity data. */
export interface AccountView {
  readonly id: string;
  readonly status: AccountStatus;
  readonly assuranceLevel: string;
  readonly withdrawalsAllowed: boolean;
  readonly limits: Limits;
  /** Active and both limits chosen: the player may deposit and bet. */
  readonly canPlay: boolean;
  readonly createdAt: Date;
}

export interface AuditEntry {
  readonly event: string;
  readonly accountId?: string | undefined;
  readonly provider?: string | undefined;
  readonly code?: string | undefined;
  readonly detail?: Readonly<Record<string, string | number | boolean | null>> | undefined;
}

/** An identity due for the periodic self-exclusion check (ciphertext only; the job opens it). */
export interface DueIdentity {
  readonly accountId: string;
  readonly identityId: string;
  readonly sealedPivot: SealedBox;
}

export type AssuranceMeasureKind = 'eidas_substantial' | 'payment_account_in_name';

/** Persistence of accounts and identities. {@link PgAccountStore} is the Postgres implementation. */
export interface AccountStore {
  /** Account + identity + empty limits + audit entry, atomically; unique indexes decide duplicates. */
  createAccount(account: NewAccount): Promise<CreateAccountResult>;
  findByProviderSubject(
    provider: string,
    subject: string,
  ): Promise<{ accountId: string; status: AccountStatus } | null>;
  getAccount(accountId: string): Promise<AccountView | null>;
  setLimits(accountId: string, limits: { weeklyDepositCents: number; weeklyStakeCents: number }): Promise<boolean>;
  recordAssuranceMeasure(accountId: string, kind: AssuranceMeasureKind, reference: string | null): Promise<boolean>;
  suspend(accountId: string, reason: string): Promise<boolean>;
  audit(entry: AuditEntry): Promise<void>;
  /**
   * One batch of the periodic re-check: claims up to `limit` active accounts last checked before
   * `checkedBefore` (skipping those another worker has claimed), asks `isExcluded` for each while
   * holding no row lock, then suspends the excluded and stamps the check time. If `isExcluded`
   * throws, nothing is stamped and the claims are released.
   */
  exclusionCheckBatch(
    checkedBefore: Date,
    limit: number,
    isExcluded: (identity: DueIdentity) => Promise<boolean>,
  ): Promise<{ checked: number; suspended: string[] }>;
  /** Identities sealed with another key than `activeKeyId` (for re-encryption). */
  identitiesNotSealedWith(activeKeyId: string, limit: number): Promise<DueIdentity[]>;
  replaceSealedPivot(identityId: string, previousKeyId: string, sealed: SealedBox): Promise<boolean>;
}
