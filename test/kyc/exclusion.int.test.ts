import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expectProblem } from './support/expect-problem.js';
import { startHarness, type Harness } from './support/harness.js';

const run = promisify(execFile);

describe('self-exclusion register: admin import and the 7-day re-check job', () => {
  let h: Harness;
  let dir: string;
  let jobEnv: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness({ label: 'kyc_exclusion' });
    dir = await mkdtemp(join(tmpdir(), 'kyc-register-'));
    jobEnv = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: (h.pool.options as { connectionString: string }).connectionString,
      KYC_IDENTITY_HMAC_KEY: h.env.KYC_IDENTITY_HMAC_KEY!,
      KYC_ENCRYPTION_KEYS: h.env.KYC_ENCRYPTION_KEYS!,
      KYC_ENCRYPTION_ACTIVE_KEY_ID: h.env.KYC_ENCRYPTION_ACTIVE_KEY_ID!,
    };
  });
  afterAll(async () => {
    await h.close();
  });

  const script = (name: string, args: string[] = [], env: Record<string, string> = jobEnv) =>
    run(join(process.cwd(), 'node_modules/.bin/tsx'), [join(process.cwd(), 'scripts', name), ...args], { env });
  const registerFile = async (name: string, lines: string[]) => {
    const path = join(dir, name);
    await writeFile(path, ['family_name;given_names;birthdate', ...lines].join('\n'));
    return path;
  };
  const dueNow = (accountId: string, daysAgo: number) =>
    h.pool.query(`update kyc.accounts set exclusion_checked_at = now() - make_interval(days => $2) where id = $1`, [
      accountId,
      daysAgo,
    ]);

  it('imports the register file with the admin command, keeping only keyed hashes', async () => {
    const file = await registerFile('v1.csv', ['DURAND;Jean Pierre;1975-11-02', 'NOBODY;Someone;1980-01-01']);
    const { stdout } = await script('kyc-import-self-exclusions.ts', [file, '--source', 'anj']);
    expect(JSON.parse(stdout)).toMatchObject({ added: 2, removed: 0, total: 2 });
    const { rows } = await h.pool.query<{ match_key: Buffer; source: string }>('select * from kyc.self_exclusions');
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toMatch(/DURAND|Jean|1975/);

    const { response } = await h.signIn('excluded');
    await expectProblem(response, 403, 'KYC_SELF_EXCLUDED');
  });

  it('refuses a malformed file, naming the line, and imports nothing', async () => {
    const file = await registerFile('bad.csv', ['GARCIA LOPEZ;Carmen;1990-02-28', 'BROKEN;;not-a-date']);
    const failure = (await script('kyc-import-self-exclusions.ts', [file]).catch((e: unknown) => e)) as {
      stderr?: string;
    };
    expect(failure.stderr).toContain('line 3 is malformed');
    const { rows } = await h.pool.query('select count(*)::int as n from kyc.self_exclusions');
    expect(rows[0]).toEqual({ n: 2 });
  });

  it('names the missing variables when the command is misconfigured', async () => {
    const file = await registerFile('v0.csv', []);
    const failure = (await script('kyc-import-self-exclusions.ts', [file], { PATH: jobEnv.PATH! }).catch(
      (e: unknown) => e,
    )) as { stderr?: string };
    expect(failure.stderr).toMatch(/DATABASE_URL[\s\S]*KYC_IDENTITY_HMAC_KEY/);
  });

  it('suspends, within the re-check, a player who became excluded; others are untouched', async () => {
    const carmen = await h.signIn('abroad');
    expect(carmen.response.status).toBe(303);
    const angela = await h.signIn('dubois');
    expect(angela.response.status).toBe(303);
    const ids = await h.pool.query<{ account_id: string; provider: string }>('select account_id from kyc.identities');
    expect(ids.rows).toHaveLength(2);

    // Carmen is now in the register (a new snapshot also drops NOBODY).
    const file = await registerFile('v2.csv', ['DURAND;Jean Pierre;1975-11-02', 'GARCIA LOPEZ;Carmen;1990-02-28']);
    const { stdout } = await script('kyc-import-self-exclusions.ts', [file, '--source', 'anj']);
    expect(JSON.parse(stdout)).toMatchObject({ added: 1, removed: 1, total: 2 });

    // Checked 3 days ago: not due yet.
    for (const { account_id } of ids.rows) await dueNow(account_id, 3);
    expect(await h.kyc.identityService.recheckSelfExclusions({ intervalDays: 7 })).toEqual({
      checked: 0,
      suspended: [],
    });

    // 8 days ago: due. The job (the real script) checks both and suspends Carmen only.
    for (const { account_id } of ids.rows) await dueNow(account_id, 8);
    await script('kyc-recheck-exclusions.ts');
    const { rows } = await h.pool.query<{ status: string; suspension_reason: string | null; fresh: boolean }>(
      `select a.status, a.suspension_reason, a.exclusion_checked_at > now() - interval '1 minute' as fresh
         from kyc.accounts a order by a.created_at`,
    );
    expect(rows).toEqual([
      { status: 'suspended', suspension_reason: 'self_excluded', fresh: true },
      { status: 'active', suspension_reason: null, fresh: true },
    ]);
    const audit = await h.pool.query(`select count(*)::int as n from kyc.audit_log where event = 'account_suspended'`);
    expect(audit.rows[0]).toEqual({ n: 1 });

    // Suspended players cannot sign in, and their session-backed account view says so.
    const again = await h.signIn('abroad');
    await expectProblem(again.response, 403, 'KYC_ACCOUNT_SUSPENDED');
    const me = await carmen.browser.request(`${h.appBase}/auth/me`, { headers: { accept: 'application/json' } });
    expect(await me.json()).toMatchObject({ status: 'suspended', canPlay: false, withdrawalsAllowed: false });
  });

  it('re-encrypts identities under a new active key without losing them (rotation)', async () => {
    const newKey = Buffer.alloc(32, 7).toString('base64');
    const env = {
      ...jobEnv,
      KYC_ENCRYPTION_KEYS: `k2:${newKey},${jobEnv.KYC_ENCRYPTION_KEYS}`,
      KYC_ENCRYPTION_ACTIVE_KEY_ID: 'k2',
    };
    await script('kyc-reencrypt.ts', [], env);
    const { rows } = await h.pool.query<{ pivot_key_id: string }>('select distinct pivot_key_id from kyc.identities');
    expect(rows).toEqual([{ pivot_key_id: 'k2' }]);
    // Still readable by the job (with the new keyring): Angela is not excluded, Carmen stays suspended.
    await h.pool.query(`update kyc.accounts set exclusion_checked_at = now() - interval '8 days'`);
    const { stderr } = await script('kyc-recheck-exclusions.ts', [], env);
    expect(stderr).toBe('');
    const active = await h.pool.query(`select count(*)::int as n from kyc.accounts where status = 'active'`);
    expect(active.rows[0]).toEqual({ n: 1 });
  });
});
