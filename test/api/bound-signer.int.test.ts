import { Wallet, getAddress, verifyTypedData } from 'ethers';
import request from 'supertest';
import { PgReadyResultSource } from '../../oracle/attestations/pg-ready-result-source.js';
import { ChainAttesterSetSource, PgAttestationStore, oracleContract } from '../../oracle/admin.js';
import { RESULT_TYPES, oracleDomain, resultMessage, type Result } from '../../oracle/result.js';
import { ResultSigner } from '../../oracle/signer/result-signer.js';
import { createOracleAdmin } from '../../api/admin/oracle-admin.js';
import { createApiModule } from '../../api/app.js';
import { SandboxPaymentProvider } from '../../api/wallet/payment-provider.js';
import {
  ATTESTERS,
  DISPUTE_WINDOW,
  createWorld,
  elapse,
  makeIndexer,
  makeRelayer,
  type OracleWorld,
} from '../oracle/chain/harness.js';
import { bettingDbOn, type BettingDb } from './support/db.js';
import { testHttpPorts } from './support/http-ports.js';
import { sqlPlayerAccounts } from './support/sql-player-accounts.js';

const ADMINS = ['alice', 'bob', 'carol', 'dave', 'erin'];

/**
 * Admins attest through their bound signer instances (the Signer port of the admin routes): the
 * route has the instance bound to the signed-in admin sign the EIP-712 Result, and submits it through
 * the same AttestationService path as a wallet's signature (same checks, audited). Real Postgres and a
 * Hardhat node; the relayer publishes the quorum and the indexer sees it final.
 */
