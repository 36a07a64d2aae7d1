import { createBetService, type BetService } from '../../api/bets/bet-service.js';
import { isApiError } from '../../api/errors.js';
import { createMarketService } from '../../api/markets/market-service.js';
import { SandboxPaymentProvider } from '../../api/wallet/payment-provider.js';
import { createWalletService, type WalletService } from '../../api/wallet/wallet-service.js';
import { createBettingDb, type BettingDb } from './support/db.js';
import { admin, openMarket } from './support/fixtures.js';
import { sqlPlayerAccounts } from './support/sql-player-accounts.js';

const SECRET = 'sandbox-secret-for-tests-0123456789abcdef';

/** The code of each outcome: 'ok' or the ApiError code (anything else fails the test). */
async function outcomes(work: Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(work);
  return settled.map((s) => {
    if (s.status === 'fulfilled') return 'ok';
    if (isApiError(s.reason)) return s.reason.code;
    throw s.reason;
  });
}

describe('group commit of bet placements (real Postgres)', () => {
  let b: BettingDb;
  let wallet: WalletService;
  let bets: BetService;
  let clock: Date;
  const now = () => clock;
  const retried: unknown[] = [];
  const funded = async (cents: bigint, o: Parameters<BettingDb['account']>[0] = {}) => {
    const player = await b.account(o);
    await wallet.deposit(player, cents);
    return player;
  };
  /** Database transactions the bets of a market were written in (fewer than the bets: grouped). */
  const transactionsOf = async (market: string) =>
    (
      await b.pool.query<{ n: number }>(
        `select count(distinct t.xact_id)::int as n from betting.bets x
           join betting.ledger_transactions t on t.id = x.ledger_tx_id where x.market_id = $1`,
        [market],
      )
    ).rows[0]!.n;
  const count = async (market: string) =>
    (await b.pool.query<{ n: number }>('select count(*)::int as n from betting.bets where market_id = $1', [market]))
      .rows[0]!.n;

  beforeAll(async () => {
    b = await createBettingDb('api_group_commit', 20);
    const sandbox = new SandboxPaymentProvider({ mode: 'instant', secret: SECRET });
    wallet = createWalletService({ pool: b.pool, players: sqlPlayerAccounts, provider: sandbox, now });
    // One connection: every placement that arrives while a group runs goes into the next group.
    bets = createBetService({
      pool: b.pool,
      players: sqlPlayerAccounts,
      now,
      groupCommit: { maxGroup: 64, connections: 1, onGroupRetry: (error) => retried.push(error) },
    });
  });
  beforeEach(() => {
    clock = new Date();
  });
  afterEach(() => {
    // Every group applied set-based: none fell back to one transaction per placement.
    expect(retried).toEqual([]);
  });
  afterAll(async () => {
    expect(await b.ledgerTotal()).toBe(0n);
    const { rows } = await b.pool.query<{ n: number }>(
      "select count(*)::int as n from betting.ledger_accounts where kind = 'player_cash' and balance_cents < 0",
    );
    expect(rows[0]!.n).toBe(0);
    await b.close();
  });

  it('places concurrent bets of many players in shared transactions, each answered with its own bet', async () => {
    const market = await openMarket(b.pool);
    const players = await Promise.all(Array.from({ length: 20 }, () => funded(1_000n)));
    const placed = await Promise.all(
      players.map((p, i) => bets.place(p, [{ marketId: market, selection: 'home', stakeCents: BigInt(100 + i) }])),
    );
    expect(placed.map((p) => p.body.bets[0]!.stakeCents)).toEqual(players.map((_, i) => 100 + i));
    expect(new Set(placed.map((p) => p.body.bets[0]!.id)).size).toBe(20);
    expect(await transactionsOf(market)).toBeLessThan(20);
    for (const [i, p] of players.entries()) expect(await wallet.balance(p)).toBe(BigInt(900 - i));
  });

  it('refuses a failing bet without failing its neighbours in the group', async () => {
    const market = await openMarket(b.pool, { minStakeCents: 100n, maxStakeCents: 2_000n });
    const good = await Promise.all(Array.from({ length: 6 }, () => funded(5_000n)));
    const poor = await funded(150n);
    const limited = await funded(5_000n, { weeklyStakeCents: 300 });
    const suspended = await funded(1_000n);
    await b.pool.query("update kyc.accounts set status = 'suspended' where id = $1", [suspended]);
    const bet = (stakeCents: bigint, o: { marketId?: string; selection?: string } = {}) => [
      { marketId: o.marketId ?? market, selection: o.selection ?? 'draw', stakeCents },
    ];
    const codes = await outcomes([
      bets.place(good[0]!, bet(500n)),
      bets.place(poor, bet(200n)),
      bets.place(good[1]!, bet(500n)),
      bets.place(good[2]!, bet(500n, { marketId: '999999' })),
      bets.place(good[3]!, bet(500n, { selection: 'over' })),
      bets.place(good[4]!, bet(2_001n)),
      bets.place(limited, bet(301n)),
      bets.place(suspended, bet(100n)),
      bets.place(good[5]!, bet(500n)),
    ]);
    expect(codes).toEqual([
      'ok',
      'INSUFFICIENT_FUNDS',
      'ok',
      'MARKET_NOT_FOUND',
      'SELECTION_NOT_FOUND',
      'STAKE_OUT_OF_RANGE',
      'STAKE_LIMIT_EXCEEDED',
      'ACCOUNT_CANNOT_PLAY',
      'ok',
    ]);
    expect(await count(market)).toBe(3);
    expect(await wallet.balance(poor)).toBe(150n);
    expect(await wallet.balance(good[2]!)).toBe(5_000n);
  });

  it('never overdraws and keeps the weekly stake limit when one player has many bets in one group', async () => {
    const market = await openMarket(b.pool);
    const player = await funded(1_000n);
    const codes = await outcomes(
      Array.from({ length: 30 }, () => bets.place(player, [{ marketId: market, selection: 'home', stakeCents: 100n }])),
    );
    expect(codes.filter((c) => c === 'ok')).toHaveLength(10);
    expect(new Set(codes.filter((c) => c !== 'ok'))).toEqual(new Set(['INSUFFICIENT_FUNDS']));
    expect(await wallet.balance(player)).toBe(0n);

    const limited = await funded(10_000n, { weeklyStakeCents: 700 });
    const limitCodes = await outcomes(
      Array.from({ length: 20 }, () =>
        bets.place(limited, [{ marketId: market, selection: 'away', stakeCents: 100n }]),
      ),
    );
    expect(limitCodes.filter((c) => c === 'ok')).toHaveLength(7);
    expect(new Set(limitCodes.filter((c) => c !== 'ok'))).toEqual(new Set(['STAKE_LIMIT_EXCEEDED']));
    expect(await wallet.balance(limited)).toBe(9_300n);
  });

  it('answers a replay with the first answer, refuses another body, and 409s a duplicate in the same group', async () => {
    const market = await openMarket(b.pool);
    const player = await funded(10_000n);
    const key = (k: string, body: string) => ({ key: k, fingerprint: Buffer.from(body.padEnd(32, '.')) });
    const bet = [{ marketId: market, selection: 'home', stakeCents: 100n }];
    // Keep the single connection busy so that the racing duplicates land in one group.
    const filler = await funded(10_000n);
    const settled = await Promise.allSettled([
      bets.place(filler, bet),
      ...Array.from({ length: 6 }, () => bets.place(player, bet, key('g1', 'a'))),
    ]);
    const ok = settled.slice(1).filter((s) => s.status === 'fulfilled');
    const refused = settled
      .slice(1)
      .filter((s) => s.status === 'rejected')
      .map((s) => (s.reason as { code?: string }).code);
    expect(new Set(ok.map((s) => s.value.body.bets[0]!.id)).size).toBe(1);
    expect(refused.every((c) => c === 'IDEMPOTENCY_KEY_IN_USE')).toBe(true);
    expect(await wallet.balance(player)).toBe(9_900n);
    const first = ok[0]!.value;
    const again = await bets.place(player, bet, key('g1', 'a'));
    expect(again).toEqual({ ...first, replayed: true });
    expect((await outcomes([bets.place(player, bet, key('g1', 'b'))]))[0]).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await wallet.balance(player)).toBe(9_900n);
  });

  it('refuses bets at or after the cut-off and on a closed market, and a close waits for the group in flight', async () => {
    const markets = createMarketService({ pool: b.pool });
    const closesAt = new Date(Date.now() + 3600_000);
    const market = await openMarket(b.pool, { closesAt });
    const player = await funded(10_000n);
    const bet = [{ marketId: market, selection: 'home', stakeCents: 100n }];
    clock = new Date(closesAt.getTime() - 1);
    expect(await outcomes([bets.place(player, bet)])).toEqual(['ok']);
    clock = closesAt;
    expect(await outcomes([bets.place(player, bet), bets.place(player, bet)])).toEqual([
      'MARKET_NOT_OPEN',
      'MARKET_NOT_OPEN',
    ]);
    clock = new Date();
    const racing = Array.from({ length: 20 }, () => bets.place(player, bet));
    const close = markets.command(market, 'close', admin);
    const codes = await outcomes(racing);
    await close;
    expect(codes.every((c) => c === 'ok' || c === 'MARKET_NOT_OPEN')).toBe(true);
    const placedBeforeClose = await count(market);
    expect(placedBeforeClose).toBe(1 + codes.filter((c) => c === 'ok').length);
    expect(await outcomes([bets.place(player, bet)])).toEqual(['MARKET_NOT_OPEN']);
    expect(await count(market)).toBe(placedBeforeClose);
  });

  it('places an atomic batch as one unit of a group', async () => {
    const m1 = await openMarket(b.pool);
    const m2 = await openMarket(b.pool);
    const player = await funded(1_000n);
    const codes = await outcomes([
      bets.place(player, [
        { marketId: m1, selection: 'home', stakeCents: 300n },
        { marketId: m2, selection: 'away', stakeCents: 300n },
      ]),
      bets.place(player, [
        { marketId: m1, selection: 'home', stakeCents: 300n },
        { marketId: m2, selection: 'nope', stakeCents: 100n },
      ]),
      bets.place(player, [
        { marketId: m1, selection: 'draw', stakeCents: 300n },
        { marketId: m2, selection: 'draw', stakeCents: 300n },
      ]),
    ]);
    expect(codes).toEqual(['ok', 'SELECTION_NOT_FOUND', 'INSUFFICIENT_FUNDS']);
    expect(await wallet.balance(player)).toBe(400n);
    expect((await count(m1)) + (await count(m2))).toBe(2);
  });
});
