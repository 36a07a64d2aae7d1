import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** Which implementation serves one part of the stack. */
export type PartSource = 'embedded' | 'external';

/** The parts `npm start` runs, and where each comes from. */
export interface StackParts {
  /** PGlite in `<data>/pg`, or DATABASE_URL. */
  readonly database: PartSource;
  /** lib/ephemeral in memory, or REDIS_URL. */
  readonly redis: PartSource;
  /** The in-process Hardhat network with the oracle deployed, or ORACLE_RPC_URLS / ORACLE_INFURA_*. */
  readonly chain: PartSource;
  /** The local FranceConnect-like provider (kyc/idp), or FRANCECONNECT_*. */
  readonly franceConnect: PartSource;
  /** The local provider's staff sign-in, or STAFF_OIDC_*. */
  readonly staff: PartSource;
}

/** The resolved configuration of the local stack (validated once; each module still parses its section). */
export interface StackConfig {
  readonly production: boolean;
  readonly parts: StackParts;
  /** Root of the embedded defaults' data (`VERDICT_DATA_DIR`, default `.data`): pg/, chain/, dev-secrets.json. */
  readonly dataDir: string;
  readonly host: string;
  /** HTTP port of the API and its pages (`PORT`, default 3000). */
  readonly port: number;
  /** Public origin of the API (`VERDICT_PUBLIC_URL`, default http://localhost:<PORT>). */
  readonly publicUrl: string;
  /** `LOCAL_CHAIN_PORT`, default 8545. */
  readonly chainPort: number;
  /** `LOCAL_IDP_PORT`, default 3999. */
  readonly idpPort: number;
  /** Dispute window of a fresh local deployment (`LOCAL_DISPUTE_WINDOW_SECONDS`, default 120). */
  readonly disputeWindowSeconds: number;
  /** Interval blocks of the local chain (`LOCAL_BLOCK_INTERVAL_MS`, default 1000; 0: automine only). */
  readonly blockIntervalMs: number;
  /** Seed events and markets (`VERDICT_SEED`, default true outside production). */
  readonly seed: boolean;
}

/** Every problem of the environment at once, naming the variables (never their values). */
export class StackConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the local stack cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StackConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const set = (env: Env, name: string) => env[name] !== undefined && env[name] !== '';

function port(env: Env, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 65_535) {
    problems.push(`${name}: a port number (0-65535)`);
    return fallback;
  }
  return Number(raw);
}

/** Variables that must come from the environment in production, with what they replace. */
const PRODUCTION_REQUIRED: readonly {
  readonly name: string;
  readonly replaces: string;
  readonly when?: (env: Env) => boolean;
}[] = [
  { name: 'DATABASE_URL', replaces: 'the embedded PGlite database' },
  { name: 'REDIS_URL', replaces: 'the in-memory sessions, login state, counters and fan-out' },
  {
    name: 'ORACLE_RPC_URLS',
    replaces: 'the in-process Hardhat chain (or set ORACLE_INFURA_API_KEY + ORACLE_INFURA_NETWORK)',
    when: (env) => !set(env, 'ORACLE_INFURA_API_KEY') && !set(env, 'ORACLE_INFURA_NETWORK'),
  },
  { name: 'ORACLE_ADDRESS', replaces: 'the locally deployed ResultsOracle' },
  { name: 'FRANCECONNECT_ISSUER', replaces: 'the local FranceConnect-like provider' },
  { name: 'FRANCECONNECT_CLIENT_ID', replaces: 'the local provider client' },
  { name: 'FRANCECONNECT_CLIENT_SECRET', replaces: 'the local provider client secret' },
  { name: 'STAFF_OIDC_ISSUER', replaces: "the local provider's staff sign-in" },
  { name: 'STAFF_OIDC_CLIENT_ID', replaces: 'the local staff client' },
  { name: 'STAFF_OIDC_CLIENT_SECRET', replaces: 'the local staff client secret' },
  { name: 'KYC_IDENTITY_HMAC_KEY', replaces: 'a generated development key' },
  { name: 'KYC_ENCRYPTION_KEYS', replaces: 'a generated development key' },
  { name: 'KYC_ENCRYPTION_ACTIVE_KEY_ID', replaces: 'the development key id' },
  { name: 'KYC_SESSION_SECRETS', replaces: 'a generated development secret' },
  { name: 'RELAYER_KEYSTORE_PATH', replaces: "the relayer's development key (Hardhat account 7)" },
  { name: 'RELAYER_KEYSTORE_PASSWORD', replaces: "the relayer's development key" },
  { name: 'PAYMENTS_WEBHOOK_SECRET', replaces: 'a generated sandbox webhook secret' },
];

