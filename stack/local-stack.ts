import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { PgSelfExclusionRegister, loadKycConfig } from '../kyc/index.js';
import { startLocalIdp, type LocalIdp, type StaffTestIdentity, type TestIdentity } from '../kyc/idp/index.js';
import { createMemoryEphemeral, createRedisEphemeral, type Ephemeral } from '../lib/ephemeral/index.js';
import { PgAttestationStore } from '../oracle/admin.js';
import { loadOracleConfig } from '../oracle/config.js';
import { startOracle } from '../oracle/main.js';
import { composeApiProcesses } from './api-process.js';
import { migrateAll, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { startLocalChain, type DevAttester, type LocalChain } from './local-chain.js';
import { seedMarkets } from './seed.js';
import type { ComposeApi, RunningApi, StackServices } from './services.js';
import { devSecrets, loadStackConfig, type StackConfig, type StackParts } from './stack-config.js';

export type { ComposeApi, RunningApi, StackServices } from './services.js';
export { StackConfigError } from './stack-config.js';

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** The environment (default `process.env`): each real variable switches its part (docs/local-stack.md). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Composes the API process (HTTP, settler, live updates); default: `api/process.ts`'s API and settler. */
  readonly composeApi?: ComposeApi;
  /** Where the modules log (default: pino on stderr at LOG_LEVEL, default `warn`). */
  readonly logger?: Logger;
}

/** What started, for the summary `npm start` prints. */
export interface LocalStackSummary {
  readonly parts: StackParts;
  readonly dataDir: string;
  readonly apiUrl: string;
  readonly settlerUrl: string | undefined;
  readonly publicUrl: string;
  readonly databaseUrl: string | undefined;
  readonly rpcUrl: string | undefined;
  readonly oracleAddress: string;
  readonly disputeWindowSeconds: number | undefined;
  readonly chainResumed: boolean;
  readonly idpIssuer: string | undefined;
  readonly identities: readonly Pick<TestIdentity, 'id' | 'description'>[];
  readonly staff: readonly { readonly id: string; readonly roles: readonly string[] }[];
  readonly attesters: readonly Pick<DevAttester, 'adminId' | 'address'>[];
  readonly seeded: readonly string[];
}

/** A running local stack. */
export interface LocalStack {
  readonly summary: LocalStackSummary;
  readonly services: StackServices;
  /** Stops everything, in reverse order of start; safe to call twice. */
  close(): Promise<void>;
}

/** The local provider's test identities a newcomer uses (the others exercise hostile-provider cases). */
const SHOWN_IDENTITIES = new Set(['dubois', 'minor', 'excluded', 'presumed', 'abroad']);

/** The self-exclusion register entry of the `excluded` test identity (embedded provider only). */
const EXCLUDED_ENTRY = { familyName: 'Durand', givenNames: 'Jean-Pierre', birthdate: '1975-11-02' };

const has = (env: Readonly<Record<string, string | undefined>>, name: string) =>
  env[name] !== undefined && env[name] !== '';

