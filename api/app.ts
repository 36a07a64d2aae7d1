import { createHash } from 'node:crypto';
import express, { type Application, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { KycError } from '../kyc/index.js';
import type { ResultStatus } from '../oracle/index.js';
import type { Db, TransactionPool } from '../lib/db/transaction.js';
import type { SubmitReceipt } from '../oracle/admin.js';
import type { OracleAdminPort } from './admin/oracle-admin.js';
import { createBetService, type BetView, type GroupCommitOptions, type IdempotencyKey } from './bets/bet-service.js';
import { ApiError } from './errors.js';
import { jsonBody, rawBody } from './http/body.js';
import { openApiDocument } from './http/openapi.js';
import { ERROR_STATUS, problemHandler, requestId } from './http/problem.js';
import { parse, route, toHandler, type AnyRoute } from './http/route.js';
import * as S from './http/schemas.js';
import { createMarketService, type MarketView } from './markets/market-service.js';
import { createPoolCache, readPoolTotals, type PoolCache } from './markets/pool-cache.js';
import { indicativeDividends } from './pools/parimutuel.js';
import type { HttpPorts, PlayerAccounts } from './ports.js';
import { SANDBOX_SIGNATURE_HEADER, verifySandboxSignature, type PaymentProvider } from './wallet/payment-provider.js';
import { listSettlementRuns, type SettlementRun } from './settlement/settlement-runs.js';
import { createWalletService, type PaymentView } from './wallet/wallet-service.js';

/** Dependencies of {@link createApiModule}: connections and ports from the composition root. */
export interface ApiModuleDeps {
  readonly pool: TransactionPool & Db;
  /** Live pool counters and readiness; indicative odds are read from Postgres without it. */
  readonly redis?: Pick<Redis, 'eval' | 'hgetall' | 'ping'> | undefined;
  /** Key prefix of this API's Redis keys (e.g. `verdict:api:`). */
  readonly redisPrefix?: string;
  readonly players: PlayerAccounts;
  readonly http: HttpPorts;
  readonly payments: { readonly provider: PaymentProvider; readonly webhookSecret: string };
  readonly logger?: Pick<Logger, 'error' | 'debug' | 'warn'>;
  readonly now?: () => Date;
  /** Largest JSON body accepted (default 256 kB: a batch of 200 bets is about 20 kB). */
  readonly bodyLimit?: string;
  /** Group commit of bet placements (micro-batching; off by default): see the bet service. */
  readonly betGroupCommit?: GroupCommitOptions | undefined;
  /** Told of accepted bets and of every problem answered (metrics). Must not throw. */
  readonly observer?: ApiObserver | undefined;
  /** More readiness checks than Postgres and Redis (e.g. `rpc`), each resolving when the dependency answers. */
  readonly readiness?: Readonly<Record<string, () => Promise<unknown>>> | undefined;
  /** Rate limits: `ip` before every route, `account` after the player guard on player routes. */
  readonly rateLimits?: { readonly ip?: RequestHandler; readonly account?: RequestHandler } | undefined;
  /** Mounts routes of other modules (kyc's router, `/metrics`) after the request id and the IP limit. */
  readonly mount?: ((app: Application) => void) | undefined;
  /** The oracle's admin side (attestations, publication, finality) and the on-chain result of events. */
  readonly oracleAdmin?: OracleAdminPort | undefined;
  /** Logs one line per request (request id, method, route, status, milliseconds) at info. */
  readonly accessLog?: Pick<Logger, 'info'> | undefined;
  /** Told of what live subscribers see change (api/live's publisher on the FanOut). Must not throw. */
  readonly live?: LiveAnnouncer | undefined;
  /** `GET /admin/ops`'s body (api/admin/operations.ts); the route answers API_UNAVAILABLE without it. */
  readonly operations?: (() => Promise<Record<string, unknown>>) | undefined;
}

/** What the API announces to live subscribers, after the change committed (api/live's `LivePublisher`). */
export interface LiveAnnouncer {
  betsAccepted(playerId: string, bets: readonly BetView[]): unknown;
  marketsChanged(marketIds: readonly string[]): unknown;
  balanceChanged(playerId: string): unknown;
  oracleEvent(eventId: string): unknown;
  /** A settlement run of this market was written or reversed (a void): the staff's `admin` channel. */
  settlementRun?(marketId: string): unknown;
}

/** What the API reports to metrics. */
export interface ApiObserver {
  betsPlaced?(count: number): void;
  rejected?(code: string, status: number): void;
}

const n = (v: bigint): number => Number(v);

/** JSON-safe copy: bigints as decimal strings, dates as ISO strings. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}
const iso = (d: Date): string => d.toISOString();

/** JSON with sorted keys: the fingerprint of a body does not depend on key order or spacing. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The Idempotency-Key header (an sf-string: quoted, or bare for lenient clients) and the request's fingerprint. */
function idempotencyKey(header: string | undefined, method: string, path: string, body: unknown): IdempotencyKey {
  if (header === undefined)
    throw new ApiError('IDEMPOTENCY_KEY_MISSING', 'This endpoint requires an Idempotency-Key header.');
  const key = /^".*"$/.test(header) ? header.slice(1, -1) : header;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new ApiError('API_REQUEST_INVALID', 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.', {
      details: { errors: [{ path: 'header.Idempotency-Key', message: 'invalid' }] },
    });
  }
  const fingerprint = createHash('sha256')
    .update(`${method} ${path}\n${canonical(body)}`)
    .digest();
  return { key, fingerprint };
}

