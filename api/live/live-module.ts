import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { FanOut, Unsubscribe } from '../../lib/ephemeral/index.js';
import { fanOutChannels, parseChannel, parseClientMessage, type ClientMessage, type LiveChannel } from './channels.js';
import { Coalescer, systemClock, type LiveClock } from './coalescer.js';
import { LIVE_CLOSE_CODES, LIVE_UPGRADE_STATUS, LiveError, type LiveErrorCode } from './errors.js';

/** Who is behind a socket, read from the session cookie of its upgrade request. */
export interface LivePrincipal {
  /** The signed-in player's account id, or null. */
  readonly accountId: string | null;
  /** True with a live staff session. */
  readonly admin: boolean;
}

/**
 * Reads the principal from the upgrade request's headers (its cookies): the composition root runs
 * the API's own session middleware and guards ({@link sessionAuthenticator}). Called at each `me` /
 * `admin` subscribe and at each heartbeat while one is held, so a logout ends them.
 */
export type LiveAuthenticate = (headers: IncomingHttpHeaders) => Promise<LivePrincipal>;

/** The reads behind snapshots and updates: the same JSON as the HTTP routes answer. */
export interface LiveReads {
  /** `GET /markets/{id}`'s body. @throws ApiError MARKET_NOT_FOUND */
  market(marketId: string): Promise<unknown>;
  /** `GET /me/balance`'s body (`{ balanceCents }`). */
  balance(accountId: string): Promise<Record<string, unknown>>;
  /** `GET /admin/events/{id}/oracle`'s body (`eventId`: the betting event id). */
  oracleEvent?(eventId: string): Promise<Record<string, unknown>>;
  /** The events an admin view starts from: their ids (the snapshot reads each with {@link oracleEvent}). */
  oracleEventsInProgress?(): Promise<readonly string[]>;
}

/** Betting event ids whose oracle state changed since the last call (polled while admins watch). */
export interface OracleChanges {
  changed(): Promise<readonly string[]>;
}

/** Limits of the live edge. */
export interface LiveLimits {
  /** Largest client message in bytes; a larger one closes the socket (1009). */
  readonly maxMessageBytes: number;
  /** Subscriptions one socket may hold at once. */
  readonly maxSubscriptions: number;
  /** Bytes queued on a socket beyond which the client is dropped as a slow consumer (4008). */
  readonly maxBufferedBytes: number;
  /** After a slow consumer's 4008 close frame, how long it has to read it before its socket is cut. */
  readonly slowConsumerGraceMs: number;
  /** Ping interval; a socket that did not answer the previous ping is closed. */
  readonly heartbeatMs: number;
  /** Least interval between two updates of one market (or balance, or oracle event) per instance. */
  readonly coalesceMs: number;
  /** Interval of the oracle poll while this instance has admin subscribers. */
  readonly oraclePollMs: number;
}

export const DEFAULT_LIVE_LIMITS: LiveLimits = {
  maxMessageBytes: 4096,
  maxSubscriptions: 64,
  maxBufferedBytes: 1 << 20,
  slowConsumerGraceMs: 1_000,
  heartbeatMs: 30_000,
  coalesceMs: 250,
  oraclePollMs: 1_000,
};

/** Dependencies of {@link createLiveModule}. */
export interface LiveModuleDeps {
  /** Redis pub/sub in production (every API instance and the settler), memory in one process. */
  readonly fanOut: FanOut;
  /** Prefix of the FanOut channels (the API's Redis prefix). */
  readonly channelPrefix: string;
  /** Origins whose pages may open the socket (KYC_ALLOWED_ORIGINS: the API's CSRF origins). */
  readonly allowedOrigins: readonly string[];
  readonly authenticate: LiveAuthenticate;
  readonly reads: LiveReads;
  readonly oracleChanges?: OracleChanges | undefined;
  readonly limits?: Partial<LiveLimits> | undefined;
  readonly clock?: LiveClock | undefined;
  readonly logger?: { warn(obj: object, msg?: string): void } | undefined;
}

/** The kinds of channel (`market:<id>`, `me`, `admin`). */
export type LiveChannelKind = LiveChannel['kind'];

/** Counters of the live edge (for /metrics and the bench). */
export interface LiveStats {
  /** Open sockets. */
  readonly connections: number;
  /** FanOut channels this instance listens to (one per market, player or admin with local subscribers). */
  readonly topics: number;
  /** Subscriptions held by sockets, by channel kind. */
  readonly subscriptions: Readonly<Record<LiveChannelKind, number>>;
  readonly framesSent: number;
  readonly slowConsumersDropped: number;
  readonly deadSocketsClosed: number;
  /** `me` / `admin` subscriptions refused or ended for want of a (live) session, by channel. */
  readonly authRefusals: Readonly<Record<'me' | 'admin', number>>;
}

