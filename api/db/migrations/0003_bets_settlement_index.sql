-- Reversals read a settlement's bets by settlement id: `reverseSettlement` (a retraction) and
-- `voidSettledMarket` (a void after settlement) both select and update
-- `where market_id = $1 and settlement_id = $2`, and no index served that once the bets had left
-- `bets_market_open` (accepted only): every reversal scanned the whole bets table. 0002's note
-- ("reads the market's bets by market id") assumed an index on market_id that only covers open bets.
-- Partial: open bets (settlement_id null) take no entry, so placement and the open-bet footprint are
-- unchanged; settlement writes one more index entry per bet it settles (measured: bench/RESULTS.md).
-- Built inside the migration's transaction (the runner has no CONCURRENTLY): on a large table, build it
-- by hand with `create index concurrently` first; this then finds it (if not exists).
create index if not exists bets_settlement on betting.bets (settlement_id) where settlement_id is not null;
