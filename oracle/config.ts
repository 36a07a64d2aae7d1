import { isAddress } from 'ethers';
import { OracleConfigError } from './errors.js';
import { isDevKey } from './keys/dev-keys.js';

export { OracleConfigError };
import { z } from 'zod';

/**
 * Configuration of the oracle's chain processes (relayer, indexer, status CLI, metrics). A pure
 * function of the environment: `loadOracleConfig(process.env)` runs once in `oracle/main.ts`, parses
 * everything and throws ONE error naming every bad variable. Secrets have no defaults.
 */

/** Networks ethers' InfuraProvider knows, with their chain ids (static network: no detection round trip). */
export const INFURA_NETWORKS = {
  mainnet: 1n,
  sepolia: 11155111n,
  holesky: 17000n,
  arbitrum: 42161n,
  'arbitrum-sepolia': 421614n,
  base: 8453n,
  'base-sepolia': 84532n,
  optimism: 10n,
  'optimism-sepolia': 11155420n,
  matic: 137n,
  'matic-amoy': 80002n,
  linea: 59144n,
  'linea-sepolia': 59141n,
} as const;
export type InfuraNetwork = keyof typeof INFURA_NETWORKS;

const int = (min: number) => z.coerce.number().int().min(min);
const gwei = z.coerce
  .number()
  .positive()
  .transform((v) => BigInt(Math.round(v * 1e9)));

const Schema = z.object({
  NODE_ENV: z.string().default('development').describe('`production` refuses plaintext keys and local services'),
  DATABASE_URL: z.url().describe('Postgres of the oracle (outbox, attestations, index)'),

  ORACLE_INFURA_API_KEY: z.string().min(16).optional().describe('Infura API key (secret): use Infura'),
  ORACLE_INFURA_API_SECRET: z.string().min(8).optional().describe('Infura API key secret, if the key requires it'),
  ORACLE_INFURA_NETWORK: z
    .enum(Object.keys(INFURA_NETWORKS) as [InfuraNetwork, ...InfuraNetwork[]])
    .optional()
    .describe('Infura network name (mainnet, sepolia, ...)'),
  ORACLE_RPC_URLS: z
    .string()
    .optional()
    .describe('Comma-separated JSON-RPC URLs, in priority order; several → FailoverProvider'),
  ORACLE_CHAIN_ID: z.coerce.bigint().positive().optional().describe('Chain id behind ORACLE_RPC_URLS (static network)'),
  ORACLE_RPC_TIMEOUT_MS: int(100).default(10_000).describe('Timeout of one JSON-RPC request'),
  ORACLE_RPC_STALL_TIMEOUT_MS: int(50)
    .default(1_500)
    .describe('Several URLs: a silent URL is raced by the next one after this'),
  ORACLE_RPC_RETRIES: int(0).default(4).describe('Retries of a failed provider call, exponential backoff'),
  ORACLE_BREAKER_FAILURES: int(1).default(8).describe('Consecutive provider failures that open the breaker'),
  ORACLE_BREAKER_HALF_OPEN_MS: int(100)
    .default(10_000)
    .describe('Open breaker: time before a trial call; a failed RPC URL is retried after this'),

  ORACLE_ADDRESS: z
    .string()
    .refine((v) => isAddress(v), 'not an address')
    .describe('ResultsOracle contract address'),
  ORACLE_DEPLOYMENT_BLOCK: int(0).default(0).describe('Block the oracle was deployed in (indexer start)'),

  RELAYER_KEYSTORE_PATH: z.string().min(1).optional().describe('Encrypted JSON keystore of the relayer account'),
  RELAYER_KEYSTORE_PASSWORD: z.string().min(1).optional().describe('Password of RELAYER_KEYSTORE_PATH (secret)'),
  RELAYER_PRIVATE_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, 'not a 32-byte hex key')
    .optional()
    .describe('Plaintext key: ONLY a well-known local development account, never in production'),
  RELAYER_CONFIRMATIONS: int(1).default(2).describe('Confirmations before a publication counts as done'),
  RELAYER_REPLACE_AFTER_MS: int(100).default(60_000).describe('Replace a transaction not mined after this'),
  RELAYER_FEE_BUMP_PERCENT: z.coerce.number().min(12.5).max(500).default(15).describe('Fee increase per replacement'),
  RELAYER_MAX_FEE_GWEI: gwei.default(200_000_000_000n).describe('Cap on maxFeePerGas, in gwei'),
  RELAYER_MAX_PRIORITY_FEE_GWEI: gwei.default(3_000_000_000n).describe('Cap on maxPriorityFeePerGas, in gwei'),
  RELAYER_BATCH_THRESHOLD: int(2)
    .optional()
    .describe(
      'At least this many ready results → one batch root; unset: propose only (batch roots need the signers to answer batch requests)',
    ),
  RELAYER_MAX_BATCH: int(2).max(65_536).default(1_024).describe('Results per batch root at most'),
  RELAYER_MAX_IN_FLIGHT: int(1).max(256).default(16).describe('Unconfirmed transactions at most'),
  RELAYER_DEADLINE_MARGIN_S: int(0).default(60).describe('Never send signatures expiring within this many seconds'),
  RELAYER_POLL_MS: int(50).default(2_000).describe('Relayer tick period'),

  COSIGNER_POLL_MS: int(50).default(2_000).describe('Signer role: period of the batch-request poll'),
  COSIGNER_MAX_REQUESTS_PER_TICK: int(1).max(1_000).default(8).describe('Signer role: batch roots examined per tick'),
  COSIGNER_MAX_VALIDITY_S: int(60)
    .default(172_800)
    .describe('Signer role: never sign a batch root valid for longer than this (deadline - chain time)'),
  COSIGNER_DEADLINE_MARGIN_S: int(0)
    .default(60)
    .describe('Signer role: never sign a batch root expiring within this many seconds'),

  INDEXER_CONFIRMATIONS: int(0).default(6).describe('Depth at which the indexer reads blocks'),
  INDEXER_BLOCK_RANGE: int(1).default(2_000).describe('Blocks per eth_getLogs request'),
  INDEXER_POLL_MS: int(50).default(4_000).describe('Indexer tick period'),

  METRICS_PORT: int(0)
    .max(65_535)
    .optional()
    .describe('Prometheus /metrics port (0: any free port); unset: 9464 relayer (and all), 9465 indexer, 9466 signer'),
  METRICS_HOST: z.string().default('127.0.0.1').describe('Interface /metrics listens on'),
});

