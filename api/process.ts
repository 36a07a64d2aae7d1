import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { createKycModule, createSessionMiddleware, readPlayerAccount } from '../kyc/index.js';
import { createOracleReader } from '../oracle/index.js';
import { createProvider, OracleOperationsReader, type AttestationSigner } from '../oracle/admin.js';
import { createMemoryEphemeral, createRedisEphemeral, type Ephemeral } from '../lib/ephemeral/index.js';
import { PollLoop } from '../lib/poll-loop.js';
import { createOperationsView } from './admin/operations.js';
import { createOracleAdmin } from './admin/oracle-admin.js';
import { createApiModule, type ApiModule } from './app.js';
import {
  createLiveModule,
  createLivePublisher,
  createOracleChanges,
  oracleEventsInProgress,
  sessionAuthenticator,
  type LiveModule,
} from './live/index.js';
import type { ApiConfig } from './config.js';
import { migrateApi } from './db/migrations.js';
import { rateLimit } from './http/rate-limit.js';
import { createMarketService } from './markets/market-service.js';
import { ApiMetrics } from './metrics.js';
import { createSettler, type Settler } from './settlement/settler.js';
import { ADMIN_STATIC_DIR, adminPages } from './web/admin/pages.js';
import { createWebModule } from './web/index.js';
import { SandboxPaymentProvider, type PaymentProvider } from './wallet/payment-provider.js';

/** What tests (and `api/main.ts`) may replace. */
export interface ProcessOverrides {
  readonly logger?: Logger;
  readonly now?: () => Date;
  readonly paymentProvider?: PaymentProvider;
  /**
   * Redis's roles to use instead of the process's own (REDIS_URL, else memory): the local stack
   * hands the API and the settler one store, so that in memory too the settler's live events reach
   * the API's sockets. The caller closes it.
   */
  readonly ephemeral?: Ephemeral;
  /**
   * The Signer port of the admin routes: signer instances bound to admins (at most one each), used by
   * `POST /admin/events/{id}/attestations/sign-with-bound-signer`. `npm run api` passes none (a
   * production signer instance is its own process with its own keystore); the local stack passes
   * in-process instances over the development attester keys.
   */
  readonly signers?: readonly AttestationSigner[];
  /** How long `GET /admin/ops` reuses its open bets and stakes (`OperationsThresholds.openMaxAgeMs`, 5 s). */
  readonly operationsOpenMaxAgeMs?: number;
}

/** A running process: where it listens, and a graceful close. */
export interface RunningProcess {
  readonly url: string;
  readonly metrics: ApiMetrics;
  readonly logger: Logger;
  /** Stops taking work, lets what is in flight finish, then closes every connection it opened. */
  close(): Promise<void>;
}

async function listen(server: Server, host: string, port: number): Promise<string> {
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/** Closes an HTTP server gracefully: no new connections, in-flight requests answered, idle sockets closed. */
async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
}

function ephemeralOf(redis: Redis | undefined): Ephemeral {
  return redis ? createRedisEphemeral(redis) : createMemoryEphemeral();
}

/**
 * The `api` process: Postgres pool, Redis (or memory), the chain provider (readiness), kyc's module
 * (player and staff sign-in, sessions), the betting API with per-IP and per-account rate limits,
 * request logs, `/metrics` and health. Applies nothing to the database: migrations are a deploy step
 * (`createSettlerProcess` applies api's, the settler starting first in the local stack).
 */
