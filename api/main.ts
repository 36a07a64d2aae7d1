import { pathToFileURL } from 'node:url';
import { ApiConfigError, loadApiConfig, type ApiRole } from './config.js';
import { createApiProcess, createSettlerProcess, type RunningProcess } from './process.js';

/**
 * Composition root of the betting processes: `npm run api` (the HTTP API) and `npm run settler`
 * (settlement from the oracle's final-result feed, the cut-off sweep, the Idempotency-Key purge). The
 * only module that reads the environment: the configuration is validated once, every invalid
 * variable listed in one error (exit code 2). SIGTERM/SIGINT: the API stops accepting connections and
 * answers the requests in flight; the settler stops between markets; then connections close (exit 0).
 */
export async function start(role: ApiRole, env: NodeJS.ProcessEnv): Promise<RunningProcess> {
  const config = loadApiConfig(env, role);
  return role === 'api' ? createApiProcess(config) : createSettlerProcess(config);
}

function roleOf(arg: string | undefined): ApiRole {
  if (arg === 'api' || arg === 'settler') return arg;
  throw new Error(`unknown role ${String(arg)}: use api or settler`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let running: RunningProcess;
  try {
    running = await start(roleOf(process.argv[2]), process.env);
  } catch (error) {
    if (error instanceof ApiConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    running.logger.info({ event: 'process.shutdown', signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        running.logger.error({ event: 'process.shutdown_failed', err: String(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
