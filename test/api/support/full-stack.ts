import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { startLocalIdp, type LocalIdp } from '../../../kyc/idp/index.js';
import { Wallet } from 'ethers';
import { PgReadyResultSource } from '../../../oracle/attestations/pg-ready-result-source.js';
import {
  ChainAttesterSetSource,
  PgAttestationStore,
  oracleContract,
  type AttestationSigner,
} from '../../../oracle/admin.js';
import { ResultSigner } from '../../../oracle/signer/result-signer.js';
import { RESULT_TYPES, oracleDomain, resultMessage, type Result } from '../../../oracle/result.js';
import { loadApiConfig } from '../../../api/config.js';
import { createApiProcess, createSettlerProcess, type ProcessOverrides } from '../../../api/process.js';
import { freePort } from '../../support/chain.js';
import { testRedisUrl } from '../../support/services.js';
import { Browser } from '../../kyc/support/browser.js';
import {
  ATTESTERS,
  DISPUTE_WINDOW,
  createWorld,
  elapse,
  makeIndexer,
  makeRelayer,
  mine,
  type OracleWorld,
} from '../../oracle/chain/harness.js';
import { bettingDbOn, type BettingDb } from './db.js';
import { processEnv } from './process-env.js';

/** A pino logger that writes nothing (warnings and above are still formatted, then dropped). */
export const quietLogger = (): Logger =>
  pino(
    { level: 'warn' },
    new Writable({
      write(_c, _e, done) {
        done();
      },
    }),
  );

/**
 * The real services of a full-API test, composed once per test file: a Hardhat node with a 3-of-5
 * ResultsOracle and a database of its own (kyc's, oracle's and api's migrations), the local
 * FranceConnect-like provider (a real oidc-provider) with the FranceConnect client, the staff client
 * and optionally a second, generic provider (`other`, private_key_jwt), and the environment
 * `loadApiConfig` reads for the API and settler processes on a port fixed in advance (the redirect
 * URIs name it). Admins alice, bob and carol are bound to attesters 1-3 (and, with `boundSigners`,
 * each has an in-process signer instance over their key, as `npm start` has).
 */
export interface FullStack {
  readonly world: OracleWorld;
  readonly b: BettingDb;
  readonly idp: LocalIdp;
  /** `http://127.0.0.1:<port>`: the API's origin once {@link startApi} runs. */
  readonly appBase: string;
  readonly env: Record<string, string>;
  /** The signer instances {@link startApi} passes to the API (the Signer port): alice, bob, carol with `boundSigners`. */
  readonly signers: readonly AttestationSigner[];
  /** Drops everything the stack created (the processes started with {@link startApi} are closed by their own `close`). */
  close(): Promise<void>;
}

export interface FullStackOptions {
  /** A second sign-in provider `other` (generic profile) at the same local provider. */
  readonly otherProvider?: boolean;
  /** More variables (they override the defaults). */
  readonly extra?: Readonly<Record<string, string>>;
  /**
   * In-process signer instances for alice, bob and carol over their attester keys (what `npm start`
   * passes): `POST /admin/events/{id}/attestations/sign-with-bound-signer` signs with them.
   */
  readonly boundSigners?: boolean;
}