export async function createApiProcess(
  config: ApiConfig,
  overrides: ProcessOverrides = {},
): Promise<RunningProcess & { readonly api: ApiModule; readonly live: LiveModule }> {
  if (!config.kyc) throw new Error('the api role needs the kyc section (loadApiConfig(env, "api"))');
  const kycConfig = config.kyc;
  const logger = overrides.logger ?? pino({ level: config.logLevel, base: { process: 'api' } });
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 20 });
  pool.on('error', (error) => logger.warn({ event: 'api.pg_idle_error', err: String(error) }, 'idle pg client error'));
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 })
    : undefined;
  redis?.on('error', (error) => logger.warn({ event: 'api.redis_error', err: String(error) }, 'redis error'));
  const ephemeral = overrides.ephemeral ?? ephemeralOf(redis);
  const provider = createProvider(config.chain);
  const metrics = new ApiMetrics(pool);
  const startedAt = overrides.now?.() ?? new Date();
  const operations = createOperationsView({
    pool,
    oracle: new OracleOperationsReader({
      db: pool,
      chainId: config.chain.chainId,
      contract: config.chain.oracleAddress,
    }),
    chainHead: () => provider.getBlockNumber(),
    settlerCursor: config.settler.cursorName,
    rejections: () => metrics.rejectionCounts(),
    startedAt,
    ...(overrides.now ? { now: overrides.now } : {}),
    ...(overrides.operationsOpenMaxAgeMs !== undefined
      ? { thresholds: { openMaxAgeMs: overrides.operationsOpenMaxAgeMs } }
      : {}),
  });
  const livePublisher = createLivePublisher({
    fanOut: ephemeral.fanOut,
    prefix: config.redisPrefix,
    onError: (error) =>
      logger.warn({ event: 'api.live_publish_failed', err: String(error) }, 'live update not published'),
  });
  const kyc = createKycModule({
    config: kycConfig,
    pool,
    ephemeral,
    logger,
    metrics: metrics.registry,
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  const sessions = createSessionMiddleware({
    ephemeral,
    prefix: `${kycConfig.redisPrefix}sess:`,
    secrets: kycConfig.sessionSecrets,
    cookieSecure: kycConfig.cookieSecure,
    ttlSeconds: kycConfig.sessionTtlSeconds,
  });
  const web = createWebModule({
    providers: kycConfig.providers.map((p) => ({ id: p.id, profile: p.profile })),
    pages: adminPages(),
    assets: { '/static/admin': ADMIN_STATIC_DIR },
  });
  const onLimiterError = (error: unknown) =>
    logger.warn({ event: 'api.rate_limit_failed', err: String(error) }, 'rate limit not counted');
  const api = createApiModule({
    pool,
    redis,
    redisPrefix: config.redisPrefix,
    players: { read: (db, accountId, options) => readPlayerAccount(db, accountId, options) },
    http: { requirePlayer: kyc.requirePlayer, requireAdmin: kyc.requireAdmin(), csrf: kyc.originCheck },
    payments: {
      provider:
        overrides.paymentProvider ??
        new SandboxPaymentProvider({ mode: config.payments.mode, secret: config.payments.webhookSecret }),
      webhookSecret: config.payments.webhookSecret,
    },
    logger,
    accessLog: logger,
    observer: metrics.api(),
    betGroupCommit: config.betGroupCommit,
    readiness: { rpc: () => provider.getBlockNumber() },
    live: livePublisher,
    operations,
    oracleAdmin: createOracleAdmin({
      pool,
      provider,
      chainId: config.chain.chainId,
      oracleAddress: config.chain.oracleAddress,
      signers: overrides.signers ?? [],
    }),
    ...(overrides.now ? { now: overrides.now } : {}),
    rateLimits: {
      ip: rateLimit({
        counter: ephemeral.counters,
        prefix: `${config.redisPrefix}rl:ip:`,
        limit: config.rateLimits.perIp,
        keyOf: (req) => req.ip,
        onError: onLimiterError,
      }),
      account: rateLimit({
        counter: ephemeral.counters,
        prefix: `${config.redisPrefix}rl:account:`,
        limit: config.rateLimits.perAccount,
        keyOf: (req) => req.user?.accountId,
        onError: onLimiterError,
      }),
    },
    mount: (app) => {
      app.set('trust proxy', config.trustProxyHops);
      app.get('/metrics', (_req, res, next) => {
        metrics.registry.metrics().then((text) => res.type(metrics.registry.contentType).send(text), next);
      });
      app.use(sessions);
      app.use(web.problemPages);
      app.use(kyc.router);
      app.use(web.router);
    },
  });
  const live = createLiveModule({
    fanOut: ephemeral.fanOut,
    channelPrefix: config.redisPrefix,
    allowedOrigins: kycConfig.allowedOrigins,
    // The API's own session middleware and guards, on the upgrade request's cookie.
    authenticate: sessionAuthenticator({
      sessions,
      requirePlayer: kyc.requirePlayer,
      requireAdmin: kyc.requireAdmin(),
    }),
    reads: {
      market: api.marketView,
      balance: async (accountId) => ({ balanceCents: Number(await api.wallet.balance(accountId)) }),
      oracleEvent: api.oracleStatus,
      oracleEventsInProgress: oracleEventsInProgress(pool),
    },
    oracleChanges: createOracleChanges(pool),
    logger,
  });
  metrics.live(() => live.stats());
  const server = createServer(api.app);
  live.attach(server);
  const url = await listen(server, config.host, config.port);
  logger.info({ event: 'api.started', url }, 'api listening');
  return {
    url,
    metrics,
    logger,
    api,
    live,
    async close() {
      await live.close();
      await closeServer(server);
      provider.destroy();
      if (!overrides.ephemeral) await ephemeral.close();
      redis?.disconnect();
      await pool.end();
    },
  };
}

/**
 * The `settler` process: applies api's migrations, then runs the settler (feed → chain check →
 * markets), the cut-off sweep and the Idempotency-Key purge on their schedules, and serves
 * `/metrics`, `/health/live` and `/health/ready` on its own port. `close()` stops between markets.
 */
export async function createSettlerProcess(
  config: ApiConfig,
  overrides: ProcessOverrides = {},
): Promise<RunningProcess & { readonly settler: Settler }> {
  const logger = overrides.logger ?? pino({ level: config.logLevel, base: { process: 'settler' } });
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 6 });
  pool.on('error', (error) =>
    logger.warn({ event: 'settler.pg_idle_error', err: String(error) }, 'idle pg client error'),
  );
  await migrateApi(pool);
  const provider = createProvider(config.chain);
  const reader = createOracleReader({
    provider,
    address: config.chain.oracleAddress,
    chainId: config.chain.chainId,
    pool,
  });
  const metrics = new ApiMetrics(pool);
  const now = overrides.now ?? (() => new Date());
  // Live events of settlements (bet.settled to each player, the market's new state) on the FanOut.
  const redis =
    overrides.ephemeral || !config.redisUrl
      ? undefined
      : new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  redis?.on('error', (error) => logger.warn({ event: 'settler.redis_error', err: String(error) }, 'redis error'));
  const ephemeral = overrides.ephemeral ?? ephemeralOf(redis);
  const live = createLivePublisher({
    fanOut: ephemeral.fanOut,
    prefix: config.redisPrefix,
    onError: (error) =>
      logger.warn({ event: 'settler.live_publish_failed', err: String(error) }, 'live update not published'),
  });
  const announce = (marketId: string) => {
    live
      .settlementChanged(pool, marketId)
      .catch((error: unknown) =>
        logger.warn({ event: 'settler.live_publish_failed', err: String(error) }, 'live update not published'),
      );
  };
  const settlerMetrics = metrics.settler();
  const observer: typeof settlerMetrics = {
    ...settlerMetrics,
    settled(marketId, summary, seconds) {
      settlerMetrics.settled?.(marketId, summary, seconds);
      announce(marketId);
    },
    reversed(marketId, summary, seconds) {
      settlerMetrics.reversed?.(marketId, summary, seconds);
      announce(marketId);
    },
  };
  const settler = createSettler(
    { pool, reader, logger, observer, now },
    { name: config.settler.cursorName, pollMs: config.settler.pollMs },
  );
  const markets = createMarketService({ pool, now });
  const sweep = new PollLoop(
    async () => {
      const closed = await markets.closeDueMarkets();
      if (closed.length > 0)
        logger.info({ event: 'settler.cut_off_sweep', markets: closed }, 'markets closed at cut-off');
      const purged = await purgeIdempotencyKeys(
        pool,
        new Date(now().getTime() - config.settler.idempotencyRetentionHours * 3600_000),
      );
      if (purged > 0)
        logger.info({ event: 'settler.idempotency_purge', keys: purged }, 'expired Idempotency-Keys purged');
      return closed.length === 500;
    },
    config.settler.sweepMs,
    (error) => logger.error({ event: 'settler.sweep_failed', err: String(error) }, 'cut-off sweep failed'),
  );
  const app = express();
  app.disable('x-powered-by');
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/ready', (_req, res) => {
    const checks: Record<string, string> = {};
    void Promise.all([
      pool.query('select 1').then(
        () => (checks.postgres = 'ok'),
        () => (checks.postgres = 'down'),
      ),
      provider.getBlockNumber().then(
        () => (checks.rpc = 'ok'),
        () => (checks.rpc = 'down'),
      ),
    ]).then(() => {
      const ok = Object.values(checks).every((v) => v === 'ok');
      res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'down', checks });
    });
  });
  app.get('/metrics', (_req, res, next) => {
    metrics.registry.metrics().then((text) => res.type(metrics.registry.contentType).send(text), next);
  });
  const server = createServer(app);
  const url = await listen(server, config.host, config.settler.port);
  settler.start();
  sweep.start();
  logger.info({ event: 'settler.started', url, cursor: config.settler.cursorName }, 'settler running');
  return {
    url,
    metrics,
    logger,
    settler,
    async close() {
      await Promise.all([settler.stop(), sweep.stop()]);
      await closeServer(server);
      provider.destroy();
      if (!overrides.ephemeral) await ephemeral.close();
      redis?.disconnect();
      await pool.end();
    },
  };
}

/**
 * Deletes Idempotency-Key answers older than `before`, in batches (retention: `API_IDEMPOTENCY_RETENTION_HOURS`,
 * 72 h by default). A key replayed after its purge is a new request: clients must not retry a key
 * older than the retention.
 *
 * @returns the number of keys deleted.
 */
export async function purgeIdempotencyKeys(
  pool: Pick<pg.Pool, 'query'>,
  before: Date,
  batch = 10_000,
): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `delete from betting.idempotency_keys where ctid = any(array(
         select ctid from betting.idempotency_keys where created_at < $1 limit $2))`,
      [before, batch],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) return total;
  }
}
