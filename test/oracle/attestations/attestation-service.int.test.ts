import { Wallet, getAddress, verifyTypedData } from 'ethers';
import pg from 'pg';
import { AttestationService } from '../../../oracle/attestations/attestation-service.js';
import { StaticAttesterSet } from '../../../oracle/attestations/attester-set.js';
import { PgAttestationStore } from '../../../oracle/attestations/pg-attestation-store.js';
import { PgReadyResultSource } from '../../../oracle/attestations/pg-ready-result-source.js';
import { buildResult } from '../../../oracle/attestations/signing-window.js';
import { migrateOracle } from '../../../oracle/db/migrate-oracle.js';
import { isOracleError, type OracleErrorCode } from '../../../oracle/errors.js';
import {
  RESULT_TYPES,
  ResultStatus,
  eventIdOf,
  oracleDomain,
  resultDigest,
  resultMessage,
  type Outcome,
  type Result,
} from '../../../oracle/result.js';
import { ResultSigner } from '../../../oracle/signer/result-signer.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

const CHAIN_ID = 31337n;
const ORACLE = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const domain = oracleDomain(CHAIN_ID, ORACLE);
const TTL = 7n * 24n * 3600n;
const ENDED_AT = 1_790_000_000n;

// Five attesters (3-of-5), each bound to one admin, plus a bound key outside the set.
const keys = Array.from({ length: 6 }, (_, i) => new Wallet(`0x${(i + 11).toString(16).padStart(64, '0')}`));
const attesters = keys.slice(0, 5);
const outsider = keys[5]!;
const admins = ['alice', 'bob', 'carol', 'dave', 'erin'];

async function expectCode(promise: Promise<unknown>, code: OracleErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isOracleError(error)) throw new Error(`expected OracleError ${code}, got ${String(error)}`);
  expect(error.code).toBe(code);
}

