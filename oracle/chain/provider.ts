import {
  FallbackProvider,
  FetchRequest,
  InfuraProvider,
  JsonRpcProvider,
  Network,
  type AbstractProvider,
} from 'ethers';
import type { ChainConfig } from '../config.js';

/** Options a test or the bench may tune beyond the configuration. */
export interface ProviderOptions {
  /**
   * ethers' request de-duplication window (ms). The default (250 ms) is right for production;
   * tests that move the chain faster than that pass -1.
   */
  readonly cacheTimeout?: number;
}

/**
 * Builds the provider of the oracle processes from configuration (the only place that does).
 *
 * - Infura: the URL and credentials of ethers' `InfuraProvider` (`InfuraProvider.getRequest`), sent by a
 *   `JsonRpcProvider` so the request timeout applies; the network is static (no `eth_chainId` probing).
 * - One RPC URL: a `JsonRpcProvider` with a static network.
 * - Several RPC URLs: a `FallbackProvider` with quorum 1, in priority order: the first URL serves, the
 *   next one takes over after `stallTimeoutMs` or at once when the first one fails. Transactions are
 *   broadcast to all of them.
 */
export function createProvider(config: ChainConfig, options: ProviderOptions = {}): AbstractProvider {
  const network = Network.from(config.chainId);
  const jsonRpc = (request: FetchRequest): JsonRpcProvider => {
    request.timeout = config.timeoutMs;
    return new JsonRpcProvider(request, network, {
      staticNetwork: network,
      batchMaxCount: 1,
      ...(options.cacheTimeout === undefined ? {} : { cacheTimeout: options.cacheTimeout }),
    });
  };
  if (config.provider.kind === 'infura') {
    const infura = Network.from(config.provider.network);
    if (infura.chainId !== config.chainId)
      throw new Error(`Infura network ${config.provider.network} is not chain ${config.chainId}`);
    return jsonRpc(InfuraProvider.getRequest(infura, config.provider.apiKey, config.provider.apiSecret ?? null));
  }
  const providers = config.provider.urls.map((url) => jsonRpc(new FetchRequest(url)));
  if (providers.length === 1) return providers[0]!;
  return new FallbackProvider(
    providers.map((provider, index) => ({
      provider,
      priority: index + 1,
      weight: 1,
      stallTimeout: config.stallTimeoutMs,
    })),
    network,
    {
      quorum: 1,
      ...(options.cacheTimeout === undefined ? {} : { cacheTimeout: options.cacheTimeout }),
    },
  );
}

/**
 * Broadcasts a signed transaction. Through a `FallbackProvider`, ethers v6 compares the hashes its
 * backends return and fails ("the returned hash did not match") when one of them is down, so the raw
 * transaction is sent to every backend directly: it is accepted when one of them takes it. The
 * relayer's "already known" handling covers the backends that already had it.
 *
 * @returns the transaction hash.
 * @throws the first backend's error when none accepted it.
 */
export async function broadcastRaw(provider: AbstractProvider, raw: string): Promise<string> {
  if (!(provider instanceof FallbackProvider)) return (await provider.broadcastTransaction(raw)).hash;
  const outcomes = await Promise.allSettled(
    provider.providerConfigs.map(async (c) => (await c.provider.broadcastTransaction(raw)).hash),
  );
  const accepted = outcomes.find((o) => o.status === 'fulfilled');
  if (accepted) return accepted.value;
  throw (outcomes[0] as PromiseRejectedResult).reason;
}
