import { withTransaction, type Db, type TransactionPool } from '../../lib/db/transaction.js';
import { assertCanPlay, limitCents, WEEK_MS } from '../account-checks.js';
import { ApiError } from '../errors.js';
import { claimKey, fromKeyConflict, storeKey, type IdempotencyKey } from '../idempotency.js';
import { postTransaction } from '../ledger/ledger.js';
import { lockMarketsShared } from '../markets/market-lock.js';
import type { PoolCache } from '../markets/pool-cache.js';
import type { PlayerAccounts } from '../ports.js';

/** Most bets one batch request may place (as Betfair's placeOrders). */
export const MAX_BATCH = 200;

/** A bet to place: the selection by its code (`home`, `over`, `3`…). */
export interface BetRequest {
  readonly marketId: string;
  readonly selection: string;
  readonly stakeCents: bigint;
}

/** A bet as the player sees it (JSON-ready: stored as is for idempotent replays). */
export interface BetView {
  readonly id: string;
  readonly marketId: string;
  readonly selection: string;
  readonly stakeCents: number;
  readonly placedAt: string;
  readonly state: 'accepted' | 'won' | 'lost' | 'refunded';
  readonly payoutCents: number | null;
  readonly settlementId: string | null;
}

/** The answer to a placement; `replayed` when it is the stored answer of an earlier request. */
export interface Placement {
  readonly status: number;
  readonly body: { readonly bets: readonly BetView[] };
  readonly replayed: boolean;
}

export type { IdempotencyKey } from '../idempotency.js';

export interface BetServiceDeps {
  readonly pool: TransactionPool & Db;
  readonly players: PlayerAccounts;
  readonly cache?: PoolCache | undefined;
  readonly now?: () => Date;
  /** Told about a cache failure after commit (the bet stands; the counter heals on expiry). */
  readonly onCacheError?: (error: unknown) => void;
}

interface MarketLockRow {
  id: string;
  state: string;
  closes_at: Date;
  min_stake_cents: string;
  max_stake_cents: string;
  escrow: string;
}

/**
 * Places bets. One Postgres transaction per request, taking rows in a fixed order: the
 * idempotency key (advisory lock, never waited for), the kyc account (share), the markets
 * (shared advisory lock, ascending id), the player's cash row (no key update). The stake moves from the player's
 * cash to each market's escrow in one balanced ledger transaction; no shared row is updated.
 */
