import {
  AbstractProvider,
  FetchRequest,
  InfuraProvider,
  JsonRpcProvider,
  Network,
  type PerformActionRequest,
} from 'ethers';
import type { ChainConfig } from '../config.js';
import { redactUrl } from '../config.js';
import { OracleError } from '../errors.js';
import { isTransientProviderError } from './resilience.js';

/** Options a test or the bench may tune beyond the configuration. */
export interface ProviderOptions {
  /**
   * ethers' request de-duplication window (ms). The default (250 ms) is right for production;
   * tests that move the chain faster than that pass -1.
   */
  readonly cacheTimeout?: number;
  /**
   * Several URLs: how long an endpoint that failed is passed over before it is tried again first
   * (default `breakerHalfOpenMs` of the configuration).
   */
  readonly recoverAfterMs?: number;
  /** Wall clock in ms (health timing); injectable for tests. */
  readonly clock?: () => number;
}

/** Health of one endpoint of a {@link FailoverProvider}, as the admin pages and metrics show it. */
export interface EndpointHealth {
  /** The URL without credentials or path secrets (see `redactUrl`). */
  readonly url: string;
  /** Priority order, 0 first. */
  readonly index: number;
  /** False while the endpoint is passed over after a failure. */
  readonly healthy: boolean;
  /** Consecutive failures (0 once it answered again). */
  readonly failures: number;
  /** Code of the last failure (`ECONNREFUSED`, `TIMEOUT`, `SERVER_ERROR`…), never its message. */
  readonly lastError: string | null;
  /** When (ms, the provider's clock) it is tried again first; null when healthy. */
  readonly retryAt: number | null;
  readonly requests: number;
}

/** One JSON-RPC endpoint behind a {@link FailoverProvider}. */
export interface FailoverEndpoint {
  /** Shown in health reports and logs: never a URL with a key in it (pass it through `redactUrl`). */
  readonly label: string;
  readonly provider: AbstractProvider;
}

export interface FailoverOptions {
  /** An endpoint that has not answered after this long: the next one is asked too (the first answer wins). */
  readonly stallTimeoutMs: number;
  /** A failed endpoint is passed over for this long, then tried again first (recovery). */
  readonly recoverAfterMs: number;
  readonly cacheTimeout?: number;
  readonly clock?: () => number;
}

interface EndpointState {
  readonly endpoint: FailoverEndpoint;
  readonly index: number;
  failures: number;
  lastError: string | null;
  downUntil: number;
  requests: number;
}

/**
 * An ethers provider over several JSON-RPC endpoints in priority order, with health tracking — what
 * ethers' `FallbackProvider` with quorum 1 does not give (it takes the first backend's error as the
 * answer, and drops for good a backend that failed during its start-up sync).
 *
 * - **Reads** (and `eth_getLogs`, calls, gas estimates): the first healthy endpoint is asked; a transport
 *   failure (refused, reset, timeout, 5xx, rate limit, garbage) marks it down and the next one is asked at
 *   once; an endpoint that has not answered after `stallTimeoutMs` is raced by the next one. An answer —
 *   a result or a JSON-RPC error such as a revert — is the answer, wherever it came from.
 * - **Sends** (`eth_sendRawTransaction`): broadcast to every healthy endpoint at once; the first
 *   acceptance wins; if none accepts, the most meaningful refusal (an answer over a transport failure).
 * - **Recovery**: a failed endpoint is passed over for `recoverAfterMs`, then tried first again; it is
 *   healthy again as soon as it answers. An endpoint that was down at start-up is no different.
 * - When every endpoint is down, all are tried anyway (oldest failure first); if none answers, the error is
 *   an {@link OracleError} `ORACLE_RPC_UNAVAILABLE` with the last failure as `cause` (transient: the chain
 *   policy retries it).
 *
 * It is an `AbstractProvider`: the relayer, the indexer and contracts use it like any ethers provider.
 */
export class FailoverProvider extends AbstractProvider {
  private readonly states: EndpointState[];
  private readonly options: FailoverOptions;
  private readonly clock: () => number;
  private readonly fixedNetwork: Network;

  constructor(endpoints: readonly FailoverEndpoint[], network: Network, options: FailoverOptions) {
    super(network, options.cacheTimeout === undefined ? {} : { cacheTimeout: options.cacheTimeout });
    if (endpoints.length === 0) throw new RangeError('endpoints: at least one');
    this.fixedNetwork = network;
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.states = endpoints.map((endpoint, index) => ({
      endpoint,
      index,
      failures: 0,
      lastError: null,
      downUntil: 0,
      requests: 0,
    }));
  }

  /** Health of every endpoint, in priority order. */
  health(): EndpointHealth[] {
    const now = this.clock();
    return this.states.map((s) => ({
      url: s.endpoint.label,
      index: s.index,
      healthy: s.downUntil <= now,
      failures: s.failures,
      lastError: s.lastError,
      retryAt: s.downUntil > now ? s.downUntil : null,
      requests: s.requests,
    }));
  }

  override _detectNetwork(): Promise<Network> {
    return Promise.resolve(this.fixedNetwork);
  }

  override async _perform<T = unknown>(req: PerformActionRequest): Promise<T> {
    if (req.method === 'chainId') return this.fixedNetwork.chainId as T;
    if (req.method === 'broadcastTransaction') return this.broadcast<T>(req);
    return this.firstAnswer<T>(req);
  }

  override destroy(): void {
    for (const s of this.states) s.endpoint.provider.destroy();
    super.destroy();
  }

