import { Counter, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of the login flow: outcomes by provider and code, and callback latency. */
export class LoginMetrics {
  private readonly outcomes: Counter<'provider' | 'outcome'>;
  private readonly duration: Histogram<'provider'>;

  constructor(registry: Registry) {
    this.outcomes = new Counter({
      name: 'kyc_login_outcomes_total',
      help: 'Completed login callbacks by provider and outcome (created, returning, or a KYC error code).',
      labelNames: ['provider', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'kyc_callback_duration_seconds',
      help: 'Time to process a login callback (token exchange, JWT checks, userinfo, policy, writes).',
      labelNames: ['provider'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  record(provider: string, outcome: string, seconds: number): void {
    this.outcomes.inc({ provider, outcome });
    this.duration.observe({ provider }, seconds);
  }
}
