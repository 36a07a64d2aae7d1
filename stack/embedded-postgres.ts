import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { migrateApi } from '../api/index.js';
import { migrateKyc } from '../kyc/index.js';
import { migrateOracle } from '../oracle/admin.js';

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Folder of the database files (created if missing), e.g. `.data/pg`; kept across restarts. */
  readonly dataDir: string;
  readonly host?: string;
  /** 0 (default): any free port. */
  readonly port?: number;
  /**
   * Connections the socket accepts at once (pglite-socket's default, 1, drops a pool's second
   * connection: /work/shared/reference/embedded-defaults.md). Default 32: every pool of the stack fits.
   */
  readonly maxConnections?: number;
}

/** A running embedded Postgres. */
export interface EmbeddedPostgres {
  /** `postgres://postgres@host:port/postgres`, for `pg` like any DATABASE_URL. */
  readonly url: string;
  readonly port: number;
  /** Stops the socket (clients are disconnected) and closes PGlite (its files are flushed). */
  close(): Promise<void>;
}

/**
 * PGlite (Postgres compiled to WebAssembly) on a local folder, served over pglite-socket so that
 * `pg` speaks the wire protocol to it: the same SQL and drivers as production. What differs (checked in
 * /work/shared/reference/embedded-defaults.md): one session multiplexes every connection, so
 * transactions serialise the whole database, LISTEN/NOTIFY do not cross connections, and advisory
 * locks exclude nothing. Good for one local process; CI also runs everything on the real Postgres.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({
    db,
    host,
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 32,
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const port = Number(server.getServerConn().split(':').at(-1));
  let closed = false;
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    port,
    async close() {
      if (closed) return;
      closed = true;
      await server.stop();
      await db.close();
    },
  };
}

/**
 * Applies every module's migrations in dependency order (kyc, oracle, then api, whose schema
 * references kyc's accounts). Idempotent: a restart applies nothing.
 *
 * @returns the ids applied by this call, per module.
 */
export async function migrateAll(databaseUrl: string): Promise<{ kyc: string[]; oracle: string[]; api: string[] }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const kyc = await migrateKyc(pool);
    const oracle = await migrateOracle(pool);
    const api = await migrateApi(pool);
    return { kyc, oracle, api };
  } finally {
    await pool.end();
  }
}
