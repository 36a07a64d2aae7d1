import { createBetService, type BetService } from '../../api/bets/bet-service.js';
import { isApiError, type ApiErrorCode } from '../../api/errors.js';
import { createMarketService } from '../../api/markets/market-service.js';
import { SandboxPaymentProvider } from '../../api/wallet/payment-provider.js';
import { createWalletService, type WalletService } from '../../api/wallet/wallet-service.js';
import { createBettingDb, type BettingDb } from './support/db.js';
import { admin, openMarket } from './support/fixtures.js';
import { sqlPlayerAccounts } from './support/sql-player-accounts.js';

const SECRET = 'sandbox-secret-for-tests-0123456789abcdef';

async function code(work: Promise<unknown>): Promise<ApiErrorCode> {
  try {
    await work;
  } catch (error) {
    if (isApiError(error)) return error.code;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('wallet and bets (real Postgres, kyc tables)', () => {
  let b: BettingDb;
  let wallet: WalletService;
  let bets: BetService;
  let sandbox: SandboxPaymentProvider;
  let clock: Date;
  const now = () => clock;
  beforeAll(async () => {
    b = await createBettingDb('api_wallet_bets', 60);
    sandbox = new SandboxPaymentProvider({ mode: 'instant', secret: SECRET });
    wallet = createWalletService({ pool: b.pool, players: sqlPlayerAccounts, provider: sandbox, now });
    bets = createBetService({ pool: b.pool, players: sqlPlayerAccounts, now });
  });
  beforeEach(() => {
    clock = new Date();
  });
  afterAll(async () => {
    expect(await b.ledgerTotal()).toBe(0n);
    await b.close();
  });

  describe('deposits and withdrawals', () => {
    it('credits an instant deposit once, within the rolling 7-day deposit limit', async () => {
      const player = await b.account({ weeklyDepositCents: 10_000 });
      expect(await wallet.deposit(player, 6_000n)).toMatchObject({ state: 'completed', amountCents: 6_000n });
      expect(await code(wallet.deposit(player, 4_001n))).toBe('DEPOSIT_LIMIT_EXCEEDED');
      await wallet.deposit(player, 4_000n);
      expect(await wallet.balance(player)).toBe(10_000n);
      clock = new Date(Date.now() + 7 * 24 * 3600_000 + 1000); // a week later the window has moved on
      await wallet.deposit(player, 10_000n);
      expect(await wallet.balance(player)).toBe(20_000n);
    });

    it('opens one wallet when the first deposits of a new player race', async () => {
      const player = await b.account();
      const done = await Promise.all(Array.from({ length: 8 }, () => wallet.deposit(player, 100n)));
      expect(done.every((p) => p.state === 'completed')).toBe(true);
      expect(await wallet.balance(player)).toBe(800n);
    });

    it('refuses deposits of suspended, closed and limit-less accounts, and of unknown ones', async () => {
      for (const o of [{ status: 'suspended' as const }, { status: 'closed' as const }, { weeklyDepositCents: null }]) {
        expect(await code(wallet.deposit(await b.account(o), 100n))).toBe('ACCOUNT_CANNOT_PLAY');
      }
      expect(await code(wallet.deposit('00000000-0000-4000-8000-000000000000', 100n))).toBe('ACCOUNT_CANNOT_PLAY');
      const { rows } = await b.pool.query("select count(*)::int as n from betting.payments where state <> 'completed'");
      expect(rows[0]).toEqual({ n: 0 });
    });

    it('confirms a webhook deposit exactly once, and counts it against the limit while pending', async () => {
      const hooked = new SandboxPaymentProvider({ mode: 'webhook', secret: SECRET });
      const w = createWalletService({ pool: b.pool, players: sqlPlayerAccounts, provider: hooked, now });
      const player = await b.account({ weeklyDepositCents: 5_000 });
      const pending = await w.deposit(player, 5_000n);
      expect(pending.state).toBe('pending');
      expect(await w.balance(player)).toBe(0n);
      expect(await code(w.deposit(player, 1n))).toBe('DEPOSIT_LIMIT_EXCEEDED');
      const results = await Promise.all([1, 2, 3].map(() => w.confirm(pending.id, 'completed')));
      expect(results.map((r) => r.state)).toEqual(['completed', 'completed', 'completed']);
      expect(await w.confirm(pending.id, 'failed')).toMatchObject({ state: 'completed' });
      expect(await w.balance(player)).toBe(5_000n);
    });

    it('blocks withdrawals until kyc allows them, pays out otherwise, and gives back a failed one', async () => {
      const blocked = await b.account();
      await wallet.deposit(blocked, 1_000n);
      expect(await code(wallet.withdraw(blocked, 500n))).toBe('WITHDRAWALS_NOT_ALLOWED');
      const player = await b.account({ withdrawalsAllowed: true });
      await wallet.deposit(player, 1_000n);
      expect(await code(wallet.withdraw(player, 1_001n))).toBe('INSUFFICIENT_FUNDS');
      expect(await wallet.withdraw(player, 400n)).toMatchObject({ state: 'completed' });
      sandbox.refuse = true;
      try {
        expect(await code(wallet.withdraw(player, 600n))).toBe('PAYMENT_FAILED');
      } finally {
        sandbox.refuse = false;
      }
      expect(await wallet.balance(player)).toBe(600n);
      const lines = await wallet.statement(player, { limit: 10 });
      expect(lines.map((l) => [l.kind, l.amountCents])).toEqual([
        ['withdrawal_reversal', 600n],
        ['withdrawal', -600n],
        ['withdrawal', -400n],
        ['deposit', 1_000n],
      ]);
    });
  });

  describe('placing bets', () => {
    async function funded(cents: bigint, o: Parameters<BettingDb['account']>[0] = {}) {
      const player = await b.account(o);
      await wallet.deposit(player, cents);
      return player;
    }

    it('moves the stake from the player to the market escrow in one balanced transaction', async () => {
      const market = await openMarket(b.pool);
      const player = await funded(5_000n);
      const placed = await bets.place(player, [{ marketId: market, selection: 'home', stakeCents: 1_200n }]);
      expect(placed.body.bets).toEqual([
        expect.objectContaining({ marketId: market, selection: 'home', stakeCents: 1_200, state: 'accepted' }),
      ]);
      expect(await wallet.balance(player)).toBe(3_800n);
      const { rows } = await b.pool.query<{ s: string }>(
        `select sum(e.amount_cents)::text as s from betting.ledger_entries e join betting.ledger_accounts a on a.id = e.account_id
          where a.kind = 'pool_escrow' and a.market_id = $1`,
        [market],
      );
      expect(rows[0]!.s).toBe('1200');
    });

    it('refuses each broken precondition with its code, writing nothing', async () => {
      const market = await openMarket(b.pool, { minStakeCents: 100n, maxStakeCents: 2_000n });
      const player = await funded(3_000n, { weeklyStakeCents: 2_500 });
      const before = (await b.pool.query<{ n: number }>('select count(*)::int as n from betting.bets')).rows[0]!.n;
      const one = (o: Partial<{ marketId: string; selection: string; stakeCents: bigint }>) => [
        { marketId: market, selection: 'draw', stakeCents: 500n, ...o },
      ];
      expect(await code(bets.place(player, one({ marketId: '999999' })))).toBe('MARKET_NOT_FOUND');
      expect(await code(bets.place(player, one({ selection: 'over' })))).toBe('SELECTION_NOT_FOUND');
      expect(await code(bets.place(player, one({ stakeCents: 99n })))).toBe('STAKE_OUT_OF_RANGE');
      expect(await code(bets.place(player, one({ stakeCents: 2_001n })))).toBe('STAKE_OUT_OF_RANGE');
      await bets.place(player, one({ stakeCents: 2_000n }));
      expect(await code(bets.place(player, one({ stakeCents: 501n })))).toBe('STAKE_LIMIT_EXCEEDED');
      const poor = await funded(200n);
      expect(await code(bets.place(poor, one({ stakeCents: 201n })))).toBe('INSUFFICIENT_FUNDS');
      expect(await code(bets.place(await b.account(), one({})))).toBe('INSUFFICIENT_FUNDS');
      const suspended = await funded(1_000n);
      await b.pool.query("update kyc.accounts set status = 'suspended' where id = $1", [suspended]);
      expect(await code(bets.place(suspended, one({})))).toBe('ACCOUNT_CANNOT_PLAY');
      const after = (await b.pool.query<{ n: number }>('select count(*)::int as n from betting.bets')).rows[0]!.n;
      expect(after - before).toBe(1);
    });

    it('refuses bets on a market that is not open, and at or after its cut-off', async () => {
      const markets = createMarketService({ pool: b.pool, now });
      const closesAt = new Date(Date.now() + 3600_000);
      const market = await openMarket(b.pool, { closesAt });
      const player = await funded(5_000n);
      const bet = [{ marketId: market, selection: 'away', stakeCents: 100n }];
      await markets.command(market, 'suspend', admin);
      expect(await code(bets.place(player, bet))).toBe('MARKET_NOT_OPEN');
      await markets.command(market, 'open', admin);
      clock = new Date(closesAt.getTime() - 1);
      await bets.place(player, bet);
      clock = closesAt;
      expect(await code(bets.place(player, bet))).toBe('MARKET_NOT_OPEN');
      expect(await code(markets.command(market, 'open', admin))).toBe('MARKET_TRANSITION_INVALID');
      await markets.command(market, 'close', admin);
      expect(await code(markets.command(market, 'open', admin))).toBe('MARKET_TRANSITION_INVALID');
      const audit = await b.pool.query<{ action: string }>(
        'select action from betting.audit_log where target = $1 order by id',
        [`market:${market}`],
      );
      expect(audit.rows.map((r) => r.action)).toEqual([
        'market.create',
        'market.open',
        'market.suspend',
        'market.open',
        'market.close',
      ]);
    });

    it('counts the weekly stake limit over 7 rolling days, batches included', async () => {
      const market = await openMarket(b.pool, { closesAt: new Date(Date.now() + 30 * 24 * 3600_000) });
      const player = await funded(10_000n, { weeklyStakeCents: 1_000 });
      const bet = (stakeCents: bigint) => [{ marketId: market, selection: 'home', stakeCents }];
      await bets.place(player, bet(600n));
      expect(await code(bets.place(player, [...bet(200n), ...bet(201n)]))).toBe('STAKE_LIMIT_EXCEEDED');
      await bets.place(player, [...bet(200n), ...bet(200n)]);
      expect(await code(bets.place(player, bet(100n)))).toBe('STAKE_LIMIT_EXCEEDED');
      clock = new Date(clock.getTime() + 7 * 24 * 3600_000 + 1);
      await bets.place(player, bet(1_000n));
      expect(await wallet.balance(player)).toBe(8_000n);
    });

    it('refuses a bet whose player is suspended while it waits for the kyc account row', async () => {
      const market = await openMarket(b.pool);
      const player = await funded(1_000n);
      const kyc = await b.pool.connect();
      try {
        await kyc.query('begin');
        await kyc.query("update kyc.accounts set status = 'suspended' where id = $1", [player]);
        const pending = code(bets.place(player, [{ marketId: market, selection: 'home', stakeCents: 100n }]));
        await new Promise((r) => setTimeout(r, 200)); // the bet now waits on the account row
        await kyc.query('commit');
        expect(await pending).toBe('ACCOUNT_CANNOT_PLAY');
      } finally {
        kyc.release();
      }
      expect(await wallet.balance(player)).toBe(1_000n);
    });

    it('closes markets whose cut-off has passed, once, with an audit entry', async () => {
      const closesAt = new Date(Date.now() + 3600_000);
      const due = await openMarket(b.pool, { closesAt });
      const later = await openMarket(b.pool, { closesAt: new Date(closesAt.getTime() + 60_000) });
      const sweeper = createMarketService({ pool: b.pool, now: () => closesAt });
      const closed = await sweeper.closeDueMarkets();
      expect(closed).toContain(due);
      expect(closed).not.toContain(later);
      expect(await sweeper.closeDueMarkets()).not.toContain(due);
      expect((await sweeper.market(due)).state).toBe('closed');
      const { rows } = await b.pool.query<{ actor: string }>(
        "select actor from betting.audit_log where target = $1 and action = 'market.close'",
        [`market:${due}`],
      );
      expect(rows).toEqual([{ actor: 'system:cut-off' }]);
    });

    it('places a batch of 200 bets over several markets atomically, and none when one fails', async () => {
      const m1 = await openMarket(b.pool);
      const m2 = await openMarket(b.pool, { runners: 8 });
      const player = await funded(100_000n);
      const batch = Array.from({ length: 200 }, (_, i) =>
        i % 2
          ? { marketId: m1, selection: 'home', stakeCents: 100n }
          : { marketId: m2, selection: String((i % 8) + 1), stakeCents: 150n },
      );
      const bad = [...batch.slice(0, 199), { marketId: m2, selection: '9', stakeCents: 100n }];
      expect(await code(bets.place(player, bad))).toBe('SELECTION_NOT_FOUND');
      expect(await wallet.balance(player)).toBe(100_000n);
      const placed = await bets.place(player, batch);
      expect(placed.body.bets).toHaveLength(200);
      expect(placed.body.bets.map((x) => x.marketId)).toEqual(batch.map((x) => x.marketId));
      expect(new Set(placed.body.bets.map((x) => x.id)).size).toBe(200);
      expect(await wallet.balance(player)).toBe(100_000n - 100n * 100n - 100n * 150n);
      expect(await code(bets.place(player, [...batch, batch[0]!]))).toBe('API_REQUEST_INVALID');
      const mine = await bets.myBets(player, { limit: 5 });
      expect(mine.map((x) => x.id)).toEqual(
        placed.body.bets
          .map((x) => x.id)
          .reverse()
          .slice(0, 5),
      );
      const next = await bets.myBets(player, { limit: 500, before: mine.at(-1)!.id });
      expect(next).toHaveLength(195);
    });

    it('never overdraws under 50 concurrent bets of one player', async () => {
      const market = await openMarket(b.pool);
      const player = await funded(1_000n);
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () =>
          bets.place(player, [{ marketId: market, selection: 'home', stakeCents: 100n }]),
        ),
      );
      const accepted = results.filter((r) => r.status === 'fulfilled').length;
      const refused = results.filter((r) => r.status === 'rejected').map((r) => (r.reason as { code?: string }).code);
      expect(accepted).toBe(10);
      expect(new Set(refused)).toEqual(new Set(['INSUFFICIENT_FUNDS']));
      expect(await wallet.balance(player)).toBe(0n);
    });

    it('makes a close wait for a bet in flight, so that no bet commits after the close', async () => {
      const markets = createMarketService({ pool: b.pool });
      const market = await openMarket(b.pool);
      const player = await funded(1_000n);
      const holder = await b.pool.connect();
      const order: string[] = [];
      try {
        // Hold the player's cash row: the bet passes its market check, then waits here.
        await holder.query('begin');
        await holder.query(
          "select 1 from betting.ledger_accounts where kind = 'player_cash' and player_id = $1 for update",
          [player],
        );
        const bet = bets
          .place(player, [{ marketId: market, selection: 'home', stakeCents: 100n }])
          .then(() => order.push('bet'));
        await new Promise((r) => setTimeout(r, 200));
        const close = markets.command(market, 'close', admin).then(() => order.push('close'));
        await new Promise((r) => setTimeout(r, 300));
        expect(order).toEqual([]); // the close waits for the bet in flight
        await holder.query('commit');
        await Promise.all([bet, close]);
        expect(order).toEqual(['bet', 'close']);
      } finally {
        holder.release();
      }
    });

    it('accepts no bet once a racing close has committed', async () => {
      const markets = createMarketService({ pool: b.pool });
      const market = await openMarket(b.pool);
      const players = await Promise.all(Array.from({ length: 10 }, () => funded(10_000n)));
      const attempts = players.flatMap((p) => Array.from({ length: 5 }, () => p));
      let atClose = -1;
      const count = async () =>
        (
          await b.pool.query<{ n: number }>('select count(*)::int as n from betting.bets where market_id = $1', [
            market,
          ])
        ).rows[0]!.n;
      const outcomes = await Promise.all([
        ...attempts.map(async (p, i) => {
          await new Promise((r) => setTimeout(r, i % 25));
          try {
            await bets.place(p, [{ marketId: market, selection: 'away', stakeCents: 100n }]);
            return { ok: true, at: Date.now() };
          } catch (error) {
            return { ok: false, code: (error as { code?: string }).code, at: Date.now() };
          }
        }),
        markets.command(market, 'close', admin).then(async () => {
          atClose = await count();
          return null;
        }),
      ]);
      const placed = outcomes.filter((o) => o?.ok).length;
      expect(outcomes.filter((o) => o && !o.ok).every((o) => o!.code === 'MARKET_NOT_OPEN')).toBe(true);
      expect(atClose).toBeGreaterThanOrEqual(0);
      expect(await code(bets.place(players[0]!, [{ marketId: market, selection: 'away', stakeCents: 100n }]))).toBe(
        'MARKET_NOT_OPEN',
      );
      const { rows } = await b.pool.query<{ n: number }>(
        'select count(*)::int as n from betting.bets where market_id = $1',
        [market],
      );
      expect(rows[0]!.n).toBe(placed);
    });
  });

  describe('Idempotency-Key', () => {
    const key = (k: string, body: string) => ({ key: k, fingerprint: Buffer.from(body.padEnd(32, '.')) });

    it('answers a replay with the first answer, refuses another body with the same key, and 409s a concurrent duplicate', async () => {
      const market = await openMarket(b.pool);
      const player = await b.account();
      await wallet.deposit(player, 10_000n);
      const bet = [{ marketId: market, selection: 'home', stakeCents: 100n }];
      const first = await bets.place(player, bet, key('k1', 'a'));
      const again = await bets.place(player, bet, key('k1', 'a'));
      expect(again).toEqual({ ...first, replayed: true });
      expect(await code(bets.place(player, bet, key('k1', 'b')))).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await wallet.balance(player)).toBe(9_900n);

      // A duplicate while the first request's transaction is still open: 409 at once, never a wait.
      const inFlight = await b.pool.connect();
      try {
        await inFlight.query('begin');
        await inFlight.query('select pg_advisory_xact_lock(hashtextextended($1, 7))', [
          `betting.idempotency:${player}:k2`,
        ]);
        expect(await code(bets.place(player, bet, key('k2', 'a')))).toBe('IDEMPOTENCY_KEY_IN_USE');
      } finally {
        await inFlight.query('rollback');
        inFlight.release();
      }
      const racing = await Promise.allSettled(Array.from({ length: 8 }, () => bets.place(player, bet, key('k3', 'a'))));
      const ok = racing.filter((r) => r.status === 'fulfilled');
      const codes = racing.filter((r) => r.status === 'rejected').map((r) => (r.reason as { code: string }).code);
      expect(codes.every((c) => c === 'IDEMPOTENCY_KEY_IN_USE')).toBe(true);
      const ids = new Set(ok.map((r) => r.value.body.bets[0]!.id));
      expect(ids.size).toBe(1);
      await bets.place(player, bet, key('k2', 'a'));
      expect(await wallet.balance(player)).toBe(9_700n);
    });
  });
});
