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
   * connection: /work/shared/reference/embedded-defaults.md). Default 64: every pool of the stack fits (api 20, settler 6, oracle 8 + the relayer's lock session, stack 8).
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
    maxConnections: options.maxConnections ?? 64,
  });
  keepMessageGroupsTogether(server, db);
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

/** What {@link keepMessageGroupsTogether} reaches inside pglite-socket 0.2.17's query queue. */
interface QueuedMessage {
  readonly handlerId: number;
  readonly message: Uint8Array;
  readonly onData: (data: Uint8Array) => void;
  resolve(bytes: number): void;
  reject(error: unknown): void;
}
interface QueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

/** Frontend message types that end a group: Sync, simple Query, Terminate. */
const GROUP_ENDS = new Set([0x53, 0x51, 0x58]);

/**
 * pglite-socket multiplexes every connection on PGlite's single session message by message: a pg
 * client's extended-protocol group (Parse, Bind, Describe, Execute, then Sync) can be interleaved with
 * another connection's, and the unnamed statement of one is then bound with the other's parameters
 * ("bind message supplies 1 parameters, but prepared statement "" requires 3"; test/stack). This
 * replaces the queue's scheduler so that once a connection's group starts, only that connection's
 * messages run until its Sync (or simple Query); a connection inside a transaction keeps the session
 * until the transaction ends, as before. A failed message no longer stalls the queue.
 */
function keepMessageGroupsTogether(server: PGLiteSocketServer, db: PGlite): void {
  const q = (server as unknown as { queryQueue: QueryQueue }).queryQueue;
  if (!q || !Array.isArray(q.queue) || typeof q.processQueue !== 'function') {
    throw new Error('@electric-sql/pglite-socket changed: its query queue is not the one this stack patches');
  }
  let groupOwner: number | null = null;
  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    if (groupOwner === handlerId) groupOwner = null;
    setImmediate(() => void q.processQueue());
  };
  q.processQueue = async function processQueue(this: QueryQueue): Promise<void> {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const owner = groupOwner ?? (db.isInTransaction() ? this.lastHandlerId : null);
        let index = 0;
        if (owner !== null) {
          index = this.queue.findIndex((m) => m.handlerId === owner);
          // The owner's next message has not arrived yet: its arrival restarts the queue.
          if (index === -1) break;
        }
        const item = this.queue.splice(index, 1)[0]!;
        let bytes = 0;
        try {
          await db.runExclusive(() =>
            db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (error) {
          groupOwner = null;
          item.reject(error);
          continue;
        }
        // A startup or SSL request has no type byte (it starts with its length): a group of its own.
        const type = item.message[0] ?? 0;
        groupOwner = type === 0 || GROUP_ENDS.has(type) ? null : item.handlerId;
        this.lastHandlerId = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
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
