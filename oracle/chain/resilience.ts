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
import { OracleError, isTransientOracleCode } from '../errors.js';

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
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** JSON-RPC error codes that mean "the endpoint is overloaded", not "your request is wrong". */
const TRANSIENT_RPC_CODES = new Set([-32005, 429]);
const BREAKER_STATES = ['closed', 'open', 'half-open', 'isolated'];

/**
 * True for failures of the transport or the endpoint (worth retrying, or asking another endpoint):
 * socket errors, timeouts, HTTP 5xx, rate limits, garbage instead of JSON-RPC, and
 * `ORACLE_RPC_UNAVAILABLE` (every endpoint failed). A revert, a bad argument, "nonce too low" or any
 * other JSON-RPC error object is an answer, not a failure: never retried and never counted by the
 * breaker. Decided on error codes only — never on message text (raw transaction hex inside a message
 * once matched "503").
 */
export function isTransientProviderError(error: unknown): boolean {
  return isTransient(error, 0);
}

function isTransient(error: unknown, depth: number): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  if (error instanceof OracleError) return isTransientOracleCode(error.code);
  if (
    isError(error, 'NETWORK_ERROR') ||
    isError(error, 'TIMEOUT') ||
    isError(error, 'SERVER_ERROR') ||
    isError(error, 'BAD_DATA')
  ) {
    return true;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_NODE_CODES.has(code)) return true;
  if (isError(error, 'UNKNOWN_ERROR')) {
    const rpc = (error as { error?: { code?: unknown } }).error?.code;
    if (typeof rpc === 'number' && TRANSIENT_RPC_CODES.has(rpc)) return true;
  }
  if (typeof code === 'string' && code !== 'UNKNOWN_ERROR') return false; // another ethers code: an answer
  const cause = (error as { cause?: unknown }).cause;
  return cause !== error && isTransient(cause, depth + 1);
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
