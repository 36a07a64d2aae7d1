import type pg from 'pg';
import { createApiModule } from '../../../api/app.js';
import { SandboxPaymentProvider } from '../../../api/wallet/payment-provider.js';
import { testHttpPorts } from './http-ports.js';
import { sqlPlayerAccounts } from './sql-player-accounts.js';

const AUTH: Record<string, string> = {
  playerSession: 'player',
  staff: 'admin',
  webhookSignature: 'signed webhook',
};

/** The API reference table (docs/api.md) as /openapi.json describes the routes, one row per operation. */
export function referenceTable(): string {
  // No I/O happens at construction: the pool is never queried here.
  const { openapi } = createApiModule({
    pool: {} as pg.Pool,
    players: sqlPlayerAccounts,
    http: testHttpPorts(),
    payments: { provider: new SandboxPaymentProvider({ mode: 'instant', secret: 'x'.repeat(32) }), webhookSecret: 'x' },
  });
  const rows = [
    '| operation | who | what |',
    '| --- | --- | --- |',
    '| `GET /openapi.json` | public | this description (OpenAPI 3.1) |',
  ];
  const paths = openapi.paths as Record<
    string,
    Record<string, { summary: string; security: Record<string, unknown>[] }>
  >;
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const scheme = Object.keys(op.security[0] ?? {})[0];
      rows.push(`| \`${method.toUpperCase()} ${path}\` | ${scheme ? AUTH[scheme] : 'public'} | ${op.summary} |`);
    }
  }
  return rows.join('\n');
}
