import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../lib/db/transaction.js';
import type { ApiObserver } from './app.js';
import type { LiveStats } from './live/index.js';
import type { SettlerObserver } from './settlement/settler.js';

/**
 * The api and settler metrics (prom-client), one registry per process, served at `/metrics`:
 * `verdict_bets_placed_total` (rate() gives bets/s), `verdict_open_bets` (read from Postgres at each
 * scrape: the open-bets partial index), `verdict_rejections_total{code}`, `verdict_settlement_runs_total{kind}`
 * and `verdict_settlement_duration_seconds` (one observation per market transaction); with
 * {@link ApiMetrics.live}, the live edge's `verdict_live_*` (read from its stats at each scrape).
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly betsPlaced = new Counter({
    name: 'verdict_bets_placed_total',
    help: 'Bets accepted (a batch counts its bets; a replayed answer counts nothing)',
    registers: [this.registry],
  });
  readonly rejections = new Counter({
    name: 'verdict_rejections_total',
    help: 'Requests answered with a problem, by stable error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly settlementRuns = new Counter({
    name: 'verdict_settlement_runs_total',
    help: 'Market settlements and reversals done by the settler, by kind (paid, refunded, reversed) and skips by reason',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly settlementDuration = new Histogram({
    name: 'verdict_settlement_duration_seconds',
    help: 'Duration of one market settlement transaction',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
    registers: [this.registry],
  });

  constructor(db?: Db) {
    if (db) {
      new Gauge({
        name: 'verdict_open_bets',
        help: 'Bets accepted and not settled yet',
        registers: [this.registry],
        async collect() {
          const { rows } = await db.query<{ n: string }>(
            "select count(*)::text as n from betting.bets where state = 'accepted'",
          );
          this.set(Number(rows[0]!.n));
        },
      });
    }
  }

  /**
   * The live edge's figures, read from `stats()` at each scrape: open sockets, subscriptions by channel
   * kind, frames sent, slow consumers dropped (4008), `me` / `admin` refused or ended for want of a session.
   */
  live(stats: () => LiveStats): void {
    const registers = [this.registry];
    new Gauge({
      name: 'verdict_live_connections',
      help: 'Open live (WebSocket) connections on this instance',
      registers,
      collect() {
        this.set(stats().connections);
      },
    });
    new Gauge({
      name: 'verdict_live_subscriptions',
      help: 'Live subscriptions held by sockets on this instance, by channel kind (market, me, admin)',
      labelNames: ['kind'] as const,
      registers,
      collect() {
        for (const [kind, n] of Object.entries(stats().subscriptions)) this.set({ kind }, n);
      },
    });
    /** A counter whose value is the live module's own (monotonic) count. */
    const counted = (name: string, help: string, value: (s: LiveStats) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(value(stats()));
        },
      });
    counted('verdict_live_frames_sent_total', 'Live frames sent (snapshots, updates, errors)', (s) => s.framesSent);
    counted(
      'verdict_live_slow_consumers_dropped_total',
      'Live sockets closed 4008: their send buffer passed the limit',
      (s) => s.slowConsumersDropped,
    );
    new Counter({
      name: 'verdict_live_auth_refusals_total',
      help: 'me / admin subscriptions refused or ended for want of a (live) player or staff session, by channel',
      labelNames: ['channel'] as const,
      registers,
      collect() {
        this.reset();
        for (const [channel, n] of Object.entries(stats().authRefusals)) this.inc({ channel }, n);
      },
    });
  }

  /** This process's rejections by problem code since it started (`verdict_rejections_total`). */
  async rejectionCounts(): Promise<{ code: string; count: number }[]> {
    const { values } = await this.rejections.get();
    return values.map((v) => ({ code: String(v.labels.code), count: v.value }));
  }

  /** Hooks for {@link createApiModule}. */
  api(): ApiObserver {
    return {
      betsPlaced: (n) => this.betsPlaced.inc(n),
      rejected: (code) => this.rejections.inc({ code }),
    };
  }

  /** Hooks for the settler. */
  settler(): SettlerObserver {
    return {
      settled: (_id, summary, seconds) => {
        this.settlementRuns.inc({ kind: summary.kind });
        this.settlementDuration.observe(seconds);
      },
      reversed: (_id, _summary, seconds) => {
        this.settlementRuns.inc({ kind: 'reversed' });
        this.settlementDuration.observe(seconds);
      },
      skipped: (_id, reason) => this.settlementRuns.inc({ kind: `skipped_${reason}` }),
    };
  }
}
