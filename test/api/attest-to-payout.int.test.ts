import { TypedDataEncoder, Wallet } from 'ethers';
import request from 'supertest';
import { PgReadyResultSource } from '../../oracle/attestations/pg-ready-result-source.js';
import { ChainAttesterSetSource, PgAttestationStore, oracleContract } from '../../oracle/admin.js';
import { RESULT_TYPES, oracleDomain, resultDigest, resultMessage, type Result } from '../../oracle/result.js';
import { createOracleAdmin } from '../../api/admin/oracle-admin.js';
import { createApiModule } from '../../api/app.js';
import { createSettler } from '../../api/settlement/settler.js';
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
 * Admins attest through the API (oracle AttestationService, bound attester keys) → the relayer
 * publishes the quorum on chain → the event reads provisional → the dispute window passes → the
 * indexer writes the final row → the settler pays; balances and house revenue as computed by hand.
 */
describe('attest through the API → relayer → indexer → settler (Hardhat node, real Postgres)', () => {
  let world: OracleWorld;
  let b: BettingDb;
  let api: ReturnType<typeof createApiModule>;
  beforeAll(async () => {
    world = await createWorld('api_attest');
    b = await bettingDbOn(world.db);
    const store = new PgAttestationStore({ pool: b.pool });
    for (const [i, admin] of ADMINS.entries()) await store.bind(admin, world.node.wallet(ATTESTERS[i]!).address);
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
      }),
    });
  });
  afterAll(async () => {
    expect(await b.ledgerTotal()).toBe(0n);
    await b.pool.end();
    await world.close();
  });

  const asAdmin = (r: request.Test, who = 'alice') => r.set('x-test-admin', who);
  const asPlayer = (r: request.Test, id: string) => r.set('x-test-player', id);

  it('pays the players exactly once, with every admin write audited', async () => {
    const eventId = `0x${'ab'.repeat(31)}01`;
    const startsAt = new Date(Date.now() + 3600_000);
    const created = await asAdmin(request(api.app).post('/admin/events')).send({
      oracleEventId: eventId,
      schema: 'football.match/v1',
      name: 'Lyon v Nice',
      startsAt: startsAt.toISOString(),
    });
    expect(created.status).toBe(201);
    const event = created.body as { id: string };
    const marketOf = async (definition: object, takeoutBps: number) => {
      const m = await asAdmin(request(api.app).post(`/admin/events/${event.id}/markets`)).send({
        definition,
        closesAt: new Date(startsAt.getTime() - 60_000).toISOString(),
        takeoutBps,
        minStakeCents: 100,
        maxStakeCents: 100_000,
      });
      expect(m.status).toBe(201);
      const id = (m.body as { id: string }).id;
      expect((await asAdmin(request(api.app).post(`/admin/markets/${id}/open`)).send({})).status).toBe(200);
      return id;
    };
    const winner = await marketOf({ type: 'match-winner' }, 2000);
    const handicap = await marketOf({ type: 'handicap', line: -1.5 }, 1000);
    const players = [await b.account(), await b.account(), await b.account()];
    for (const p of players) {
      expect((await asPlayer(request(api.app).post('/me/deposits'), p).send({ amountCents: 50_000 })).status).toBe(201);
    }
    const bet = async (p: string, key: string, bets: object[]) => {
      const r = await asPlayer(request(api.app).post('/bets/batch'), p).set('idempotency-key', key).send({ bets });
      expect(r.status).toBe(201);
    };
    await bet(players[0]!, 'k1', [
      { marketId: winner, selection: 'home', stakeCents: 6_000 },
      { marketId: handicap, selection: 'home', stakeCents: 2_500 },
    ]);
    await bet(players[1]!, 'k2', [
      { marketId: winner, selection: 'away', stakeCents: 4_000 },
      { marketId: handicap, selection: 'away', stakeCents: 7_500 },
    ]);
    await bet(players[2]!, 'k3', [{ marketId: winner, selection: 'home', stakeCents: 2_000 }]);
    for (const m of [winner, handicap]) {
      expect((await asAdmin(request(api.app).post(`/admin/markets/${m}/close`)).send({})).status).toBe(200);
    }

    // Three of five admins attest 3-1 through the API.
    const endedAt = Math.floor(Date.now() / 1000) - 60;
    const outcome = { status: 1, values: [3, 1], endedAt, version: 1 };
    const payload = await asAdmin(request(api.app).post(`/admin/events/${event.id}/attestations/payload`)).send(
      outcome,
    );
    expect(payload.status).toBe(200);
    const r = (payload.body as { result: Record<string, string | number | number[]> }).result;
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
    // The same payload as a wallet's typed data (eth_signTypedData_v4): the digest the contract verifies.
    const typed = (
      payload.body as {
        typedData: {
          domain: Record<string, string>;
          types: Record<string, { name: string; type: string }[]>;
          primaryType: string;
          message: Record<string, unknown>;
        };
      }
    ).typedData;
    expect(typed.primaryType).toBe('Result');
    expect(typed.domain).toEqual({
      name: 'Verdict ResultsOracle',
      version: '1',
      chainId: world.chainId.toString(),
      verifyingContract: domain.verifyingContract,
    });
    expect(TypedDataEncoder.hash(typed.domain, { Result: typed.types.Result! }, typed.message)).toBe(
      resultDigest(domain, result),
    );
    let last: { ready?: boolean; support?: number } = {};
    for (const [i, admin] of ADMINS.slice(0, 3).entries()) {
      const key = new Wallet(world.node.wallet(ATTESTERS[i]!).privateKey);
      const signature = await key.signTypedData(domain, RESULT_TYPES, resultMessage(result));
      const submitted = await asAdmin(request(api.app).post(`/admin/events/${event.id}/attestations`), admin).send({
        ...outcome,
        signature,
      });
      expect(submitted.status).toBe(201);
      last = submitted.body as typeof last;
    }
    expect(last).toMatchObject({ ready: true, support: 3 });
    // A forged signature (dave's binding, alice's key) is refused with the oracle's code, nothing stored.
    const forged = await new Wallet(world.node.wallet(ATTESTERS[0]!).privateKey).signTypedData(
      domain,
      RESULT_TYPES,
      resultMessage(result),
    );
    const refused = await asAdmin(request(api.app).post(`/admin/events/${event.id}/attestations`), 'dave').send({
      ...outcome,
      signature: forged,
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect((refused.body as { code: string }).code).toMatch(/^ORACLE_/);

    // The relayer publishes the ready result; the event reads provisional.
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
    const status = await asAdmin(request(api.app).get(`/admin/events/${event.id}/oracle`));
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ final: false, chain: { phase: 'proposed' } });
    const publications = (status.body as { publications: { state: string; txHash: string; blockNumber: number }[] })
      .publications;
    expect(publications.length).toBeGreaterThan(0);
    // The result names the transaction that published it: the relayer's mined publication.
    const published = publications.filter((p) => p.state === 'mined' || p.state === 'confirmed').at(-1)!;
    expect(published.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    const transaction = { hash: published.txHash, blockNumber: published.blockNumber };
    const provisional = await request(api.app).get(`/events/${event.id}`);
    // Final once the dispute window after the proposal's block has passed (chain time).
    const block = await world.node.provider.getBlock(published.blockNumber);
    const finalAt = new Date((block!.timestamp + DISPUTE_WINDOW) * 1000).toISOString();
    expect((provisional.body as { result: unknown }).result).toEqual({
      phase: 'proposed',
      provisional: true,
      status: 1,
      version: 1,
      values: [3, 1],
      transaction,
      finalAt,
    });
    const mine = await asPlayer(request(api.app).get('/me/bets'), players[0]!);
    expect((mine.body as { bets: { state: string; result: unknown }[] }).bets.map((x) => [x.state, x.result])).toEqual([
      [
        'accepted',
        { phase: 'proposed', provisional: true, status: 1, version: 1, values: [3, 1], transaction, finalAt },
      ],
      [
        'accepted',
        { phase: 'proposed', provisional: true, status: 1, version: 1, values: [3, 1], transaction, finalAt },
      ],
    ]);

    // Final after the window; indexed; settled.
    await elapse(world, DISPUTE_WINDOW + 1);
    await makeIndexer(world).tick();
    const reader = (await import('../../oracle/index.js')).createOracleReader({
      provider: world.node.provider,
      address: world.address,
      chainId: world.chainId,
      pool: b.pool,
    });
    await Promise.all([createSettler({ pool: b.pool, reader }).tick(), createSettler({ pool: b.pool, reader }).tick()]);
    const final = await request(api.app).get(`/events/${event.id}`);
    expect((final.body as { result: { provisional: boolean } }).result.provisional).toBe(false);

    // By hand. 1X2 (takeout 20 %): pool 12,000, net 9,600, home stake 8,000 → dividend floor(9,600 × 100 / 8,000)
    // = 120: p0 6,000 → 7,200, p2 2,000 → 2,400; breakage 0; house 2,400.
    // Handicap -1.5 (3-1: home 3 - 1.5 > 1): pool 10,000, net 9,000, home stake 2,500 → dividend 360:
    // p0 2,500 → 9,000; house 1,000.
    const balance = async (p: string) =>
      ((await asPlayer(request(api.app).get('/me/balance'), p)).body as { balanceCents: number }).balanceCents;
    expect(await balance(players[0]!)).toBe(50_000 - 8_500 + 7_200 + 9_000);
    expect(await balance(players[1]!)).toBe(50_000 - 11_500);
    expect(await balance(players[2]!)).toBe(50_000 - 2_000 + 2_400);
    const house = await b.pool.query<{ t: string }>(
      `select coalesce(sum(e.amount_cents), 0)::text as t from betting.ledger_entries e
         join betting.ledger_accounts a on a.id = e.account_id where a.kind = 'house_revenue'`,
    );
    expect(house.rows[0]!.t).toBe('3400');
    const statement = await asPlayer(request(api.app).get('/me/statement'), players[0]!);
    // One settlement line per market (the two settlers may settle them in either order), the bets, the deposit.
    const amounts = (statement.body as { lines: { amountCents: number }[] }).lines.map((l) => l.amountCents);
    expect(amounts.sort((x, y) => x - y)).toEqual([-8_500, 7_200, 9_000, 50_000]);
    const myBets = await asPlayer(request(api.app).get('/me/bets'), players[1]!);
    expect((myBets.body as { bets: { state: string }[] }).bets.map((x) => x.state)).toEqual(['lost', 'lost']);
    const audit = await b.pool.query<{ actor: string }>(
      `select actor from betting.audit_log where action = 'attestation.submit' order by id`,
    );
    expect(audit.rows.map((a) => a.actor)).toEqual(['alice', 'bob', 'carol']);
  });
});
