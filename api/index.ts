/**
 * api — the betting core: events and markets over the oracle's outcome schemas, pari-mutuel
 * pools, a double-entry ledger in Postgres, the wallet and bet placement, and their HTTP API.
 *
 * Public surface (the composition root, `api/main.ts` later, imports only from here):
 * - {@link createApiModule}: services and the Express app, from connections and ports;
 * - {@link migrateApi}: the `betting` schema (run kyc's migrations first);
 * - the ports the composition root wires: {@link PlayerAccounts} (kyc's `readPlayerAccount`),
 *   {@link HttpPorts} (kyc's `requirePlayer` and CSRF check, staff `requireAdmin`), {@link PaymentProvider};
 * - the pure domain: outcome schemas, market states, pari-mutuel math (for the settler);
 * - {@link ApiError} and {@link ERROR_STATUS}: stable codes and their HTTP status.
 *
 * @packageDocumentation
 */

/**
 * Builds the API from its dependencies. No I/O happens here.
 *
 * @param deps - pg pool, optional Redis (pool counters, readiness), ports, payment provider, clock, logger.
 * @returns `{ app, bets, wallet, markets, routes, openapi }`.
 */
export { createApiModule, type ApiModule, type ApiModuleDeps } from './app.js';

/**
 * Applies api/db/migrations (schema `betting`, history table `api_migrations`).
 *
 * @returns ids of the migrations applied by this call.
 */
export { migrateApi } from './db/migrations.js';

/** Ports the composition root implements. */
export type { PlayerAccounts, AccountLock, HttpPorts, AdminPrincipal } from './ports.js';
export {
  type PaymentProvider,
  type PaymentRequest,
  type PaymentAnswer,
  SandboxPaymentProvider,
  SANDBOX_SIGNATURE_HEADER,
  verifySandboxSignature,
} from './wallet/payment-provider.js';

/** Typed errors and the one status table (api's codes and kyc's). */
export { ApiError, isApiError, type ApiErrorCode } from './errors.js';
export { API_ERROR_STATUS, ERROR_STATUS } from './http/problem.js';

/** Outcome schemas, market definitions and what a result pays on (pure). */
export {
  OUTCOME_SCHEMAS,
  MARKET_TYPES,
  marketOutcome,
  definitionProblem,
  selectionsOf,
  type OutcomeSchemaId,
  type MarketDefinition,
  type MarketOutcome,
  type EventShape,
  type Selection,
  type Weight,
} from './markets/outcome.js';
export {
  MARKET_STATES,
  transition,
  effectiveState,
  type MarketState,
  type MarketCommand,
} from './markets/market-state.js';

/** Pari-mutuel arithmetic in bigint cents (pure). */
export {
  settlePool,
  settleBets,
  payoutOf,
  netPool,
  indicativeDividends,
  type PoolSettlement,
  type PoolTotals,
  type SelectionDividend,
} from './pools/parimutuel.js';

/** Ledger helpers for the settler (one balanced transaction per call) and the zero-sum check. */
export {
  postTransaction,
  singletonAccounts,
  ledgerTotal,
  type EntryInput,
  type LedgerTransactionKind,
} from './ledger/ledger.js';
export { MAX_BATCH, type BetView, type BetRequest, type GroupCommitOptions } from './bets/bet-service.js';

/**
 * Reference set-based settlement of one market from a final result (exactly once per market).
 * The settler process (feed cursor, chain check, SKIP LOCKED, restarts) builds on it.
 */
export { settleMarket, type SettlingResult, type SettlementSummary } from './settlement/settle-market.js';

/** `GET /admin/ops`'s figures (docs/api.md, "Operations view"): the API process wires it; bench/ops.ts measures it. */
export {
  createOperationsView,
  type OperationsView,
  type OperationsSnapshot,
  type OperationsThresholds,
} from './admin/operations.js';
