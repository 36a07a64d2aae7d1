import type { OracleOperationsReader } from '../../oracle/admin.js';
import type { Db } from '../../lib/db/transaction.js';

/** Health of one part, as text (the page shows it in words, never by colour alone). */
export type Health = 'ok' | 'lagging' | 'failing' | 'unknown';

/** Thresholds of {@link createOperationsView} (defaults in parentheses). */
export interface OperationsThresholds {
  /** Newest bets read to compute bets/s (10 000): beyond that many bets in a minute, the rate is estimated. */
  readonly rateSample: number;
  /** A publication pending longer than this is `lagging` (300 s). */
  readonly relayerPendingSeconds: number;
  /** Chain head minus indexed block beyond which the indexer is `lagging` (64 blocks: above its confirmation depth). */
  readonly indexerLagBlocks: number;
  /** A feed row older than this not yet handled by the settler makes it `lagging` (60 s). */
  readonly settlerLagSeconds: number;
  /** Feed rows counted after the settler's cursor (10 000): beyond, the count is `capped`. */
  readonly feedLagLimit: number;
  /**
   * Open bets and stakes younger than this are reused (5 000 ms): every open page and every poll of an
   * instance share one aggregate per period; the answer's `asOf` says when it was computed. 0: every read.
   */
  readonly openMaxAgeMs: number;
}

const DEFAULTS: OperationsThresholds = {
  rateSample: 10_000,
  relayerPendingSeconds: 300,
  indexerLagBlocks: 64,
  settlerLagSeconds: 60,
  feedLagLimit: 10_000,
  openMaxAgeMs: 5_000,
};

/** Dependencies of {@link createOperationsView}. */
export interface OperationsDeps {
  readonly pool: Db;
  /** The oracle's tables of this deployment (oracle/admin.ts). */
  readonly oracle: Pick<OracleOperationsReader, 'relayer' | 'indexer' | 'feedAfter'>;
  /** The API process's chain provider (the same as its readiness check's `rpc`). */
  readonly chainHead: () => Promise<number>;
  /** The settler's cursor name (`SETTLER_CURSOR_NAME`). */
  readonly settlerCursor: string;
  /** This instance's rejections by problem code since it started (its metrics' counter). */
  readonly rejections: () => Promise<readonly { readonly code: string; readonly count: number }[]>;
  /** When this instance started (the rejections' origin). */
  readonly startedAt: Date;
  readonly now?: () => Date;
  readonly thresholds?: Partial<OperationsThresholds>;
}

