import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
  type IPolicy,
  type IDefaultPolicyContext,
} from 'cockatiel';
import { isError } from 'ethers';

/** The resilience policy around every provider call of the relayer and the indexer. */
export interface ChainPolicy {
  /** Runs `fn` with retries (exponential backoff) behind a circuit breaker. */
  execute<T>(fn: () => Promise<T>): Promise<T>;
  /** `closed`, `open`, `half-open` or `isolated`. */
  readonly state: string;
  /** Called on every retry (metrics, logs). */
  onRetry(listener: (attempt: number, error: unknown) => void): void;
  /** Called when the breaker changes state. */
  onBreakerStateChange(listener: (state: string) => void): void;
}

export interface ChainPolicyOptions {
  readonly retries: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly breakerFailures: number;
  readonly breakerHalfOpenMs: number;
}

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);
const BREAKER_STATES = ['closed', 'open', 'half-open', 'isolated'];

/**
 * True for failures of the transport or the provider (worth retrying): network errors, timeouts, 5xx and
 * rate limits. A revert, a bad argument or "nonce too low" is an answer, not a failure: never retried
 * and never counted by the breaker.
 */
export function isTransientProviderError(error: unknown): boolean {
  if (isError(error, 'NETWORK_ERROR') || isError(error, 'TIMEOUT') || isError(error, 'SERVER_ERROR')) return true;
  if (isError(error, 'CALL_EXCEPTION') || isError(error, 'NONCE_EXPIRED') || isError(error, 'INVALID_ARGUMENT')) {
    return false;
  }
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_NODE_CODES.has(code)) return true;
    const cause = (error as { cause?: unknown }).cause;
    if (cause && cause !== error && isTransientProviderError(cause)) return true;
    if (isError(error, 'UNKNOWN_ERROR')) {
      const raw = (error as { message?: unknown }).message;
      const message = typeof raw === 'string' ? raw : '';
      return /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed|timeout|rate limit|429|503|502/i.test(message);
    }
  }
  return false;
}

/**
 * cockatiel: retry (exponential backoff, transient errors only) wrapped around a consecutive-failure
 * circuit breaker. While the breaker is open, calls fail at once with `BrokenCircuitError` instead of
 * hammering a provider that is down; after `breakerHalfOpenMs` one trial call decides.
 */
export function createChainPolicy(options: ChainPolicyOptions): ChainPolicy {
  const transient = handleWhen(isTransientProviderError);
  const retryPolicy = retry(transient, {
    maxAttempts: options.retries,
    backoff: new ExponentialBackoff({
      initialDelay: options.initialDelayMs ?? 200,
      maxDelay: options.maxDelayMs ?? 10_000,
    }),
  });
  const breaker = circuitBreaker(transient, {
    halfOpenAfter: options.breakerHalfOpenMs,
    breaker: new ConsecutiveBreaker(options.breakerFailures),
  });
  const policy: IPolicy<IDefaultPolicyContext> = wrap(retryPolicy, breaker);
  return {
    execute: <T>(fn: () => Promise<T>) => policy.execute(fn),
    get state() {
      return BREAKER_STATES[breaker.state] ?? String(breaker.state);
    },
    onRetry(listener) {
      retryPolicy.onRetry((event) => listener(event.attempt, 'error' in event ? event.error : undefined));
    },
    onBreakerStateChange(listener) {
      breaker.onStateChange((state) => listener(BREAKER_STATES[state] ?? String(state)));
    },
  };
}
