import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ResultStatus } from '../../oracle/index.js';
import { packSignatures, resultMessage, type Result } from '../../oracle/result.js';
import type { Contract, ContractTransactionResponse } from 'ethers';
import { loadApiConfig } from '../../api/config.js';
import { createApiProcess, createSettlerProcess } from '../../api/process.js';
import { createBetService } from '../../api/bets/bet-service.js';
import { createMarketService } from '../../api/markets/market-service.js';
import { SandboxPaymentProvider } from '../../api/wallet/payment-provider.js';
import { createWalletService } from '../../api/wallet/wallet-service.js';
import {
  ATTESTERS,
  DISPUTE_WINDOW,
  createWorld,
  elapse,
  makeIndexer,
  makeResult,
  sign,
  type OracleWorld,
} from '../oracle/chain/harness.js';
import { testRedisUrl } from '../support/services.js';
import { bettingDbOn, type BettingDb } from './support/db.js';
import { admin } from './support/fixtures.js';
import { processEnv } from './support/process-env.js';
import { sqlPlayerAccounts } from './support/sql-player-accounts.js';

const sink = () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, stream) };
};

const until = async (what: string, check: () => Promise<boolean>) => {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** The composition root's processes (api/process.ts) on real Postgres, Redis and a Hardhat node. */
describe('api and settler processes (real Postgres, Redis, Hardhat node)', () => {
  let world: OracleWorld;
  let b: BettingDb;
  const env = (extra: Record<string, string> = {}) =>
    processEnv({
      databaseUrl: world.db.url,
      rpcUrl: world.node.url,
      oracleAddress: world.address,
      redisUrl: testRedisUrl(),
      extra,
    });

  beforeAll(async () => {
    world = await createWorld('api_process');
    b = await bettingDbOn(world.db);
  });
  afterAll(async () => {
    expect(await b.ledgerTotal()).toBe(0n);
    await b.pool.end();
    await world.close();
  });

  it('api: health with Postgres, Redis and the RPC; request ids in JSON logs; per-IP limit; /metrics', async () => {
    const { lines, logger } = sink();
    const api = await createApiProcess(loadApiConfig(env({ API_RATE_LIMIT_IP: '8/60' }), 'api'), { logger });
    try {
      const live = await fetch(`${api.url}/health/live`);
      expect(live.status).toBe(200);
      const ready = await fetch(`${api.url}/health/ready`);
      expect(await ready.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok', rpc: 'ok' } });
      const events = await fetch(`${api.url}/events`, { headers: { 'x-request-id': 'req-test-0001' } });
      expect(events.status).toBe(200);
      expect(events.headers.get('x-request-id')).toBe('req-test-0001');
      expect(lines).toContainEqual(
        expect.objectContaining({ event: 'api.request', requestId: 'req-test-0001', status: 200, path: '/events' }),
      );
      // A player route without a session: kyc's 401, counted by code.
      const me = await fetch(`${api.url}/me/balance`);
      expect(me.status).toBe(401);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await fetch(`${api.url}/health/live`)).status);
      expect(statuses.slice(-2)).toEqual([429, 429]);
      const limited = await fetch(`${api.url}/events`);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.json()).toMatchObject({ code: 'API_RATE_LIMITED', status: 429 });
      const text = await api.metrics.registry.metrics();
      expect(text).toMatch(/verdict_rejections_total\{code="API_RATE_LIMITED"\} [1-9]/);
      expect(text).toMatch(/verdict_rejections_total\{code="KYC_NOT_AUTHENTICATED"\} 1/);
      expect(text).toMatch(/verdict_open_bets \d+/);
      expect(text).toMatch(/verdict_bets_placed_total 0/);
    } finally {
      await api.close();
    }
  });

  it('settler: settles a final result, sweeps cut-offs, purges expired Idempotency-Keys, stops on close', async () => {
    const { lines, logger } = sink();
    const settlerProcess = await createSettlerProcess(
      loadApiConfig(env({ SETTLER_POLL_MS: '100', SETTLER_SWEEP_MS: '100' }), 'settler'),
      { logger },
    );
    try {
      const markets = createMarketService({ pool: b.pool });
      const wallet = createWalletService({
        pool: b.pool,
        players: sqlPlayerAccounts,
        provider: new SandboxPaymentProvider({ mode: 'instant', secret: 'x'.repeat(32) }),
      });
      const bets = createBetService({ pool: b.pool, players: sqlPlayerAccounts });
      const result: Result = await makeResult(world, 'process/settled', { values: [1, 1] });
      const closesAt = new Date(Date.now() + 1_500);
      const event = await markets.createEvent(
        {
          oracleEventId: result.eventId,
          schema: 'football.match/v1',
          name: 'A v B',
          startsAt: new Date(Date.now() + 3600_000),
        },
        admin,
      );
      const market = await markets.createMarket(
        event.id,
        {
          definition: { type: 'match-winner' },
          closesAt,
          takeoutBps: 1000,
          minStakeCents: 100n,
          maxStakeCents: 100_000n,
        },
        admin,
      );
      await markets.command(market.id, 'open', admin);
      const [p1, p2] = [await b.account(), await b.account()];
      await wallet.deposit(p1, 10_000n);
      await wallet.deposit(p2, 10_000n);
      await bets.place(p1, [{ marketId: market.id, selection: 'draw', stakeCents: 3_000n }]);
      await bets.place(p2, [{ marketId: market.id, selection: 'home', stakeCents: 7_000n }]);
      await b.pool.query(
        `insert into betting.idempotency_keys (player_id, key, fingerprint, status, response, created_at)
         values ($1, 'old', '\\x00', 201, '{}', now() - interval '73 hours'), ($1, 'fresh', '\\x00', 201, '{}', now())`,
        [p1],
      );
      // The sweep writes closed once the cut-off passes (audited system:cut-off).
      await until('the cut-off sweep', async () => {
        const { rows } = await b.pool.query<{ state: string }>('select state from betting.markets where id = $1', [
          market.id,
        ]);
        return rows[0]!.state === 'closed';
      });
      const keys = await b.pool.query<{ key: string }>(
        'select key from betting.idempotency_keys where player_id = $1',
        [p1],
      );
      expect(keys.rows.map((r) => r.key)).toEqual(['fresh']);

      const signed = await sign(world, result, [1, 2, 3]);
      const relayer = world.oracle.connect(world.node.wallet(8)) as Contract;
      const tx = (await relayer.getFunction('propose')(
        resultMessage(result),
        packSignatures(
          ATTESTERS.map((i) => world.node.wallet(i).address),
          signed,
        ),
      )) as ContractTransactionResponse;
      await tx.wait();
      await elapse(world, DISPUTE_WINDOW + 1);
      await makeIndexer(world).tick();
      await until('the settlement', async () => (await wallet.balance(p1)) > 7_000n);
      // 1-1: draw. Pool 10,000, net 9,000; p1 alone on the draw: 3,000 → dividend 300 → 9,000.
      expect(await wallet.balance(p1)).toBe(7_000n + 9_000n);
      expect(await wallet.balance(p2)).toBe(3_000n);
      const metrics = await (await fetch(`${settlerProcess.url}/metrics`)).text();
      expect(metrics).toMatch(/verdict_settlement_runs_total\{kind="paid"\} 1/);
      expect(metrics).toMatch(/verdict_settlement_duration_seconds_count 1/);
      const ready = await fetch(`${settlerProcess.url}/health/ready`);
      expect(await ready.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', rpc: 'ok' } });
      expect(lines).toContainEqual(expect.objectContaining({ event: 'settler.market_settled', marketId: market.id }));
      expect(result.status).toBe(ResultStatus.Completed);
    } finally {
      await settlerProcess.close();
    }
    // Closed: no LISTEN connection and no pool left behind.
    const { rows } = await b.pool.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen%'`,
    );
    expect(rows[0]!.n).toBe(0);
  });

  /** `npm run settler` as a child process (the script's command line). */
  const run = (extra: Record<string, string | undefined>) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts', 'settler'], {
      env: { PATH: process.env.PATH, ...env({ SETTLER_POLL_MS: '100' }), ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, exited, output: () => out };
  };
  it('npm run settler: a bad configuration exits 2 naming every variable; SIGTERM exits 0 after stopping', async () => {
    const bad = run({ ORACLE_ADDRESS: 'nope', SETTLER_POLL_MS: '1', PAYMENTS_WEBHOOK_SECRET: 'short' });
    expect(await bad.exited).toBe(2);
    for (const name of ['ORACLE_ADDRESS', 'SETTLER_POLL_MS', 'PAYMENTS_WEBHOOK_SECRET']) {
      expect(bad.output()).toContain(name);
    }
    const good = run({});
    await until('the settler to start', () => Promise.resolve(good.output().includes('settler running')));
    good.child.kill('SIGTERM');
    expect(await good.exited).toBe(0);
    expect(good.output()).toContain('"event":"process.shutdown"');
  });

  it('npm run settler killed (SIGKILL) in the middle of a market: nothing of it commits; restarted, every bet settled once', async () => {
    const markets = createMarketService({ pool: b.pool });
    const wallet = createWalletService({
      pool: b.pool,
      players: sqlPlayerAccounts,
      provider: new SandboxPaymentProvider({ mode: 'instant', secret: 'x'.repeat(32) }),
    });
    const bets = createBetService({ pool: b.pool, players: sqlPlayerAccounts });
    const result: Result = await makeResult(world, 'process/killed', { values: [2, 0] });
    const event = await markets.createEvent(
      {
        oracleEventId: result.eventId,
        schema: 'football.match/v1',
        name: 'C v D',
        startsAt: new Date(Date.now() + 3600_000),
      },
      admin,
    );
    const market = await markets.createMarket(
      event.id,
      {
        definition: { type: 'match-winner' },
        closesAt: new Date(Date.now() + 1800_000),
        takeoutBps: 0,
        minStakeCents: 100n,
        maxStakeCents: 100_000n,
      },
      admin,
    );
    await markets.command(market.id, 'open', admin);
    const players = [await b.account(), await b.account(), await b.account()];
    for (const p of players) await wallet.deposit(p, 10_000n);
    await bets.place(players[0]!, [{ marketId: market.id, selection: 'home', stakeCents: 1_000n }]);
    await bets.place(players[1]!, [{ marketId: market.id, selection: 'home', stakeCents: 3_000n }]);
    await bets.place(players[2]!, [{ marketId: market.id, selection: 'away', stakeCents: 4_000n }]);
    await markets.command(market.id, 'close', admin);
    const signed = await sign(world, result, [1, 2, 3]);
    const relayer = world.oracle.connect(world.node.wallet(8)) as Contract;
    const tx = (await relayer.getFunction('propose')(
      resultMessage(result),
      packSignatures(
        ATTESTERS.map((i) => world.node.wallet(i).address),
        signed,
      ),
    )) as ContractTransactionResponse;
    await tx.wait();
    await elapse(world, DISPUTE_WINDOW + 1);
    await makeIndexer(world).tick();

    // Hold a winner's cash row: the settler's market transaction blocks at its ledger entries.
    const holder = await b.pool.connect();
    await holder.query('begin');
    await holder.query(
      `select 1 from betting.ledger_accounts where kind = 'player_cash' and player_id = $1 for update`,
      [players[1]],
    );
    const first = run({ SETTLER_POLL_MS: '100' });
    try {
      await until('the settler to block inside the market', async () => {
        const { rows } = await b.pool.query(
          `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%settled as%'`,
        );
        return rows.length > 0;
      });
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull(); // killed, no exit code
    } finally {
      await holder.query('rollback');
      holder.release();
    }
    // The orphaned backend finishes its statement, finds no COMMIT, rolls back.
    await until("the killed settler's backend to leave", async () => {
      const { rows } = await b.pool.query(
        `select 1 from pg_stat_activity where datname = current_database() and query like '%settled as%' and pid <> pg_backend_pid()`,
      );
      return rows.length === 0;
    });
    const none = await b.pool.query('select 1 from betting.settlements where market_id = $1', [market.id]);
    expect(none.rowCount).toBe(0);

    const second = run({ SETTLER_POLL_MS: '100' });
    try {
      await until('the restarted settler to settle', async () => (await wallet.balance(players[1]!)) > 7_000n);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
    // 2-0, no takeout: pool 8,000 to the home stake 4,000 → dividend 200: 2,000 and 6,000.
    expect(await wallet.balance(players[0]!)).toBe(9_000n + 2_000n);
    expect(await wallet.balance(players[1]!)).toBe(7_000n + 6_000n);
    expect(await wallet.balance(players[2]!)).toBe(6_000n);
    const settled = await b.pool.query<{ n: number; open: number }>(
      `select (select count(*)::int from betting.settlements where market_id = $1) as n,
              (select count(*)::int from betting.bets where market_id = $1 and state = 'accepted') as open`,
      [market.id],
    );
    expect(settled.rows[0]).toEqual({ n: 1, open: 0 });
    expect(await b.ledgerTotal()).toBe(0n);
  });
});