/** Checks between variables, on the raw strings (so they run even when a field is malformed). */
function crossFieldProblems(env: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const ctx = {
    addIssue: (i: { path: string[]; message: string }) => problems.push(`${i.path.join('.')}: ${i.message}`),
  };
  const infura = env.ORACLE_INFURA_API_KEY !== undefined || env.ORACLE_INFURA_NETWORK !== undefined;
  const rpc = env.ORACLE_RPC_URLS !== undefined;
  if (infura === rpc) {
    ctx.addIssue({
      path: ['ORACLE_RPC_URLS'],
      message: 'set either ORACLE_INFURA_API_KEY + ORACLE_INFURA_NETWORK or ORACLE_RPC_URLS (exactly one)',
    });
  }
  if (infura) {
    if (!env.ORACLE_INFURA_API_KEY)
      ctx.addIssue({
        path: ['ORACLE_INFURA_API_KEY'],
        message: 'required with ORACLE_INFURA_NETWORK',
      });
    if (!env.ORACLE_INFURA_NETWORK)
      ctx.addIssue({
        path: ['ORACLE_INFURA_NETWORK'],
        message: 'required with ORACLE_INFURA_API_KEY',
      });
  }
  if (rpc) {
    const urls = splitUrls(env.ORACLE_RPC_URLS ?? '');
    if (urls.length === 0) ctx.addIssue({ path: ['ORACLE_RPC_URLS'], message: 'no URL given' });
    for (const url of urls) {
      if (!URL.canParse(url) || !/^(https?|wss?):$/.test(new URL(url).protocol)) {
        ctx.addIssue({
          path: ['ORACLE_RPC_URLS'],
          message: `not an http(s)/ws(s) URL: ${redactUrl(url)}`,
        });
      }
    }
    if (env.ORACLE_CHAIN_ID === undefined) {
      ctx.addIssue({
        path: ['ORACLE_CHAIN_ID'],
        message: 'required with ORACLE_RPC_URLS (static network)',
      });
    }
  }
  if (env.RELAYER_KEYSTORE_PATH && !env.RELAYER_KEYSTORE_PASSWORD) {
    ctx.addIssue({
      path: ['RELAYER_KEYSTORE_PASSWORD'],
      message: 'required with RELAYER_KEYSTORE_PATH',
    });
  }
  if (env.RELAYER_KEYSTORE_PATH && env.RELAYER_PRIVATE_KEY) {
    ctx.addIssue({
      path: ['RELAYER_PRIVATE_KEY'],
      message: 'set RELAYER_KEYSTORE_PATH or RELAYER_PRIVATE_KEY, not both',
    });
  }
  if (env.RELAYER_PRIVATE_KEY && !isDevelopmentKey(env.RELAYER_PRIVATE_KEY)) {
    ctx.addIssue({
      path: ['RELAYER_PRIVATE_KEY'],
      message: 'a plaintext key is accepted only for a well-known local development account; use RELAYER_KEYSTORE_PATH',
    });
  }
  if (env.NODE_ENV === 'production') {
    if (env.RELAYER_PRIVATE_KEY) {
      ctx.addIssue({
        path: ['RELAYER_PRIVATE_KEY'],
        message: 'plaintext keys are refused in production',
      });
    }
    for (const url of splitUrls(env.ORACLE_RPC_URLS ?? '')) {
      if (URL.canParse(url) && isLoopback(new URL(url).hostname)) {
        ctx.addIssue({
          path: ['ORACLE_RPC_URLS'],
          message: 'a loopback RPC URL is refused in production',
        });
      }
    }
    if (env.ORACLE_CHAIN_ID === '31337' || env.ORACLE_CHAIN_ID === '1337') {
      ctx.addIssue({
        path: ['ORACLE_CHAIN_ID'],
        message: 'a local development chain is refused in production',
      });
    }
  }
  return problems;
}

