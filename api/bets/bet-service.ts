import { withTransaction, type Db, type TransactionPool } from '../../lib/db/transaction.js';
import { assertCanPlay, limitCents, WEEK_MS } from '../account-checks.js';
import { ApiError } from '../errors.js';
import { fromKeyConflict, type IdempotencyKey } from '../idempotency.js';
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
  /** Micro-batch concurrent placements into shared transactions (off by default). */
  readonly groupCommit?: GroupCommitOptions | undefined;
}

interface MarketRow {
  id: string;
  state: string;
  closes_at: Date;
  min_stake_cents: string;
  max_stake_cents: string;
  escrow: string;
  selections: Record<string, number>;
}

/**
 * Group commit (server-side micro-batching): concurrent placements share one Postgres transaction
 * and one commit. Each placement runs under a savepoint with the same checks and statements as
 * alone, so a refused one rolls back only itself; every caller is answered after the commit.
 */
export interface GroupCommitOptions {
  /** Most placements in one transaction (default 32; each holds a subtransaction). */
  readonly maxGroup?: number;
  /** Transactions (pool connections) in flight at once (default 4). */
  readonly connections?: number;
  /** Told when a group's transaction failed as a whole and its placements are retried one by one. */
  readonly onGroupRetry?: (error: unknown) => void;
}

type Stake = { marketId: string; selection: number; stakeCents: bigint };
interface Placed {
  placement: Placement;
  stakes: Stake[];
}

const IDEMPOTENCY_LOCK = (playerId: string, key: string) => `betting.idempotency:${playerId}:${key}`;

/**
 * Places bets. One Postgres transaction per request (or per group, see {@link GroupCommitOptions}),
 * taking locks in a fixed order: the idempotency key (advisory lock, never waited for) and the
 * markets (shared advisory locks, ascending id) in one statement, the kyc account (share), the
 * player's cash row (no key update). The stake moves from the player's cash to each market's escrow
 * in one balanced ledger transaction; no shared row is updated. Four statements per request
 * between `begin` and `commit`.
 */
