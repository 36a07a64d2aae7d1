import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { createAdminGuard, createSessionMiddleware, requirePlayer } from '../../../kyc/index.js';
import { createApiModule, type ApiModule, type ApiObserver } from '../../../api/app.js';
import {
  createLiveModule,
  createLivePublisher,
  sessionAuthenticator,
  type LiveLimits,
  type LiveModule,
  type LivePublisher,
  type LiveReads,
  type OracleChanges,
} from '../../../api/live/index.js';
import { SandboxPaymentProvider } from '../../../api/wallet/payment-provider.js';
import type { Ephemeral } from '../../../lib/ephemeral/index.js';
import type { Db, TransactionPool } from '../../../lib/db/transaction.js';
import type { BettingDb } from './db.js';
import { sqlPlayerAccounts } from './sql-player-accounts.js';

export const ORIGIN = 'http://app.test';
const SECRET = 'live-test-session-secret-0123456789abcdef';
const WEBHOOK = 'live-test-webhook-secret-0123456789abcdef';

/**
 * One API instance as api/process.ts composes it, on the caller's Postgres and ephemeral store:
 * kyc's real session middleware, `requirePlayer` and staff guard (sessions written by a test-only
 * sign-in route instead of the OIDC callbacks), the API module with the live publisher, and the
 * live module on the instance's own HTTP server.
 */
export interface LiveInstance {
  readonly url: string;
  readonly wsUrl: string;
  readonly api: ApiModule;
  readonly live: LiveModule;
  readonly publisher: LivePublisher;
  /** The sandbox payment provider (its `callback()` signs a webhook body). */
  readonly sandbox: SandboxPaymentProvider;
  /** A session cookie for a player (accountId) or a staff member, as the sign-in callbacks leave them. */
  signIn(who: { player: string } | { staff: string }): Promise<string>;
  signOut(cookie: string): Promise<void>;
  close(): Promise<void>;
}

