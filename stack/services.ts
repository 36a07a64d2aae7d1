import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { ApiModule } from '../api/index.js';
import type { Ephemeral } from '../lib/ephemeral/index.js';
import type { DevAttester } from './local-chain.js';
import type { StackConfig } from './stack-config.js';

/**
 * What the local stack hands the API process it composes: the connections it opened (embedded or
 * real, the API does not need to know which) and the effective environment, i.e. the caller's
 * variables completed with the embedded defaults (DATABASE_URL of PGlite, ORACLE_RPC_URLS of the local
 * chain and ORACLE_ADDRESS of its deployment, FRANCECONNECT_* and STAFF_OIDC_* of the local provider,
 * generated development secrets, PAYMENTS_WEBHOOK_SECRET). Each module parses its own section from it.
 */
export interface StackServices {
  readonly config: StackConfig;
  readonly env: Readonly<Record<string, string>>;
  readonly pool: pg.Pool;
  /** Redis's roles: on REDIS_URL, or in memory. */
  readonly ephemeral: Ephemeral;
  /** The Redis client when REDIS_URL is set. */
  readonly redis: Redis | undefined;
  readonly logger: Logger;
  /** The five development attesters bound to alice…erin (signer instances); empty on a real chain. */
  readonly devAttesters: readonly DevAttester[];
}

/** A running API process (HTTP, and whatever it runs beside: settler, live updates). */
export interface RunningApi {
  readonly url: string;
  readonly port: number;
  /** The market service, for the seed data (events and open markets); none: no seed. */
  readonly markets?: ApiModule['markets'];
  /** Where the settler serves `/health` and `/metrics`, when one runs. */
  readonly settlerUrl?: string;
  close(): Promise<void>;
}

/** The hook through which an API process plugs into the local stack (`api/process.ts`). */
export type ComposeApi = (services: StackServices) => Promise<RunningApi>;
