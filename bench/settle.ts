/**
 * Settlement benchmark (issue 13): a database of its own holding many open bets over 1,000 markets,
 * generated with set-based SQL (generate_series, in chunks of one transaction each, through the real
 * schema: every trigger, foreign key and deferred zero-sum check fires), then `settleMarket` timed on
 * a 100,000-bet market and on the large market. The footprint per open bet (bets + ledger entries +
 * ledger transactions, indexes included, after VACUUM ANALYZE) is measured before settling. The
 * database is dropped at the end.
 *
 *   npm run bench:settle                               # 1.2 M open bets: a 1 M market, a 100 k market, 100 k over 998 others
 *   SETTLE_BENCH_TOTAL=10000000 npm run bench:settle   # the data set: 10 M open bets (1 M, 100 k, 8.9 M over 998)
 *
 * Other knobs: SETTLE_BENCH_BIG (1,000,000), SETTLE_BENCH_MID (100,000), SETTLE_BENCH_PLAYERS (20,000),
 * SETTLE_BENCH_BETS_PER_TX (1: every bet a single placement with its own ledger transaction; 200 = batches),
 * SETTLE_BENCH_CHUNK (250,000 bets per generating transaction).
 */
import pg from 'pg';
import { migrateApi, settleMarket } from '../api/index.js';
import { migrateKyc } from '../kyc/index.js';
import { ResultStatus } from '../oracle/index.js';
import { createTestDatabase } from '../test/support/services.js';

const TOTAL = Number(process.env.SETTLE_BENCH_TOTAL ?? 1_200_000);
const BIG = Number(process.env.SETTLE_BENCH_BIG ?? 1_000_000);
const MID = Number(process.env.SETTLE_BENCH_MID ?? 100_000);
const PLAYERS = Number(process.env.SETTLE_BENCH_PLAYERS ?? 20_000);
const PER_TX = Number(process.env.SETTLE_BENCH_BETS_PER_TX ?? 1);
const CHUNK = Number(process.env.SETTLE_BENCH_CHUNK ?? 250_000);
const MARKETS = 1_000;
if (BIG + MID > TOTAL) throw new Error('SETTLE_BENCH_TOTAL must hold SETTLE_BENCH_BIG + SETTLE_BENCH_MID');

const db = await createTestDatabase('bench_settle');
const pool = new pg.Pool({ connectionString: db.url, max: 2 });
pool.on('error', () => undefined);
const t0 = performance.now();
const secs = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
try {
  await migrateKyc(pool);
  await migrateApi(pool);

  // Players with limits, their cash accounts and one deposit each (one balanced ledger transaction per player).
  await pool.query(
    `with a as (insert into kyc.accounts (assurance_level) select 'eidas1' from generate_series(1, $1) returning id),
          l as (insert into kyc.limits (account_id, weekly_deposit_cents, weekly_stake_cents) select id, 1e12, 1e12 from a)
     insert into betting.ledger_accounts (kind, player_id, balance_cents) select 'player_cash', id, 0 from a`,
    [PLAYERS],
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
  // 1,000 closed markets (match winner) on 1,000 events that have started, with their escrow accounts.
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
    [MARKETS],
  );
  const { rows: ms } = await pool.query<{ id: string; oracle: string }>(
    'select m.id::text, e.oracle_event_id as oracle from betting.markets m join betting.events e on e.id = m.event_id order by m.id',
  );
  const [big, mid] = [ms[0]!, ms[1]!];
  console.log(`set-up: ${PLAYERS} players, ${MARKETS} markets in ${secs(t0)} s`);

  // Bet i: market 1 for i < BIG, market 2 for the next MID, the rest round-robin over markets 3…1000;
  // player i mod PLAYERS; selection i mod 3; stake 100–1,099 cents. One ledger transaction per PER_TX
  // consecutive bets of a player and market (player −sum, escrow +sum), as a placement writes it.
  const generated = performance.now();
  for (let lo = 0; lo < TOTAL; lo += CHUNK) {
    const hi = Math.min(TOTAL, lo + CHUNK) - 1;
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
      [lo, hi, BIG, MID, MARKETS, PLAYERS, PER_TX],
    );
    console.log(`  bets ${lo}–${hi} in ${secs(started)} s`);
  }
  console.log(`generated ${TOTAL} open bets (${PER_TX} per ledger transaction) in ${secs(generated)} s`);
  const vac = performance.now();
  await pool.query('vacuum analyze');
  console.log(`vacuum analyze in ${secs(vac)} s`);
  const { rows: size } = await pool.query<{ open: string; bets: string; ledger: string }>(
    `select (select count(*) from betting.bets where state = 'accepted')::text as open,
            pg_total_relation_size('betting.bets')::text as bets,
            (pg_total_relation_size('betting.ledger_entries') + pg_total_relation_size('betting.ledger_transactions'))::text as ledger`,
  );
  const open = Number(size[0]!.open);
  const perBet = (Number(size[0]!.bets) + Number(size[0]!.ledger)) / open;
  console.log(
    `footprint: ${open} open bets, ${perBet.toFixed(0)} bytes per open bet ` +
      `(bets ${(Number(size[0]!.bets) / open).toFixed(0)} + ledger ${(Number(size[0]!.ledger) / open).toFixed(0)}, indexes included)`,
  );

  for (const [label, market] of [
    ['100k market', mid],
    ['large market', big],
  ] as const) {
    const started = performance.now();
    const s = await settleMarket(pool, market.id, {
      eventId: market.oracle,
      version: 1,
      status: ResultStatus.Completed,
      values: [2, 1],
    });
    console.log(
      `settleMarket ${label}: ${s.bets} bets in ${secs(started)} s (pool ${s.poolCents} cents, paid ${s.paidCents}, ${s.kind})`,
    );
  }
  const total = await pool.query<{ s: string }>(
    'select coalesce(sum(amount_cents), 0)::text as s from betting.ledger_entries',
  );
  if (total.rows[0]!.s !== '0') throw new Error('ledger does not sum to zero');
  const neg = await pool.query<{ n: number }>(
    "select count(*)::int as n from betting.ledger_accounts where kind = 'player_cash' and balance_cents < 0",
  );
  if (neg.rows[0]!.n !== 0) throw new Error('a negative balance');
  console.log(`total ${secs(t0)} s; ledger sums to zero`);
} finally {
  await pool.end();
  await db.drop();
}