export function createBetService(deps: BetServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const { pool, players } = deps;
  const players_ = players;

  /** The placement's statements, on a client inside an open transaction. */
  async function placeOn(
    c: Db,
    playerId: string,
    requests: readonly BetRequest[],
    idempotency: IdempotencyKey | undefined,
  ): Promise<Placed> {
    const marketIds = [...new Set(requests.map((r) => r.marketId))].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    // 1. The key (tried, never waited for) and the markets' shared advisory locks (lock manager only:
    // no tuple lock or multixact on the market row) that every state change and the settlement take
    // exclusively: a close waits for the bets in flight and every bet after it reads the new state in
    // the next statement (a fresh snapshot). The stored answer is read in the same statement: a key
    // committed by a request that finished in between fails on the primary key (409, as in flight).
    const { rows: claim } = await c.query<{
      ok: boolean;
      fingerprint: Buffer | null;
      status: number | null;
      response: Placement['body'] | null;
    }>(
      `select (select ${lockMarketsShared('$1')}) as locks,
              case when $2 <> '' then pg_try_advisory_xact_lock(hashtextextended($2, 7)) end as ok, k.fingerprint, k.status, k.response
         from (select 1) one
         left join betting.idempotency_keys k on $3::uuid is not null and k.player_id = $3::uuid and k.key = $4`,
      [
        marketIds,
        idempotency ? IDEMPOTENCY_LOCK(playerId, idempotency.key) : '',
        idempotency ? playerId : null,
        idempotency?.key ?? null,
      ],
    );
    if (idempotency) {
      const k = claim[0]!;
      if (!k.ok)
        throw new ApiError('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed.');
      if (k.fingerprint) {
        if (!k.fingerprint.equals(idempotency.fingerprint)) {
          throw new ApiError(
            'IDEMPOTENCY_KEY_REUSED',
            'This Idempotency-Key was already used with a different request.',
          );
        }
        return { placement: { status: k.status!, body: k.response!, replayed: true }, stakes: [] };
      }
    }
    const at = now();
    // 2. The kyc account, FOR SHARE (a suspension waits for the bets in flight).
    const account = await players.read(c, playerId, { lock: 'share' });
    assertCanPlay(account);

    // 3. The markets with their selections and escrow, and the player's cash row, locked.
    const { rows: read } = await c.query<{
      markets: MarketRow[] | null;
      cash_id: string | null;
      balance_cents: string | null;
    }>(
      `with cash as (select id, balance_cents from betting.ledger_accounts
                      where kind = 'player_cash' and player_id = $2 for no key update)
       select (select json_agg(json_build_object(
                 'id', m.id::text, 'state', m.state, 'closes_at', m.closes_at, 'min_stake_cents', m.min_stake_cents::text,
                 'max_stake_cents', m.max_stake_cents::text, 'escrow', a.id::text,
                 'selections', (select json_object_agg(s.code, s.idx) from betting.selections s where s.market_id = m.id)))
                 from betting.markets m
                 join betting.ledger_accounts a on a.market_id = m.id and a.kind = 'pool_escrow'
                where m.id = any($1::bigint[])) as markets,
              (select id::text from cash) as cash_id, (select balance_cents::text from cash) as balance_cents`,
      [marketIds, playerId],
    );
    const byId = new Map((read[0]!.markets ?? []).map((m) => [m.id, m]));

    const { resolved, total } = resolveRequests(requests, byId, at);
    const limit = limitCents(account.limits.weeklyStakeCents)!;
    const { cash_id: cashId, balance_cents: balance } = read[0]!;
    if (total > limit) {
      throw new ApiError('STAKE_LIMIT_EXCEEDED', 'These stakes would exceed your weekly stake limit.', {
        details: { limitCents: Number(limit), usedCents: 0 },
      });
    }
    if (!cashId || BigInt(balance!) < total) {
      throw new ApiError('INSUFFICIENT_FUNDS', 'Your balance is lower than the total stake.');
    }

    // 4. One statement: the rolling 7-day stake sum (read after the cash row lock, so it sees every
    // earlier bet of this player), and only within the limit the ledger transaction, its entries
    // (player −total, each escrow +its part), the bets and the idempotency key with its answer.
    const entries = new Map<string, bigint>([[cashId, -total]]);
    for (const r of resolved) entries.set(r.escrow, (entries.get(r.escrow) ?? 0n) + r.stakeCents);
    const placedAt = at.toISOString();
    const { rows: written } = await c.query<{ used: string; ids: string[] | null }>(
      `with used as (select coalesce(sum(stake_cents), 0) as total from betting.bets
                      where player_id = $1 and placed_at > $2),
            tx as (insert into betting.ledger_transactions (kind) select 'bet' from used where total + $3 <= $4
                   returning id),
            e as (insert into betting.ledger_entries (transaction_id, account_id, amount_cents)
                  select tx.id, a, m from tx, unnest($5::bigint[], $6::bigint[]) as u(a, m) order by a),
            b as (insert into betting.bets (player_id, market_id, selection, stake_cents, placed_at, ledger_tx_id)
                  select $1, m, s, st, $7, tx.id
                    from tx, unnest($8::bigint[], $9::smallint[], $10::bigint[]) with ordinality as u(m, s, st, ord)
                   order by ord
                  returning id),
            -- Identity values are assigned in insertion order (ORDER BY ord): the nth id is the nth bet.
            n as (select id, row_number() over (order by id) as ord from b),
            k as (insert into betting.idempotency_keys (player_id, key, fingerprint, status, response)
                  select $1, $11, $12, 201, jsonb_build_object('bets', (
                    select jsonb_agg(jsonb_build_object('id', n.id::text, 'marketId', u.m::text, 'selection', u.code,
                      'stakeCents', u.st, 'placedAt', $13::text, 'state', 'accepted', 'payoutCents', null,
                      'settlementId', null) order by n.ord)
                      from n join unnest($8::bigint[], $14::text[], $10::bigint[]) with ordinality as u(m, code, st, ord)
                        on u.ord = n.ord))
                    from tx where $11::text is not null)
       select (select total::text from used) as used, (select array_agg(id::text order by ord) from n) as ids`,
      [
        playerId,
        new Date(at.getTime() - WEEK_MS),
        total.toString(),
        limit.toString(),
        [...entries.keys()],
        [...entries.values()].map(String),
        at,
        resolved.map((r) => r.marketId),
        resolved.map((r) => r.idx),
        resolved.map((r) => r.stakeCents.toString()),
        idempotency?.key ?? null,
        idempotency?.fingerprint ?? null,
        placedAt,
        resolved.map((r) => r.selection),
      ],
    );
    const ids = written[0]!.ids;
    if (!ids) {
      throw new ApiError('STAKE_LIMIT_EXCEEDED', 'These stakes would exceed your weekly stake limit.', {
        details: { limitCents: Number(limit), usedCents: Number(written[0]!.used) },
      });
    }
    const bets: BetView[] = resolved.map((r, i) => ({
      id: ids[i]!,
      marketId: r.marketId,
      selection: r.selection,
      stakeCents: Number(r.stakeCents),
      placedAt,
      state: 'accepted',
      payoutCents: null,
      settlementId: null,
    }));
    return {
      placement: { status: 201, body: { bets }, replayed: false },
      stakes: resolved.map((r) => ({ marketId: r.marketId, selection: r.idx, stakeCents: r.stakeCents })),
    };
  }

  function validate(requests: readonly BetRequest[]) {
    if (requests.length === 0 || requests.length > MAX_BATCH) {
      throw new ApiError('API_REQUEST_INVALID', `A batch holds 1 to ${MAX_BATCH} bets.`);
    }
  }

  async function afterCommit(stakes: Stake[]) {
    if (deps.cache && stakes.length > 0) {
      // After commit (outside the transaction): the counters are indicative, a failure here never
      // undoes an accepted bet. Awaited so that a player reads the odds their bet moved.
      await deps.cache.add(stakes).catch((error: unknown) => deps.onCacheError?.(error));
    }
  }

  async function placeAlone(
    playerId: string,
    requests: readonly BetRequest[],
    idempotency?: IdempotencyKey,
  ): Promise<Placement> {
    validate(requests);
    const { placement, stakes } = await guardedTransaction(pool, (c) => placeOn(c, playerId, requests, idempotency));
    await afterCommit(stakes);
    return placement;
  }

  const grouped = deps.groupCommit ? createGroupCommit(deps.groupCommit) : undefined;

  function createGroupCommit(options: GroupCommitOptions) {
    const maxGroup = options.maxGroup ?? 32;
    const connections = options.connections ?? 4;
    interface Pending {
      playerId: string;
      requests: readonly BetRequest[];
      idempotency: IdempotencyKey | undefined;
      resolve: (p: Placement) => void;
      reject: (e: unknown) => void;
    }
    const queue: Pending[] = [];
    let running = 0;

    const pump = () => {
      while (running < connections && queue.length > 0) {
        running += 1;
        void runGroup(queue.splice(0, maxGroup)).finally(() => {
          running -= 1;
          pump();
        });
      }
    };

    /**
     * Validate-then-apply, set-based: a constant number of statements per group (plus one kyc account
     * read per player, through the port). Locks in the order a single placement takes them — the keys
     * (tried) and the markets (shared, ascending id), the kyc accounts (share, ascending player id),
     * then the cash rows (ascending account id, as the ledger trigger and the settlement lock them) —
     * then the checks of every placement in arrival order against running balances and stake sums, then
     * one statement writing the ledger transactions (one per placement), entries and bets of the accepted
     * ones, and one writing their idempotency keys. A refused placement writes nothing and never fails
     * its neighbours. Should the group's transaction fail as a whole (a constraint raced past, a
     * deadlock, the commit), nothing of it committed and each placement is retried alone.
     */
    async function runGroup(group: Pending[]) {
      type Outcome = { ok: true; placed: Placed } | { ok: false; error: unknown };
      let outcomes: Outcome[];
      try {
        outcomes = await withTransaction(pool, (c) => applyGroup(c, group));
      } catch (error) {
        options.onGroupRetry?.(error);
        await Promise.all(
          group.map((g) => placeAlone(g.playerId, g.requests, g.idempotency).then(g.resolve, g.reject)),
        );
        return;
      }
      await afterCommit(outcomes.flatMap((o) => (o.ok ? o.placed.stakes : [])));
      group.forEach((g, i) => {
        const o = outcomes[i]!;
        if (o.ok) g.resolve(o.placed.placement);
        else g.reject(o.error);
      });
    }

    async function applyGroup(c: Db, group: Pending[]) {
      type Outcome = { ok: true; placed: Placed } | { ok: false; error: unknown };
      const outcomes: (Outcome | undefined)[] = group.map(() => undefined);
      const refuse = (i: number, error: unknown): void => {
        outcomes[i] = { ok: false, error };
      };
      const allMarkets = [...new Set(group.flatMap((g) => g.requests.map((r) => r.marketId)))].sort(byBigint);
      const players = [...new Set(group.map((g) => g.playerId))].sort();

      // 1. The keys (tried, never waited for; a key twice in the group: the second is in use) and the
      // markets' shared locks, with the stored answers.
      const seen = new Set<string>();
      const lockKeys = group.map((g, i) => {
        if (!g.idempotency) return '';
        const k = IDEMPOTENCY_LOCK(g.playerId, g.idempotency.key);
        if (seen.has(k)) {
          refuse(i, IN_USE());
          return '';
        }
        seen.add(k);
        return k;
      });
      const { rows: claim } = await c.query<{
        oks: (boolean | null)[];
        stored: { p: string; key: string; fingerprint: string; status: number; response: Placement['body'] }[] | null;
      }>(
        `select (select ${lockMarketsShared('$1')}) as locks,
                array(select case when k <> '' then pg_try_advisory_xact_lock(hashtextextended(k, 7)) end
                        from unnest($2::text[]) with ordinality as u(k, o) order by o) as oks,
                (select json_agg(json_build_object('p', k.player_id, 'key', k.key, 'fingerprint', encode(k.fingerprint, 'hex'),
                                                   'status', k.status, 'response', k.response))
                   from betting.idempotency_keys k
                   join unnest($3::uuid[], $4::text[]) as u(p, key) on k.player_id = u.p and k.key = u.key) as stored`,
        [allMarkets, lockKeys, group.map((g) => g.playerId), group.map((g) => g.idempotency?.key ?? '')],
      );
      const stored = new Map((claim[0]!.stored ?? []).map((k) => [`${k.p}:${k.key}`, k]));
      group.forEach((g, i) => {
        if (!g.idempotency || outcomes[i]) return;
        if (!claim[0]!.oks[i]) {
          refuse(i, IN_USE());
          return;
        }
        const k = stored.get(`${g.playerId}:${g.idempotency.key}`);
        if (!k) return;
        if (k.fingerprint !== g.idempotency.fingerprint.toString('hex')) {
          refuse(
            i,
            new ApiError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request.'),
          );
          return;
        }
        outcomes[i] = {
          ok: true,
          placed: { placement: { status: k.status, body: k.response, replayed: true }, stakes: [] },
        };
      });
      const at = now();

      // 2. The kyc accounts, FOR SHARE, in player order.
      const accounts = new Map<string, Awaited<ReturnType<PlayerAccounts['read']>>>();
      for (const p of players) {
        if (group.every((g, i) => g.playerId !== p || outcomes[i])) continue;
        accounts.set(p, await players_.read(c, p, { lock: 'share' }));
      }

      // 3. The markets, and the cash rows locked in account id order.
      const { rows: read } = await c.query<{
        markets: MarketRow[] | null;
        cash: { id: string; player_id: string; balance_cents: string }[] | null;
      }>(
        `with cash as (select id, player_id, balance_cents from betting.ledger_accounts
                        where kind = 'player_cash' and player_id = any($2::uuid[]) order by id for no key update)
         select ${MARKETS_JSON('$1')} as markets,
                (select json_agg(json_build_object('id', id::text, 'player_id', player_id, 'balance_cents', balance_cents::text))
                   from cash) as cash`,
        [allMarkets, [...accounts.keys()]],
      );
      const byId = new Map((read[0]!.markets ?? []).map((m) => [m.id, m]));
      const cash = new Map(
        (read[0]!.cash ?? []).map((r) => [r.player_id, { id: r.id, balance: BigInt(r.balance_cents) }]),
      );

      // 4. The rolling 7-day stake sums, read after the cash rows are locked (every earlier bet seen).
      const { rows: sums } = await c.query<{ player_id: string; total: string }>(
        `select player_id, sum(stake_cents)::text as total from betting.bets
          where player_id = any($1::uuid[]) and placed_at > $2 group by player_id`,
        [[...cash.keys()], new Date(at.getTime() - WEEK_MS)],
      );
      const used = new Map(sums.map((r) => [r.player_id, BigInt(r.total)]));

      // 5. The checks, in arrival order, against running balances and stake sums.
      type Accepted = {
        i: number;
        resolved: ReturnType<typeof resolveRequests>['resolved'];
        cashId: string;
        total: bigint;
      };
      const accepted: Accepted[] = [];
      group.forEach((g, i) => {
        if (outcomes[i]) return;
        try {
          const account = accounts.get(g.playerId) ?? null;
          assertCanPlay(account);
          const { resolved, total } = resolveRequests(g.requests, byId, at);
          const limit = limitCents(account.limits.weeklyStakeCents)!;
          const spent = used.get(g.playerId) ?? 0n;
          if (spent + total > limit) {
            throw new ApiError('STAKE_LIMIT_EXCEEDED', 'These stakes would exceed your weekly stake limit.', {
              details: { limitCents: Number(limit), usedCents: Number(spent) },
            });
          }
          const wallet = cash.get(g.playerId);
          if (!wallet || wallet.balance < total) {
            throw new ApiError('INSUFFICIENT_FUNDS', 'Your balance is lower than the total stake.');
          }
          wallet.balance -= total;
          used.set(g.playerId, spent + total);
          accepted.push({ i, resolved, cashId: wallet.id, total });
        } catch (error) {
          refuse(i, error);
        }
      });

      // 6. The writes of the accepted placements: one ledger transaction each, entries, bets; then keys.
      if (accepted.length > 0) {
        const entryOrd: number[] = [];
        const entryAccount: string[] = [];
        const entryAmount: string[] = [];
        const bet = {
          ord: [] as number[],
          player: [] as string[],
          market: [] as string[],
          sel: [] as number[],
          stake: [] as string[],
        };
        accepted.forEach((a, k) => {
          const entries = new Map<string, bigint>([[a.cashId, -a.total]]);
          for (const r of a.resolved) entries.set(r.escrow, (entries.get(r.escrow) ?? 0n) + r.stakeCents);
          for (const [account, amount] of [...entries].sort(([x], [y]) => byBigint(x, y))) {
            entryOrd.push(k + 1);
            entryAccount.push(account);
            entryAmount.push(amount.toString());
          }
          for (const r of a.resolved) {
            bet.ord.push(k + 1);
            bet.player.push(group[a.i]!.playerId);
            bet.market.push(r.marketId);
            bet.sel.push(r.idx);
            bet.stake.push(r.stakeCents.toString());
          }
        });
        const { rows: written } = await c.query<{ ids: string[] }>(
          `with tx as (insert into betting.ledger_transactions (kind) select 'bet' from generate_series(1, $1) g order by g
                       returning id),
                n as (select id, row_number() over (order by id) as ord from tx),
                e as (insert into betting.ledger_entries (transaction_id, account_id, amount_cents)
                      select n.id, u.a, u.m from unnest($2::int[], $3::bigint[], $4::bigint[]) as u(o, a, m)
                        join n on n.ord = u.o order by u.a),
                b as (insert into betting.bets (player_id, market_id, selection, stake_cents, placed_at, ledger_tx_id)
                      select u.p, u.m, u.s, u.st, $5, n.id
                        from unnest($6::int[], $7::uuid[], $8::bigint[], $9::smallint[], $10::bigint[]) with ordinality
                             as u(o, p, m, s, st, bo)
                        join n on n.ord = u.o order by u.bo
                      returning id)
           select array(select id::text from b order by id) as ids`,
          [
            accepted.length,
            entryOrd,
            entryAccount,
            entryAmount,
            at,
            bet.ord,
            bet.player,
            bet.market,
            bet.sel,
            bet.stake,
          ],
        );
        // Identity values are assigned in insertion order (ORDER BY bo): the nth id is the nth bet.
        const ids = written[0]!.ids;
        const placedAt = at.toISOString();
        let next = 0;
        const keys = {
          player: [] as string[],
          key: [] as string[],
          fingerprint: [] as string[],
          body: [] as unknown[],
        };
        for (const a of accepted) {
          const bets: BetView[] = a.resolved.map((r) => ({
            id: ids[next++]!,
            marketId: r.marketId,
            selection: r.selection,
            stakeCents: Number(r.stakeCents),
            placedAt,
            state: 'accepted',
            payoutCents: null,
            settlementId: null,
          }));
          const g = group[a.i]!;
          outcomes[a.i] = {
            ok: true,
            placed: {
              placement: { status: 201, body: { bets }, replayed: false },
              stakes: a.resolved.map((r) => ({ marketId: r.marketId, selection: r.idx, stakeCents: r.stakeCents })),
            },
          };
          if (g.idempotency) {
            keys.player.push(g.playerId);
            keys.key.push(g.idempotency.key);
            keys.fingerprint.push(g.idempotency.fingerprint.toString('hex'));
            keys.body.push({ bets });
          }
        }
        if (keys.player.length > 0) {
          await c.query(
            `insert into betting.idempotency_keys (player_id, key, fingerprint, status, response)
             select u.p, u.k, decode(u.f, 'hex'), 201, j.value
               from unnest($1::uuid[], $2::text[], $3::text[]) with ordinality as u(p, k, f, o)
               join jsonb_array_elements($4::jsonb) with ordinality as j(value, o) using (o)`,
            [keys.player, keys.key, keys.fingerprint, JSON.stringify(keys.body)],
          );
        }
      }
      return outcomes.map((o) => o!);
    }

    return (playerId: string, requests: readonly BetRequest[], idempotency?: IdempotencyKey) => {
      validate(requests);
      return new Promise<Placement>((resolve, reject) => {
        queue.push({ playerId, requests, idempotency, resolve, reject });
        pump();
      });
    };
  }

  const place = grouped ?? placeAlone;

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

/** Each request against its market (found, open before its cut-off, selection, stake range). */
function resolveRequests(requests: readonly BetRequest[], byId: Map<string, MarketRow>, at: Date) {
  let total = 0n;
  const resolved = requests.map((r, i) => {
    const market = byId.get(r.marketId);
    const where = { details: { index: i, marketId: r.marketId } };
    if (!market) throw new ApiError('MARKET_NOT_FOUND', `Market ${r.marketId} does not exist.`, where);
    if (market.state !== 'open' || at >= new Date(market.closes_at)) {
      throw new ApiError('MARKET_NOT_OPEN', `Market ${r.marketId} is not open for bets.`, where);
    }
    const idx = Object.hasOwn(market.selections ?? {}, r.selection) ? market.selections[r.selection] : undefined;
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
  return { resolved, total };
}

/** The markets (state, cut-off, stake range, escrow, selections by code) of the bigint[] parameter. */
const MARKETS_JSON = (param: string) => `(select json_agg(json_build_object(
    'id', m.id::text, 'state', m.state, 'closes_at', m.closes_at, 'min_stake_cents', m.min_stake_cents::text,
    'max_stake_cents', m.max_stake_cents::text, 'escrow', a.id::text,
    'selections', (select json_object_agg(s.code, s.idx) from betting.selections s where s.market_id = m.id)))
    from betting.markets m
    join betting.ledger_accounts a on a.market_id = m.id and a.kind = 'pool_escrow'
   where m.id = any(${param}::bigint[]))`;

const IN_USE = () =>
  new ApiError('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed.');
const byBigint = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

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

/**
 * One page of a market's bets with their players, as `GET /me/bets` shows them, in id order after
 * `afterId` (the settler announces a settlement's bets to each player's live channel page by page).
 * Through indexes only, as the pool totals: the open bets (`bets_market_open`) and the bets of the
 * market's live settlement (`bets_settlement`); a market's bets are in one of the two at any snapshot.
 */
export async function marketBets(
  db: Db,
  marketId: string,
  page: { readonly afterId?: string; readonly limit?: number } = {},
): Promise<(BetView & { playerId: string })[]> {
  const { rows } = await db.query<BetRow & { player_id: string }>(
    `select b.id::text, b.market_id::text, s.code, b.stake_cents, b.placed_at, b.state, b.payout_cents,
            b.settlement_id::text, b.player_id::text
       from (select id from betting.bets where market_id = $1 and state = 'accepted' and id > $2
             union all
             select b.id from betting.settlements st
               join betting.bets b on b.settlement_id = st.id and b.market_id = st.market_id
              where st.market_id = $1 and st.reversed_at is null and b.id > $2
             order by id limit $3) page
       join betting.bets b on b.id = page.id
       join betting.selections s on s.market_id = b.market_id and s.idx = b.selection
      order by b.id`,
    [marketId, page.afterId ?? '0', page.limit ?? 1_000_000_000],
  );
  return rows.map((r) => ({ ...betView(r), playerId: r.player_id }));
}
