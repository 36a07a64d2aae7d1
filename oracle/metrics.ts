import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of the oracle processes, on a registry of their own (no global state: two
 * relayers in one test process do not share counters).
 */
export class OracleMetrics {
  readonly registry = new Registry();
  /** Publications by state (gauge refreshed from Postgres each relayer tick). */
  readonly publications = new Gauge({
    name: 'oracle_publications',
    help: 'Relayer publications by state (pending, sent, mined, confirmed, conflict, expired, failed, ...)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  /** Ready results seen at the last tick, before filtering what the outbox holds. */
  readonly ready = new Gauge({
    name: 'oracle_ready_results',
    help: 'Quorum-signed results ready to publish, as listed at the last relayer tick',
    registers: [this.registry],
  });
  readonly published = new Counter({
    name: 'oracle_published_total',
    help: 'Publications confirmed on-chain (or found already published with the same payload)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly transactions = new Counter({
    name: 'oracle_relayer_transactions_total',
    help: 'Transactions signed by the relayer, by reason (first, replacement, cancel)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly alerts = new Counter({
    name: 'oracle_alerts_total',
    help: 'Conditions that need a human: conflict (another payload on-chain), fee_cap, revert',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly relayerBalance = new Gauge({
    name: 'oracle_relayer_balance_wei',
    help: 'Native balance of the relayer account, in wei',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'oracle_relayer_leader',
    help: '1 when this relayer holds the advisory lock, 0 on standby',
    registers: [this.registry],
  });
  readonly providerRetries = new Counter({
    name: 'oracle_provider_retries_total',
    help: 'Provider calls retried after a transient failure',
    registers: [this.registry],
  });
  readonly breakerOpen = new Gauge({
    name: 'oracle_provider_breaker_open',
    help: '1 while the circuit breaker around the provider is open',
    registers: [this.registry],
  });
  readonly indexedBlock = new Gauge({
    name: 'oracle_indexer_block',
    help: 'Last block indexed (at the confirmation depth)',
    registers: [this.registry],
  });
  readonly indexerLag = new Gauge({
    name: 'oracle_indexer_lag_blocks',
    help: 'Chain head minus the last indexed block',
    registers: [this.registry],
  });
  readonly indexedEvents = new Counter({
    name: 'oracle_indexer_events_total',
    help: 'Oracle events indexed',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  readonly reorgs = new Counter({
    name: 'oracle_indexer_reorgs_total',
    help: 'Reorgs detected (hash mismatch) and rewound',
    registers: [this.registry],
  });
  /** Final rows the chain took back (a reorg deeper than the indexer's confirmation depth): page someone. */
  readonly feedRetractions = new Counter({
    name: 'oracle_feed_retractions_total',
    help: 'Final results retracted from the feed after a reorg deeper than INDEXER_CONFIRMATIONS (the depth was too shallow)',
    registers: [this.registry],
  });
  readonly finalResults = new Gauge({
    name: 'oracle_final_results',
    help: 'Results the indexer derived as final',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}

/**
 * Serves `GET /metrics` (Prometheus text format) on `host:port`.
 * @returns the server and the port it listens on (useful with port 0).
 */
export async function serveMetrics(
  metrics: OracleMetrics,
  options: { port: number; host: string },
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      metrics.registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        })
        .catch(() => {
          res.writeHead(500).end();
        });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