const seconds = (ms: number) => Math.max(0, Math.round(ms / 100) / 10);

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /admin/ops`'s body: the live operations figures. Bets and stakes are read from Postgres (true
 * across API instances); rejections are this instance's counters; the oracle parts are what the
 * database shows of the relayer, the indexer and the settler; the chain head is this process's provider.
 * Every read is bounded by an index; open bets and stakes are shared for `openMaxAgeMs` (`asOf`): see
 * docs/api.md, "Operations view".
 */
export function createOperationsView(deps: OperationsDeps) {
  const now = deps.now ?? (() => new Date());
  const t = { ...DEFAULTS, ...deps.thresholds };

  /** Bets/s over the last minute: the newest bets by id (the primary key, backwards), at most `rateSample`. */
  async function rate(at: Date) {
    const since = new Date(at.getTime() - 60_000);
    const { rows } = await deps.pool.query<{ last_minute: number; scanned: number; oldest: Date | null }>(
      `select count(*) filter (where placed_at >= $1)::int as last_minute, count(*)::int as scanned,
              min(placed_at) as oldest
         from (select placed_at from betting.bets order by id desc limit $2) newest`,
      [since, t.rateSample],
    );
    const r = rows[0]!;
    // Every bet read is within the minute and there may be more: the rate of the sample.
    if (r.scanned >= t.rateSample && r.last_minute >= r.scanned && r.oldest) {
      const span = Math.max(0.001, (at.getTime() - r.oldest.getTime()) / 1000);
      return { perSecond: Math.round((r.scanned / span) * 100) / 100, lastMinute: null, estimated: true };
    }
    return { perSecond: Math.round((r.last_minute / 60) * 100) / 100, lastMinute: r.last_minute, estimated: false };
  }

  /** Open (accepted) bets and their stakes per market, from the open-bets partial index; the open markets. */
  async function stakes() {
    const { rows } = await deps.pool.query<{
      market_id: string | null;
      event_id: string | null;
      event_name: string | null;
      definition: Record<string, unknown> | null;
      closes_at: Date | null;
      bets: string;
      stake: string;
      total: boolean;
    }>(
      `with open_bets as materialized (
         select market_id, count(*) as n, sum(stake_cents) as stake
           from betting.bets where state = 'accepted' group by market_id)
       select null::text as market_id, null::text as event_id, null::text as event_name, null::jsonb as definition,
              null::timestamptz as closes_at, coalesce(sum(n), 0)::text as bets, coalesce(sum(stake), 0)::text as stake, true as total
         from open_bets
       union all
       (select m.id::text, e.id::text, e.name, m.definition, m.closes_at,
               coalesce(o.n, 0)::text, coalesce(o.stake, 0)::text, false
          from betting.markets m
          join betting.events e on e.id = m.event_id
          left join open_bets o on o.market_id = m.id
         where m.state = 'open'
         order by coalesce(o.stake, 0) desc, m.id
         limit 200)`,
    );
    const total = rows.find((r) => r.total)!;
    return {
      openBets: Number(total.bets),
      openStakeCents: Number(total.stake),
      markets: rows
        .filter((r) => !r.total)
        .map((r) => ({
          marketId: r.market_id!,
          eventId: r.event_id!,
          eventName: r.event_name!,
          definition: r.definition!,
          closesAt: r.closes_at!.toISOString(),
          openBets: Number(r.bets),
          stakeCents: Number(r.stake),
        })),
    };
  }

  // The open bets' aggregate of this instance, reused while younger than `openMaxAgeMs` (by `now`); a
  // read that fails is not kept. Concurrent callers share the read in flight.
  let openCache: { readonly at: Date; readonly value: ReturnType<typeof stakes> } | undefined;
  function sharedStakes(at: Date): { readonly at: Date; readonly value: ReturnType<typeof stakes> } {
    const age = openCache ? at.getTime() - openCache.at.getTime() : -1;
    if (openCache && age >= 0 && age < t.openMaxAgeMs) return openCache;
    const entry = { at, value: stakes() };
    entry.value.catch(() => {
      if (openCache === entry) openCache = undefined;
    });
    openCache = entry;
    return entry;
  }

  async function settlerCursor(): Promise<{ cursor: string; updatedAt: Date | null }> {
    const { rows } = await deps.pool.query<{ cursor: string; updated_at: Date }>(
      'select cursor::text, updated_at from betting.settler_cursors where name = $1',
      [deps.settlerCursor],
    );
    return rows[0] ? { cursor: rows[0].cursor, updatedAt: rows[0].updated_at } : { cursor: '0', updatedAt: null };
  }

  /** The whole view (parts that could not be read are null, with `health: 'unknown'` or `'failing'`). */
  async function read() {
    const at = now();
    const shared = sharedStakes(at);
    const [bets, open, rejections, relayer, indexer, cursor, head] = await Promise.all([
      rate(at),
      shared.value,
      deps.rejections(),
      deps.oracle.relayer().catch(() => null),
      deps.oracle.indexer().catch(() => null),
      settlerCursor(),
      withTimeout(deps.chainHead(), 2_000).catch(() => null),
    ]);
    const lag = await deps.oracle.feedAfter(cursor.cursor, t.feedLagLimit).catch(() => null);

    const oldestPending = relayer?.byState
      .filter((r) => ['pending', 'awaiting_signatures', 'sent', 'mined'].includes(r.state))
      .reduce<Date | null>((a, r) => (a === null || r.oldestAt < a ? r.oldestAt : a), null);
    const relayerHealth: Health = !relayer
      ? 'unknown'
      : relayer.failed > 0
        ? 'failing'
        : oldestPending && at.getTime() - oldestPending.getTime() > t.relayerPendingSeconds * 1000
          ? 'lagging'
          : 'ok';

    const indexed = indexer?.lastIndexedBlock ?? null;
    const lagBlocks = head !== null && indexed !== null ? Math.max(0, head - indexed) : null;
    const indexerHealth: Health =
      !indexer || indexed === null || lagBlocks === null
        ? 'unknown'
        : lagBlocks > t.indexerLagBlocks
          ? 'lagging'
          : 'ok';

    const lagSeconds = lag?.oldest ? seconds(at.getTime() - lag.oldest.at.getTime()) : lag ? 0 : null;
    const settlerHealth: Health =
      !lag || lagSeconds === null ? 'unknown' : lagSeconds > t.settlerLagSeconds ? 'lagging' : 'ok';

    return {
      at: at.toISOString(),
      asOf: shared.at.toISOString(),
      bets: { ...bets, openBets: open.openBets, openStakeCents: open.openStakeCents },
      markets: open.markets,
      rejections: {
        scope: 'instance' as const,
        since: deps.startedAt.toISOString(),
        byCode: [...rejections].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
      },
      relayer: {
        health: relayerHealth,
        pending: relayer?.pending ?? null,
        failed: relayer?.failed ?? null,
        oldestPendingAt: oldestPending ? oldestPending.toISOString() : null,
        byState: (relayer?.byState ?? []).map((r) => ({ ...r, oldestAt: r.oldestAt.toISOString() })),
      },
      indexer: {
        health: indexerHealth,
        lastIndexedBlock: indexed,
        indexedAt: indexer?.indexedAt ? indexer.indexedAt.toISOString() : null,
        feedHead: indexer?.feedHead ? { id: indexer.feedHead.id, at: indexer.feedHead.at.toISOString() } : null,
      },
      settler: {
        health: settlerHealth,
        cursorName: deps.settlerCursor,
        cursor: cursor.cursor,
        cursorUpdatedAt: cursor.updatedAt ? cursor.updatedAt.toISOString() : null,
        feedHead: indexer?.feedHead?.id ?? null,
        lagRows: lag?.rows ?? null,
        lagRowsCapped: lag?.capped ?? false,
        lagSeconds,
      },
      chain: {
        health: (head === null ? 'failing' : 'ok') as Health,
        headBlock: head,
        indexedBlock: indexed,
        lagBlocks,
      },
    };
  }

  // Requests that arrive while a read is in flight share it: any number of open staff pages cost at
  // most one read at a time per instance; a request that joins a read gets figures no older than it.
  let inFlight: ReturnType<typeof read> | undefined;
  return function snapshot(): ReturnType<typeof read> {
    if (inFlight) return inFlight;
    const current = read().finally(() => {
      if (inFlight === current) inFlight = undefined;
    });
    inFlight = current;
    return current;
  };
}

export type OperationsView = ReturnType<typeof createOperationsView>;
export type OperationsSnapshot = Awaited<ReturnType<OperationsView>>;