export async function createFullStack(label: string, options: FullStackOptions = {}): Promise<FullStack> {
  const world = await createWorld(label);
  const b = await bettingDbOn(world.db);
  const port = await freePort();
  const appBase = `http://127.0.0.1:${port}`;
  const fcSecret = randomBytes(24).toString('base64url');
  const staffSecret = randomBytes(24).toString('base64url');
  const otherKey = options.otherProvider ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : undefined;
  const idp = await startLocalIdp({
    clients: [
      {
        clientId: 'fc-client',
        clientSecret: fcSecret,
        redirectUris: [`${appBase}/auth/franceconnect/callback`],
        postLogoutRedirectUris: [`${appBase}/auth/franceconnect/logout/callback`],
      },
      {
        clientId: 'staff-client',
        clientSecret: staffSecret,
        redirectUris: [`${appBase}/admin/auth/callback`],
        idTokenAlg: 'RS256',
        userinfoAlg: null,
        staff: true,
      },
      ...(otherKey
        ? [
            {
              clientId: 'other-client',
              publicJwks: [
                { ...otherKey.publicKey.export({ format: 'jwk' }), kid: 'other-1', alg: 'ES256', use: 'sig' },
              ],
              redirectUris: [`${appBase}/auth/other/callback`],
              idTokenAlg: 'RS256' as const,
              userinfoAlg: null,
              franceConnectStrict: false,
            },
          ]
        : []),
    ],
  });
  const env = processEnv({
    databaseUrl: world.db.url,
    rpcUrl: world.node.url,
    oracleAddress: world.address,
    redisUrl: testRedisUrl(),
    appBase,
    issuer: idp.issuer,
    extra: {
      API_PORT: String(port),
      FRANCECONNECT_CLIENT_SECRET: fcSecret,
      STAFF_OIDC_ISSUER: idp.issuer,
      STAFF_OIDC_CLIENT_ID: 'staff-client',
      STAFF_OIDC_CLIENT_SECRET: staffSecret,
      STAFF_OIDC_REDIRECT_URI: `${appBase}/admin/auth/callback`,
      KYC_LOGIN_RATE_LIMIT: '10000',
      SETTLER_POLL_MS: '100',
      ...(otherKey
        ? {
            KYC_OIDC_PROVIDERS: JSON.stringify([
              {
                id: 'other',
                issuer: idp.issuer,
                clientId: 'other-client',
                privateKeyJwk: { ...otherKey.privateKey.export({ format: 'jwk' }), kid: 'other-1' },
                redirectUri: `${appBase}/auth/other/callback`,
                scopes: ['openid', 'profile', 'birth', 'email'],
                idTokenAlg: 'RS256',
                acrLevels: ['eidas1', 'eidas2', 'eidas3'],
              },
            ]),
          }
        : {}),
      ...options.extra,
    },
  });
  const store = new PgAttestationStore({ pool: b.pool });
  for (const [i, admin] of ['alice', 'bob', 'carol'].entries()) {
    await store.bind(admin, world.node.wallet(ATTESTERS[i]!).address);
  }
  const signers = options.boundSigners
    ? await Promise.all(
        ['alice', 'bob', 'carol'].map((adminId, i) =>
          ResultSigner.create({
            adminId,
            signer: new Wallet(world.node.wallet(ATTESTERS[i]!).privateKey),
            chainId: world.chainId,
            oracleAddress: world.address,
          }),
        ),
      )
    : [];
  return {
    world,
    b,
    idp,
    appBase,
    env,
    signers,
    async close() {
      await idp.close();
      await b.pool.end();
      await world.close();
    },
  };
}

/** The API process of `api/process.ts` (what `npm run api` runs) on the stack's port, quiet unless a logger is given. */
export function startApi(
  stack: FullStack,
  logger: Logger = quietLogger(),
  overrides: Pick<ProcessOverrides, 'operationsOpenMaxAgeMs'> = {},
) {
  return createApiProcess(loadApiConfig(stack.env, 'api'), { logger, signers: stack.signers, ...overrides });
}

/** The settler process of `api/process.ts` (what `npm run settler` runs), quiet unless a logger is given. */
export function startSettler(stack: FullStack, logger: Logger = quietLogger()) {
  return createSettlerProcess(loadApiConfig(stack.env, 'settler'), { logger });
}