/** What a process needs to reach the chain. */
export interface ChainConfig {
  readonly provider:
    | { readonly kind: 'infura'; readonly network: InfuraNetwork; readonly apiKey: string; readonly apiSecret?: string }
    | { readonly kind: 'rpc'; readonly urls: readonly string[] };
  readonly chainId: bigint;
  readonly timeoutMs: number;
  readonly stallTimeoutMs: number;
  readonly retries: number;
  readonly breakerFailures: number;
  readonly breakerHalfOpenMs: number;
  readonly oracleAddress: string;
  readonly deploymentBlock: number;
}

/** The relayer's policy. */
export interface RelayerConfig {
  readonly key:
    | { readonly kind: 'keystore'; readonly path: string; readonly password: string }
    | { readonly kind: 'development'; readonly privateKey: string }
    | { readonly kind: 'none' };
  readonly confirmations: number;
  readonly replaceAfterMs: number;
  /** Fee increase per replacement, in percent (≥ 12.5: what nodes require to accept a replacement). */
  readonly feeBumpPercent: number;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
  /** Undefined: batch publication off (every result goes through `propose`). */
  readonly batchThreshold: number | undefined;
  readonly maxBatch: number;
  readonly maxInFlight: number;
  readonly deadlineMarginSeconds: number;
  readonly pollMs: number;
}

/** The signer role's batch co-signing policy (the keys come from `ORACLE_SIGNER_*`, see `oracle/signer`). */
export interface CosignerConfig {
  readonly pollMs: number;
  readonly maxRequestsPerTick: number;
  readonly maxValiditySeconds: number;
  readonly deadlineMarginSeconds: number;
}

/** The indexer's policy. */
export interface IndexerConfig {
  readonly confirmations: number;
  readonly blockRange: number;
  readonly pollMs: number;
}

export interface OracleConfig {
  readonly production: boolean;
  readonly databaseUrl: string;
  readonly chain: ChainConfig;
  readonly relayer: RelayerConfig;
  readonly indexer: IndexerConfig;
  readonly cosigner: CosignerConfig;
  /** `port` undefined: the role's default (`METRICS_PORTS` in oracle/main.ts), so processes side by side do not clash. */
  readonly metrics: { readonly port: number | undefined; readonly host: string };
}

/**
 * Parses and validates the oracle configuration.
 *
 * @param env - the environment (`process.env` in `oracle/main.ts`, a literal in tests).
 * @throws {OracleConfigError} listing every invalid or missing variable.
 */
