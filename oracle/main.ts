import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { Wallet } from 'ethers';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { PgAttestationStore } from './attestations/pg-attestation-store.js';
import { PgReadyResultSource } from './attestations/pg-ready-result-source.js';
import { ChainAttesterSetSource } from './chain/attester-set-source.js';
import { oracleContract } from './chain/oracle-contract.js';
import { createProvider } from './chain/provider.js';
import { createChainPolicy } from './chain/resilience.js';
import { loadOracleConfig, type OracleConfig } from './config.js';
import { migrateOracle } from './db/migrate-oracle.js';
import { IndexerService } from './indexer/indexer-service.js';
import { ResultIndexer } from './indexer/result-indexer.js';
import { OracleMetrics, serveMetrics } from './metrics.js';
import { PgBatchSignatureStore } from './relayer/batch-requests.js';
import { FeePolicy } from './relayer/fee-policy.js';
import { PgOutboxStore } from './relayer/pg-outbox-store.js';
import { RelayerLock } from './relayer/relayer-lock.js';
import { RelayerService } from './relayer/relayer-service.js';
import { ResultRelayer } from './relayer/result-relayer.js';
import { oracleDomain } from './result.js';
import { BatchCosigner, BatchCosignerService } from './signer/batch-cosigner.js';
import { SIGNERS_VARIABLE, SIGNER_PREFIX, createSignerInstances } from './signer/signer-instances.js';
import { OracleConfigError, OracleError } from './errors.js';

/**
 * The signer instances a process holds, from its `ORACLE_SIGNER_*` variables (one attester key each,
 * bound to one admin; keystores, or development keys on a local chain). The local stack hands them to
 * its API process as the Signer port of the admin routes.
 */
export { createSignerInstances } from './signer/signer-instances.js';

/** Roles one oracle process can run: `relayer`, `indexer`, `signer`, or all three (`all`). */
export type OracleRole = 'relayer' | 'indexer' | 'signer';

/** Default `/metrics` port of a process running these roles: one per role, so they can run side by side. */
export function defaultMetricsPort(roles: readonly OracleRole[]): number {
  if (roles.includes('relayer')) return 9464;
  if (roles.includes('indexer')) return 9465;
  return 9466;
}

/**
 * Composition root of the oracle chain processes: the only module that reads the environment, opens
 * sockets and listens. `npm run relayer`, `npm run indexer`, `npm run signer`, or `tsx oracle/main.ts all`.
 *
 * @param options.env - where the signer role reads its instances (`ORACLE_SIGNER_*`); default `process.env`.
 * @param options.requireSigners - the `signer` role fails without signer instances (true when it was asked
 *   for alone); otherwise a process without `ORACLE_SIGNER_*` simply runs no cosigner.
 * @param options.logger - where the roles log (a child with `roles` is taken); default: pino on stdout at
 *   `info` (the processes of `npm run relayer` / `indexer` / `signer`). The local stack passes its own, so
 *   its `LOG_LEVEL` holds for the oracle too.
 *
 * @returns `close()`, which stops the loops (the relayer finishes its tick and releases its lock),
 * the metrics server, the provider and the pool.
 */