export async function startLiveInstance(options: {
  pool: TransactionPool & Db;
  ephemeral: Ephemeral;
  redis?: Redis | undefined;
  prefix: string;
  limits?: Partial<LiveLimits>;
  oracleEvent?: LiveReads['oracleEvent'];
  oracleEventsInProgress?: LiveReads['oracleEventsInProgress'];
  oracleChanges?: OracleChanges;
  /** The API's observer (the bench times commits with `betsPlaced`). */
  observer?: ApiObserver;
  /** The sandbox provider's mode (default `instant`; `webhook`: deposits complete on the signed callback). */
  paymentMode?: 'instant' | 'webhook';
}): Promise<LiveInstance> {
  const sessions = createSessionMiddleware({
    ephemeral: options.ephemeral,
    prefix: `${options.prefix}sess:`,
    secrets: [SECRET],
    cookieSecure: false,
    ttlSeconds: 3600,
  });
  const requireAdmin = createAdminGuard()();
  const publisher = createLivePublisher({ fanOut: options.ephemeral.fanOut, prefix: options.prefix });
  const pass: RequestHandler = (_req, _res, next) => next();
  const sandbox = new SandboxPaymentProvider({ mode: options.paymentMode ?? 'instant', secret: WEBHOOK });
  const api = createApiModule({
    pool: options.pool,
    redis: options.redis,
    redisPrefix: options.prefix,
    players: sqlPlayerAccounts,
    http: { requirePlayer, requireAdmin, csrf: pass },
    payments: { provider: sandbox, webhookSecret: WEBHOOK },
    live: publisher,
    observer: options.observer,
    mount: (app) => {
      app.use(sessions);
      app.post('/test/sign-in', express.json(), (req, res, next) => {
        const body = req.body as { player?: string; staff?: string };
        req.session.regenerate((error) => {
          if (error) return next(error);
          if (body.player) (req.session as unknown as { passport: { user: string } }).passport = { user: body.player };
          if (body.staff) {
            const now = Date.now();
            req.session.staff = {
              actor: `oidc:test:${body.staff}`,
              adminId: body.staff,
              roles: ['verdict:admin'],
              authenticatedAt: now,
              expiresAt: now + 3600_000,
              idleMs: 3600_000,
              lastSeenAt: now,
            };
          }
          res.json({ ok: true });
        });
      });
      app.post('/test/sign-out', (req, res, next) => {
        req.session.destroy((error) => (error ? next(error) : res.json({ ok: true })));
      });
    },
  });
  const live = createLiveModule({
    fanOut: options.ephemeral.fanOut,
    channelPrefix: options.prefix,
    allowedOrigins: [ORIGIN],
    authenticate: sessionAuthenticator({ sessions, requirePlayer, requireAdmin }),
    reads: {
      market: api.marketView,
      balance: async (accountId) => ({ balanceCents: Number(await api.wallet.balance(accountId)) }),
      ...(options.oracleEvent ? { oracleEvent: options.oracleEvent } : {}),
      ...(options.oracleEventsInProgress ? { oracleEventsInProgress: options.oracleEventsInProgress } : {}),
    },
    oracleChanges: options.oracleChanges,
    limits: options.limits,
  });
  const server: Server = createServer(api.app);
  live.attach(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/live`,
    api,
    live,
    publisher,
    sandbox,
    async signIn(who) {
      const res = await fetch(`${url}/test/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(who),
      });
      const cookie = res.headers.get('set-cookie');
      if (res.status !== 200 || !cookie) throw new Error(`sign-in failed: ${res.status}`);
      return cookie.split(';')[0]!;
    },
    async signOut(cookie) {
      await fetch(`${url}/test/sign-out`, { method: 'POST', headers: { cookie } });
    },
    async close() {
      await live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A frame the server sent. */
export interface Frame {
  type: 'snapshot' | 'update' | 'error';
  channel: string | null;
  data?: Record<string, unknown>;
  code?: string;
}

/** A test WebSocket client: every frame kept in order, waits by predicate (bounded, never by time alone). */
export class LiveClient {
  readonly frames: Frame[] = [];
  private waiters: { test: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private readonly taken = new Set<Frame>();
  closed?: { code: number; reason: string };
  private readonly closedPromise: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Frame;
      this.frames.push(frame);
      for (const w of [...this.waiters]) {
        if (w.test(frame)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(frame);
        }
      }
    });
    this.closedPromise = new Promise((resolve) =>
      ws.on('close', (code: number, reason: Buffer) => {
        this.closed = { code, reason: reason.toString() };
        resolve(this.closed);
      }),
    );
  }

  static async connect(url: string, options: { origin?: string | null; cookie?: string } = {}): Promise<LiveClient> {
    const headers: Record<string, string> = {};
    if (options.cookie) headers.cookie = options.cookie;
    const ws = new WebSocket(url, {
      headers,
      ...(options.origin === null ? {} : { origin: options.origin ?? ORIGIN }),
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return new LiveClient(ws);
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  subscribe(channel: string): void {
    this.send({ type: 'subscribe', channel });
  }

  /** The first frame received (or to come) that matches and that no earlier `next` returned. */
  next(test: (f: Frame) => boolean, what = 'a frame'): Promise<Frame> {
    const found = this.frames.find((f) => !this.taken.has(f) && test(f));
    if (found) {
      this.taken.add(found);
      return Promise.resolve(found);
    }
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within 20 s`)), 20_000);
      this.waiters.push({
        test: (f) => !this.taken.has(f) && test(f),
        resolve: (f) => {
          clearTimeout(timer);
          this.taken.add(f);
          resolve(f);
        },
      });
    });
  }

  whenClosed(): Promise<{ code: number; reason: string }> {
    return this.closedPromise;
  }

  close(): void {
    this.ws.close();
  }
}

/** Places one bet through HTTP as the signed-in player of `cookie`. */
export async function placeBet(
  baseUrl: string,
  cookie: string,
  bet: { marketId: string; selection: string; stakeCents: number },
): Promise<Record<string, unknown>> {
  const res = await fetch(`${baseUrl}/bets`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      cookie,
      origin: ORIGIN,
      'idempotency-key': `"${crypto.randomUUID()}"`,
    },
    body: JSON.stringify(bet),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 201) throw new Error(`bet refused: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export async function getJson(url: string, cookie?: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, cookie ? { headers: { cookie } } : {});
  return (await res.json()) as Record<string, unknown>;
}

/**
 * The `afterAll` of a live test: closes the instance and its ephemeral store, checks the ledger is
 * balanced (its total is 0), drops the test's Redis keys (`prefix`), disconnects Redis, drops the database.
 */
export async function closeLive(parts: {
  node: LiveInstance;
  ephemeral: Ephemeral;
  redis: Redis;
  prefix: string;
  b: BettingDb;
}): Promise<void> {
  const { node, ephemeral, redis, prefix, b } = parts;
  await node.close();
  await ephemeral.close();
  expect(await b.ledgerTotal()).toBe(0n);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await b.close();
}