const paymentJson = (p: PaymentView) => ({
  id: p.id,
  kind: p.kind,
  amountCents: n(p.amountCents),
  state: p.state,
  createdAt: iso(p.createdAt),
});

const settlementRunJson = (r: SettlementRun) => ({
  ...r,
  poolCents: n(r.poolCents),
  paidCents: n(r.paidCents),
  takeoutCents: n(r.takeoutCents),
  breakageCents: n(r.breakageCents),
  refundedCents: n(r.refundedCents),
  dividends: r.dividends.map((d) => ({
    ...d,
    winningStakeCents: n(d.winningStakeCents),
    dividendCents: n(d.dividendCents),
    unitCents: n(d.unitCents),
  })),
  settledAt: iso(r.settledAt),
  reversal: r.reversal && { ...r.reversal, at: iso(r.reversal.at) },
});

/**
 * Builds the betting API: services over Postgres and an Express app (no listen, no env).
 *
 * @returns `{ app, bets, wallet, markets, routes, openapi }`.
 */
export function createApiModule(deps: ApiModuleDeps) {
  const { pool, players } = deps;
  const now = deps.now ?? (() => new Date());
  const cache: PoolCache | undefined = deps.redis
    ? createPoolCache({ redis: deps.redis, db: pool, prefix: deps.redisPrefix ?? 'verdict:api:' })
    : undefined;
  const markets = createMarketService({ pool, now });
  const wallet = createWalletService({ pool, players, provider: deps.payments.provider, now });
  const bets = createBetService({
    pool,
    players,
    cache,
    now,
    groupCommit: deps.betGroupCommit,
    onCacheError: (error) =>
      deps.logger?.warn({ event: 'api.pool_cache_failed', err: String(error) }, 'pool counter not updated'),
  });

  async function poolTotals(m: MarketView): Promise<bigint[]> {
    if (cache) {
      try {
        return await cache.totals(m.id, m.selections.length);
      } catch (error) {
        deps.logger?.warn({ event: 'api.pool_cache_failed', err: String(error) }, 'pool totals read from Postgres');
      }
    }
    const totals = m.selections.map(() => 0n);
    for (const r of await readPoolTotals(pool, m.id)) totals[r.selection] = r.total;
    return totals;
  }

  async function marketJson(m: MarketView) {
    const totals = await poolTotals(m);
    const shareOf = m.definition.type === 'race-place' ? m.definition.places : 1;
    const dividends = indicativeDividends(totals, m.takeoutBps, shareOf);
    return {
      id: m.id,
      eventId: m.eventId,
      definition: m.definition,
      state: m.state,
      closesAt: iso(m.closesAt),
      takeoutBps: m.takeoutBps,
      minStakeCents: n(m.minStakeCents),
      maxStakeCents: n(m.maxStakeCents),
      poolCents: n(totals.reduce((a, b) => a + b, 0n)),
      selections: m.selections.map((s, i) => ({
        ...s,
        poolCents: n(totals[i] ?? 0n),
        indicativeDividendCents: dividends[i] === null || dividends[i] === undefined ? null : n(dividends[i]),
      })),
    };
  }

  const eventJson = async (e: Awaited<ReturnType<typeof markets.event>>) => ({
    id: e.id,
    oracleEventId: e.oracleEventId,
    schema: e.schema,
    name: e.name,
    startsAt: iso(e.startsAt),
    runners: e.runners,
    markets: await Promise.all(e.markets.map(marketJson)),
  });

  /** The on-chain result (provisional until final); null without the oracle port or when the chain does not answer. */
  async function eventResult(oracleEventId: string) {
    if (!deps.oracleAdmin) return null;
    try {
      return await deps.oracleAdmin.result(oracleEventId);
    } catch (error) {
      deps.logger?.warn({ event: 'api.event_result_failed', err: String(error) }, 'on-chain result not read');
      return null;
    }
  }
  const oracleAdmin = (): OracleAdminPort => {
    if (!deps.oracleAdmin) throw new ApiError('API_UNAVAILABLE', 'The oracle is not configured in this process.');
    return deps.oracleAdmin;
  };
  const outcomeOf = async (
    eventId: string,
    body: { status: number; values: number[]; endedAt: number | string; version: number },
  ) => {
    const event = await markets.event(eventId);
    return {
      event,
      outcome: {
        eventId: event.oracleEventId,
        status: body.status as ResultStatus,
        values: body.values,
        endedAt: BigInt(body.endedAt),
        version: body.version,
      },
    };
  };

  /**
   * One attestation of the signed-in admin (`req.admin.adminId`), signed by `sign` (the admin's own
   * signature, or their bound signer instance), through the oracle's AttestationService, audited
   * `attestation.submit` with how it was signed.
   */
  const attest = async (
    req: express.Request,
    eventId: string,
    body: { status: number; values: number[]; endedAt: number | string; version: number; signature?: string },
    sign: (adminId: string, outcome: Awaited<ReturnType<typeof outcomeOf>>['outcome']) => Promise<SubmitReceipt>,
  ) => {
    const who = actor(req);
    const { event, outcome } = await outcomeOf(eventId, body);
    const receipt = await sign(req.admin?.adminId ?? who.actor, outcome);
    await pool.query(
      'insert into betting.audit_log (actor, action, target, request_id, detail) values ($1, $2, $3, $4, $5)',
      [
        who.actor,
        'attestation.submit',
        `event:${event.id}`,
        who.requestId ?? null,
        JSON.stringify(
          jsonSafe({
            action: receipt.action,
            signedBy: body.signature === undefined ? 'bound-signer' : 'submitted',
            attester: receipt.attester,
            outcomeKey: receipt.outcomeKey,
            version: outcome.version,
            status: outcome.status,
            values: outcome.values,
            support: receipt.support,
            ready: receipt.ready,
            conflict: receipt.conflict,
          }),
        ),
      ],
    );
    deps.live?.oracleEvent(event.id);
    return { status: 201, body: jsonSafe(receipt) as Record<string, unknown> };
  };

  const player = (req: express.Request): string => {
    const id = req.user?.accountId;
    if (!id) throw new KycError('KYC_NOT_AUTHENTICATED', 'You are not signed in.');
    return id;
  };
  const actor = (req: express.Request) => {
    if (!req.admin) throw new ApiError('ADMIN_NOT_AUTHENTICATED', 'Staff sign-in required.');
    return { actor: req.admin.actor, requestId: req.requestId };
  };
  const optionalKey = (req: express.Request, body: unknown) => {
    const header = req.get('idempotency-key');
    return header === undefined ? undefined : idempotencyKey(header, 'POST', req.originalUrl.split('?')[0]!, body);
  };
  const paymentReply = (p: PaymentView & { replayed?: boolean }, playerId: string) => {
    if (!p.replayed) deps.live?.balanceChanged(playerId);
    return paymentReplyOf(p);
  };
  const paymentReplyOf = (p: PaymentView & { replayed?: boolean }) => ({
    status: 201,
    body: paymentJson(p),
    headers: p.replayed ? { 'idempotent-replayed': 'true' } : undefined,
  });
  const placed = (playerId: string, p: Awaited<ReturnType<typeof bets.place>>) => {
    if (!p.replayed) {
      deps.observer?.betsPlaced?.(p.body.bets.length);
      deps.live?.betsAccepted(playerId, p.body.bets);
    }
    return placedReply(p);
  };
  const placedReply = (p: Awaited<ReturnType<typeof bets.place>>) => ({
    status: p.status,
    body: p.body,
    headers: p.replayed ? { 'idempotent-replayed': 'true' } : undefined,
  });

  const routes: AnyRoute[] = [
    route({
      method: 'get',
      path: '/health/live',
      summary: 'The process is up',
      tag: 'operations',
      auth: 'public',
      responses: { 200: { description: 'Alive', schema: S.Health } },
      handle: () => Promise.resolve({ status: 200, body: { status: 'ok' } }),
    }),
    route({
      method: 'get',
      path: '/health/ready',
      summary: 'Postgres, Redis (and the RPC, in the api process) answer',
      tag: 'operations',
      auth: 'public',
      responses: { 200: { description: 'Ready', schema: S.Health } },
      handle: async () => {
        const checks: Record<string, string> = {};
        const timeout = <T>(p: Promise<T>) =>
          Promise.race([
            p,
            new Promise<never>((_r, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref()),
          ]);
        await timeout(pool.query('select 1')).then(
          () => (checks.postgres = 'ok'),
          () => (checks.postgres = 'down'),
        );
        if (deps.redis) {
          await timeout(deps.redis.ping()).then(
            () => (checks.redis = 'ok'),
            () => (checks.redis = 'down'),
          );
        }
        for (const [name, check] of Object.entries(deps.readiness ?? {})) {
          await timeout(check()).then(
            () => (checks[name] = 'ok'),
            () => (checks[name] = 'down'),
          );
        }
        if (Object.values(checks).some((v) => v !== 'ok')) {
          throw new ApiError('API_UNAVAILABLE', 'A dependency is not ready.', { details: { checks } });
        }
        return { status: 200, body: { status: 'ok', checks } };
      },
    }),
    route({
      method: 'get',
      path: '/events',
      summary: 'Upcoming events with their markets and indicative pool odds',
      tag: 'markets',
      auth: 'public',
      query: S.EventsQuery,
      responses: { 200: { description: 'Events', schema: S.Events } },
      handle: async ({ query }) => {
        const list = await markets.events({ limit: query.limit, from: query.from ? new Date(query.from) : undefined });
        return { status: 200, body: { events: await Promise.all(list.map(eventJson)) } };
      },
    }),
    route({
      method: 'get',
      path: '/events/:eventId',
      summary: 'One event with its markets',
      tag: 'markets',
      auth: 'public',
      params: S.EventParams,
      responses: { 200: { description: 'Event', schema: S.Event } },
      handle: async ({ params }) => {
        const event = await markets.event(params.eventId);
        return { status: 200, body: { ...(await eventJson(event)), result: await eventResult(event.oracleEventId) } };
      },
    }),
    route({
      method: 'get',
      path: '/markets/:marketId',
      summary: 'One market with its pool per selection and indicative dividends',
      tag: 'markets',
      auth: 'public',
      params: S.MarketParams,
      responses: { 200: { description: 'Market', schema: S.Market } },
      handle: async ({ params }) => ({ status: 200, body: await marketJson(await markets.market(params.marketId)) }),
    }),
    route({
      method: 'post',
      path: '/bets',
      summary: 'Place a bet',
      tag: 'bets',
      auth: 'player',
      body: S.BetBody,
      idempotencyKey: 'required',
      responses: {
        201: { description: 'Accepted (or the first answer again, with Idempotent-Replayed)', schema: S.Bets },
      },
      handle: async ({ body, req }) =>
        placed(
          player(req),
          await bets.place(
            player(req),
            [{ ...body, stakeCents: BigInt(body.stakeCents) }],
            idempotencyKey(req.get('idempotency-key'), 'POST', req.originalUrl.split('?')[0]!, body),
          ),
        ),
    }),
    route({
      method: 'post',
      path: '/bets/batch',
      summary: 'Place up to 200 bets atomically (all or none)',
      tag: 'bets',
      auth: 'player',
      body: S.BatchBody,
      idempotencyKey: 'required',
      responses: { 201: { description: 'All accepted', schema: S.Bets } },
      handle: async ({ body, req }) =>
        placed(
          player(req),
          await bets.place(
            player(req),
            body.bets.map((b) => ({ ...b, stakeCents: BigInt(b.stakeCents) })),
            idempotencyKey(req.get('idempotency-key'), 'POST', req.originalUrl.split('?')[0]!, body),
          ),
        ),
    }),
    route({
      method: 'get',
      path: '/me/bets',
      summary: 'My bets, newest first (open or settled), paginated by id',
      tag: 'bets',
      auth: 'player',
      query: S.MyBetsQuery,
      responses: { 200: { description: 'A page of bets', schema: S.Bets } },
      handle: async ({ query, req }) => {
        const page = await bets.myBets(player(req), query);
        if (!deps.oracleAdmin || page.length === 0) return { status: 200, body: { bets: page } };
        // The on-chain result of each bet's event: one query for the events, one chain read per event.
        const { rows } = await pool.query<{ market_id: string; oracle_event_id: string }>(
          `select m.id::text as market_id, e.oracle_event_id from betting.markets m
             join betting.events e on e.id = m.event_id where m.id = any($1::bigint[])`,
          [[...new Set(page.map((x) => x.marketId))]],
        );
        const eventOf = new Map(rows.map((r) => [r.market_id, r.oracle_event_id]));
        const results = new Map(
          await Promise.all(
            [...new Set(rows.map((r) => r.oracle_event_id))].map(async (id) => [id, await eventResult(id)] as const),
          ),
        );
        return {
          status: 200,
          body: { bets: page.map((x) => ({ ...x, result: results.get(eventOf.get(x.marketId) ?? '') ?? null })) },
        };
      },
    }),
    route({
      method: 'get',
      path: '/me/balance',
      summary: 'My available balance',
      tag: 'wallet',
      auth: 'player',
      responses: { 200: { description: 'Balance', schema: S.Balance } },
      handle: async ({ req }) => ({ status: 200, body: { balanceCents: n(await wallet.balance(player(req))) } }),
    }),
    route({
      method: 'get',
      path: '/me/statement',
      summary: 'My cash ledger entries, newest first',
      tag: 'wallet',
      auth: 'player',
      query: S.PageQuery,
      responses: { 200: { description: 'A page of the statement', schema: S.Statement } },
      handle: async ({ query, req }) => {
        const lines = await wallet.statement(player(req), query);
        return {
          status: 200,
          body: { lines: lines.map((l) => ({ ...l, amountCents: n(l.amountCents), at: iso(l.at) })) },
        };
      },
    }),
    route({
      method: 'post',
      path: '/me/deposits',
      summary: 'Deposit (within the weekly deposit limit)',
      tag: 'wallet',
      auth: 'player',
      body: S.AmountBody,
      responses: { 201: { description: 'Completed, or pending until the provider confirms', schema: S.Payment } },
      idempotencyKey: 'optional',
      handle: async ({ body, req }) =>
        paymentReply(await wallet.deposit(player(req), BigInt(body.amountCents), optionalKey(req, body)), player(req)),
    }),
    route({
      method: 'post',
      path: '/me/withdrawals',
      summary: 'Withdraw (once kyc allows withdrawals)',
      tag: 'wallet',
      auth: 'player',
      body: S.AmountBody,
      responses: { 201: { description: 'Completed, or pending', schema: S.Payment } },
      idempotencyKey: 'optional',
      handle: async ({ body, req }) =>
        paymentReply(await wallet.withdraw(player(req), BigInt(body.amountCents), optionalKey(req, body)), player(req)),
    }),
    route({
      method: 'get',
      path: '/me/payments/:paymentId',
      summary: 'One of my deposits or withdrawals',
      tag: 'wallet',
      auth: 'player',
      params: S.PaymentParams,
      responses: { 200: { description: 'Payment', schema: S.Payment } },
      handle: async ({ params, req }) => ({
        status: 200,
        body: paymentJson(await wallet.payment(player(req), params.paymentId)),
      }),
    }),
    route({
      method: 'post',
      path: '/webhooks/sandbox-payments',
      summary: 'Sandbox provider callback (HMAC-SHA256 signed, idempotent)',
      tag: 'wallet',
      auth: 'webhook',
      body: S.WebhookBody,
      bodyFormat: 'raw',
      responses: { 200: { description: 'Applied (or already applied)', schema: S.Payment } },
      handle: async ({ req }) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        if (!verifySandboxSignature(deps.payments.webhookSecret, raw, req.get(SANDBOX_SIGNATURE_HEADER), now())) {
          throw new ApiError('WEBHOOK_SIGNATURE_INVALID', 'The webhook signature is missing, wrong or too old.');
        }
        let json: unknown;
        try {
          json = JSON.parse(raw.toString('utf8'));
        } catch (error) {
          throw new ApiError('API_REQUEST_INVALID', 'The request body is not valid JSON.', { cause: error });
        }
        const event = parse(S.WebhookBody, json, 'body');
        const payment = await wallet.confirm(event.paymentId, event.status, event.reference);
        if (deps.live && payment.state !== 'pending') {
          // The player's `me` channel gets the new balance now (a completed deposit, a failed withdrawal's
          // refund). A replayed callback wakes it again: one read, and an unchanged balance is not sent.
          deps.live.balanceChanged(payment.playerId);
        }
        return { status: 200, body: paymentJson(payment) };
      },
    }),
    route({
      method: 'post',
      path: '/admin/events',
      summary: 'Create an event bound to its oracle event id',
      tag: 'admin',
      auth: 'admin',
      body: S.NewEventBody,
      responses: { 201: { description: 'Created', schema: S.Event } },
      handle: async ({ body, req }) => {
        const e = await markets.createEvent({ ...body, startsAt: new Date(body.startsAt) }, actor(req));
        return { status: 201, body: { ...e, startsAt: iso(e.startsAt), markets: [] } };
      },
    }),
    route({
      method: 'post',
      path: '/admin/events/:eventId/markets',
      summary: 'Create a market (inactive) of an event',
      tag: 'admin',
      auth: 'admin',
      params: S.EventParams,
      body: S.NewMarketBody,
      responses: { 201: { description: 'Created', schema: S.Market } },
      handle: async ({ params, body, req }) => {
        const m = await markets.createMarket(
          params.eventId,
          {
            definition: body.definition,
            closesAt: new Date(body.closesAt),
            takeoutBps: body.takeoutBps,
            minStakeCents: BigInt(body.minStakeCents),
            maxStakeCents: BigInt(body.maxStakeCents),
          },
          actor(req),
        );
        return { status: 201, body: await marketJson(m) };
      },
    }),
    route({
      method: 'post',
      path: '/admin/events/:eventId/attestations/payload',
      summary:
        'The EIP-712 result an admin signs for an outcome of the event, and the same as typed data for a wallet (nothing written)',
      tag: 'admin',
      auth: 'admin',
      params: S.EventParams,
      body: S.OutcomeBody,
      responses: { 200: { description: 'The typed data to sign', schema: S.OracleDocument } },
      handle: async ({ params, body }) => {
        const { outcome } = await outcomeOf(params.eventId, body);
        const result = await oracleAdmin().resultToSign(outcome);
        const typedData = oracleAdmin().typedDataOf(result);
        return { status: 200, body: jsonSafe({ result, typedData }) as Record<string, unknown> };
      },
    }),
    route({
      method: 'post',
      path: '/admin/events/:eventId/attestations',
      summary: "Submit the signed admin's attestation of the event's outcome (oracle AttestationService)",
      tag: 'admin',
      auth: 'admin',
      params: S.EventParams,
      body: S.AttestationBody,
      responses: { 201: { description: 'Stored (or unchanged); quorum and conflict', schema: S.OracleDocument } },
      handle: async ({ params, body, req }) =>
        attest(req, params.eventId, body, (adminId, outcome) =>
          oracleAdmin().submit({
            adminId,
            outcome,
            signature: body.signature,
            signedWindow: body.signedWindow && {
              notBefore: BigInt(body.signedWindow.notBefore),
              deadline: BigInt(body.signedWindow.deadline),
              epoch: body.signedWindow.epoch,
            },
          }),
        ),
    }),
    route({
      method: 'post',
      path: '/admin/events/:eventId/attestations/sign-with-bound-signer',
      summary:
        "Have the signer instance bound to the signed-in admin sign the event's outcome, and submit it (same checks, audited)",
      tag: 'admin',
      auth: 'admin',
      params: S.EventParams,
      body: S.OutcomeBody,
      responses: { 201: { description: 'Stored (or unchanged); quorum and conflict', schema: S.OracleDocument } },
      handle: async ({ params, body, req }) =>
        attest(req, params.eventId, body, (adminId, outcome) =>
          oracleAdmin().submitWithBoundSigner({ adminId, outcome }),
        ),
    }),
    route({
      method: 'get',
      path: '/admin/events',
      summary: 'Every event (past and upcoming), newest start first, with its markets in every state',
      tag: 'admin',
      auth: 'admin',
      query: S.AdminEventsQuery,
      responses: { 200: { description: 'A page of events', schema: S.Events } },
      handle: async ({ query }) => {
        const list = await markets.allEvents(query);
        return { status: 200, body: { events: await Promise.all(list.map(eventJson)) } };
      },
    }),
    route({
      method: 'get',
      path: '/admin/settlements',
      summary: 'The settlement runs, newest first: result used, totals, bets, reversal',
      tag: 'admin',
      auth: 'admin',
      query: S.PageQuery,
      responses: { 200: { description: 'A page of settlements', schema: S.SettlementRuns } },
      handle: async ({ query }) => ({
        status: 200,
        body: { settlements: (await listSettlementRuns(pool, query)).map(settlementRunJson) },
      }),
    }),
    route({
      method: 'get',
      path: '/admin/me',
      summary: 'The signed-in admin: audit actor, admin id, roles, bound attester and signer instance',
      tag: 'admin',
      auth: 'admin',
      responses: { 200: { description: 'The admin', schema: S.OracleDocument } },
      handle: async ({ req }) => {
        const who = actor(req);
        const adminId = req.admin?.adminId ?? who.actor;
        const signer = deps.oracleAdmin ? await deps.oracleAdmin.signerOf(adminId) : null;
        return {
          status: 200,
          body: {
            actor: who.actor,
            adminId,
            roles: req.admin?.roles ?? [],
            attester: signer?.attester ?? null,
            boundSigner: signer?.boundSigner ?? null,
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/admin/ops',
      summary:
        'Live operations: bets/s, open bets, stakes by open market, rejections by code (this instance), relayer, indexer, settler and chain health',
      tag: 'admin',
      auth: 'admin',
      responses: { 200: { description: 'The figures', schema: S.Operations } },
      handle: async () => {
        if (!deps.operations) throw new ApiError('API_UNAVAILABLE', 'The operations view is not configured here.');
        return { status: 200, body: await deps.operations() };
      },
    }),
    route({
      method: 'get',
      path: '/admin/events/:eventId/oracle',
      summary: 'Quorum, conflicts, publication and finality of the event',
      tag: 'admin',
      auth: 'admin',
      params: S.EventParams,
      responses: { 200: { description: 'Attestations, publications, chain', schema: S.OracleDocument } },
      handle: async ({ params }) => {
        const event = await markets.event(params.eventId);
        return {
          status: 200,
          body: jsonSafe(await oracleAdmin().status(event.oracleEventId)) as Record<string, unknown>,
        };
      },
    }),
    route({
      method: 'post',
      path: '/admin/markets/:marketId/:command',
      summary:
        'Open, suspend, close or void a market (void of a settled market: compensating entries, reason required)',
      tag: 'admin',
      auth: 'admin',
      params: S.CommandParams,
      body: S.CommandBody,
      responses: { 200: { description: 'The market in its new state', schema: S.Market } },
      handle: async ({ params, body, req }) => {
        const market = await markets.command(params.marketId, params.command, { ...actor(req), reason: body.reason });
        deps.live?.marketsChanged([market.id]);
        // A void writes a refund run, or reverses the market's settlement: the settlement runs page shows it.
        if (params.command === 'void') deps.live?.settlementRun?.(market.id);
        return { status: 200, body: await marketJson(market) };
      },
    }),
  ];

  const openapi = openApiDocument(routes, { title: 'Verdict betting API', version: '0.1.0' }, ERROR_STATUS);
  const app: Application = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestId);
  if (deps.accessLog) {
    const log = deps.accessLog;
    app.use((req, res, next) => {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        log.info(
          {
            event: 'api.request',
            requestId: req.requestId,
            method: req.method,
            route: (req.route as { path?: string } | undefined)?.path ?? null,
            path: req.path,
            status: res.statusCode,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          },
          'request',
        );
      });
      next();
    });
  }
  const observer = deps.observer;
  if (observer?.rejected) {
    const rejected = (code: string, status: number) => observer.rejected?.(code, status);
    app.use((_req, res, next) => {
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        const code = (body as { code?: unknown } | null)?.code;
        if (res.statusCode >= 400 && typeof code === 'string') rejected(code, res.statusCode);
        return json(body);
      };
      next();
    });
  }
  if (deps.rateLimits?.ip) app.use(deps.rateLimits.ip);
  deps.mount?.(app);
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  const json = jsonBody(deps.bodyLimit ?? '256kb');
  const raw = rawBody('64kb');
  for (const r of routes) {
    const chain: RequestHandler[] = [];
    if (r.auth === 'player') chain.push(deps.http.requirePlayer);
    if (r.auth === 'player' && deps.rateLimits?.account) chain.push(deps.rateLimits.account);
    if (r.auth === 'admin') chain.push(deps.http.requireAdmin);
    if (r.method === 'post' && r.auth === 'player') chain.push(deps.http.csrf);
    if (r.method === 'post') chain.push(r.bodyFormat === 'raw' ? raw : json);
    app[r.method](r.path, ...chain, toHandler(r));
  }
  app.use(() => {
    throw new ApiError('API_NOT_FOUND', 'No such route.');
  });
  app.use(problemHandler(deps.logger));
  /** `GET /markets/{id}`'s body (live snapshots and updates). @throws ApiError MARKET_NOT_FOUND */
  const marketView = async (marketId: string) => marketJson(await markets.market(marketId));
  /** `GET /admin/events/{id}/oracle`'s body. */
  const oracleStatus = async (eventId: string) => {
    const event = await markets.event(eventId);
    return jsonSafe(await oracleAdmin().status(event.oracleEventId)) as Record<string, unknown>;
  };
  return { app, bets, wallet, markets, routes, openapi, marketView, oracleStatus };
}

export type ApiModule = ReturnType<typeof createApiModule>;
