import type { AbstractProvider } from 'ethers';
import type pg from 'pg';
import {
  AttestationService,
  ChainAttesterSetSource,
  PgAttestationStore,
  ProviderContractSignatureVerifier,
  PublicationStatusReader,
  oracleContract,
  oracleDomain,
  RESULT_TYPES,
  type AttestationSigner,
  type SubmitReceipt,
} from '../../oracle/admin.js';
import { Phase, createOracleReader, type OracleReader, type Outcome } from '../../oracle/index.js';
import type { Result } from '../../oracle/index.js';

/** An event's result as players see it: provisional while proposed or disputed, final once the chain says so. */
export interface EventResultView {
  readonly phase: 'none' | 'proposed' | 'disputed' | 'final';
  /** True until the result is final (nothing is paid on it yet). */
  readonly provisional: boolean;
  readonly status: number;
  readonly version: number;
  readonly values: readonly number[];
  /**
   * The transaction that published this result on-chain (the relayer's mined or confirmed publication:
   * its own `propose`, or the batch root that holds it); null when this deployment's relayer did not
   * publish it (another relayer, or not mined yet).
   */
  readonly transaction: { readonly hash: string; readonly blockNumber: number | null } | null;
  /**
   * When the chain reads the result as final (ISO, chain time): the end of the dispute window while
   * proposed, when a dispute lapses while disputed; null when the contract gives none.
   */
  readonly finalAt: string | null;
}

/**
 * An EIP-712 request as wallets take it (`eth_signTypedData_v4`): domain, types with `EIP712Domain`,
 * primary type and message (uint64 fields as decimal strings).
 */
export interface TypedDataRequest {
  readonly domain: { name: string; version: string; chainId: string; verifyingContract: string };
  readonly types: Record<string, readonly { name: string; type: string }[]>;
  readonly primaryType: 'Result';
  readonly message: Record<string, unknown>;
}

/** What the admin routes and the event views need from the oracle (built by {@link createOracleAdmin}). */
export interface OracleAdminPort {
  /** The EIP-712 `Result` an admin signs for `outcome` under the current epoch (no write). */
  resultToSign(outcome: Outcome): Promise<Result>;
  /** `result` as the typed data a wallet signs (`eth_signTypedData_v4`), under this deployment's domain. */
  typedDataOf(result: Result): TypedDataRequest;
  /** Verifies and stores an admin's attestation (signature over {@link resultToSign}'s result). */
  submit(request: {
    adminId: string;
    outcome: Outcome;
    signature: string;
    signedWindow?: { notBefore: bigint; deadline: bigint; epoch: number } | undefined;
  }): Promise<SubmitReceipt>;
  /**
   * Has the signer instance bound to `adminId` sign the EIP-712 result of `outcome` and submits it
   * through the same {@link submit} path (same checks: binding, current attester set, signing window,
   * signature recovered to the admin's bound attester). A signer instance only ever signs for its own
   * admin: it is looked up by `adminId`, must hold the attester bound to that admin, and refuses any other.
   *
   * @throws {OracleError} ORACLE_SIGNER_UNAVAILABLE when no signer instance is bound to `adminId`
   *   (sign with a wallet instead), and every code of {@link submit}.
   */
  submitWithBoundSigner(request: { adminId: string; outcome: Outcome }): Promise<SubmitReceipt>;
  /** The admin's attester binding and, when this process reaches one, the attester of their signer instance. */
  signerOf(adminId: string): Promise<{ attester: string | null; boundSigner: string | null }>;
  /** Quorum, conflicts, publication and finality of one event. */
  status(oracleEventId: string): Promise<Record<string, unknown>>;
  /** The event's on-chain result for players (null when nothing was proposed). */
  result(oracleEventId: string): Promise<EventResultView | null>;
}

const PHASES = { [Phase.Proposed]: 'proposed', [Phase.Disputed]: 'disputed', [Phase.Final]: 'final' } as const;

/**
 * The oracle's admin side for the API, from oracle/admin.ts: the attestation service (admins send
 * their own signatures, or have the signer instance bound to them sign), the relayer's publication
 * status, and the chain's view.
 *
 * @param deps.signers - the Signer port: signer instances this process reaches, at most one per admin,
 *   each signing only for its admin (oracle's `AttestationSigner`). The local stack passes in-process
 *   instances over the development keys; in production a signer is a separate process with its own
 *   keystore, and none is passed unless an adapter to it is (then the bound-signer route answers
 *   ORACLE_SIGNER_UNAVAILABLE and admins sign with their wallets).
 */
