/**
 * The settlement benchmarks' data set (bench/settle.ts, bench/settle-ab.ts): players with a deposit
 * each, 1,000 closed match-winner markets, and open bets generated with set-based SQL (generate_series,
 * in chunks of one transaction each, through the real schema: every trigger, foreign key and deferred
 * zero-sum check fires).
 */
import type pg from 'pg';

export interface OpenBetsOptions {
  /** Open bets in all. */
  readonly total: number;
  /** Open bets of market 1 (the large market). */
  readonly big: number;
  /** Open bets of market 2 (the 100k market); the rest round-robin over markets 3…`markets`. */
  readonly mid: number;
  readonly players: number;
  /** Bets per ledger transaction (1: every bet a single placement; 200 = batches). */
  readonly perTx: number;
  /** Bets per generating transaction. */
  readonly chunk: number;
  readonly markets: number;
  readonly log: (line: string) => void;
}

/** A market of the data set with its event's oracle id. */
export interface BenchMarket {
  readonly id: string;
  readonly oracle: string;
}

const secs = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/**
 * Writes the data set into a migrated database (kyc's and api's schemas).
 *
 * @returns the markets by id (the first is the large market, the second the 100k market).
 */
export async function generateOpenBets(pool: pg.Pool, o: OpenBetsOptions): Promise<BenchMarket[]> {
  if (o.big + o.mid > o.total) throw new Error('the total must hold the large and the 100k market');
  const t0 = performance.now();
  // Players with limits, their cash accounts and one deposit each (one balanced ledger transaction per player).
  await pool.query(
    `with a as (insert into kyc.accounts (assurance_level) select 'eidas1' from generate_series(1, $1) returning id),
          l as (insert into kyc.limits (account_id, weekly_deposit_cents, weekly_stake_cents) select id, 1e12, 1e12 from a)
     insert into betting.ledger_accounts (kind, player_id, balance_cents) select 'player_cash', id, 0 from a`,
    [o.players],
  );
  await pool.query(
    `with p as (select id, row_number() over (order by id) as rn from betting.ledger_accounts where kind = 'player_cash'),
          tx as (insert into betting.ledger_transactions (kind, reference)
                 select 'deposit', 'bench:' || rn from p order by rn returning id, reference),
          w as (select id from betting.ledger_accounts where kind = 'outside_world')
     insert into betting.ledger_entries (transaction_id, account_id, amount_cents)
     select tx.id, x.account, x.amount from tx join p on tx.reference = 'bench:' || p.rn, w,
            lateral (values (p.id, 1e12::bigint), (w.id, -1e12::bigint)) as x(account, amount)
     order by x.account`,
  );
  // Closed markets (match winner) on events that have started, with their escrow accounts.
  await pool.query(
    `with e as (insert into betting.events (oracle_event_id, outcome_schema, name, starts_at)
                select '0x' || lpad(to_hex(i), 64, '0'), 'football.match/v1', 'Bench ' || i, now() - interval '1 hour'
                  from generate_series(1, $1) i returning id),
          m as (insert into betting.markets (event_id, definition, state, closes_at, takeout_bps, min_stake_cents, max_stake_cents)
                select id, '{"type":"match-winner"}', 'closed', now() - interval '2 hours', 1500, 100, 1000000 from e
                returning id),
          s as (insert into betting.selections (market_id, idx, code, label)
                select m.id, x.idx, x.code, x.code from m,
                       (values (0::smallint, 'home'), (1::smallint, 'draw'), (2::smallint, 'away')) as x(idx, code))
     insert into betting.ledger_accounts (kind, market_id) select 'pool_escrow', id from m`,
    [o.markets],
  );
  const { rows: markets } = await pool.query<BenchMarket>(
    'select m.id::text, e.oracle_event_id as oracle from betting.markets m join betting.events e on e.id = m.event_id order by m.id',
  );
  o.log(`set-up: ${o.players} players, ${o.markets} markets in ${secs(t0)} s`);

  // Bet i: market 1 for i < big, market 2 for the next mid, the rest round-robin over markets 3…;
  // player i mod players; selection i mod 3; stake 100–1,099 cents. One ledger transaction per perTx
  // consecutive bets of a player and market (player −sum, escrow +sum), as a placement writes it.
  const generated = performance.now();
  for (let lo = 0; lo < o.total; lo += o.chunk) {
    const hi = Math.min(o.total, lo + o.chunk) - 1;
    const started = performance.now();
    await pool.query(
      `with m as (select id, row_number() over (order by id) - 1 as k from betting.markets),
            p as (select id as cash, player_id, row_number() over (order by id) - 1 as k
                    from betting.ledger_accounts where kind = 'player_cash'),
            g as (select i,
                         case when i < $3 then 0 when i < $3 + $4 then 1 else 2 + (i - $3 - $4) % ($5 - 2) end as mk,
                         (i / $7) % $6 as pk, (i % 3)::smallint as selection, 100 + (i * 7919) % 1000 as stake,
                         i / $7 as grp
                    from generate_series($1::bigint, $2::bigint) i),
            bets as (select g.*, m.id as market_id, a.id as escrow, p.cash, p.player_id
                       from g join m on m.k = g.mk join p on p.k = g.pk
                       join betting.ledger_accounts a on a.kind = 'pool_escrow' and a.market_id = m.id),
            groups as (select grp, min(cash) as cash, sum(stake) as total, row_number() over (order by grp) as rn
                         from bets group by grp),
            tx as (insert into betting.ledger_transactions (kind) select 'bet' from groups order by rn returning id),
            n as (select id, row_number() over (order by id) as rn from tx),
            gt as (select groups.*, n.id as tx_id from groups join n using (rn)),
            e as (insert into betting.ledger_entries (transaction_id, account_id, amount_cents)
                  select * from (select gt.tx_id, gt.cash as account, -gt.total as amount from gt
                                 union all
                                 select gt.tx_id, b.escrow, sum(b.stake) from bets b join gt using (grp)
                                  group by gt.tx_id, b.escrow) x
                  order by account)
       insert into betting.bets (player_id, market_id, selection, stake_cents, placed_at, ledger_tx_id)
       select b.player_id, b.market_id, b.selection, b.stake, now() - interval '3 hours' - (b.i % 86400) * interval '1 second', gt.tx_id
         from bets b join gt using (grp) order by b.i`,
      [lo, hi, o.big, o.mid, o.markets, o.players, o.perTx],
    );
    o.log(`  bets ${lo}–${hi} in ${secs(started)} s`);
  }
  o.log(`generated ${o.total} open bets (${o.perTx} per ledger transaction) in ${secs(generated)} s`);
  return markets;
}
