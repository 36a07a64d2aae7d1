/**
 * Live odds benchmark (issue 14): time from a bet's commit to the moment the LAST subscriber of its
 * market holds the new odds, with N WebSocket subscribers on loopback, on one API instance and on two
 * instances sharing Postgres and Redis (clients split over both; the bet always on the first).
 *
 * Processes (so that no process needs more than ~10k descriptors, and clients do not steal the
 * servers' event loop): this coordinator (database, market, players, rounds), one process per API
 * instance (test/api/support/live.ts: kyc's sessions, the API module with the live publisher, the
 * live module on its own HTTP server, Redis FanOut), and two client processes (`ws` clients).
 * A round: the client processes are told the pool to expect, one bet goes through POST /bets, the
 * instance's `betsPlaced` observer (called right after the commit) stamps t0; each client process
 * stamps the arrival of that pool on its last socket; latency = the latest stamp − t0 (same clock:
 * performance.timeOrigin + performance.now() in every process). Rounds are spaced by more than the
 * coalescing interval (250 ms), so each bet is a leading edge.
 *
 *   npm run bench:live                                   # 2,000 and 10,000 subscribers, 1 and 2 instances
 *   LIVE_BENCH_SUBSCRIBERS=2000 LIVE_BENCH_ROUNDS=50 LIVE_BENCH_INSTANCES=1 npm run bench:live
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';

const here = fileURLToPath(import.meta.url);
const clock = () => performance.timeOrigin + performance.now();
const ORIGIN = 'http://app.test';

type Msg = Record<string, unknown> & { type: string };

function send(child: ChildProcess | NodeJS.Process, msg: Msg): void {
  child.send!(msg);
}

function nextMessage(child: ChildProcess | NodeJS.Process, type: string): Promise<Msg> {
  return new Promise((resolve) => {
    const on = (m: Msg) => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
  });
}

// ---- role: one API instance ---------------------------------------------------------------
async function server(): Promise<void> {
  const { startLiveInstance } = await import('../test/api/support/live.js');
  const { createRedisEphemeral } = await import('../lib/ephemeral/index.js');
  const url = process.env.LIVE_BENCH_DB!;
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  pool.on('error', () => undefined);
  const redis = new Redis(process.env.LIVE_BENCH_REDIS!);
  const ephemeral = createRedisEphemeral(redis);
  const instance = await startLiveInstance({
    pool,
    ephemeral,
    redis,
    prefix: process.env.LIVE_BENCH_PREFIX!,
    limits: { heartbeatMs: 60_000 },
    observer: { betsPlaced: () => send(process, { type: 'commit', at: clock() }) },
  });
  process.on('message', (m: Msg) => {
    if (m.type === 'stats') send(process, { type: 'stats', ...instance.live.stats() });
    if (m.type === 'stop') {
      void instance
        .close()
        .then(() => ephemeral.close())
        .then(() => {
          redis.disconnect();
          return pool.end();
        })
        .then(() => process.exit(0));
    }
  });
  send(process, { type: 'ready', url: instance.url, wsUrl: instance.wsUrl });
}

// ---- role: the reference, a bare ws fan-out (no Redis, no read, no auth) -----------------------
async function bare(): Promise<void> {
  const { createServer } = await import('node:http');
  const { WebSocketServer } = await import('ws');
  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: '/live', perMessageDeflate: false });
  const sockets = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    ws.on('message', () => {
      sockets.add(ws);
      ws.send('{"type":"snapshot","channel":"market:1","data":{}}');
    });
    ws.on('close', () => sockets.delete(ws));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as { port: number }).port;
  process.on('message', (m: Msg) => {
    if (m.type === 'fire') {
      const at = clock();
      const frame = `{"type":"update","channel":"market:1","data":{"poolCents":${String(m.pool)},"selections":[]}}`;
      for (const ws of sockets) ws.send(frame);
      send(process, { type: 'commit', at });
    }
    if (m.type === 'stop') {
      for (const ws of sockets) ws.terminate();
      http.close();
      process.exit(0);
    }
  });
  send(process, { type: 'ready', url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/live` });
}

// ---- role: a process of WebSocket clients ----------------------------------------------------
async function clients(): Promise<void> {
  const urls = process.env.LIVE_BENCH_WS!.split(',');
  const count = Number(process.env.LIVE_BENCH_COUNT);
  const channel = `market:${process.env.LIVE_BENCH_MARKET!}`;
  const subscribe = JSON.stringify({ type: 'subscribe', channel });
  let marker = '';
  let remaining = 0;
  let lastAt = 0;
  let round = -1;
  const got = new Uint32Array(count);
  const sockets: WebSocket[] = [];
  const open = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(urls[i % urls.length]!, { origin: ORIGIN, perMessageDeflate: false });
      sockets.push(ws);
      ws.on('error', reject);
      ws.on('message', (data: Buffer) => {
        const text = data.toString('latin1');
        if (text.startsWith('{"type":"snapshot"')) return resolve();
        if (round >= 0 && got[i] !== round + 1 && text.includes(marker)) {
          got[i] = round + 1;
          remaining -= 1;
          lastAt = clock();
          if (remaining === 0) send(process, { type: 'done', round, lastAt });
        }
      });
      ws.on('open', () => ws.send(subscribe));
    });
  // Bounded concurrency of handshakes (the listen backlog is finite).
  let next = 0;
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (next < count) await open(next++);
    }),
  );
  process.on('message', (m: Msg) => {
    if (m.type === 'expect') {
      round = m.round as number;
      marker = `"poolCents":${String(m.pool)},"selections"`;
      remaining = count;
      send(process, { type: 'expecting', round });
    }
    if (m.type === 'stop') {
      for (const ws of sockets) ws.terminate();
      process.exit(0);
    }
  });
  send(process, { type: 'ready' });
}

// ---- coordinator ------------------------------------------------------------------------------
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

/** A funded, signed-in player (through the instance's HTTP API): the headers of its bets. */
async function fundedPlayer(pool: pg.Pool, api: string): Promise<Record<string, string>> {
  const { rows } = await pool.query<{ id: string }>(
    `with a as (insert into kyc.accounts (assurance_level, status, withdrawals_allowed) values ('eidas1', 'active', false) returning id),
          l as (insert into kyc.limits (account_id, weekly_deposit_cents, weekly_stake_cents, updated_at) select id, 100000000, 100000000, now() from a)
     select id from a`,
  );
  const signIn = await fetch(`${api}/test/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ player: rows[0]!.id }),
  });
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  const headers = { 'content-type': 'application/json', cookie, origin: ORIGIN };
  const deposit = await fetch(`${api}/me/deposits`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ amountCents: 50_000_000 }),
  });
  if (deposit.status !== 201) throw new Error(`deposit failed: ${deposit.status}`);

  return headers;
}

async function run(config: {
  db: string;
  redis: string;
  prefix: string;
  instances: number;
  subscribers: number;
  rounds: number;
  /** The reference: a bare ws server broadcasting a frame (t0 = the start of its send loop). */
  bare?: boolean;
}): Promise<{ p50: number; p99: number; max: number; missed: number; setupS: number }> {
  const started = clock();
  const env = {
    ...process.env,
    LIVE_BENCH_DB: config.db,
    LIVE_BENCH_REDIS: config.redis,
    LIVE_BENCH_PREFIX: config.prefix,
  };
  const forkRole = (role: string, extra: Record<string, string> = {}) =>
    fork(here, [role], { env: { ...env, ...extra }, execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const servers = Array.from({ length: config.instances }, () => forkRole(config.bare ? 'bare' : 'server'));
  const ready = await Promise.all(servers.map((s) => nextMessage(s, 'ready')));
  const api = ready[0]!.url as string;
  const wsUrls = ready.map((r) => r.wsUrl as string);

  // A market and a funded, signed-in player (through the first instance's HTTP API).
  const { openMarket } = await import('../test/api/support/fixtures.js');
  const pool = new pg.Pool({ connectionString: config.db, max: 4 });
  const marketId = await openMarket(pool, { maxStakeCents: 1_000_000_000n });
  let headers: Record<string, string> = {};
  if (!config.bare) headers = await fundedPlayer(pool, api);
  const half = Math.ceil(config.subscribers / 2);
  const clientProcs = [half, config.subscribers - half].map((count, k) =>
    forkRole('clients', {
      // Clients spread over every instance (each process round-robins over the URLs).
      LIVE_BENCH_WS: (k === 0 ? wsUrls : [...wsUrls].reverse()).join(','),
      LIVE_BENCH_COUNT: String(count),
      LIVE_BENCH_MARKET: marketId,
    }),
  );
  await Promise.all(clientProcs.map((c) => nextMessage(c, 'ready')));
  const setupS = (clock() - started) / 1000;

  const latencies: number[] = [];
  let missed = 0;
  let pool_ = 0;
  for (let r = 0; r < config.rounds; r++) {
    const roundStart = clock();
    const stake = 100 + (r % 7);
    pool_ += stake;
    await Promise.all(
      clientProcs.map((c) => {
        const ack = nextMessage(c, 'expecting');
        send(c, { type: 'expect', round: r, pool: pool_ });
        return ack;
      }),
    );
    const commit = nextMessage(servers[0]!, 'commit');
    const done = clientProcs.map((c) => nextMessage(c, 'done'));
    if (config.bare) send(servers[0]!, { type: 'fire', pool: pool_ });
    else {
      const res = await fetch(`${api}/bets`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': `"${crypto.randomUUID()}"` },
        body: JSON.stringify({ marketId, selection: ['home', 'draw', 'away'][r % 3], stakeCents: stake }),
      });
      if (res.status !== 201) throw new Error(`bet refused: ${res.status} ${await res.text()}`);
    }
    const t0 = (await commit).at as number;
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
    const outcome = await Promise.race([Promise.all(done), timeout]);
    if (outcome === 'timeout') {
      missed += 1;
      throw new Error(`round ${r}: not every subscriber got the update within 10 s`);
    }
    latencies.push(Math.max(...outcome.map((d) => d.lastAt as number)) - t0);
    const wait = 300 - (clock() - roundStart);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  for (const c of [...clientProcs, ...servers]) {
    const exited = once(c, 'exit');
    send(c, { type: 'stop' });
    await exited;
  }
  await pool.end();
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1)!,
    missed,
    setupS,
  };
}

async function coordinator(): Promise<void> {
  const { migrateApi } = await import('../api/index.js');
  const { migrateKyc } = await import('../kyc/index.js');
  const { createTestDatabase, testRedisPrefix, testRedisUrl } = await import('../test/support/services.js');
  const db = await createTestDatabase('bench_live');
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  await migrateKyc(pool);
  await migrateApi(pool);
  await pool.end();
  const subscribers = (process.env.LIVE_BENCH_SUBSCRIBERS ?? '2000,10000').split(',').map(Number);
  const instances = (process.env.LIVE_BENCH_INSTANCES ?? '1,2').split(',').map(Number);
  const rounds = Number(process.env.LIVE_BENCH_ROUNDS ?? 100);
  const rowsOut: string[] = [];
  try {
    // Side by side in one run (the machine is shared): the bare ws reference, then the live module.
    for (const n of [0, ...instances]) {
      for (const subs of subscribers) {
        const prefix = testRedisPrefix('bench_live');
        const r = await run({
          db: db.url,
          redis: testRedisUrl(),
          prefix,
          instances: Math.max(n, 1),
          subscribers: subs,
          rounds,
          bare: n === 0,
        });
        const line = `| ${n === 0 ? 'bare ws (reference)' : String(n)} | ${subs.toLocaleString('en')} | ${rounds} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.max.toFixed(1)} ms | ${r.setupS.toFixed(1)} s |`;
        rowsOut.push(line);
        process.stdout.write(`${line}\n`);
      }
    }
  } finally {
    await db.drop();
  }
  process.stdout.write(
    `\n| Instances | Subscribers | Rounds | p50 | p99 | max | set-up |\n|---|---|---|---|---|---|---|\n${rowsOut.join('\n')}\n`,
  );
  process.stdout.write(
    `node ${process.version}, load average ${(await import('node:os'))
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n`,
  );
}

const role = process.argv[2];
if (role === 'bare') await bare();
else if (role === 'server') await server();
else if (role === 'clients') await clients();
else await coordinator();