export function createBetService(deps: BetServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const { pool, players } = deps;

  async function place(
    playerId: string,
    requests: readonly BetRequest[],
    idempotency?: IdempotencyKey,
  ): Promise<Placement> {
    if (requests.length === 0 || requests.length > MAX_BATCH) {
      throw new ApiError('API_REQUEST_INVALID', `A batch holds 1 to ${MAX_BATCH} bets.`);
    }
    type Stake = { marketId: string; selection: number; stakeCents: bigint };
    const { placement, stakes } = await guardedTransaction(
      pool,
      async (c): Promise<{ placement: Placement; stakes: Stake[] }> => {
        if (idempotency) {
          const replay = await claimKey<Placement['body']>(c, playerId, idempotency);
          if (replay) return { placement: { ...replay, replayed: true }, stakes: [] };
        }
        const at = now();
        const account = await players.read(c, playerId, { lock: 'share' });
        assertCanPlay(account);

        const marketIds = [...new Set(requests.map((r) => r.marketId))].sort((a, b) =>
          BigInt(a) < BigInt(b) ? -1 : 1,
        );
        // Shared advisory locks (in the lock manager only: no tuple lock, no multixact on the market
        // row) that every state change and the settlement take exclusively: a close waits for the
        // bets in flight, and every bet after it reads the new state in the statement below.
        await c.query(`select ${lockMarketsShared('$1')}`, [marketIds]);
        const { rows: markets } = await c.query<MarketLockRow>(
          `select m.id::text, m.state, m.closes_at, m.min_stake_cents, m.max_stake_cents, a.id::text as escrow
           from betting.markets m join betting.ledger_accounts a on a.market_id = m.id and a.kind = 'pool_escrow'
          where m.id = any($1::bigint[])`,
          [marketIds],
        );
        const byId = new Map(markets.map((m) => [m.id, m]));
        const { rows: selections } = await c.query<{ market_id: string; idx: number; code: string }>(
          'select market_id::text, idx, code from betting.selections where market_id = any($1::bigint[])',
          [marketIds],
        );
        const selectionIndex = new Map(selections.map((s) => [`${s.market_id}:${s.code}`, s.idx]));

        let total = 0n;
        const resolved = requests.map((r, i) => {
          const market = byId.get(r.marketId);
          const where = { details: { index: i, marketId: r.marketId } };
          if (!market) throw new ApiError('MARKET_NOT_FOUND', `Market ${r.marketId} does not exist.`, where);
          if (market.state !== 'open' || at >= market.closes_at) {
            throw new ApiError('MARKET_NOT_OPEN', `Market ${r.marketId} is not open for bets.`, where);
          }
          const idx = selectionIndex.get(`${r.marketId}:${r.selection}`);
          if (idx === undefined)
            throw new ApiError('SELECTION_NOT_FOUND', `Market ${r.marketId} has no selection ${r.selection}.`, where);
          if (r.stakeCents < BigInt(market.min_stake_cents) || r.stakeCents > BigInt(market.max_stake_cents)) {
            throw new ApiError(
              'STAKE_OUT_OF_RANGE',
              `The stake must be between ${market.min_stake_cents} and ${market.max_stake_cents} cents.`,
              {
                details: {
                  ...where.details,
                  minStakeCents: Number(market.min_stake_cents),
                  maxStakeCents: Number(market.max_stake_cents),
                },
              },
            );
          }
          total += r.stakeCents;
          return { ...r, idx, escrow: market.escrow };
        });

        const { rows: cashRows } = await c.query<{ id: string; balance_cents: string }>(
          `select id::text, balance_cents from betting.ledger_accounts
          where kind = 'player_cash' and player_id = $1 for no key update`,
          [playerId],
        );
        const cash = cashRows[0];
        const { rows: staked } = await c.query<{ total: string }>(
          `select coalesce(sum(stake_cents), 0)::text as total from betting.bets where player_id = $1 and placed_at > $2`,
          [playerId, new Date(at.getTime() - WEEK_MS)],
        );
        const limit = limitCents(account.limits.weeklyStakeCents)!;
        const used = BigInt(staked[0]!.total);
        if (used + total > limit) {
          throw new ApiError('STAKE_LIMIT_EXCEEDED', 'These stakes would exceed your weekly stake limit.', {
            details: { limitCents: Number(limit), usedCents: Number(used) },
          });
        }
        if (!cash || BigInt(cash.balance_cents) < total) {
          throw new ApiError('INSUFFICIENT_FUNDS', 'Your balance is lower than the total stake.');
        }

        const tx = await postTransaction(c, 'bet', [
          { accountId: cash.id, amountCents: -total },
          ...resolved.map((r) => ({ accountId: r.escrow, amountCents: r.stakeCents })),
        ]);
        const { rows: inserted } = await c.query<{ id: string; ord: string }>(
          `insert into betting.bets (player_id, market_id, selection, stake_cents, placed_at, ledger_tx_id)
         select $1, m, s, st, $5, $6 from unnest($2::bigint[], $3::smallint[], $4::bigint[]) with ordinality as u(m, s, st, ord)
         order by ord returning id::text`,
          [
            playerId,
            resolved.map((r) => r.marketId),
            resolved.map((r) => r.idx),
            resolved.map((r) => r.stakeCents.toString()),
            at,
            tx,
          ],
        );
        // Identity values are assigned in insertion order (ORDER BY ord): sort to map them back.
        const ids = inserted.map((r) => r.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
        const bets: BetView[] = resolved.map((r, i) => ({
          id: ids[i]!,
          marketId: r.marketId,
          selection: r.selection,
          stakeCents: Number(r.stakeCents),
          placedAt: at.toISOString(),
          state: 'accepted',
          payoutCents: null,
          settlementId: null,
        }));
        const answer: Placement = { status: 201, body: { bets }, replayed: false };
        if (idempotency) {
          await storeKey(c, playerId, idempotency, answer.status, answer.body);
        }
        return {
          placement: answer,
          stakes: resolved.map((r) => ({ marketId: r.marketId, selection: r.idx, stakeCents: r.stakeCents })),
        };
      },
    );
    if (deps.cache && stakes.length > 0) {
      // After commit: the counters are indicative, a failure here never undoes an accepted bet.
      await deps.cache.add(stakes).catch((error: unknown) => deps.onCacheError?.(error));
    }
    return placement;
  }

  return {
    /**
     * Places one bet or an atomic batch (all or none).
     *
     * @throws {ApiError} IDEMPOTENCY_KEY_IN_USE, IDEMPOTENCY_KEY_REUSED, ACCOUNT_CANNOT_PLAY, MARKET_NOT_FOUND,
     *   MARKET_NOT_OPEN, SELECTION_NOT_FOUND, STAKE_OUT_OF_RANGE, STAKE_LIMIT_EXCEEDED, INSUFFICIENT_FUNDS.
     */
    place,

    /** The player's bets, newest first, `limit` per page, before bet id `before`. */
    async myBets(
      playerId: string,
      page: { limit: number; before?: string | undefined; state?: 'open' | 'settled' | undefined },
    ): Promise<BetView[]> {
      const { rows } = await pool.query<BetRow>(
        `select b.id::text, b.market_id::text, s.code, b.stake_cents, b.placed_at, b.state, b.payout_cents, b.settlement_id::text
           from betting.bets b join betting.selections s on s.market_id = b.market_id and s.idx = b.selection
          where b.player_id = $1 and ($2::bigint is null or b.id < $2)
            and ($3::text is null or ($3 = 'open') = (b.state = 'accepted'))
          order by b.id desc limit $4`,
        [playerId, page.before ?? null, page.state ?? null, page.limit],
      );
      return rows.map(betView);
    },
  };
}

/** {@link withTransaction} with the constraint errors a placement can meet turned into domain errors. */
const guardedTransaction: typeof withTransaction = (pool, work, options) =>
  withTransaction(pool, work, options).catch((error: unknown) => {
    throw fromConstraint(error);
  });

/**
 * The database's own guards, as domain errors: they fire only when a check above was raced past
 * (the constraints are the last word, the checks the friendly one).
 */
function fromConstraint(error: unknown): unknown {
  const e = error as { code?: string; constraint?: string };
  if (e.code === '23514' && e.constraint === 'player_balance_not_negative') {
    return new ApiError('INSUFFICIENT_FUNDS', 'Your balance is lower than the total stake.', { cause: error });
  }
  return fromKeyConflict(error);
}

interface BetRow {
  id: string;
  market_id: string;
  code: string;
  stake_cents: string;
  placed_at: Date;
  state: BetView['state'];
  payout_cents: string | null;
  settlement_id: string | null;
}

const betView = (r: BetRow): BetView => ({
  id: r.id,
  marketId: r.market_id,
  selection: r.code,
  stakeCents: Number(r.stake_cents),
  placedAt: r.placed_at.toISOString(),
  state: r.state,
  payoutCents: r.payout_cents === null ? null : Number(r.payout_cents),
  settlementId: r.settlement_id,
});

export type BetService = ReturnType<typeof createBetService>;
