import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Contract, getAddress, type Wallet } from 'ethers';
import pg from 'pg';
import { AttestationService } from '../../../oracle/attestations/attestation-service.js';
import type { AttesterSetSource } from '../../../oracle/attestations/attester-set.js';
import { ProviderContractSignatureVerifier } from '../../../oracle/attestations/contract-signature-verifier.js';
import { PgAttestationStore } from '../../../oracle/attestations/pg-attestation-store.js';
import { PgReadyResultSource } from '../../../oracle/attestations/pg-ready-result-source.js';
import { migrateOracle } from '../../../oracle/db/migrate-oracle.js';
import { isOracleError, type OracleErrorCode } from '../../../oracle/errors.js';
import {
  Phase,
  RESULT_TYPES,
  ResultStatus,
  eventIdOf,
  oracleDomain,
  packSignatures,
  resultDigest,
  resultMessage,
  type Outcome,
  type Result,
} from '../../../oracle/result.js';
import { deploy, startHardhatNode, type HardhatNode } from '../../support/chain.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

const CHAIN_ID = 31337n;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

async function expectCode(promise: Promise<unknown>, code: OracleErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isOracleError(error)) throw new Error(`expected OracleError ${code}, got ${String(error)}`);
  expect(error.code).toBe(code);
}

async function mined(tx: Promise<unknown>): Promise<void> {
  const sent = (await tx) as { wait(): Promise<{ status: number } | null> };
  expect((await sent.wait())?.status).toBe(1);
}

/** The oracle's own getters, as the chain side reads them. */
function contractAttesterSet(oracle: Contract): AttesterSetSource {
  return {
    async current() {
      const [config, attesters] = await Promise.all([
        oracle.getFunction('attesterConfig').staticCall() as Promise<[bigint, bigint]>,
        oracle.getFunction('attesters').staticCall() as Promise<string[]>,
      ]);
      return { epoch: Number(config[0]), threshold: Number(config[1]), attesters: attesters.map((a) => getAddress(a)) };
    },
  };
}

/**
 * A contract attester (ERC-1271, like a one-owner Safe) next to EOA attesters: the service verifies
 * its signature with isValidSignature on the node, stores it flagged, and the ready bundle carries
 * it as a 0x01 entry (with the wallet's address) that ResultsOracle.propose accepts.
 */