interface Client {
  readonly ws: WebSocket;
  readonly headers: IncomingHttpHeaders;
  /** Channel name → the topic it is joined to, or the marker of the join in progress. */
  readonly subs: Map<string, Topic | Joining>;
  alive: boolean;
  dropped: boolean;
}

/** A subscribe in progress (one marker per attempt: an unsubscribe and a new subscribe meanwhile are told apart). */
class Joining {}

/** One FanOut channel with local subscribers on this instance. */
abstract class Topic {
  readonly clients = new Set<Client>();
  holders = 0;
  ready!: Promise<void>;
  protected unsubscribe: Unsubscribe | undefined;

  constructor(
    protected readonly hub: Hub,
    readonly key: string,
    readonly channel: string,
  ) {}

  /** Subscribes to the FanOut and reads the first state. */
  abstract open(): Promise<void>;
  /** The snapshot's data JSON for a client that just joined. */
  abstract snapshot(): Promise<string>;
  protected abstract stop(): void;

  broadcast(dataJson: string): void {
    if (this.clients.size === 0) return;
    // Encoded once for every socket (a text frame from the same bytes).
    const frame = Buffer.from(`{"type":"update","channel":${JSON.stringify(this.channel)},"data":${dataJson}}`);
    for (const c of this.clients) this.hub.send(c, frame);
  }

  async close(): Promise<void> {
    this.stop();
    const u = this.unsubscribe;
    this.unsubscribe = undefined;
    await u?.();
  }
}

class MarketTopic extends Topic {
  private last: string | undefined;
  private readonly coalescer: Coalescer;

  constructor(
    hub: Hub,
    private readonly marketId: string,
  ) {
    super(hub, `market:${marketId}`, `market:${marketId}`);
    this.coalescer = hub.coalescer(async () => {
      const data = JSON.stringify(await hub.deps.reads.market(marketId));
      if (data === this.last) return;
      const first = this.last === undefined;
      this.last = data;
      if (!first) this.broadcast(data);
    });
  }

  async open(): Promise<void> {
    this.unsubscribe = await this.hub.deps.fanOut.subscribe(this.hub.ch.market(this.marketId), () =>
      this.coalescer.poke(),
    );
    await this.coalescer.flush();
  }

  snapshot(): Promise<string> {
    return Promise.resolve(this.last!);
  }

  protected stop(): void {
    this.coalescer.close();
  }
}

class PlayerTopic extends Topic {
  private last: string | undefined;
  private readonly coalescer: Coalescer;

  constructor(
    hub: Hub,
    private readonly accountId: string,
  ) {
    super(hub, `me:${accountId}`, 'me');
    this.coalescer = hub.coalescer(async () => {
      const data = JSON.stringify({ ...(await hub.deps.reads.balance(accountId)), kind: 'balance' });
      if (data === this.last) return;
      const first = this.last === undefined;
      this.last = data;
      if (!first) this.broadcast(data);
    });
  }

  async open(): Promise<void> {
    this.unsubscribe = await this.hub.deps.fanOut.subscribe(this.hub.ch.player(this.accountId), (message) => {
      // bet.accepted / bet.settled go out as they come; the balance follows, read (coalesced) after them.
      if (!message.startsWith('{"kind":"balance"')) this.broadcast(message);
      this.coalescer.poke();
    });
    await this.coalescer.flush();
  }

  snapshot(): Promise<string> {
    return Promise.resolve(this.last!);
  }

  protected stop(): void {
    this.coalescer.close();
  }
}

/** A betting event id (`betting.events.id`, a uuid): anything else on the admin FanOut channel is dropped. */
const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A market id (`betting.markets.id`, a positive bigint). */
const MARKET_ID = /^[1-9][0-9]{0,18}$/;

class AdminTopic extends Topic {
  private readonly events = new Map<string, Coalescer>();
  private readonly lastOf = new Map<string, string>();
  private poll: unknown = undefined;
  private stopped = false;

  constructor(hub: Hub) {
    super(hub, 'admin', 'admin');
  }