export function loadOracleConfig(env: Readonly<Record<string, string | undefined>>): OracleConfig {
  // Empty strings count as unset (a blank line in an env file must not become a value).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = Schema.safeParse(cleaned);
  const crossField = crossFieldProblems(cleaned as Record<string, string>);
  if (!parsed.success || crossField.length > 0) {
    const problems = (parsed.success ? [] : parsed.error.issues).map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const message = issue.code === 'invalid_type' && issue.input === undefined ? 'required' : issue.message;
      return `${name}: ${message}`;
    });
    throw new OracleConfigError([...new Set([...problems, ...crossField])]);
  }
  const e = parsed.data;
  const provider: ChainConfig['provider'] = e.ORACLE_RPC_URLS
    ? { kind: 'rpc', urls: splitUrls(e.ORACLE_RPC_URLS) }
    : {
        kind: 'infura',
        network: e.ORACLE_INFURA_NETWORK!,
        apiKey: e.ORACLE_INFURA_API_KEY!,
        ...(e.ORACLE_INFURA_API_SECRET ? { apiSecret: e.ORACLE_INFURA_API_SECRET } : {}),
      };
  const chainId = provider.kind === 'infura' ? INFURA_NETWORKS[provider.network] : e.ORACLE_CHAIN_ID!;
  return {
    production: e.NODE_ENV === 'production',
    databaseUrl: e.DATABASE_URL,
    chain: {
      provider,
      chainId,
      timeoutMs: e.ORACLE_RPC_TIMEOUT_MS,
      stallTimeoutMs: e.ORACLE_RPC_STALL_TIMEOUT_MS,
      retries: e.ORACLE_RPC_RETRIES,
      breakerFailures: e.ORACLE_BREAKER_FAILURES,
      breakerHalfOpenMs: e.ORACLE_BREAKER_HALF_OPEN_MS,
      oracleAddress: e.ORACLE_ADDRESS,
      deploymentBlock: e.ORACLE_DEPLOYMENT_BLOCK,
    },
    relayer: {
      key: e.RELAYER_KEYSTORE_PATH
        ? { kind: 'keystore', path: e.RELAYER_KEYSTORE_PATH, password: e.RELAYER_KEYSTORE_PASSWORD! }
        : e.RELAYER_PRIVATE_KEY
          ? { kind: 'development', privateKey: e.RELAYER_PRIVATE_KEY }
          : { kind: 'none' },
      confirmations: e.RELAYER_CONFIRMATIONS,
      replaceAfterMs: e.RELAYER_REPLACE_AFTER_MS,
      feeBumpPercent: e.RELAYER_FEE_BUMP_PERCENT,
      maxFeePerGas: e.RELAYER_MAX_FEE_GWEI,
      maxPriorityFeePerGas: e.RELAYER_MAX_PRIORITY_FEE_GWEI,
      batchThreshold: e.RELAYER_BATCH_THRESHOLD,
      maxBatch: e.RELAYER_MAX_BATCH,
      maxInFlight: e.RELAYER_MAX_IN_FLIGHT,
      deadlineMarginSeconds: e.RELAYER_DEADLINE_MARGIN_S,
      pollMs: e.RELAYER_POLL_MS,
    },
    indexer: {
      confirmations: e.INDEXER_CONFIRMATIONS,
      blockRange: e.INDEXER_BLOCK_RANGE,
      pollMs: e.INDEXER_POLL_MS,
    },
    cosigner: {
      pollMs: e.COSIGNER_POLL_MS,
      maxRequestsPerTick: e.COSIGNER_MAX_REQUESTS_PER_TICK,
      maxValiditySeconds: e.COSIGNER_MAX_VALIDITY_S,
      deadlineMarginSeconds: e.COSIGNER_DEADLINE_MARGIN_S,
    },
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
  };
}

function splitUrls(value: string): string[] {
  return value
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]' || host === '::1';
}

/** A URL with its credentials and path (where Infura-style keys live) hidden, for error messages and logs. */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return '(unparseable URL)';
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : ''}`;
}

/** True for one of Hardhat's well-known development accounts (the only plaintext keys accepted, never in production). */
export function isDevelopmentKey(privateKey: string): boolean {
  return isDevKey(privateKey);
}
