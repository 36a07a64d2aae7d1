import { expectProblem } from './support/expect-problem.js';
import { startHarness, type Harness } from './support/harness.js';
import { HostileOp, type HostileScenario } from './support/hostile-op.js';

/**
 * A provider that lies: it signs with its real (published) key whatever the test asks, so every
 * response below passes the signature check and must be refused, or read conservatively, by the
 * relying party's own rules. Driven through the real routes.
 */
describe('a hostile OpenID provider', () => {
  let h: Harness;
  let op: HostileOp;

  beforeAll(async () => {
    op = await HostileOp.start();
    h = await startHarness({ label: 'kyc_hostile', extraProviders: (appBase) => [op.providerConfig(appBase)] });
  });
  afterAll(async () => {
    await h.close();
    await op.close();
  });

  const signIn = async (scenario: HostileScenario) => {
    op.scenario(scenario);
    const before = await h.counts();
    const { response } = await h.signIn('ignored', 'hostile');
    const after = await h.counts();
    return { response, created: after.accounts - before.accounts };
  };
  /** A fresh person per test (one person, one account). */
  let n = 0;
  const person = (claims: Record<string, unknown> = {}) => ({ family_name: `MALLORY${++n}`, ...claims });

  it('is a usable provider when it tells the truth (control)', async () => {
    const { response, created } = await signIn({ claims: person() });
    expect(response.status).toBe(303);
    expect(created).toBe(1);
  });

  describe('ID token issued in the future (30 s tolerance)', () => {
    it('accepts an iat 10 s ahead (inside the tolerance)', async () => {
      const { response, created } = await signIn({ claims: person(), iatOffsetSeconds: 10 });
      expect(response.status).toBe(303);
      expect(created).toBe(1);
    });

    it.each([
      ['45 s', 45],
      ['an hour', 3_600],
      ['a day', 86_400],
    ])('refuses an iat %s ahead', async (_label, seconds) => {
      const { response, created } = await signIn({ claims: person(), iatOffsetSeconds: seconds });
      await expectProblem(response, 400, 'KYC_RESPONSE_INVALID');
      expect(created).toBe(0);
    });

    it('refuses a userinfo JWT issued in the future', async () => {
      const future = Math.floor(Date.now() / 1000) + 3_600;
      const { response, created } = await signIn({ claims: person(), editUserinfo: (c) => ({ ...c, iat: future }) });
      await expectProblem(response, 400, 'KYC_RESPONSE_INVALID');
      expect(created).toBe(0);
    });
  });
});