export async function startOracle(
  config: OracleConfig,
  roles: readonly OracleRole[],
  options: { readonly env?: NodeJS.ProcessEnv; readonly requireSigners?: boolean; readonly logger?: Logger } = {},
): Promise<{ close(): Promise<void> }> {
  // Signer instances first (one attester key each, bound to one admin): a bad key or variable fails the
  // start before any connection is opened. Signing is offline: no provider needed.
  const instances = roles.includes('signer')
    ? await createSignerInstances({
        env: options.env ?? process.env,
        chainId: config.chain.chainId,
        oracleAddress: config.chain.oracleAddress,
      })
    : [];
  if (roles.includes('signer') && instances.length === 0 && options.requireSigners) {
    throw new OracleConfigError([
      `${SIGNER_PREFIX}_ADMIN: the signer role needs at least one signer instance (${SIGNER_PREFIX}_ADMIN with ${SIGNER_PREFIX}_KEYSTORE + ${SIGNER_PREFIX}_KEYSTORE_PASSWORD, or ${SIGNERS_VARIABLE})`,
    ]);
  }
  const logger =
    options.logger?.child({ process: 'oracle', roles: roles.join(',') }) ??
    pino({ name: 'oracle', base: { roles: roles.join(',') } });
  const metrics = new OracleMetrics({ defaultMetrics: true });
  // The metrics port first: a clash fails the start with a clear error before anything runs or says "started".
  const metricsOptions = { host: config.metrics.host, port: config.metrics.port ?? defaultMetricsPort(roles) };
  const server = await serveMetrics(metrics, metricsOptions).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new OracleConfigError([
      `METRICS_PORT: ${metricsOptions.host}:${metricsOptions.port} is already in use (another oracle process?); set METRICS_PORT to a free port (0: any)`,
    ]);
  });
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 8 });
  await migrateOracle(pool);
  const provider = createProvider(config.chain);
  const policy = createChainPolicy(config.chain);
  policy.onRetry((attempt, error) => {
    metrics.providerRetries.inc();
    logger.warn({ attempt, err: error }, 'provider call failed: retrying with backoff');
  });
  policy.onBreakerStateChange((state) => {
    metrics.breakerOpen.set(state === 'open' ? 1 : 0);
    logger.warn({ state }, 'provider circuit breaker');
  });
  const contract = oracleContract(config.chain.oracleAddress, provider);
  const attesterSets = new ChainAttesterSetSource({ contract });
  const stops: (() => Promise<void>)[] = [];

  if (roles.includes('relayer')) {
    const key = config.relayer.key;
    if (key.kind === 'none')
      throw new Error('RELAYER_KEYSTORE_PATH (or a development RELAYER_PRIVATE_KEY) is required');
    const wallet =
      key.kind === 'keystore'
        ? await Wallet.fromEncryptedJson(await readFile(key.path, 'utf8'), key.password)
        : new Wallet(key.privateKey);
    const lock = new RelayerLock({
      connectionString: config.databaseUrl,
      key: `relayer:${config.chain.chainId}:${config.chain.oracleAddress.toLowerCase()}`,
    });
    const relayer = new ResultRelayer({
      source: new PgReadyResultSource({
        store: new PgAttestationStore({ pool }),
        attesterSet: attesterSets,
        deployment: { chainId: config.chain.chainId, contract: config.chain.oracleAddress },
      }),
      outbox: new PgOutboxStore({
        db: () => lock.session,
        chainId: config.chain.chainId,
        contract: config.chain.oracleAddress,
      }),
      provider,
      oracleAddress: config.chain.oracleAddress,
      chainId: config.chain.chainId,
      signer: wallet,
      attesterSets,
      policy,
      fees: new FeePolicy({
        maxFeePerGas: config.relayer.maxFeePerGas,
        maxPriorityFeePerGas: config.relayer.maxPriorityFeePerGas,
        bumpPercent: config.relayer.feeBumpPercent,
      }),
      // Batch roots only when configured: they wait for the attesters' signers to answer batch requests.
      ...(config.relayer.batchThreshold === undefined
        ? {}
        : {
            batchSignatures: new PgBatchSignatureStore({
              db: pool,
              domain: oracleDomain(config.chain.chainId, config.chain.oracleAddress),
            }),
          }),
      options: { ...config.relayer, batchThreshold: config.relayer.batchThreshold ?? Number.MAX_SAFE_INTEGER },
      metrics,
      logger,
    });
    const service = new RelayerService({ lock, relayer, pollMs: config.relayer.pollMs, logger, metrics });
    service.start();
    logger.info({ relayer: wallet.address }, 'relayer started (standing by until it holds the lock)');
    stops.push(() => service.stop());
  }

  if (roles.includes('indexer')) {
    const indexer = new ResultIndexer({
      pool,
      provider,
      oracleAddress: config.chain.oracleAddress,
      chainId: config.chain.chainId,
      policy,
      options: { ...config.indexer, deploymentBlock: config.chain.deploymentBlock },
      metrics,
      logger,
    });
    const service = new IndexerService({ indexer, pollMs: config.indexer.pollMs, logger });
    service.start();
    stops.push(() => service.stop());
  }

  if (roles.includes('signer')) {
    if (instances.length === 0) {
      logger.info({}, `no ${SIGNER_PREFIX}_* instance configured: no batch co-signing in this process`);
    } else {
      const cosigner = new BatchCosigner({
        instances,
        requests: new PgBatchSignatureStore({
          db: pool,
          domain: oracleDomain(config.chain.chainId, config.chain.oracleAddress),
        }),
        attestations: new PgAttestationStore({ pool }),
        attesterSets,
        now: async () => {
          const block = await policy.execute(() => provider.getBlock('latest'));
          if (!block) throw new Error('no latest block');
          return BigInt(block.timestamp);
        },
        options: config.cosigner,
        metrics,
        logger,
      });
      const service = new BatchCosignerService({
        cosigner,
        pollMs: config.cosigner.pollMs,
        maxRequestsPerTick: config.cosigner.maxRequestsPerTick,
        logger,
      });
      service.start();
      logger.info(
        { instances: instances.map((i) => ({ admin: i.adminId, attester: i.attester })) },
        'batch cosigner started',
      );
      stops.push(() => service.stop());
    }
  }

  logger.info({ port: server.port }, 'metrics on /metrics');
  return {
    async close() {
      await Promise.all(stops.map((stop) => stop()));
      await server.close();
      provider.destroy();
      await pool.end();
    },
  };
}

function rolesOf(arg: string | undefined): OracleRole[] {
  if (arg === 'relayer' || arg === 'indexer' || arg === 'signer') return [arg];
  if (arg === 'all' || arg === undefined) return ['relayer', 'indexer', 'signer'];
  throw new Error(`unknown role ${arg}: use relayer, indexer, signer or all`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const roles = rolesOf(process.argv[2]);
  let config: OracleConfig;
  try {
    config = loadOracleConfig(process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  let running: { close(): Promise<void> };
  try {
    running = await startOracle(config, roles, { env: process.env, requireSigners: process.argv[2] === 'signer' });
  } catch (error) {
    if (!(error instanceof OracleConfigError) && !(error instanceof OracleError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    process.stderr.write(`oracle: ${signal}, shutting down\n`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`oracle: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