describe('POST /admin/events/{id}/attestations/sign-with-bound-signer (Hardhat node, real Postgres)', () => {
  let world: OracleWorld;
  let b: BettingDb;
  let api: ReturnType<typeof createApiModule>;
  let address: (i: number) => string;
  beforeAll(async () => {
    world = await createWorld('api_bound_signer');
    b = await bettingDbOn(world.db);
    address = (i: number) => getAddress(world.node.wallet(ATTESTERS[i]!).address);
    const store = new PgAttestationStore({ pool: b.pool });
    for (const [i, admin] of ADMINS.entries()) await store.bind(admin, address(i));
    const signer = (adminId: string, i: number) =>
      ResultSigner.create({
        adminId,
        signer: new Wallet(world.node.wallet(ATTESTERS[i]!).privateKey),
        chainId: world.chainId,
        oracleAddress: world.address,
      });
    // alice, bob, carol: their own keys. dave's instance holds erin's key (misconfigured). erin: none.
    const signers = [
      await signer('alice', 0),
      await signer('bob', 1),
      await signer('carol', 2),
      await signer('dave', 4),
    ];
    api = createApiModule({
      pool: b.pool,
      players: sqlPlayerAccounts,
      http: testHttpPorts(),
      payments: {
        provider: new SandboxPaymentProvider({ mode: 'instant', secret: 'x'.repeat(32) }),
        webhookSecret: 'x'.repeat(32),
      },
      oracleAdmin: createOracleAdmin({
        pool: b.pool,
        provider: world.node.provider,
        chainId: world.chainId,
        oracleAddress: world.address,
        signers,
      }),
    });
  });
  afterAll(async () => {
    expect(await b.ledgerTotal()).toBe(0n);
    await b.pool.end();
    await world.close();
  });

  const asAdmin = (r: request.Test, who: string) => r.set('x-test-admin', who);
  const bound = (eventId: string) => `/admin/events/${eventId}/attestations/sign-with-bound-signer`;
  const attestationsOf = async (oracleEventId: string) =>
    (
      await b.pool.query<{ admin_id: string; attester: string; source: string }>(
        `select admin_id, attester, source from oracle_attestations where event_id = $1 order by admin_id`,
        [oracleEventId.toLowerCase()],
      )
    ).rows;
  const auditOf = async (eventId: string) =>
    (
      await b.pool.query<{ actor: string; detail: { signedBy: string; attester: string } }>(
        `select actor, detail from betting.audit_log where action = 'attestation.submit' and target = $1 order by id`,
        [`event:${eventId}`],
      )
    ).rows.map((r) => [r.actor, r.detail.signedBy, r.detail.attester]);

  async function newEvent(n: number) {
    const oracleEventId = `0x${'cd'.repeat(31)}${n.toString(16).padStart(2, '0')}`;
    const created = await asAdmin(request(api.app).post('/admin/events'), 'alice').send({
      oracleEventId,
      schema: 'football.match/v1',
      name: `Bound signer match ${n}`,
      startsAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect(created.status).toBe(201);
    return { id: (created.body as { id: string }).id, oracleEventId };
  }
  const endedAt = () => Math.floor(Date.now() / 1000) - 60;

  it("signs with the signed-in admin's own instance only, and refuses every other case with the oracle's code", async () => {
    const event = await newEvent(1);
    const outcome = { status: 1, values: [2, 0], endedAt: endedAt(), version: 1 };

    // alice: her instance signs; the stored signature recovers to her bound attester.
    const mine = await asAdmin(request(api.app).post(bound(event.id)), 'alice').send(outcome);
    expect(mine.status).toBe(201);
    const receipt = mine.body as { attester: string; signature: string; result: Record<string, unknown> };
    expect(receipt).toMatchObject({ action: 'created', attester: address(0), support: 1, ready: false });
    const r = receipt.result;
    const result: Result = {
      eventId: r.eventId as string,
      status: r.status as Result['status'],
      values: r.values as number[],
      endedAt: BigInt(r.endedAt as string),
      version: r.version as number,
      notBefore: BigInt(r.notBefore as string),
      deadline: BigInt(r.deadline as string),
      epoch: r.epoch as number,
    };
    const domain = oracleDomain(world.chainId, world.address);
    expect(getAddress(verifyTypedData(domain, RESULT_TYPES, resultMessage(result), receipt.signature))).toBe(
      address(0),
    );
    // The same again: unchanged, not a second attestation.
    const again = await asAdmin(request(api.app).post(bound(event.id)), 'alice').send(outcome);
    expect([again.status, (again.body as { action: string }).action]).toEqual([201, 'unchanged']);

    // erin is bound but no instance holds her key here: she cannot borrow anyone's.
    const erin = await asAdmin(request(api.app).post(bound(event.id)), 'erin').send(outcome);
    expect([erin.status, (erin.body as { code: string }).code]).toEqual([503, 'ORACLE_SIGNER_UNAVAILABLE']);
    // dave's instance holds erin's key: it is not dave's attester, refused before signing.
    const dave = await asAdmin(request(api.app).post(bound(event.id)), 'dave').send(outcome);
    expect([dave.status, (dave.body as { code: string }).code]).toEqual([403, 'ORACLE_ATTESTER_NOT_BOUND']);
    // frank has no attester at all; nobody signed in gets nothing.
    const frank = await asAdmin(request(api.app).post(bound(event.id)), 'frank').send(outcome);
    expect([frank.status, (frank.body as { code: string }).code]).toEqual([403, 'ORACLE_ATTESTER_NOT_BOUND']);
    const anonymous = await request(api.app).post(bound(event.id)).send(outcome);
    expect([anonymous.status, (anonymous.body as { code: string }).code]).toEqual([401, 'ADMIN_NOT_AUTHENTICATED']);
    // An outcome the schema refuses never reaches a signer.
    const invalid = await asAdmin(request(api.app).post(bound(event.id)), 'bob').send({
      ...outcome,
      signature: '0x00',
    });
    expect(invalid.status).toBe(400);

    expect(await attestationsOf(event.oracleEventId)).toEqual([
      { admin_id: 'alice', attester: address(0).toLowerCase(), source: 'signer' },
    ]);
    expect(await auditOf(event.id)).toEqual([
      ['alice', 'bound-signer', address(0)],
      ['alice', 'bound-signer', address(0)],
    ]);

    // The instance itself refuses another admin, whoever calls it.
    const alices = await ResultSigner.create({
      adminId: 'alice',
      signer: new Wallet(world.node.wallet(ATTESTERS[0]!).privateKey),
      chainId: world.chainId,
      oracleAddress: world.address,
    });
    await expect(alices.sign({ adminId: 'bob', result })).rejects.toMatchObject({ code: 'ORACLE_SIGNER_FORBIDDEN' });

    // GET /admin/me tells each admin their binding and whether an instance of theirs is reachable.
    const me = async (who: string) => (await asAdmin(request(api.app).get('/admin/me'), who)).body as object;
    expect(await me('alice')).toMatchObject({ adminId: 'alice', attester: address(0), boundSigner: address(0) });
    expect(await me('erin')).toMatchObject({ adminId: 'erin', attester: address(4), boundSigner: null });
    expect(await me('frank')).toMatchObject({ adminId: 'frank', attester: null, boundSigner: null });
  });

  it('3 of 5 through their bound signers reach quorum; the relayer publishes it and it becomes final', async () => {
    const event = await newEvent(2);
    const outcome = { status: 1, values: [1, 1], endedAt: endedAt(), version: 1 };
    const receipts: { support: number; ready: boolean }[] = [];
    for (const admin of ['alice', 'bob', 'carol']) {
      const r = await asAdmin(request(api.app).post(bound(event.id)), admin).send(outcome);
      expect(r.status).toBe(201);
      receipts.push(r.body as { support: number; ready: boolean });
    }
    expect(receipts.map((x) => [x.support, x.ready])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect((await attestationsOf(event.oracleEventId)).map((a) => [a.admin_id, a.source])).toEqual([
      ['alice', 'signer'],
      ['bob', 'signer'],
      ['carol', 'signer'],
    ]);

    const source = new PgReadyResultSource({
      store: new PgAttestationStore({ pool: b.pool }),
      attesterSet: new ChainAttesterSetSource({
        contract: oracleContract(world.address, world.node.provider),
        ttlMs: 0,
      }),
      deployment: { chainId: world.chainId, contract: world.address },
    });
    const { relayer, lock } = makeRelayer(world, source);
    await lock.tryAcquire();
    try {
      await relayer.tick();
      await relayer.tick();
    } finally {
      await lock.release();
    }
    const status = await asAdmin(request(api.app).get(`/admin/events/${event.id}/oracle`), 'bob');
    expect(status.status).toBe(200);
    const body = status.body as {
      final: boolean;
      chain: { phase: string; values: number[] };
      attestations: { groups: { signatures: number; ready: boolean }[] };
      publications: { transactions?: { hash?: string }[] }[];
    };
    expect(body).toMatchObject({ final: false, chain: { phase: 'proposed', values: [1, 1] } });
    expect(body.attestations.groups).toEqual([expect.objectContaining({ signatures: 3, ready: true })]);
    expect(body.publications.length).toBeGreaterThan(0);

    await elapse(world, DISPUTE_WINDOW + 1);
    await makeIndexer(world).tick();
    const final = await asAdmin(request(api.app).get(`/admin/events/${event.id}/oracle`), 'carol');
    expect(final.body).toMatchObject({ final: true, chain: { phase: 'final', values: [1, 1] } });
  });
});
