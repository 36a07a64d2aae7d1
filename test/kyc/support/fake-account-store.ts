import type {
  AccountStatus,
  AccountStore,
  AccountView,
  AuditEntry,
  CreateAccountResult,
  DueIdentity,
  NewAccount,
} from '../../../kyc/index.js';

interface Row {
  id: string;
  status: AccountStatus;
  acr: string;
  withdrawalsAllowed: boolean;
  deposit: number | null;
  stake: number | null;
  identity: NewAccount;
}

/** In-memory {@link AccountStore} for unit tests, with a hook to simulate a concurrent signup. */
export class FakeAccountStore implements AccountStore {
  readonly rows: Row[] = [];
  readonly audits: AuditEntry[] = [];
  /** Runs inside createAccount before the uniqueness checks (e.g. a concurrent winner inserting). */
  beforeCreate: (() => void) | undefined;

  createAccount(a: NewAccount): Promise<CreateAccountResult> {
    this.beforeCreate?.();
    if (this.rows.some((r) => r.identity.provider === a.provider && r.identity.subject === a.subject)) {
      return Promise.resolve({ kind: 'duplicate-subject' });
    }
    if (this.rows.some((r) => r.identity.identityKey.equals(a.identityKey)))
      return Promise.resolve({ kind: 'duplicate-person' });
    const id = `acc-${this.rows.length + 1}`;
    this.insert(id, a);
    this.audits.push({ event: 'account_created', accountId: id, provider: a.provider });
    return Promise.resolve({ kind: 'created', accountId: id });
  }

  insert(id: string, a: NewAccount): void {
    this.rows.push({
      id,
      status: 'active',
      acr: a.acr,
      withdrawalsAllowed: a.withdrawalsAllowed,
      deposit: null,
      stake: null,
      identity: a,
    });
  }

  findByProviderSubject(provider: string, subject: string) {
    const row = this.rows.find((r) => r.identity.provider === provider && r.identity.subject === subject);
    return Promise.resolve(row ? { accountId: row.id, status: row.status } : null);
  }

  getAccount(accountId: string): Promise<AccountView | null> {
    const r = this.rows.find((x) => x.id === accountId);
    if (!r) return Promise.resolve(null);
    return Promise.resolve({
      id: r.id,
      status: r.status,
      assuranceLevel: r.acr,
      withdrawalsAllowed: r.withdrawalsAllowed && r.status === 'active',
      limits: { weeklyDepositCents: r.deposit, weeklyStakeCents: r.stake },
      canPlay: r.status === 'active' && r.deposit !== null && r.stake !== null,
      createdAt: new Date(0),
    });
  }

  setLimits(accountId: string, limits: { weeklyDepositCents: number; weeklyStakeCents: number }) {
    const r = this.rows.find((x) => x.id === accountId);
    if (!r) return Promise.resolve(false);
    r.deposit = limits.weeklyDepositCents;
    r.stake = limits.weeklyStakeCents;
    return Promise.resolve(true);
  }

  recordAssuranceMeasure(accountId: string) {
    const r = this.rows.find((x) => x.id === accountId);
    if (r) r.withdrawalsAllowed = true;
    return Promise.resolve(r !== undefined);
  }

  suspend(accountId: string) {
    const r = this.rows.find((x) => x.id === accountId && x.status === 'active');
    if (r) r.status = 'suspended';
    return Promise.resolve(r !== undefined);
  }

  audit(entry: AuditEntry): Promise<void> {
    this.audits.push(entry);
    return Promise.resolve();
  }

  async exclusionCheckBatch(_before: Date, limit: number, isExcluded: (identity: DueIdentity) => Promise<boolean>) {
    const suspended: string[] = [];
    const due = this.rows.filter((r) => r.status === 'active').slice(0, limit);
    for (const r of due) {
      if (
        await isExcluded({ accountId: r.id, identityId: r.identity.identityId, sealedPivot: r.identity.sealedPivot })
      ) {
        await this.suspend(r.id);
        suspended.push(r.id);
      }
    }
    return { checked: 0, suspended }; // 0: one pass is enough for the unit tests
  }

  identitiesNotSealedWith(): Promise<DueIdentity[]> {
    return Promise.resolve([]);
  }

  replaceSealedPivot(): Promise<boolean> {
    return Promise.resolve(false);
  }
}
