/**
 * Public entry point of the oracle for the admin pages of the API: read-only types and services, and
 * the attestation service admins submit through. Nothing exported here holds a key: signer instances,
 * keystores and the relayer account are wired by `oracle/main.ts` only (the attestation service takes
 * signer instances as an optional dependency; the API verifies submitted signatures without any).
 *
 * - attestations: {@link AttestationService} and what constructing it needs (Postgres store, attester set
 *   read from the chain, contract-signature verifier, migrations);
 * - publications: {@link PublicationStatusReader}, where the relayer stands for each event (state,
 *   failure code, retries, transactions);
 * - operations: {@link OracleOperationsReader}, the outbox by state and failure code, the indexer's
 *   checkpoint, the feed's head and a consumer's lag behind it (the API's operations view);
 * - chain access: {@link createProvider} (with {@link FailoverProvider} health per RPC URL) and
 *   {@link createChainPolicy} (retries, circuit breaker), and {@link loadChainConfig} for their configuration;
 * - errors: {@link OracleError}, its stable codes and {@link ORACLE_ERROR_STATUS} (code → HTTP status).
 *
 * The read side of results (final-result feed, `resultOf`) is `oracle/index.ts`.
 *
 * @packageDocumentation
 */

import { loadOracleConfig, type ChainConfig } from './config.js';

/** Verifies and stores admins' attestations; answers where each event stands. */
export {
  AttestationService,
  type Clock,
  type SubmitAttestation,
  type SubmitReceipt,
  type AttestationGroup,
  type EventAttestations,
} from './attestations/attestation-service.js';
export { PgAttestationStore } from './attestations/pg-attestation-store.js';
export type {
  AttestationStore,
  AttestationConflict,
  AttesterBinding,
  ConflictPayload,
  ConflictRecord,
  StoredAttestation,
} from './attestations/attestation-store.js';
export type { AttestationSigner } from './attestations/attestation-signer.js';
export type { AttesterSet, AttesterSetSource } from './attestations/attester-set.js';
export { ChainAttesterSetSource } from './chain/attester-set-source.js';
export {
  ProviderContractSignatureVerifier,
  type ContractSignatureVerifier,
} from './attestations/contract-signature-verifier.js';
export { DEFAULT_SIGNATURE_TTL_SECONDS } from './attestations/signing-window.js';
export { oracleContract } from './chain/oracle-contract.js';
/** Applies the oracle's SQL migrations (idempotent). */
export { migrateOracle } from './db/migrate-oracle.js';

/** Publication status per event, read-only. */
export {
  PublicationStatusReader,
  type PublicationStatus,
  type TransactionStatus,
} from './relayer/publication-status.js';
export type { PublicationKind, PublicationState, TransactionState } from './relayer/outbox-store.js';

/** Operational figures, read-only: relayer outbox by state and code, indexer checkpoint, feed head and lag. */
export {
  OracleOperationsReader,
  type RelayerOperations,
  type IndexerOperations,
  type FeedLag,
  type PublicationCount,
} from './operations-status.js';

/** Chain access: the provider (failover, health per URL) and the resilience policy. */
export {
  createProvider,
  providerHealth,
  FailoverProvider,
  type EndpointHealth,
  type FailoverEndpoint,
  type FailoverOptions,
  type ProviderOptions,
} from './chain/provider.js';
export {
  createChainPolicy,
  isTransientProviderError,
  type ChainPolicy,
  type ChainPolicyOptions,
} from './chain/resilience.js';
export { redactUrl, type ChainConfig } from './config.js';

/**
 * The chain section of the oracle configuration (RPC URLs or Infura, chain id, oracle address, timeouts,
 * breaker), parsed from the environment like the oracle processes do. Only the chain section is returned:
 * the relayer key variables, if present, are validated and dropped.
 *
 * @throws {OracleConfigError} naming every invalid variable, never its value.
 */
export function loadChainConfig(env: Readonly<Record<string, string | undefined>>): ChainConfig {
  return loadOracleConfig(env).chain;
}

/** Typed errors: `code` is stable, `message` names the field at fault and never carries a secret. */
export {
  OracleError,
  OracleConfigError,
  isOracleError,
  isTransientOracleCode,
  ORACLE_ERROR_STATUS,
  TRANSIENT_ORACLE_CODES,
  type OracleErrorCode,
} from './errors.js';
export { Phase, ResultStatus, eventIdOf, outcomeKey, type Outcome, type Result } from './result.js';
/** The EIP-712 domain and `Result` type (what an admin's wallet signs, e.g. `eth_signTypedData_v4`). */
export { EIP712_NAME, EIP712_VERSION, RESULT_TYPES, oracleDomain } from './result.js';