export function createOracleAdmin(deps: {
  readonly pool: pg.Pool;
  readonly provider: AbstractProvider;
  readonly chainId: bigint;
  readonly oracleAddress: string;
  readonly reader?: OracleReader;
  readonly signers?: readonly AttestationSigner[];
}): OracleAdminPort {
  const contract = oracleContract(deps.oracleAddress, deps.provider);
  const store = new PgAttestationStore({ pool: deps.pool });
  const service = new AttestationService({
    store,
    attesterSet: new ChainAttesterSetSource({ contract, ttlMs: 10_000 }),
    chainId: deps.chainId,
    oracleAddress: deps.oracleAddress,
    contractVerifier: new ProviderContractSignatureVerifier(deps.provider),
    signers: deps.signers ?? [],
  });
  const signers = new Map((deps.signers ?? []).map((s) => [s.adminId, s]));
  const publications = new PublicationStatusReader({
    db: deps.pool,
    chainId: deps.chainId,
    contract: deps.oracleAddress,
  });
  const reader =
    deps.reader ??
    createOracleReader({
      provider: deps.provider,
      address: deps.oracleAddress,
      chainId: deps.chainId,
      pool: deps.pool,
    });
  const result = async (eventId: string): Promise<EventResultView | null> => {
    const [view, published] = await Promise.all([reader.resultOf(eventId), publications.forEvent(eventId)]);
    const phase = PHASES[view.phase as keyof typeof PHASES];
    if (!phase) return null;
    // The newest publication on-chain: a later version's publication supersedes an earlier one.
    const onChain = published.filter((p) => (p.state === 'mined' || p.state === 'confirmed') && p.txHash).at(-1);
    return {
      phase,
      provisional: phase !== 'final',
      status: view.status,
      version: view.version,
      values: view.values,
      transaction: onChain?.txHash ? { hash: onChain.txHash, blockNumber: onChain.blockNumber } : null,
      finalAt: view.finalAt > 0n ? new Date(Number(view.finalAt) * 1000).toISOString() : null,
    };
  };
  const domain = oracleDomain(deps.chainId, deps.oracleAddress);
  return {
    resultToSign: (outcome) => service.resultFor(outcome),
    typedDataOf: (r) => ({
      domain: {
        name: String(domain.name),
        version: String(domain.version),
        chainId: deps.chainId.toString(),
        verifyingContract: String(domain.verifyingContract),
      },
      types: {
        EIP712Domain: [
          { name: 'name', type: 'string' },
          { name: 'version', type: 'string' },
          { name: 'chainId', type: 'uint256' },
          { name: 'verifyingContract', type: 'address' },
        ],
        Result: RESULT_TYPES.Result!.map((f) => ({ name: f.name, type: f.type })),
      },
      primaryType: 'Result',
      message: {
        eventId: r.eventId,
        status: r.status,
        values: [...r.values],
        endedAt: r.endedAt.toString(),
        version: r.version,
        notBefore: r.notBefore.toString(),
        deadline: r.deadline.toString(),
        epoch: r.epoch,
      },
    }),
    submit: (request) =>
      service.submit({
        adminId: request.adminId,
        outcome: request.outcome,
        signature: request.signature,
        ...(request.signedWindow ? { signedWindow: request.signedWindow } : {}),
      }),
    // No signature: the service has the admin's own signer instance sign (and refuses without one).
    submitWithBoundSigner: (request) => service.submit({ adminId: request.adminId, outcome: request.outcome }),
    async signerOf(adminId) {
      const binding = await store.bindingOf(adminId);
      return { attester: binding?.attester ?? null, boundSigner: signers.get(adminId)?.attester ?? null };
    },
    async status(eventId) {
      const [attestations, published, chain, final, head] = await Promise.all([
        service.attestationsFor(eventId),
        publications.forEvent(eventId),
        result(eventId),
        reader.isFinal(eventId),
        // The chain's latest block: a ready result waits for one dated from its end time on (the page says so).
        deps.provider.getBlock('latest').catch(() => null),
      ]);
      const chainHead = head
        ? { number: head.number, timestamp: head.timestamp, at: new Date(head.timestamp * 1000).toISOString() }
        : null;
      return { attestations, publications: published, chain, final, chainHead };
    },
    result,
  };
}
