import { loadApiConfig } from '../api/config.js';
import { createApiProcess, createSettlerProcess } from '../api/process.js';
import { createSignerInstances } from '../oracle/main.js';
import type { ComposeApi, RunningApi, StackServices } from './services.js';

/**
 * The stack's default `composeApi`: the real API and settler processes of `api/process.ts` (what
 * `npm run api` and `npm run settler` run), in this process, configured from the stack's effective
 * environment (embedded or real parts alike). Both share the stack's ephemeral store (Redis on
 * REDIS_URL, else memory), so that the settler's live events reach the API's sockets in memory too.
 *
 * Signer instances: the `ORACLE_SIGNER_*` instances of the effective environment (on the embedded
 * chain, the five development attester keys bound to alice…erin), built in process and passed to the
 * API as its Signer port, so an admin's attestation can be signed without a wallet. Each signs only
 * for its own admin. On a real chain without `ORACLE_SIGNER_*`, there are none (admins sign with wallets).
 */
export const composeApiProcesses: ComposeApi = async (s: StackServices): Promise<RunningApi> => {
  const env = {
    ...s.env,
    API_HOST: s.env.API_HOST ?? s.config.host,
    API_PORT: s.env.API_PORT ?? String(s.config.port),
    API_LOG_LEVEL: s.env.API_LOG_LEVEL ?? s.env.LOG_LEVEL ?? 'warn',
    SETTLER_PORT: s.env.SETTLER_PORT ?? '0',
  };
  const settlerConfig = loadApiConfig(env, 'settler');
  const apiConfig = loadApiConfig(env, 'api');
  const signers = await createSignerInstances({
    env,
    chainId: apiConfig.chain.chainId,
    oracleAddress: apiConfig.chain.oracleAddress,
  });
  const settler = await createSettlerProcess(settlerConfig, {
    logger: s.logger.child({ process: 'settler' }),
    ephemeral: s.ephemeral,
  });
  let api;
  try {
    api = await createApiProcess(apiConfig, {
      logger: s.logger.child({ process: 'api' }),
      ephemeral: s.ephemeral,
      signers,
    });
  } catch (error) {
    await settler.close();
    throw error;
  }
  const port = Number(new URL(api.url).port);
  return {
    url: api.url,
    port,
    markets: api.api.markets,
    settlerUrl: settler.url,
    async close() {
      await api.close();
      await settler.close();
    },
  };
};
