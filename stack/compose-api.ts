import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { SandboxPaymentProvider, createApiModule } from '../api/index.js';
import { createKycModule, createSessionMiddleware, loadKycConfig, readPlayerAccount } from '../kyc/index.js';
import type { ComposeApi, RunningApi, StackServices } from './services.js';

/**
 * The stack's own composition of the API process, used while no `composeApi` is given (until the
 * settler/API process, `api/process.ts`, plugs in): kyc's sign-in routes and sessions on the stack's
 * ephemeral store, and the betting API with kyc's guards as its ports and the sandbox payment
 * provider (instant). No settler runs here.
 */
export const composeLocalApi: ComposeApi = async (s: StackServices): Promise<RunningApi> => {
  const kycConfig = loadKycConfig(s.env);
  const kyc = createKycModule({ config: kycConfig, pool: s.pool, ephemeral: s.ephemeral, logger: s.logger });
  const api = createApiModule({
    pool: s.pool,
    players: { read: (db, accountId, options) => readPlayerAccount(db, accountId, options) },
    http: { requirePlayer: kyc.requirePlayer, requireAdmin: kyc.requireAdmin(), csrf: kyc.originCheck },
    payments: {
      provider: new SandboxPaymentProvider({ mode: 'instant', secret: s.env.PAYMENTS_WEBHOOK_SECRET! }),
      webhookSecret: s.env.PAYMENTS_WEBHOOK_SECRET!,
    },
    logger: s.logger,
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(
    createSessionMiddleware({
      ephemeral: s.ephemeral,
      prefix: `${kycConfig.redisPrefix}sess:`,
      secrets: kycConfig.sessionSecrets,
      cookieSecure: kycConfig.cookieSecure,
      ttlSeconds: kycConfig.sessionTtlSeconds,
    }),
  );
  app.use(kyc.router);
  app.use(api.app);
  const server = createServer(app);
  server.listen(s.config.port, s.config.host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]: unknown[]) => {
      throw error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? new Error(`${s.config.host}:${s.config.port} is in use: set PORT to a free port`, { cause: error })
        : error;
    }),
  ]);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${s.config.host}:${port}`,
    port,
    markets: api.markets,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