/** A JSON request with a cookie-jar {@link Browser} (a player's or a staff member's session). */
export async function apiJson(
  stack: FullStack,
  browser: Browser,
  path: string,
  method = 'GET',
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await browser.request(`${stack.appBase}${path}`, {
    method,
    headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** A staff member (`alice`, `bob`, …) signed in through the staff OIDC client of the local provider, over HTTP. */
export async function staffBrowser(stack: FullStack, identity: string): Promise<Browser> {
  const browser = new Browser();
  const start = await browser.request(`${stack.appBase}/admin/auth/login`);
  if (start.status !== 303) throw new Error(`staff login answered ${start.status}`);
  const callback = await browser.runToOrigin(start.headers.get('location')!, stack.appBase, identity);
  const landed = await browser.request(callback, { headers: { accept: 'application/json' } });
  if (landed.status !== 303) throw new Error(`staff callback answered ${landed.status}`);
  return browser;
}

/** An event's outcome as the admin routes take it. */
export interface OutcomeBody {
  readonly status: number;
  readonly values: readonly number[];
  readonly endedAt: number;
  readonly version: number;
}

/**
 * Admins attest `outcome` of the API event `eventId` through the API (payload, EIP-712 signature with
 * the attester key bound to them, submit): alice, bob and carol by default, the quorum of 3.
 * @returns the last receipt (`ready: true` once the quorum is reached).
 */
export async function attestThroughApi(
  stack: FullStack,
  eventId: string,
  outcome: OutcomeBody,
  admins: readonly string[] = ['alice', 'bob', 'carol'],
): Promise<Record<string, unknown>> {
  const { world } = stack;
  const domain = oracleDomain(world.chainId, world.address);
  let receipt: Record<string, unknown> = {};
  for (const admin of admins) {
    const index = ['alice', 'bob', 'carol', 'dave', 'erin'].indexOf(admin);
    if (index < 0 || index > 2) throw new Error(`${admin} is not bound to an attester in the full stack`);
    const browser = await staffBrowser(stack, admin);
    const payload = await apiJson(stack, browser, `/admin/events/${eventId}/attestations/payload`, 'POST', outcome);
    if (payload.status !== 200) throw new Error(`payload answered ${payload.status}: ${JSON.stringify(payload.body)}`);
    const r = payload.body.result as Record<string, string | number | number[]>;
    const result: Result = {
      eventId: r.eventId as string,
      status: r.status as Result['status'],
      values: r.values as number[],
      endedAt: BigInt(r.endedAt as string),
      version: r.version as number,
      notBefore: BigInt(r.notBefore as string),
      deadline: BigInt(r.deadline as string),
      epoch: r.epoch as number,
    };
    const signature = await new Wallet(world.node.wallet(ATTESTERS[index]!).privateKey).signTypedData(
      domain,
      RESULT_TYPES,
      resultMessage(result),
    );
    const submitted = await apiJson(stack, browser, `/admin/events/${eventId}/attestations`, 'POST', {
      ...outcome,
      signature,
    });
    if (submitted.status !== 201)
      throw new Error(`attestation answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
    receipt = submitted.body;
  }
  return receipt;
}

/**
 * The relayer publishes the results that reached their quorum (two ticks: send, then see it mined).
 * A block is mined first, as a live chain keeps producing them: the relayer reads "now" from the latest
 * block, and this node mines only on transactions, so after a slow stretch of a test (a loaded machine)
 * the latest block can predate a result's end time and nothing would be ready (seen once under load).
 */
export async function relayReadyResults(stack: FullStack): Promise<void> {
  const { world, b } = stack;
  await mine(world);
  const { relayer, lock } = makeRelayer(
    world,
    new PgReadyResultSource({
      store: new PgAttestationStore({ pool: b.pool }),
      attesterSet: new ChainAttesterSetSource({
        contract: oracleContract(world.address, world.node.provider),
        ttlMs: 0,
      }),
      deployment: { chainId: world.chainId, contract: world.address },
    }),
  );
  await lock.tryAcquire();
  try {
    await relayer.tick();
    await relayer.tick();
  } finally {
    await lock.release();
  }
}

/** The dispute window passes on the chain and the indexer records the published results final (the settler's feed). */
export async function finalizePublishedResults(stack: FullStack): Promise<void> {
  await elapse(stack.world, DISPUTE_WINDOW + 1);
  await makeIndexer(stack.world).tick();
}