/**
 * Starts the whole product in one process: embedded Postgres (or DATABASE_URL), Redis's roles in
 * memory (or REDIS_URL), the in-process chain with the oracle deployed (or ORACLE_RPC_URLS /
 * ORACLE_INFURA_*), the relayer and the indexer, the local FranceConnect-like provider with its staff
 * sign-in (or FRANCECONNECT_* / STAFF_OIDC_*), the API (through `composeApi`), and the seed data.
 * A second start on the same data folder resumes: same database, same chain, same secrets.
 *
 * @throws {StackConfigError} before anything starts, naming every missing or bad variable.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const callerEnv = options.env ?? process.env;
  const config: StackConfig = loadStackConfig(callerEnv, options.cwd);
  const logger = options.logger ?? pino({ name: 'verdict', level: callerEnv.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const stops: (() => Promise<void>)[] = [];
  const close = async () => {
    while (stops.length > 0) {
      const stop = stops.pop()!;
      try {
        await stop();
      } catch (error) {
        logger.error({ err: error }, 'stopping a part of the local stack failed');
      }
    }
  };
  try {
    const secrets = config.production ? undefined : await devSecrets(config.dataDir);
    const env: Record<string, string> = {};
    const put = (name: string, value: string) => {
      if (!has(callerEnv, name)) env[name] = value;
    };
    for (const [k, v] of Object.entries(callerEnv)) if (v !== undefined && v !== '') env[k] = v;

    // 1. Postgres.
    let embedded: EmbeddedPostgres | undefined;
    if (config.parts.database === 'embedded') {
      embedded = await startEmbeddedPostgres({ dataDir: join(config.dataDir, 'pg') });
      stops.push(() => embedded!.close());
      env.DATABASE_URL = embedded.url;
    }
    await migrateAll(env.DATABASE_URL!);
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 8 });
    pool.on('error', (error) => logger.warn({ err: error }, 'idle Postgres client error'));
    stops.push(() => pool.end());

    // 2. Redis's roles.
    let redis: Redis | undefined;
    let ephemeral: Ephemeral;
    if (config.parts.redis === 'external') {
      const client = new Redis(env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 3 });
      await client.connect();
      stops.push(async () => void (await client.quit()));
      redis = client;
      ephemeral = createRedisEphemeral(client, { onError: (error) => logger.warn({ err: error }, 'fan-out') });
    } else {
      ephemeral = createMemoryEphemeral({ onError: (error) => logger.warn({ err: error }, 'fan-out') });
    }
    stops.push(() => ephemeral.close());

    // 3. The chain and the oracle deployment.
    let chain: LocalChain | undefined;
    if (config.parts.chain === 'embedded') {
      chain = await startLocalChain({
        dataDir: join(config.dataDir, 'chain'),
        host: '127.0.0.1',
        port: config.chainPort,
        blockIntervalMs: config.blockIntervalMs,
        disputeWindowSeconds: config.disputeWindowSeconds,
        onError: (error) => logger.warn({ err: error }, 'local chain journal'),
      });
      stops.push(() => chain!.close());
      const d = chain.deployment;
      env.ORACLE_RPC_URLS = chain.url;
      env.ORACLE_CHAIN_ID = String(chain.chainId);
      env.ORACLE_ADDRESS = d.oracleAddress;
      env.ORACLE_DEPLOYMENT_BLOCK = String(d.deploymentBlock);
      put('RELAYER_PRIVATE_KEY', d.relayerPrivateKey);
      // One-second blocks: shallow depths and short polls keep the local flow within seconds.
      put('RELAYER_CONFIRMATIONS', '1');
      put('INDEXER_CONFIRMATIONS', '2');
      put('RELAYER_POLL_MS', '1000');
      put('INDEXER_POLL_MS', '1000');
      put('ORACLE_SIGNERS', d.attesters.map((a) => a.adminId.toUpperCase()).join(','));
      for (const a of d.attesters) {
        put(`ORACLE_SIGNER_${a.adminId.toUpperCase()}_ADMIN`, a.adminId);
        put(`ORACLE_SIGNER_${a.adminId.toUpperCase()}_PRIVATE_KEY`, a.privateKey);
      }
    }
    put('METRICS_PORT', '0');

    // 4. The local identity provider (players and staff).
    let idp: LocalIdp | undefined;
    if (config.parts.franceConnect === 'embedded' || config.parts.staff === 'embedded') {
      const fc = config.parts.franceConnect === 'embedded';
      const staff = config.parts.staff === 'embedded';
      idp = await startLocalIdp({
        host: '127.0.0.1',
        port: config.idpPort,
        // Stable subjects across restarts: a returning player is the same person to kyc.
        pairwiseSalt: createHash('sha256').update(`pairwise\0${secrets!.idpClientSecret}`).digest(),
        clients: [
          ...(fc
            ? [
                {
                  clientId: 'verdict-local',
                  clientSecret: secrets!.idpClientSecret,
                  redirectUris: [`${config.publicUrl}/auth/franceconnect/callback`],
                  postLogoutRedirectUris: [`${config.publicUrl}/auth/franceconnect/logout/callback`],
                },
              ]
            : []),
          ...(staff
            ? [
                {
                  clientId: 'verdict-staff-local',
                  clientSecret: secrets!.staffClientSecret,
                  redirectUris: [`${config.publicUrl}/admin/auth/callback`],
                  idTokenAlg: 'RS256' as const,
                  userinfoAlg: null,
                  staff: true,
                },
              ]
            : []),
        ],
      });
      stops.push(() => idp!.close());
      if (fc) {
        env.FRANCECONNECT_ISSUER = idp.issuer;
        env.FRANCECONNECT_CLIENT_ID = 'verdict-local';
        env.FRANCECONNECT_CLIENT_SECRET = secrets!.idpClientSecret;
        put('FRANCECONNECT_REDIRECT_URI', `${config.publicUrl}/auth/franceconnect/callback`);
        put('FRANCECONNECT_POST_LOGOUT_REDIRECT_URI', `${config.publicUrl}/auth/franceconnect/logout/callback`);
      }
      if (staff) {
        env.STAFF_OIDC_ISSUER = idp.issuer;
        env.STAFF_OIDC_CLIENT_ID = 'verdict-staff-local';
        env.STAFF_OIDC_CLIENT_SECRET = secrets!.staffClientSecret;
        put('STAFF_OIDC_REDIRECT_URI', `${config.publicUrl}/admin/auth/callback`);
      }
      put('KYC_ALLOW_INSECURE_HTTP', 'true');
    }
    if (secrets) {
      put('KYC_IDENTITY_HMAC_KEY', secrets.identityHmacKey);
      put('KYC_ENCRYPTION_KEYS', `dev1:${secrets.encryptionKey}`);
      put('KYC_ENCRYPTION_ACTIVE_KEY_ID', 'dev1');
      put('KYC_SESSION_SECRETS', secrets.sessionSecret);
      put('PAYMENTS_WEBHOOK_SECRET', secrets.webhookSecret);
      if (new URL(config.publicUrl).protocol === 'http:') put('KYC_COOKIE_SECURE', 'false');
    }
    put('KYC_ALLOWED_ORIGINS', new URL(config.publicUrl).origin);

    // Every section parses here, before any process starts: one error naming every bad variable.
    const oracleConfig = loadOracleConfig(env);
    const kycConfig = loadKycConfig(env);

    // 5. Development data: admins bound to their attesters, the self-excluded test person listed.
    if (chain) {
      const store = new PgAttestationStore({ pool });
      for (const a of chain.deployment.attesters) await store.bind(a.adminId, a.address);
    }
    if (config.parts.franceConnect === 'embedded') {
      await new PgSelfExclusionRegister({ db: pool, hmacKey: kycConfig.identityHmacKey }).replaceAll(
        'local-stack-test-identities',
        [EXCLUDED_ENTRY],
      );
    }

    // 6. Relayer and indexer.
    // The stack's logger (LOG_LEVEL, default warn): the terminal shows the summary, not the loops' info lines.
    const oracle = await startOracle(oracleConfig, ['relayer', 'indexer'], { env, logger });
    stops.push(() => oracle.close());

    // 7. The API process.
    const services: StackServices = {
      config,
      env,
      pool,
      ephemeral,
      redis,
      logger,
      devAttesters: chain?.deployment.attesters ?? [],
    };
    const api: RunningApi = await (options.composeApi ?? composeApiProcesses)(services);
    stops.push(() => api.close());

    // 8. Seed data (idempotent).
    const seeded = config.seed && api.markets ? await seedMarkets(api.markets) : [];

    const summary: LocalStackSummary = {
      parts: config.parts,
      dataDir: config.dataDir,
      apiUrl: api.url,
      settlerUrl: api.settlerUrl,
      publicUrl: config.publicUrl,
      databaseUrl: embedded?.url,
      rpcUrl: chain?.url,
      oracleAddress: env.ORACLE_ADDRESS!,
      disputeWindowSeconds: chain?.deployment.disputeWindowSeconds,
      chainResumed: chain?.resumed ?? false,
      idpIssuer: idp?.issuer,
      identities: (idp?.identities ?? [])
        .filter((i) => SHOWN_IDENTITIES.has(i.id))
        .map((i) => ({ id: i.id, description: i.description })),
      staff: (idp?.staffIdentities ?? []).map((s: StaffTestIdentity) => ({
        id: s.id,
        roles: [...s.claims.roles],
      })),
      attesters: (chain?.deployment.attesters ?? []).map((a) => ({ adminId: a.adminId, address: a.address })),
      seeded,
    };
    let closed: Promise<void> | undefined;
    return { summary, services, close: () => (closed ??= close()) };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The summary as `npm start` prints it. */