describe('AttestationService (Postgres)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: PgAttestationStore;
  let attesterSet: StaticAttesterSet;
  let now: bigint;
  let service: AttestationService;
  let ready: PgReadyResultSource;
  let eventCounter = 0;

  const sign = (wallet: Wallet, result: Result) => wallet.signTypedData(domain, RESULT_TYPES, resultMessage(result));
  const newEvent = (): Outcome => ({
    eventId: eventIdOf(`test-event-${++eventCounter}`),
    status: ResultStatus.Completed,
    values: [2, 1],
    endedAt: ENDED_AT,
    version: 1,
  });
  const resultOf = (outcome: Outcome, epoch = 1) => buildResult(outcome, { signatureTtl: TTL, epoch });
  const attest = async (index: number, outcome: Outcome) =>
    service.submit({ adminId: admins[index]!, outcome, signature: await sign(attesters[index]!, resultOf(outcome)) });
  const readyFor = async (eventId: string) =>
    (await ready.listReady({ limit: 100, now })).filter((r) => r.result.eventId === eventId);

  beforeAll(async () => {
    db = await createTestDatabase('oracle_attestations');
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined); // an idle client cut by the server must not crash the file
    await migrateOracle(pool);
    store = new PgAttestationStore({ pool });
    for (const [i, wallet] of attesters.entries()) await store.bind(admins[i]!, wallet.address);
    await store.bind('mallory', outsider.address);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });
  beforeEach(() => {
    now = ENDED_AT + 3600n;
    attesterSet = new StaticAttesterSet({ epoch: 1, threshold: 3, attesters: attesters.map((w) => w.address) });
    service = new AttestationService({
      store,
      attesterSet,
      chainId: CHAIN_ID,
      oracleAddress: ORACLE,
      signatureTtl: TTL,
      clock: () => now,
    });
    ready = new PgReadyResultSource({ store, attesterSet });
  });

  describe('agreement', () => {
    it('groups attestations by payload and makes it ready when distinct attesters reach the threshold', async () => {
      const outcome = newEvent();
      const first = await attest(0, outcome);
      expect(first).toMatchObject({ action: 'created', support: 1, threshold: 3, ready: false, conflict: false });
      await attest(3, outcome);
      expect(await readyFor(outcome.eventId)).toEqual([]);

      const third = await attest(1, outcome);
      expect(third).toMatchObject({ support: 3, ready: true });
      const [published, ...rest] = await readyFor(outcome.eventId);
      expect(rest).toEqual([]);
      const expected = resultOf(outcome);
      expect(published!.result).toEqual(expected);
      expect(published!.digest).toBe(resultDigest(domain, expected));
      // in the set's rotation order, each recovering to its attester over the published payload
      expect(published!.signatures.map((s) => s.attester)).toEqual([0, 1, 3].map((i) => attesters[i]!.address));
      for (const s of published!.signatures) {
        expect(verifyTypedData(domain, RESULT_TYPES, resultMessage(published!.result), s.signature)).toBe(s.attester);
      }
    });

    it('stores the same attestation submitted twice once', async () => {
      const outcome = newEvent();
      await attest(0, outcome);
      const again = await attest(0, outcome);
      expect(again).toMatchObject({ action: 'unchanged', support: 1 });
      const status = await service.attestationsFor(outcome.eventId);
      expect(status.attestations).toHaveLength(1);
      const history = await pool.query('select action from oracle_attestation_history where event_id = $1', [
        outcome.eventId,
      ]);
      expect(history.rows).toEqual([{ action: 'created' }]);
    });

    it('stays consistent under concurrent submissions: duplicates store once, support counts every attester', async () => {
      const outcome = newEvent();
      const receipts = await Promise.all([0, 0, 1, 1, 2, 3, 4].map((i) => attest(i, outcome)));
      expect(receipts.filter((r) => r.action === 'created')).toHaveLength(5);
      expect(receipts.filter((r) => r.action === 'unchanged')).toHaveLength(2);
      const [published] = await readyFor(outcome.eventId);
      expect(published!.signatures).toHaveLength(5);
    });

    it('never lists an expired payload as ready, nor one before its notBefore', async () => {
      const outcome = newEvent();
      for (const i of [0, 1, 2]) await attest(i, outcome);
      expect(await readyFor(outcome.eventId)).toHaveLength(1);
      now = ENDED_AT + TTL + 1n;
      expect(await readyFor(outcome.eventId)).toEqual([]);
      now = ENDED_AT - 1n;
      expect(await readyFor(outcome.eventId)).toEqual([]);
      expect((await service.attestationsFor(outcome.eventId)).groups[0]!.ready).toBe(false);
    });

    it('stops counting signatures of an older epoch after a rotation', async () => {
      const outcome = newEvent();
      for (const i of [0, 1, 2]) await attest(i, outcome);
      attesterSet.rotate({ epoch: 2, threshold: 3, attesters: attesters.map((w) => w.address) });
      expect(await readyFor(outcome.eventId)).toEqual([]);
      const status = await service.attestationsFor(outcome.eventId);
      expect(status.groups[0]).toMatchObject({ currentEpoch: false, signatures: 0, ready: false });
    });
  });

  describe('conflicts', () => {
    it('publishes nothing for two payloads of one event, shows the conflict, and clears it when the dissenter re-attests', async () => {
      const outcome = newEvent();
      const other: Outcome = { ...outcome, values: [1, 1] };
      for (const i of [0, 1, 2]) await attest(i, outcome);
      const dissent = await attest(3, other);
      expect(dissent).toMatchObject({ conflict: true, ready: false, support: 1 });

      expect(await readyFor(outcome.eventId)).toEqual([]);
      const [conflict] = await service.conflicts();
      expect(conflict).toMatchObject({ eventId: outcome.eventId, version: 1 });
      expect(conflict!.openedAt).toBeInstanceOf(Date);
      expect(conflict!.payloads.map((p) => [p.values, p.attesters.length]).sort()).toEqual([
        [[1, 1], 1],
        [[2, 1], 3],
      ]);
      const status = await service.attestationsFor(outcome.eventId);
      expect(status.conflicts).toHaveLength(1);
      expect(status.groups.every((g) => !g.ready)).toBe(true);

      // dave re-attests the majority payload: his earlier attestation is replaced, the conflict clears
      const fixed = await attest(3, outcome);
      expect(fixed).toMatchObject({ action: 'replaced', conflict: false, support: 4, ready: true });
      expect(await service.conflicts(outcome.eventId)).toEqual([]);
      const [published] = await readyFor(outcome.eventId);
      expect(published!.signatures).toHaveLength(4);
      const history = await service.attestationsFor(outcome.eventId);
      expect(history.conflictHistory).toHaveLength(1);
      expect(history.conflictHistory[0]!.resolvedAt).toBeInstanceOf(Date);
    });

    it('clears a conflict when an admin withdraws their attestation', async () => {
      const outcome = newEvent();
      for (const i of [0, 1, 2]) await attest(i, outcome);
      await attest(4, { ...outcome, status: ResultStatus.Abandoned, values: [] });
      expect(await readyFor(outcome.eventId)).toEqual([]);
      expect(await service.withdraw({ adminId: 'erin', eventId: outcome.eventId, version: 1 })).toBe(true);
      expect(await service.conflicts(outcome.eventId)).toEqual([]);
      expect(await readyFor(outcome.eventId)).toHaveLength(1);
    });

    it('does not treat two versions of one event as a conflict', async () => {
      const outcome = newEvent();
      const corrected: Outcome = { ...outcome, values: [3, 1], version: 2 };
      for (const i of [0, 1, 2]) await attest(i, outcome);
      for (const i of [0, 1, 2]) await attest(i, corrected);
      const listed = await readyFor(outcome.eventId);
      expect(listed.map((r) => r.result.version).sort()).toEqual([1, 2]);
    });
  });

  describe('verification', () => {
    it('rejects a signature from a key that is bound but not an attester of the current epoch', async () => {
      const outcome = newEvent();
      await expectCode(
        service.submit({ adminId: 'mallory', outcome, signature: await sign(outsider, resultOf(outcome)) }),
        'ORACLE_NOT_ATTESTER',
      );
    });

    it('rejects an admin with no attester key, and an attester signing for another admin', async () => {
      const outcome = newEvent();
      await expectCode(
        service.submit({ adminId: 'nobody', outcome, signature: await sign(attesters[0]!, resultOf(outcome)) }),
        'ORACLE_ATTESTER_NOT_BOUND',
      );
      await expectCode(
        service.submit({ adminId: 'bob', outcome, signature: await sign(attesters[0]!, resultOf(outcome)) }),
        'ORACLE_ATTESTER_NOT_BOUND',
      );
    });

    it('rejects a signature over another payload or for another oracle', async () => {
      const outcome = newEvent();
      const signature = await sign(attesters[0]!, resultOf({ ...outcome, values: [0, 0] }));
      await expectCode(service.submit({ adminId: 'alice', outcome, signature }), 'ORACLE_INVALID_SIGNATURE');
      await expectCode(service.submit({ adminId: 'alice', outcome, signature: '0x1234' }), 'ORACLE_INVALID_SIGNATURE');
      const otherOracle = oracleDomain(CHAIN_ID, attesters[4]!.address);
      const elsewhere = await attesters[0]!.signTypedData(otherOracle, RESULT_TYPES, resultMessage(resultOf(outcome)));
      await expectCode(service.submit({ adminId: 'alice', outcome, signature: elsewhere }), 'ORACLE_INVALID_SIGNATURE');
    });

    it('rejects a signature made for another epoch', async () => {
      const outcome = newEvent();
      const stale = resultOf(outcome, 0);
      const signature = await sign(attesters[0]!, stale);
      await expectCode(service.submit({ adminId: 'alice', outcome, signature }), 'ORACLE_INVALID_SIGNATURE');
      await expectCode(
        service.submit({
          adminId: 'alice',
          outcome,
          signature,
          signedWindow: { notBefore: stale.notBefore, deadline: stale.deadline, epoch: 0 },
        }),
        'ORACLE_WRONG_EPOCH',
      );
    });

    it('rejects an attestation whose signing window has closed', async () => {
      const outcome = newEvent();
      now = ENDED_AT + TTL + 1n;
      await expectCode(
        service.submit({ adminId: 'alice', outcome, signature: await sign(attesters[0]!, resultOf(outcome)) }),
        'ORACLE_SIGNATURE_EXPIRED',
      );
    });

    it('rejects an outcome the contract would refuse, naming the field', async () => {
      const outcome = newEvent();
      const bad = { ...outcome, status: ResultStatus.Cancelled };
      const error = await service.submit({ adminId: 'alice', outcome: bad }).catch((e: unknown) => e);
      expect(isOracleError(error, 'ORACLE_INVALID_OUTCOME')).toBe(true);
      expect((error as Error).message).toMatch(/^values:/);
    });
  });

  describe('signer instances', () => {
    it('signs for its own admin, and no instance signs for an admin it does not hold', async () => {
      const signer = await ResultSigner.create({
        adminId: 'carol',
        signer: attesters[2]!,
        chainId: CHAIN_ID,
        oracleAddress: ORACLE,
      });
      const withSigner = new AttestationService({
        store,
        attesterSet,
        chainId: CHAIN_ID,
        oracleAddress: ORACLE,
        signatureTtl: TTL,
        clock: () => now,
        signers: [signer],
      });
      const outcome = newEvent();
      const receipt = await withSigner.submit({ adminId: 'carol', outcome });
      expect(receipt).toMatchObject({ action: 'created', attester: attesters[2]!.address });
      expect(verifyTypedData(domain, RESULT_TYPES, resultMessage(receipt.result), receipt.signature)).toBe(
        attesters[2]!.address,
      );
      await expectCode(withSigner.submit({ adminId: 'alice', outcome }), 'ORACLE_SIGNER_UNAVAILABLE');
      const stored = (await withSigner.attestationsFor(outcome.eventId)).attestations;
      expect(stored.map((a) => [a.adminId, a.source])).toEqual([['carol', 'signer']]);
    });

    it('refuses a signer instance whose key is not the one bound to its admin', async () => {
      const wrong = await ResultSigner.create({
        adminId: 'alice',
        signer: attesters[1]!,
        chainId: CHAIN_ID,
        oracleAddress: ORACLE,
      });
      const withSigner = new AttestationService({
        store,
        attesterSet,
        chainId: CHAIN_ID,
        oracleAddress: ORACLE,
        signatureTtl: TTL,
        clock: () => now,
        signers: [wrong],
      });
      await expectCode(withSigner.submit({ adminId: 'alice', outcome: newEvent() }), 'ORACLE_ATTESTER_NOT_BOUND');
    });
  });

  describe('bindings', () => {
    it('binds one key to one admin only', async () => {
      await store.bind('alice', attesters[0]!.address); // idempotent
      await expectCode(store.bind('zoe', attesters[0]!.address), 'ORACLE_BINDING_CONFLICT');
      await expectCode(store.bind('alice', Wallet.createRandom().address), 'ORACLE_BINDING_CONFLICT');
    });

    it('unbinds, rebinds, updates the contract flag, and audits every change', async () => {
      const key = Wallet.createRandom().address;
      await store.bind('yves', key);
      expect(await store.bindingOf('yves')).toMatchObject({ adminId: 'yves', attester: key, contract: false });
      await store.bind('yves', key, { contract: true });
      expect((await store.bindingOf('yves'))?.contract).toBe(true);
      expect(await store.unbind('yves')).toMatchObject({ attester: key, contract: true });
      expect(await store.unbind('yves')).toBeUndefined();
      expect(await store.attesterOf('yves')).toBeUndefined();
      await store.bind('zack', key); // the key is free again
      expect((await store.bindings()).find((b) => b.adminId === 'zack')?.attester).toBe(key);
      const history = await pool.query<{ action: string; admin_id: string; is_contract: boolean }>(
        'select action, admin_id, is_contract from oracle_attester_binding_history where attester = $1 order by id',
        [key.toLowerCase()],
      );
      expect(history.rows).toEqual([
        { action: 'bound', admin_id: 'yves', is_contract: false },
        { action: 'updated', admin_id: 'yves', is_contract: true },
        { action: 'unbound', admin_id: 'yves', is_contract: true },
        { action: 'bound', admin_id: 'zack', is_contract: false },
      ]);
    });
  });

  describe('contract attesters (stub ERC-1271 verifier)', () => {
    // A Safe-like attester: its signature is two owners' 65-byte signatures (130 bytes).
    const safe = getAddress('0x00000000000000000000000000000000005afe01');
    let accepted: Set<string>;
    let calls: { address: string; digest: string; signature: string }[];
    let failing: boolean;
    const verifier = {
      isContract: (address: string) => Promise.resolve(address.toLowerCase() === safe.toLowerCase()),
      isValidSignature: (address: string, digest: string, signature: string) => {
        calls.push({ address, digest, signature });
        if (failing) return Promise.reject(new Error('connection refused'));
        return Promise.resolve(accepted.has(`${digest}:${signature}`));
      },
    };
    const withSafe = () => {
      const set = new StaticAttesterSet({
        epoch: 1,
        threshold: 3,
        attesters: [attesters[0]!.address, safe, attesters[1]!.address, attesters[2]!.address, attesters[3]!.address],
      });
      return {
        set,
        service: new AttestationService({
          store,
          attesterSet: set,
          chainId: CHAIN_ID,
          oracleAddress: ORACLE,
          signatureTtl: TTL,
          clock: () => now,
          contractVerifier: verifier,
        }),
      };
    };
    const safeSignature = async (result: Result) =>
      `0x${(await sign(outsider, result)).slice(2)}${(await sign(attesters[4]!, result)).slice(2)}`;

    beforeAll(async () => {
      await store.bind('safe-ops', safe); // no flag: the verifier finds code at the address
    });
    beforeEach(() => {
      accepted = new Set();
      calls = [];
      failing = false;
    });

    it('verifies with isValidSignature, stores the flag and lists the entry as contract: true', async () => {
      const { set, service: svc } = withSafe();
      const outcome = newEvent();
      const result = resultOf(outcome);
      const signature = await safeSignature(result);
      const digest = resultDigest(domain, result);
      accepted.add(`${digest}:${signature}`);
      const receipt = await svc.submit({
        adminId: 'safe-ops',
        outcome,
        signature: signature.toUpperCase().replace('0X', '0x'),
      });
      expect(receipt).toMatchObject({ action: 'created', contract: true, attester: safe, signature });
      expect(calls).toEqual([{ address: safe, digest, signature }]);
      // ECDSA attesters keep recovering, with the contract check never asked
      for (const i of [0, 1]) {
        await svc.submit({ adminId: admins[i]!, outcome, signature: await sign(attesters[i]!, result) });
      }
      expect(calls).toHaveLength(1);
      const [published] = (
        await new PgReadyResultSource({ store, attesterSet: set }).listReady({ limit: 100, now })
      ).filter((r) => r.result.eventId === outcome.eventId);
      expect(published!.signatures).toEqual([
        { attester: attesters[0]!.address, signature: await sign(attesters[0]!, result) },
        { attester: safe, signature, contract: true },
        { attester: attesters[1]!.address, signature: await sign(attesters[1]!, result) },
      ]);
      // the same again is unchanged (asked again: the wallet could have changed its mind)
      expect(await svc.submit({ adminId: 'safe-ops', outcome, signature })).toMatchObject({ action: 'unchanged' });
    });

    it('refuses what the contract refuses, a malformed signature, and stores nothing when the chain fails', async () => {
      const { service: svc } = withSafe();
      const outcome = newEvent();
      const signature = await safeSignature(resultOf(outcome));
      await expectCode(svc.submit({ adminId: 'safe-ops', outcome, signature }), 'ORACLE_INVALID_SIGNATURE');
      await expectCode(svc.submit({ adminId: 'safe-ops', outcome, signature: '0xabc' }), 'ORACLE_INVALID_SIGNATURE');
      await expectCode(
        svc.submit({ adminId: 'safe-ops', outcome, signature: `0x${'11'.repeat(65_536)}` }),
        'ORACLE_INVALID_SIGNATURE',
      );
      await expectCode(svc.submit({ adminId: 'safe-ops', outcome }), 'ORACLE_SIGNER_UNAVAILABLE');
      failing = true;
      accepted.add(`${resultDigest(domain, resultOf(outcome))}:${signature}`);
      await expect(svc.submit({ adminId: 'safe-ops', outcome, signature })).rejects.toThrow('connection refused');
      expect((await svc.attestationsFor(outcome.eventId)).attestations).toEqual([]);
    });
  });

  it('reports an event: attestations, groups against the threshold, conflicts', async () => {
    const outcome = newEvent();
    await attest(0, outcome);
    await attest(1, outcome);
    const status = await service.attestationsFor(outcome.eventId);
    expect(status).toMatchObject({ eventId: outcome.eventId, epoch: 1, threshold: 3, conflicts: [] });
    expect(await service.attestationsFor(`test-event-${eventCounter}`)).toEqual(status);
    expect(status.groups).toHaveLength(1);
    expect(status.groups[0]).toMatchObject({ signatures: 2, threshold: 3, ready: false, expired: false });
  });
});