  private eventChanged(eventId: string): void {
    if (this.stopped || !EVENT_ID.test(eventId)) return;
    let c = this.events.get(eventId);
    if (!c) {
      c = this.hub.coalescer(async () => {
        const data = JSON.stringify(await this.read(eventId));
        if (this.lastOf.get(eventId) === data) return;
        this.lastOf.set(eventId, data);
        this.broadcast(data);
      });
      this.events.set(eventId, c);
    }
    c.poke();
  }

  private async read(eventId: string): Promise<Record<string, unknown>> {
    const status = await this.hub.deps.reads.oracleEvent!(eventId);
    return { ...status, kind: 'oracle.event', eventId };
  }

  async open(): Promise<void> {
    if (!this.hub.deps.reads.oracleEvent) throw new LiveError('LIVE_UNAVAILABLE', 'No oracle in this process.');
    this.unsubscribe = await this.hub.deps.fanOut.subscribe(this.hub.ch.admin(), (message) => {
      const parsed = JSON.parse(message) as { eventId?: unknown; kind?: unknown; marketId?: unknown };
      // A settlement run written or reversed: a small event the settlement page reads the runs after.
      if (parsed.kind === 'settlement') {
        if (!this.stopped && typeof parsed.marketId === 'string' && MARKET_ID.test(parsed.marketId)) {
          this.broadcast(JSON.stringify({ kind: 'settlement', marketId: parsed.marketId }));
        }
        return;
      }
      const eventId = parsed.eventId;
      if (typeof eventId === 'string') this.eventChanged(eventId);
    });
    const changes = this.hub.deps.oracleChanges;
    if (changes) {
      await changes.changed(); // the baseline: what changed before now is in the snapshots
      const tick = () => {
        this.poll = undefined;
        if (this.stopped) return;
        changes
          .changed()
          .then(
            (ids) => {
              for (const id of ids) this.eventChanged(id);
            },
            (error: unknown) => this.hub.deps.logger?.warn({ event: 'live.oracle_poll_failed', err: String(error) }),
          )
          .finally(() => {
            if (!this.stopped) this.poll = this.hub.clock.setTimeout(tick, this.hub.limits.oraclePollMs);
          });
      };
      this.poll = this.hub.clock.setTimeout(tick, this.hub.limits.oraclePollMs);
    }
  }

  async snapshot(): Promise<string> {
    const ids = (await this.hub.deps.reads.oracleEventsInProgress?.()) ?? [];
    const events = await Promise.all(ids.map((id) => this.read(id)));
    return JSON.stringify({ kind: 'oracle.events', events });
  }

  protected stop(): void {
    this.stopped = true;
    if (this.poll !== undefined) this.hub.clock.clearTimeout(this.poll);
    for (const c of this.events.values()) c.close();
    this.events.clear();
  }
}

