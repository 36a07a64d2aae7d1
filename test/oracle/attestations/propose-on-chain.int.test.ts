import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Contract, getAddress, type Wallet } from 'ethers';
import pg from 'pg';
import { AttestationService } from '../../../oracle/attestations/attestation-service.js';
import type { AttesterSetSource } from '../../../oracle/attestations/attester-set.js';
import { PgAttestationStore } from '../../../oracle/attestations/pg-attestation-store.js';
import { PgReadyResultSource } from '../../../oracle/attestations/pg-ready-result-source.js';
import { migrateOracle } from '../../../oracle/db/migrate-oracle.js';
import { Phase, ResultStatus, eventIdOf, packSignatures, resultMessage } from '../../../oracle/result.js';
import { ResultSigner } from '../../../oracle/signer/result-signer.js';
import { deploy, startHardhatNode, type HardhatNode } from '../../support/chain.js';
import { createTestDatabase, type TestDatabase } from '../../support/services.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The oracle's own getters, as the relayer's chain source reads them. */
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

describe('attestations → ResultsOracle.propose (Hardhat node)', () => {
  let node: HardhatNode;
  let db: TestDatabase;
  let pool: pg.Pool;
  let oracle: Contract;
  let oracleAddress: string;
  let attesters: Wallet[];

  beforeAll(async () => {
    [node, db] = await Promise.all([startHardhatNode(), createTestDatabase('oracle_propose')]);
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    await migrateOracle(pool);
    attesters = [1, 2, 3, 4, 5].map((i) => node.wallet(i));
    const governance = node.wallet(0);
    const deployed = await deploy(governance, 'ResultsOracle.sol', 'ResultsOracle', [
      attesters.map((w) => w.address),
      3,
      4,
      3600,
      node.wallet(6).address,
      governance.address,
    ]);
    oracleAddress = await deployed.getAddress();
    oracle = new Contract(oracleAddress, deployed.interface, governance);
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await Promise.all([node?.stop(), db?.drop()]);
  }, 30_000);

  it('proposes a 3-of-5 result signed by signer instances and the attest CLI, and the contract accepts it', async () => {
    const store = new PgAttestationStore({ pool });
    const admins = ['alice', 'bob', 'carol', 'dave', 'erin'];
    for (const [i, wallet] of attesters.entries()) await store.bind(admins[i]!, wallet.address);
    const attesterSet = contractAttesterSet(oracle);
    const signers = await Promise.all(
      [0, 1].map((i) =>
        ResultSigner.create({ adminId: admins[i]!, signer: attesters[i]!, chainId: 31337n, oracleAddress }),
      ),
    );
    const service = new AttestationService({ store, attesterSet, chainId: 31337n, oracleAddress, signers });

    const latest = await node.provider.getBlock('latest');
    const endedAt = BigInt(latest!.timestamp) - 60n;
    const outcome = {
      eventId: eventIdOf('fr-ligue1-2026-psg-om'),
      status: ResultStatus.Completed,
      values: [2, 1],
      endedAt,
      version: 1,
    };
    await service.submit({ adminId: 'alice', outcome });
    await service.submit({ adminId: 'bob', outcome });

    // carol signs with her own key through the CLI and submits into the same database
    const cli = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        join(root, 'node_modules', '.bin', 'tsx'),
        [
          join(root, 'scripts', 'attest.ts'),
          '--dev-account',
          '3',
          '--event',
          'fr-ligue1-2026-psg-om',
          '--status',
          'completed',
          '--values',
          '2,1',
          '--ended-at',
          endedAt.toString(),
          '--chain-id',
          '31337',
          '--oracle',
          oracleAddress,
          '--epoch',
          '1',
          '--submit',
          '--admin',
          'carol',
          '--rpc-url',
          node.url,
        ],
        { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: db.url } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ submitted: { action: 'created', support: 3, ready: true } });

    const now = BigInt((await node.provider.getBlock('latest'))!.timestamp);
    const [ready, ...others] = await new PgReadyResultSource({ store, attesterSet }).listReady({ limit: 10, now });
    expect(others).toEqual([]);
    expect(ready!.signatures).toHaveLength(3);
    expect(await oracle.getFunction('resultDigest').staticCall(resultMessage(ready!.result))).toBe(ready!.digest);

    const set = (await attesterSet.current()).attesters;
    const bundle = packSignatures(set, ready!.signatures);
    const tx = (await oracle.getFunction('propose').send(resultMessage(ready!.result), bundle)) as {
      wait(): Promise<{ status: number } | null>;
    };
    expect((await tx.wait())?.status).toBe(1);
    // ResultView(phase, status, version, finalAt, values, …) by index: ethers' Result is an Array (`.values` is Array's)
    const view = (await oracle.getFunction('resultOf').staticCall(outcome.eventId)) as unknown[];
    expect(Number(view[0])).toBe(Phase.Proposed);
    expect((view[4] as bigint[]).map(Number)).toEqual([2, 1]);
  }, 120_000);
});