  /** Healthy endpoints in priority order, then those passed over, the oldest failure first. */
  private order(): EndpointState[] {
    const now = this.clock();
    const up = this.states.filter((s) => s.downUntil <= now);
    const down = this.states.filter((s) => s.downUntil > now).sort((a, b) => a.downUntil - b.downUntil);
    return [...up, ...down];
  }

  private markDown(state: EndpointState, error: unknown): void {
    state.failures++;
    state.lastError = errorCode(error);
    state.downUntil = this.clock() + this.options.recoverAfterMs;
  }

  private markUp(state: EndpointState): void {
    state.failures = 0;
    state.lastError = null;
    state.downUntil = 0;
  }

  /** Runs one request on one endpoint: resolves with an answer, rejects only on a transport failure. */
  private async ask(state: EndpointState, req: PerformActionRequest): Promise<{ value?: unknown; error?: Error }> {
    state.requests++;
    try {
      const value: unknown = await state.endpoint.provider._perform(req);
      this.markUp(state);
      return { value };
    } catch (error) {
      if (isTransientProviderError(error)) {
        this.markDown(state, error);
        throw error;
      }
      this.markUp(state); // it answered: an error about the request, not about the endpoint
      return { error: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  private async firstAnswer<T>(req: PerformActionRequest): Promise<T> {
    const queue = this.order();
    let lastFailure: unknown;
    let running = 0;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let stall: ReturnType<typeof setTimeout> | undefined;
      const finish = (answer: { value?: unknown; error?: Error }): void => {
        if (settled) return;
        settled = true;
        if (stall) clearTimeout(stall);
        if (answer.error) reject(answer.error);
        else resolve(answer.value as T);
      };
      const next = (): void => {
        if (settled) return;
        if (stall) clearTimeout(stall);
        const state = queue.shift();
        if (!state) {
          if (running === 0) {
            settled = true;
            reject(unavailable(req.method, lastFailure));
          }
          return;
        }
        running++;
        // Not answered in time: ask the next endpoint too (this one keeps running; the first answer wins).
        stall = setTimeout(() => {
          if (state.failures === 0) state.lastError = 'STALLED';
          state.downUntil = Math.max(state.downUntil, this.clock() + this.options.recoverAfterMs);
          next();
        }, this.options.stallTimeoutMs);
        this.ask(state, req).then(
          (answer) => {
            running--;
            finish(answer);
          },
          (error: unknown) => {
            running--;
            lastFailure = error;
            next();
          },
        );
      };
      next();
    });
  }

  private async broadcast<T>(req: PerformActionRequest): Promise<T> {
    const now = this.clock();
    const up = this.states.filter((s) => s.downUntil <= now);
    const targets = up.length > 0 ? up : this.order();
    return new Promise<T>((resolve, reject) => {
      let pending = targets.length;
      let refusal: { error: Error } | undefined;
      let failure: unknown;
      let settled = false;
      const done = (): void => {
        if (settled || --pending > 0) return;
        settled = true;
        if (refusal) reject(refusal.error);
        else reject(unavailable(req.method, failure));
      };
      for (const state of targets) {
        this.ask(state, req).then(
          (answer) => {
            if (answer.error) {
              refusal ??= { error: answer.error };
              done();
            } else if (!settled) {
              settled = true;
              resolve(answer.value as T);
            }
          },
          (error: unknown) => {
            failure = error;
            done();
          },
        );
      }
    });
  }
}

function unavailable(method: string, cause: unknown): OracleError {
  return new OracleError('ORACLE_RPC_UNAVAILABLE', `no RPC endpoint answered ${method} (${errorCode(cause)})`, {
    cause,
  });
}

function errorCode(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') return String(code);
  }
  return 'UNKNOWN';
}

/**
 * Builds the provider of the oracle processes from configuration (the only place that does).
 *
 * - Infura: the URL and credentials of ethers' `InfuraProvider` (`InfuraProvider.getRequest`), sent by a
 *   `JsonRpcProvider` so the request timeout applies; the network is static (no `eth_chainId` probing).
 * - One RPC URL: a `JsonRpcProvider` with a static network.
 * - Several RPC URLs: a {@link FailoverProvider} in priority order (the next URL serves while one is down
 *   or stalls for `stallTimeoutMs`; a URL that failed comes back after `recoverAfterMs`); transactions
 *   are broadcast to every healthy URL.
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
  const urls = config.provider.urls;
  if (urls.length === 1) return jsonRpc(new FetchRequest(urls[0]!));
  return new FailoverProvider(
    urls.map((url) => ({ label: redactUrl(url), provider: jsonRpc(new FetchRequest(url)) })),
    network,
    {
      stallTimeoutMs: config.stallTimeoutMs,
      recoverAfterMs: options.recoverAfterMs ?? config.breakerHalfOpenMs,
      ...(options.cacheTimeout === undefined ? {} : { cacheTimeout: options.cacheTimeout }),
      ...(options.clock ? { clock: options.clock } : {}),
    },
  );
}

/**
 * Broadcasts a signed transaction (kept for callers of the former FallbackProvider work-around: a
 * {@link FailoverProvider} broadcasts to every healthy endpoint by itself).
 *
 * @returns the transaction hash.
 */
export async function broadcastRaw(provider: AbstractProvider, raw: string): Promise<string> {
  return (await provider.broadcastTransaction(raw)).hash;
}

/** Endpoint health when `provider` is a {@link FailoverProvider}; one entry "unknown" otherwise. */
export function providerHealth(provider: AbstractProvider): EndpointHealth[] | undefined {
  return provider instanceof FailoverProvider ? provider.health() : undefined;
}