const upgradeRefusal = (code: LiveErrorCode, detail: string): string => {
  const status = LIVE_UPGRADE_STATUS[code] ?? 400;
  const body = JSON.stringify({ status, code, detail });
  const reason = status === 403 ? 'Forbidden' : status === 503 ? 'Service Unavailable' : 'Bad Request';
  return (
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
};

class Hub {
  readonly limits: LiveLimits;
  readonly clock: LiveClock;
  readonly ch: ReturnType<typeof fanOutChannels>;
  private readonly topics = new Map<string, Topic>();
  private readonly clients = new Set<Client>();
  private readonly allowed: ReadonlySet<string>;
  private readonly wss: WebSocketServer;
  private readonly heartbeat: NodeJS.Timeout;
  private closing = false;
  framesSent = 0;
  slowConsumersDropped = 0;
  deadSocketsClosed = 0;
  readonly authRefusals = { me: 0, admin: 0 };

  constructor(readonly deps: LiveModuleDeps) {
    this.limits = { ...DEFAULT_LIVE_LIMITS, ...deps.limits };
    this.clock = deps.clock ?? systemClock;
    this.ch = fanOutChannels(deps.channelPrefix);
    this.allowed = new Set(deps.allowedOrigins.map((o) => new URL(o).origin));
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.limits.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.heartbeat = setInterval(() => void this.beat(), this.limits.heartbeatMs);
    this.heartbeat.unref();
  }

  coalescer(run: () => Promise<void>): Coalescer {
    return new Coalescer(run, this.limits.coalesceMs, this.clock, (error) =>
      this.deps.logger?.warn({ event: 'live.read_failed', err: String(error) }, 'live update not read'),
    );
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const refuse = (code: LiveErrorCode, detail: string) => {
      socket.end(upgradeRefusal(code, detail));
    };
    if (this.closing) return refuse('LIVE_CLOSING', 'The server is restarting; reconnect in a moment.');
    const origin = req.headers.origin;
    if (origin === undefined || !this.allowed.has(origin)) {
      return refuse('LIVE_ORIGIN_REFUSED', 'This socket was not opened by a Verdict page.');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws, req));
  }

  private connected(ws: WebSocket, req: IncomingMessage): void {
    const client: Client = { ws, headers: req.headers, subs: new Map(), alive: true, dropped: false };
    this.clients.add(client);
    ws.on('pong', () => (client.alive = true));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => this.disconnected(client));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      client.alive = true;
      if (isBinary) return this.error(client, null, 'LIVE_MESSAGE_INVALID');
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8');
      let message: ClientMessage | undefined;
      let channel: LiveChannel;
      try {
        message = parseClientMessage(text);
        channel = parseChannel(message.channel);
      } catch (error) {
        const code = error instanceof LiveError ? error.code : 'LIVE_MESSAGE_INVALID';
        return this.error(client, message?.channel ?? null, code);
      }
      if (message.type === 'subscribe') void this.subscribe(client, channel);
      else void this.unsubscribe(client, channel.name);
    });
  }

  send(client: Client, frame: string | Buffer): void {
    const ws = client.ws;
    if (client.dropped || ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.limits.maxBufferedBytes) {
      client.dropped = true;
      this.slowConsumersDropped += 1;
      ws.close(LIVE_CLOSE_CODES.slowConsumer, 'slow consumer');
      this.clock.setTimeout(() => ws.terminate(), this.limits.slowConsumerGraceMs);
      return;
    }
    this.framesSent += 1;
    ws.send(frame, { binary: false });
  }

  private error(client: Client, channel: string | null, code: LiveErrorCode): void {
    this.send(client, JSON.stringify({ type: 'error', channel, code }));
  }

  private async subscribe(client: Client, channel: LiveChannel): Promise<void> {
    const name = channel.name;
    const held = client.subs.get(name);
    if (held instanceof Joining) return; // its snapshot is on the way
    if (held) {
      await this.sendSnapshot(client, held);
      return;
    }
    if (client.subs.size >= this.limits.maxSubscriptions)
      return this.error(client, name, 'LIVE_TOO_MANY_SUBSCRIPTIONS');
    const joining = new Joining();
    client.subs.set(name, joining);
    let key: string;
    let make: () => Topic;
    try {
      if (channel.kind === 'market') {
        key = `market:${channel.marketId}`;
        make = () => new MarketTopic(this, channel.marketId);
      } else {
        const who = await this.deps.authenticate(client.headers);
        if (channel.kind === 'me') {
          if (!who.accountId) throw new LiveError('LIVE_NOT_AUTHENTICATED', 'Sign in to follow your bets.');
          const accountId = who.accountId;
          key = `me:${accountId}`;
          make = () => new PlayerTopic(this, accountId);
        } else {
          if (!who.admin) throw new LiveError('LIVE_STAFF_NOT_AUTHENTICATED', 'Sign in as staff.');
          key = 'admin';
          make = () => new AdminTopic(this);
        }
      }
    } catch (error) {
      const code = codeOf(error);
      if (code === 'LIVE_NOT_AUTHENTICATED') this.authRefusals.me += 1;
      if (code === 'LIVE_STAFF_NOT_AUTHENTICATED') this.authRefusals.admin += 1;
      if (client.subs.get(name) !== joining) return;
      client.subs.delete(name);
      return this.error(client, name, code);
    }
    if (client.subs.get(name) !== joining) return; // unsubscribed or closed meanwhile
    const topic = this.join(key, make);
    try {
      await topic.ready;
    } catch (error) {
      await this.leave(topic);
      if (client.subs.get(name) === joining) {
        client.subs.delete(name);
        this.error(client, name, codeOf(error));
      }
      return;
    }
    if (client.subs.get(name) !== joining || client.ws.readyState !== WebSocket.OPEN) {
      await this.leave(topic);
      return;
    }
    client.subs.set(name, topic);
    topic.clients.add(client);
    await this.sendSnapshot(client, topic);
  }

  private async sendSnapshot(client: Client, topic: Topic): Promise<void> {
    try {
      const data = await topic.snapshot();
      this.send(client, `{"type":"snapshot","channel":${JSON.stringify(topic.channel)},"data":${data}}`);
    } catch (error) {
      this.error(client, topic.channel, codeOf(error));
    }
  }

  private async unsubscribe(client: Client, name: string): Promise<void> {
    const topic = client.subs.get(name);
    client.subs.delete(name);
    if (topic instanceof Topic) {
      topic.clients.delete(client);
      await this.leave(topic);
    }
  }

  private join(key: string, make: () => Topic): Topic {
    let topic = this.topics.get(key);
    if (!topic) {
      const t = make();
      t.ready = t.open();
      t.ready.catch(() => undefined);
      this.topics.set(key, t);
      topic = t;
    }
    topic.holders += 1;
    return topic;
  }

  private async leave(topic: Topic): Promise<void> {
    topic.holders -= 1;
    if (topic.holders > 0) return;
    if (this.topics.get(topic.key) === topic) this.topics.delete(topic.key);
    await topic
      .close()
      .catch((error: unknown) => this.deps.logger?.warn({ event: 'live.unsubscribe_failed', err: String(error) }));
  }

  private disconnected(client: Client): void {
    this.clients.delete(client);
    for (const name of [...client.subs.keys()]) void this.unsubscribe(client, name);
  }

  /** Pings every socket; closes those that did not answer the last ping; re-checks `me`/`admin` sessions. */
  private async beat(): Promise<void> {
    for (const c of this.clients) {
      if (!c.alive) {
        this.deadSocketsClosed += 1;
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
    await Promise.all(
      [...this.clients].map(async (c) => {
        const me = c.subs.get('me');
        const admin = c.subs.get('admin');
        if (me instanceof Joining || admin instanceof Joining) return;
        if (!me && !admin) return;
        const who = await this.deps.authenticate(c.headers).catch(() => null);
        if (!who) return; // the session store did not answer: keep them, check again next beat
        if (me && me.key !== `me:${who.accountId ?? ''}`) {
          this.authRefusals.me += 1;
          await this.unsubscribe(c, 'me');
          this.error(c, 'me', 'LIVE_NOT_AUTHENTICATED');
        }
        if (admin && !who.admin) {
          this.authRefusals.admin += 1;
          await this.unsubscribe(c, 'admin');
          this.error(c, 'admin', 'LIVE_STAFF_NOT_AUTHENTICATED');
        }
      }),
    );
  }

  stats(): LiveStats {
    const subscriptions = { market: 0, me: 0, admin: 0 };
    for (const t of this.topics.values()) {
      const kind = t instanceof MarketTopic ? 'market' : t instanceof PlayerTopic ? 'me' : 'admin';
      subscriptions[kind] += t.clients.size;
    }
    return {
      connections: this.clients.size,
      topics: this.topics.size,
      subscriptions,
      framesSent: this.framesSent,
      slowConsumersDropped: this.slowConsumersDropped,
      deadSocketsClosed: this.deadSocketsClosed,
      authRefusals: { ...this.authRefusals },
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.ws.close(LIVE_CLOSE_CODES.goingAway, 'server closing');
    const topics = [...this.topics.values()];
    this.topics.clear();
    await Promise.all(topics.map((t) => t.close().catch(() => undefined)));
    // Sockets that do not answer the close handshake promptly are cut.
    await new Promise((r) => setTimeout(r, 50));
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
  }
}

function codeOf(error: unknown): LiveErrorCode {
  if (error instanceof LiveError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'MARKET_NOT_FOUND') return 'MARKET_NOT_FOUND';
  return 'LIVE_UNAVAILABLE';
}

/**
 * The live edge: a `ws` WebSocket server on the API's own HTTP server (path `/live`), fed by the
 * FanOut so that a change announced on any instance reaches every instance's subscribers. No I/O
 * happens here; {@link LiveModule.attach} takes the HTTP server's upgrades.
 */
export function createLiveModule(deps: LiveModuleDeps) {
  const hub = new Hub(deps);
  return {
    /** The path the module answers upgrades on. */
    path: '/live' as const,
    /** Handles one upgrade request (Origin check, then the WebSocket handshake). */
    handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => hub.handleUpgrade(req, socket, head),
    /** Takes `server`'s upgrade requests: `/live` is handled, any other path answered 404. */
    attach(server: Server): void {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const path = (req.url ?? '').split('?')[0];
        if (path === '/live') hub.handleUpgrade(req, socket, head);
        else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      });
    },
    stats: () => hub.stats(),
    /** Closes every socket (1001) and every FanOut subscription; refuses new upgrades (503). */
    close: () => hub.close(),
  };
}

export type LiveModule = ReturnType<typeof createLiveModule>;