export function formatSummary(s: LocalStackSummary): string {
  const part = (name: keyof StackParts, embedded: string, real: string) =>
    `  ${name.padEnd(14)} ${s.parts[name] === 'embedded' ? embedded : real}`;
  const lines = [
    'Verdict local stack',
    '',
    'Started:',
    part('database', `embedded PGlite in ${join(s.dataDir, 'pg')} (${s.databaseUrl ?? ''})`, 'DATABASE_URL'),
    part('redis', 'in memory (sessions, login state, counters, fan-out; one process)', 'REDIS_URL'),
    part(
      'chain',
      `in-process Hardhat network on ${s.rpcUrl ?? ''} (chain 31337${s.chainResumed ? ', resumed from its journal' : ''})`,
      'ORACLE_RPC_URLS / ORACLE_INFURA_*',
    ),
    part('franceConnect', `local provider ${s.idpIssuer ?? ''}`, 'FRANCECONNECT_*'),
    part('staff', `local provider's staff sign-in ${s.idpIssuer ?? ''}`, 'STAFF_OIDC_*'),
    `  oracle         ResultsOracle ${s.oracleAddress}${
      s.disputeWindowSeconds === undefined ? '' : `, dispute window ${s.disputeWindowSeconds} s`
    }; relayer and indexer running`,
    ...(s.settlerUrl ? [`  settler        running (health and metrics on ${s.settlerUrl})`] : []),
    `  api            ${s.publicUrl} (listening on ${s.apiUrl}; OpenAPI at ${s.publicUrl}/openapi.json)`,
    '',
  ];
  if (s.identities.length > 0) {
    lines.push('Test identities (choose one at the local provider after "S\'identifier avec FranceConnect"):');
    for (const i of s.identities) lines.push(`  ${i.id.padEnd(10)} ${i.description}`);
    lines.push('');
  }
  if (s.staff.length > 0) {
    lines.push(`Admins: open ${s.publicUrl}/admin/auth/login and pick one at the local provider:`);
    const bound = new Map(s.attesters.map((a) => [a.adminId, a.address]));
    for (const st of s.staff) {
      const attester = bound.get(st.id);
      lines.push(
        `  ${st.id.padEnd(10)} ${st.roles.join(', ')}${attester ? `; attester ${attester} (signer instance)` : ''}`,
      );
    }
    if (s.rpcUrl && s.disputeWindowSeconds !== undefined) {
      const rpc = s.rpcUrl === 'http://127.0.0.1:8545' ? '' : ` --rpc-url ${s.rpcUrl}`;
      lines.push(
        `A result: close the market on /admin, three admins sign it on /admin/results/<event> (quorum 3 of 5);`,
        `once published, it is final after ${s.disputeWindowSeconds} s of chain time, or at once after`,
        `  npm run chain:advance -- ${s.disputeWindowSeconds + 10} 3${rpc}`,
      );
    }
    lines.push('');
  }
  lines.push(s.seeded.length > 0 ? `Seeded: ${s.seeded.join('; ')}` : 'Seed: nothing new (already there)');
  lines.push(`Data: ${s.dataDir} (remove it to start afresh). Ctrl-C stops everything.`);
  return lines.join('\n');
}
