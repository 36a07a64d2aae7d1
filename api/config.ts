import { z } from 'zod';
import { KycConfigError, loadKycConfig, type KycConfig } from '../kyc/index.js';
import { OracleConfigError, loadChainConfig, type ChainConfig } from '../oracle/admin.js';
import type { RateLimit } from './http/rate-limit.js';

/** The processes `api/main.ts` runs. */
export type ApiRole = 'api' | 'settler';

/** Configuration of the api and settler processes: api's variables, kyc's section (api role) and oracle's chain section. */
export interface ApiConfig {
  readonly role: ApiRole;
  readonly production: boolean;
  readonly databaseUrl: string;
  /** Unset: lib/ephemeral in memory (one process only: the local stack); set: Redis. */
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** Trust `X-Forwarded-For` from this many proxies (Express `trust proxy`), 0 = the socket's address. */
  readonly trustProxyHops: number;
  readonly rateLimits: { readonly perIp: RateLimit; readonly perAccount: RateLimit };
  readonly betGroupCommit: { readonly maxGroup: number; readonly connections: number } | undefined;
  readonly payments: { readonly mode: 'instant' | 'webhook'; readonly webhookSecret: string };
  readonly settler: {
    /** Port of the settler's `/metrics` and health (on `host`). */
    readonly port: number;
    readonly pollMs: number;
    /** Cursor name; one per oracle deployment (default `settler:<chainId>:<oracle address>`). */
    readonly cursorName: string;
    /** The cut-off sweep's period (markets past their cut-off written `closed`). */
    readonly sweepMs: number;
    /** How long Idempotency-Key answers are kept before the purge (hours). */
    readonly idempotencyRetentionHours: number;
  };
  /** The kyc section (api role only). */
  readonly kyc: KycConfig | undefined;
  readonly chain: ChainConfig;
}

/** Invalid configuration: every problem, each naming its variable (never its value). */
export class ApiConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ApiConfigError';
  }
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const limit = z
  .string()
  .regex(/^\d{1,6}\/\d{1,6}$/, 'expected <requests>/<seconds>, e.g. 300/60')
  .transform((v): RateLimit => {
    const [n, s] = v.split('/').map(Number) as [number, number];
    return { limit: n, windowSeconds: s };
  })
  .refine((l) => l.limit > 0 && l.windowSeconds > 0, 'both numbers must be positive');

const Env = z.object({
  NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
    .optional(),
  API_REDIS_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/)
    .default('verdict:api:'),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: int(0, 65535).default(3000),
  API_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  API_TRUST_PROXY_HOPS: int(0, 10).default(0),
  API_RATE_LIMIT_IP: limit.default({ limit: 600, windowSeconds: 60 }),
  API_RATE_LIMIT_ACCOUNT: limit.default({ limit: 300, windowSeconds: 60 }),
  API_BET_GROUP_COMMIT: z
    .string()
    .regex(/^(off|\d{1,4}x\d{1,3})$/, 'off, or <maxGroup>x<connections> (e.g. 64x4)')
    .default('off'),
  API_PAYMENT_MODE: z.enum(['instant', 'webhook']).default('instant'),
  PAYMENTS_WEBHOOK_SECRET: z.string().min(32, 'at least 32 characters'),
  SETTLER_POLL_MS: int(50, 600_000).default(2_000),
  SETTLER_PORT: int(0, 65535).default(9470),
  SETTLER_CURSOR_NAME: z
    .string()
    .regex(/^[\w:.-]{1,100}$/)
    .optional(),
  SETTLER_SWEEP_MS: int(100, 3_600_000).default(5_000),
  API_IDEMPOTENCY_RETENTION_HOURS: int(1, 24 * 365).default(72),
});

/**
 * Reads and validates the whole configuration once: api's variables, kyc's section (the api role
 * signs players and staff in) and the oracle's chain section (RPC, chain id, oracle address).
 *
 * @param env - `process.env` in `api/main.ts`; a literal in tests.
 * @throws {ApiConfigError} listing every invalid or missing variable of every section, by name.
 */
export function loadApiConfig(env: Readonly<Record<string, string | undefined>>, role: ApiRole): ApiConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const problems: string[] = [];
  const parsed = Env.safeParse(cleaned);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const message = issue.code === 'invalid_type' && issue.input === undefined ? 'required' : issue.message;
      problems.push(`${issue.path.join('.')}: ${message}`);
    }
  }
  let chain: ChainConfig | undefined;
  try {
    chain = loadChainConfig(env);
  } catch (error) {
    if (!(error instanceof OracleConfigError)) throw error;
    problems.push(...error.problems.filter((p) => !p.startsWith('DATABASE_URL')));
  }
  let kyc: KycConfig | undefined;
  if (role === 'api') {
    try {
      kyc = loadKycConfig(env);
    } catch (error) {
      if (!(error instanceof KycConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  const e = parsed.data;
  if (cleaned.NODE_ENV === 'production' && !cleaned.REDIS_URL) {
    problems.push('REDIS_URL: required in production (rate limits and sessions are shared by the instances)');
  }
  if (problems.length > 0 || !e || !chain) throw new ApiConfigError([...new Set(problems)]);
  const [maxGroup, connections] = e.API_BET_GROUP_COMMIT === 'off' ? [] : e.API_BET_GROUP_COMMIT.split('x').map(Number);
  return {
    role,
    production: e.NODE_ENV === 'production',
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.API_REDIS_PREFIX,
    host: e.API_HOST,
    port: e.API_PORT,
    logLevel: e.API_LOG_LEVEL,
    trustProxyHops: e.API_TRUST_PROXY_HOPS,
    rateLimits: { perIp: e.API_RATE_LIMIT_IP, perAccount: e.API_RATE_LIMIT_ACCOUNT },
    betGroupCommit:
      maxGroup !== undefined && connections !== undefined && maxGroup > 0 && connections > 0
        ? { maxGroup, connections }
        : undefined,
    payments: { mode: e.API_PAYMENT_MODE, webhookSecret: e.PAYMENTS_WEBHOOK_SECRET },
    settler: {
      port: e.SETTLER_PORT,
      pollMs: e.SETTLER_POLL_MS,
      cursorName: e.SETTLER_CURSOR_NAME ?? `settler:${chain.chainId}:${chain.oracleAddress.toLowerCase()}`,
      sweepMs: e.SETTLER_SWEEP_MS,
      idempotencyRetentionHours: e.API_IDEMPOTENCY_RETENTION_HOURS,
    },
    kyc,
    chain,
  };
}