/**
 * Reads which parts run embedded and which are real, from the environment, once. Each of
 * DATABASE_URL, REDIS_URL, ORACLE_RPC_URLS / ORACLE_INFURA_*, FRANCECONNECT_ISSUER and STAFF_OIDC_ISSUER
 * switches its part to the real thing. With NODE_ENV=production nothing embedded and no development
 * key is accepted: the error names every missing variable.
 *
 * @throws {StackConfigError} listing every problem.
 */
export function loadStackConfig(env: Env, cwd = process.cwd()): StackConfig {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';
  const chainExternal =
    set(env, 'ORACLE_RPC_URLS') || set(env, 'ORACLE_INFURA_API_KEY') || set(env, 'ORACLE_INFURA_NETWORK');
  const parts: StackParts = {
    database: set(env, 'DATABASE_URL') ? 'external' : 'embedded',
    redis: set(env, 'REDIS_URL') ? 'external' : 'embedded',
    chain: chainExternal ? 'external' : 'embedded',
    franceConnect: set(env, 'FRANCECONNECT_ISSUER') ? 'external' : 'embedded',
    staff: set(env, 'STAFF_OIDC_ISSUER') ? 'external' : 'embedded',
  };
  if (production) {
    for (const r of PRODUCTION_REQUIRED) {
      if ((r.when?.(env) ?? true) && !set(env, r.name)) {
        problems.push(`${r.name}: required with NODE_ENV=production (it replaces ${r.replaces})`);
      }
    }
    if (set(env, 'RELAYER_PRIVATE_KEY')) {
      problems.push('RELAYER_PRIVATE_KEY: a plaintext development key is refused with NODE_ENV=production');
    }
  }
  if (chainExternal && !set(env, 'ORACLE_ADDRESS') && !production) {
    problems.push('ORACLE_ADDRESS: required with ORACLE_RPC_URLS / ORACLE_INFURA_* (the oracle deployed there)');
  }
  const httpPort = port(env, 'PORT', 3000, problems);
  const chainPort = port(env, 'LOCAL_CHAIN_PORT', 8545, problems);
  const idpPort = port(env, 'LOCAL_IDP_PORT', 3999, problems);
  const window = Number(env.LOCAL_DISPUTE_WINDOW_SECONDS ?? 120);
  if (!Number.isInteger(window) || window < 60 || window > 30 * 86_400) {
    problems.push('LOCAL_DISPUTE_WINDOW_SECONDS: whole seconds from 60 to 2592000');
  }
  const interval = Number(env.LOCAL_BLOCK_INTERVAL_MS ?? 1000);
  if (!Number.isInteger(interval) || (interval !== 0 && interval < 1000)) {
    problems.push('LOCAL_BLOCK_INTERVAL_MS: 0 (automine only) or at least 1000');
  }
  const seedRaw = env.VERDICT_SEED;
  if (seedRaw !== undefined && seedRaw !== 'true' && seedRaw !== 'false') problems.push('VERDICT_SEED: true or false');
  const publicUrl = env.VERDICT_PUBLIC_URL ?? `http://localhost:${httpPort}`;
  if (!URL.canParse(publicUrl)) problems.push('VERDICT_PUBLIC_URL: not a URL');
  if (problems.length > 0) throw new StackConfigError(problems);
  return {
    production,
    parts,
    dataDir: resolve(cwd, env.VERDICT_DATA_DIR ?? '.data'),
    host: env.HOST ?? '127.0.0.1',
    port: httpPort,
    publicUrl: publicUrl.replace(/\/$/, ''),
    chainPort,
    idpPort,
    disputeWindowSeconds: window,
    blockIntervalMs: interval,
    seed: seedRaw === undefined ? !production : seedRaw === 'true',
  };
}

/** Development secrets generated on the first start and kept in `<data>/dev-secrets.json` (mode 0600). */
export interface DevSecrets {
  readonly identityHmacKey: string;
  readonly encryptionKey: string;
  readonly sessionSecret: string;
  readonly idpClientSecret: string;
  readonly staffClientSecret: string;
  readonly webhookSecret: string;
}

/**
 * The development secrets of this data folder: generated once, then read again, so that identities
 * encrypted and sessions signed by the first start still open after a restart. Never used in production.
 */
export async function devSecrets(dataDir: string): Promise<DevSecrets> {
  const path = join(dataDir, 'dev-secrets.json');
  try {
    return JSON.parse(await readFile(path, 'utf8')) as DevSecrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const b64 = () => randomBytes(32).toString('base64');
  const secret = () => randomBytes(32).toString('base64url');
  const secrets: DevSecrets = {
    identityHmacKey: b64(),
    encryptionKey: b64(),
    sessionSecret: secret(),
    idpClientSecret: secret(),
    staffClientSecret: secret(),
    webhookSecret: secret(),
  };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return secrets;
}