describe('ERC-1271 attester → ResultsOracle.propose (Hardhat node)', () => {
  let node: HardhatNode;
  let db: TestDatabase;
  let pool: pg.Pool;
  let oracle: Contract;
  let oracleAddress: string;
  let safe: Contract;
  let safeAddress: string;
  let owner: Wallet;
  let eoas: Wallet[];
  let store: PgAttestationStore;
  let attesterSet: AttesterSetSource;
  let service: AttestationService;
  let verifier: ProviderContractSignatureVerifier;
  let endedAt: bigint;
  let eventCounter = 0;

  const admins = ['alice', 'bob', 'safe-ops', 'dave', 'erin'];
  const sign = (wallet: Wallet, result: Result) =>
    wallet.signTypedData(oracleDomain(CHAIN_ID, oracleAddress), RESULT_TYPES, resultMessage(result));
  const newOutcome = (): Outcome => ({
    eventId: eventIdOf(`erc1271-attester-${++eventCounter}`),
    status: ResultStatus.Completed,
    values: [3, 0],
    endedAt,
    version: 1,
  });

  beforeAll(async () => {
    [node, db] = await Promise.all([startHardhatNode(), createTestDatabase('oracle_contract_attester')]);
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    await migrateOracle(pool);

    owner = node.wallet(8);
    const deployedSafe = await deploy(node.wallet(0), 'testing/Erc1271TestWallet.sol', 'Erc1271TestWallet', [
      owner.address,
    ]);
    safeAddress = await deployedSafe.getAddress();
    safe = new Contract(safeAddress, deployedSafe.interface, owner);
    eoas = [1, 2, 3, 4].map((i) => node.wallet(i));
    // Set: EOA, EOA, contract wallet, EOA, EOA; 3 of 5.
    const set = [eoas[0]!.address, eoas[1]!.address, safeAddress, eoas[2]!.address, eoas[3]!.address];
    const governance = node.wallet(0);
    const deployed = await deploy(governance, 'ResultsOracle.sol', 'ResultsOracle', [
      set,
      3,
      4,
      3600,
      node.wallet(6).address,
      governance.address,
    ]);
    oracleAddress = await deployed.getAddress();
    oracle = new Contract(oracleAddress, deployed.interface, governance);

    store = new PgAttestationStore({ pool });
    for (const [i, admin] of admins.entries()) {
      // the contract wallet is bound without the flag: the service finds its code
      await store.bind(admin, set[i]!);
    }
    attesterSet = contractAttesterSet(oracle);
    verifier = new ProviderContractSignatureVerifier(node.provider);
    service = new AttestationService({
      store,
      attesterSet,
      chainId: CHAIN_ID,
      oracleAddress,
      contractVerifier: verifier,
    });
    endedAt = BigInt((await node.provider.getBlock('latest'))!.timestamp) - 60n;
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await Promise.all([node?.stop(), db?.drop()]);
  }, 30_000);

  it('tells contracts from EOAs and asks isValidSignature', async () => {
    expect(await verifier.isContract(safeAddress)).toBe(true);
    expect(await verifier.isContract(eoas[0]!.address)).toBe(false);
    const result = await service.resultFor(newOutcome());
    const digest = resultDigest(oracleDomain(CHAIN_ID, oracleAddress), result);
    const signature = await sign(owner, result);
    expect(await verifier.isValidSignature(safeAddress, digest, signature)).toBe(true);
    expect(await verifier.isValidSignature(safeAddress, digest, await sign(eoas[0]!, result))).toBe(false);
    // an EOA answers nothing: not a valid ERC-1271 signature
    expect(await verifier.isValidSignature(eoas[0]!.address, digest, signature)).toBe(false);
  }, 120_000);

  it('reaches 3-of-5 with two EOAs and the contract wallet, and the packed bundle is proposed', async () => {
    const outcome = newOutcome();
    const result = await service.resultFor(outcome);
    await service.submit({ adminId: 'alice', outcome, signature: await sign(eoas[0]!, result) });
    await service.submit({ adminId: 'bob', outcome, signature: await sign(eoas[1]!, result) });
    const receipt = await service.submit({ adminId: 'safe-ops', outcome, signature: await sign(owner, result) });
    expect(receipt).toMatchObject({
      action: 'created',
      attester: safeAddress,
      contract: true,
      support: 3,
      ready: true,
    });

    const stored = (await service.attestationsFor(outcome.eventId)).attestations;
    expect(stored.find((a) => a.attester === safeAddress)).toMatchObject({ contract: true, adminId: 'safe-ops' });
    expect(stored.filter((a) => a.contract)).toHaveLength(1);

    const now = BigInt((await node.provider.getBlock('latest'))!.timestamp);
    const ready = (await new PgReadyResultSource({ store, attesterSet }).listReady({ limit: 10, now })).filter(
      (r) => r.result.eventId === outcome.eventId,
    );
    expect(ready).toHaveLength(1);
    const signatures = ready[0]!.signatures;
    expect(signatures.map((s) => s.attester)).toEqual([eoas[0]!.address, eoas[1]!.address, safeAddress]);
    expect(signatures[2]).toEqual({ attester: safeAddress, signature: receipt.signature, contract: true });
    expect(signatures[0]!.contract).toBeUndefined();

    const set = (await attesterSet.current()).attesters;
    const bundle = packSignatures(set, signatures);
    // the contract wallet's entry (bundle v2): 0x01 ‖ its address ‖ uint16 length ‖ signature bytes
    expect(bundle.toLowerCase()).toContain(
      `01${safeAddress.slice(2).toLowerCase()}${'0041'}${receipt.signature.slice(2).toLowerCase()}`,
    );
    await mined(oracle.getFunction('propose').send(resultMessage(ready[0]!.result), bundle));
    const view = (await oracle.getFunction('resultOf').staticCall(outcome.eventId)) as unknown[];
    expect(Number(view[0])).toBe(Phase.Proposed);
    expect((view[4] as bigint[]).map(Number)).toEqual([3, 0]);
  }, 120_000);

  it('rejects a signature the contract refuses with ORACLE_INVALID_SIGNATURE, and stores nothing', async () => {
    const outcome = newOutcome();
    const result = await service.resultFor(outcome);
    // another key than the wallet's owner
    await expectCode(
      service.submit({ adminId: 'safe-ops', outcome, signature: await sign(eoas[3]!, result) }),
      'ORACLE_INVALID_SIGNATURE',
    );
    // the owner's signature while the wallet refuses everything
    await mined(safe.getFunction('setRefusing').send(true));
    try {
      await expectCode(
        service.submit({ adminId: 'safe-ops', outcome, signature: await sign(owner, result) }),
        'ORACLE_INVALID_SIGNATURE',
      );
    } finally {
      await mined(safe.getFunction('setRefusing').send(false));
    }
    // not hex / empty
    await expectCode(service.submit({ adminId: 'safe-ops', outcome, signature: '0x' }), 'ORACLE_INVALID_SIGNATURE');
    expect((await service.attestationsFor(outcome.eventId)).attestations).toEqual([]);

    // accepted again once the wallet accepts
    const receipt = await service.submit({ adminId: 'safe-ops', outcome, signature: await sign(owner, result) });
    expect(receipt).toMatchObject({ action: 'created', contract: true, support: 1 });
  }, 120_000);

  it('refuses a contract attester when the service has no verifier; EOAs still verify by ECDSA', async () => {
    const offline = new AttestationService({ store, attesterSet, chainId: CHAIN_ID, oracleAddress });
    const outcome = newOutcome();
    const result = await offline.resultFor(outcome);
    // bound without the flag and no provider: taken for an EOA, the owner's signature does not recover to it
    await expectCode(
      offline.submit({ adminId: 'safe-ops', outcome, signature: await sign(owner, result) }),
      'ORACLE_INVALID_SIGNATURE',
    );
    await store.unbind('safe-ops');
    await store.bind('safe-ops', safeAddress, { contract: true });
    try {
      await expectCode(
        offline.submit({ adminId: 'safe-ops', outcome, signature: await sign(owner, result) }),
        'ORACLE_VERIFIER_UNAVAILABLE',
      );
      // declared a contract: verified through the provider
      const receipt = await service.submit({ adminId: 'safe-ops', outcome, signature: await sign(owner, result) });
      expect(receipt.contract).toBe(true);
    } finally {
      await store.unbind('safe-ops');
      await store.bind('safe-ops', safeAddress);
    }
    expect(await offline.submit({ adminId: 'alice', outcome, signature: await sign(eoas[0]!, result) })).toMatchObject({
      contract: false,
      support: 2,
    });
  }, 120_000);
  it("lets the attest CLI submit for a contract-bound admin with the wallet owner's key", async () => {
    const outcome = newOutcome();
    const cli = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        join(root, 'node_modules', '.bin', 'tsx'),
        [
          join(root, 'scripts', 'attest.ts'),
          '--dev-account',
          '8', // the wallet's owner
          '--event',
          outcome.eventId,
          '--status',
          'completed',
          '--values',
          outcome.values.join(','),
          '--ended-at',
          outcome.endedAt.toString(),
          '--chain-id',
          CHAIN_ID.toString(),
          '--oracle',
          oracleAddress,
          '--epoch',
          '1',
          '--submit',
          '--admin',
          'safe-ops',
          '--rpc-url',
          node.url,
        ],
        { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: db.url } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({
      attester: owner.address,
      submitted: { action: 'created', attester: safeAddress, contract: true, support: 1 },
    });
  }, 120_000);
});
