import { parisDate } from '../../kyc/policy/age.js';
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
    h = await startHarness({
      label: 'kyc_hostile',
      // Two clients of the same provider: each keeps its own JWKS copy and refetch clock.
      extraProviders: (appBase) => [op.providerConfig(appBase), op.providerConfig(appBase, 'hostile-ui')],
    });
  });
  afterAll(async () => {
    await h.close();
    await op.close();
  });

  const signIn = async (scenario: HostileScenario, provider = 'hostile') => {
    op.scenario(scenario);
    const before = await h.counts();
    const { response } = await h.signIn('ignored', provider);
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

  describe('birthdates with unknown or impossible parts', () => {
    // Someone turning 18 on the last day of this Paris year, and so a minor on every other day.
    const [year, month, day] = parisDate(new Date());
    const lastDay = month === 12 && day === 31;
    const y = year - 18;

    it.each([
      [`${y}-00-00`, undefined],
      [`${y}-12-00`, undefined],
      [`${y}-00-15`, undefined],
      [`${y}-01-01`, `${y}-00-00`],
      [`${y}-12-01`, `${y}-12-00`],
      [`${y}-01-15`, `${y}-00-15`],
    ])('reads %s (idp_birthdate %p) at its latest possible day: a minor until 31 December', async (birthdate, idp) => {
      const claims = person({ birthdate, ...(idp === undefined ? {} : { idp_birthdate: idp }) });
      const { response, created } = await signIn({ claims });
      if (lastDay) {
        expect(response.status).toBe(303);
      } else {
        await expectProblem(response, 403, 'KYC_UNDERAGE');
        expect(created).toBe(0);
      }
    });

    it.each([
      ['1990-02-30', undefined],
      ['1990-13-01', undefined],
      ['1990-06-31', undefined],
      ['1990-05-02', '1990-02-30'],
      ['1990-05-02', '1991'],
    ])('refuses the impossible or contradictory birthdate %s (idp_birthdate %p)', async (birthdate, idp) => {
      const claims = person({ birthdate, ...(idp === undefined ? {} : { idp_birthdate: idp }) });
      const { response, created } = await signIn({ claims });
      const body = await expectProblem(response, 422, 'KYC_BIRTHDATE_INVALID');
      expect(body.detail).toMatch(/birthdate/);
      expect(created).toBe(0);
    });
  });

  describe('signing keys published after the last JWKS fetch', () => {
    const jwksFetches = () => op.hits.get('/jwks') ?? 0;

    it('accepts an ID token signed with a key published seconds after the last fetch', async () => {
      // Fresh copy of the JWKS (well under 60 s old from here on).
      expect((await signIn({ claims: person() })).response.status).toBe(303);
      await op.addKey('hostile-2', false);
      op.publish('hostile-2');
      const before = jwksFetches();
      const { response, created } = await signIn({ claims: person(), signingKid: 'hostile-2' });
      expect(response.status).toBe(303);
      expect(created).toBe(1);
      expect(jwksFetches() - before).toBe(1);
    });

    it('accepts a userinfo JWT signed with a newly published key', async () => {
      expect((await signIn({ claims: person() }, 'hostile-ui')).response.status).toBe(303);
      await op.addKey('hostile-3', false);
      op.publish('hostile-3');
      const { response, created } = await signIn({ claims: person(), userinfoSigningKid: 'hostile-3' }, 'hostile-ui');
      expect(response.status).toBe(303);
      expect(created).toBe(1);
    });

    it('refuses a key that is never published, fetching the JWKS at most once per 10 s however often it is named', async () => {
      await op.addKey('never-published', false);
      const before = jwksFetches();
      for (let i = 0; i < 5; i++) {
        const { response, created } = await signIn({ claims: person(), signingKid: 'never-published' });
        await expectProblem(response, 400, 'KYC_RESPONSE_INVALID');
        expect(created).toBe(0);
      }
      expect(jwksFetches() - before).toBeLessThanOrEqual(1);
    });
  });
});
