// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IResultsOracle
 * @notice Quorum-attested sports results that any contract can read.
 *
 * A set of up to 16 attesters (EOAs or ERC-1271 contracts such as a Safe), identified by an
 * `epoch`, signs each result with EIP-712 (domain: name "Verdict ResultsOracle", version "1",
 * chain id, this contract). When `threshold` distinct attesters of the current epoch signed
 * the same payload, anyone may relay it: the result is *proposed* and reads as *final* once
 * the dispute window has passed, with no further transaction. Within the window an attester
 * or the guardian may *dispute*; a dispute is resolved by governance or by `disputeThreshold`
 * attesters signing a *resolution*: the EIP-712 types `Resolution` and `BatchResolution` carry
 * the fields of `Result` and `Batch` under another name, so the signatures that proposed a result
 * (however many) never resolve its dispute. A dispute holds for `DISPUTE_PERIOD` (3 days): unresolved,
 * it lapses and the disputed proposal reads as final, so no single key holds a result hostage.
 * Before finality (disputed or not) a correction needs a new quorum and a strictly higher `version`.
 *
 * ## One record per event
 * Each event has one stored record; every read path (stored reads, proof reads, {ResultsReader}) answers from
 * it, so there is at most one final (event, version, status, values) at any time. A final record never changes,
 * except a final `Postponed`: the only non-terminal status, it is replaced by a later version (the played
 * result, or `Cancelled`), which reads as `Proposed` and then `Final` in its turn. Consumers tell "postponed,
 * wait" (`status == Postponed`; the push path reverts {ResultPostponed} and notifies once the event is over)
 * from "over" (any other final status).
 *
 * Batch publication: a quorum signs one Merkle root over many results (OpenZeppelin
 * `StandardMerkleTree`-compatible double-hashed leaves, see {BatchedResult}). Roots follow the same window,
 * dispute (and lapse) rules. Once a root is final, anyone publishes a leaf with its proof
 * ({publishFromBatch}): the leaf is *proposed* into its event's record, with a fresh window, under the same rule
 * as {propose} (a strictly higher version; never over a final record other than `Postponed`). A proof read
 * ({verifyBatched}, {requireFinalBatched}) answers for a leaf only if it *is* its event's record: a root
 * holding two leaves of one event, or a leaf that disagrees with a direct proposal, never gives two finals.
 *
 * ## Signature bundle (`bytes signatures` of every quorum-signed call)
 * The attester set is kept on-chain as a 160-bit commitment (first 20 bytes of
 * `keccak256(abi.encodePacked(attesters))`, one 32-byte word per address) in the same storage
 * slot as the epoch and the thresholds, so that one cold read authenticates every signer.
 * The bundle carries the set,
 * except that an EOA signer's address is not sent: the contract recovers it from the signature.
 * Tightly packed:
 * ```
 * n        uint8               number of attesters of the current set (1..16)
 * bitmap   uint16 (big-endian) bit i set ⇔ attester i signed; distinct by construction
 * then, for each position i = 0 .. n-1 of the set, in order:
 *   bit i clear:  address (20 B)                                  attester i, who did not sign
 *   bit i set:    0x00 ‖ r (32 B) ‖ yParityAndS (32 B)            EIP-2098 compact ECDSA signature:
 *                                                                  attester i is the recovered signer
 *                 0x01 ‖ address (20 B) ‖ len uint16 ‖ sig (len B) ERC-1271: address.isValidSignature(digest, sig)
 * ```
 * The contract rebuilds the set from the addresses given and recovered and compares its
 * commitment with the stored one ({AttesterSetMismatch} otherwise): an ECDSA signature by
 * anyone else than attester i, over another payload, or with a high `s` (refused, never
 * normalised) recovers another address and fails this comparison. Checks, in this order: the
 * shape ({MalformedSignatures}: bad header, unknown entry kind, truncated or trailing bytes), each
 * ERC-1271 entry as it is reached ({InvalidSignature}), the number of signers
 * ({InsufficientSignatures}), then the set ({AttesterSetMismatch}).
 *
 * ## Packed calldata ({proposePacked}, {proposeBatchPacked})
 * The same signed payloads as {propose} and {proposeBatch}, without ABI padding or head (about 2,000 gas of
 * calldata and decoding less per call), big-endian and tightly packed, followed by the signature bundle, all of
 * it right after the 4-byte selector:
 * ```
 * Result: eventId (32 B) ‖ status uint8 ‖ count uint8 ‖ values (count × uint32) ‖ endedAt uint64 ‖
 *         version uint32 ‖ notBefore uint64 ‖ deadline uint64 ‖ epoch uint32 ‖ bundle
 * Batch:  root (32 B) ‖ count uint32 ‖ notBefore uint64 ‖ deadline uint64 ‖ epoch uint32 ‖ bundle
 * ```
 *
 * ## Raw reads ({resultWord}, {batchWord})
 * One storage word, returned as is, for consumers that decode it themselves (see
 * `libraries/ResultsReader.sol`): the cheapest in-call read. Bit layout, lowest-order first:
 * ```
 * resultWord: phase 0-7 (stored Phase: a Proposed or Disputed result is Final once block.timestamp >= finalAt),
 *             status 8-15, valueCount 16-23, version 24-55, finalAt 56-119, home 120-151, away 152-183
 * batchWord:  state 0-7 (0 none, 1 proposed, 2 disputed, 3 final, 4 rejected by governance),
 *             finalAt 8-71 (a proposed or disputed root is final from it), epoch 72-103
 * While disputed, `finalAt` is the time the dispute lapses (dispute time + DISPUTE_PERIOD).
 * ```
 * This layout is part of the interface and never changes for a deployed contract.
 */
interface IResultsOracle {
    // TYPES

    /// @notice What happened to the event. Markets derive from it: `Completed` settles, the others void or wait.
    enum ResultStatus {
        None, // no result
        Completed, // played to the end: `values` are the final score of a match or a race's finishing order
        Cancelled, // will not take place: every market is void
        Postponed, // moved to a later date: not over even when final; markets wait for a later version
        Abandoned, // started but not finished: every market is void
        Void // declared void by the organiser: every market is void
    }

    /// @notice Where a result stands. `Final` is derived: a `Proposed` result whose window has passed reads as `Final`.
    enum Phase {
        None, // nothing published
        Proposed, // quorum-signed, inside the dispute window
        Disputed, // disputed inside the window; waits for a resolution or a higher version, or lapses to Final
        Final // final: never changes again, except a final Postponed, which a later version supersedes
    }

    /**
     * @notice The EIP-712 signed payload of one result.
     * @dev Type string (see `libraries/ResultHash.sol`):
     * `Result(bytes32 eventId,uint8 status,uint32[] values,uint64 endedAt,uint32 version,uint64 notBefore,uint64 deadline,uint32 epoch)`
     * @param eventId Identifier of the sports event (e.g. keccak256 of the operator's event key).
     * @param status What happened.
     * @param values Outcome values: `[home, away]` for a match, runner numbers in finishing order for a race
     *        (dead heats are explicit in the off-chain market rules). Empty unless `status == Completed`.
     * @param endedAt Unix time the event ended (or was called off).
     * @param version 1 for the first result of an event; a correction carries a higher version.
     * @param notBefore Signatures are invalid before this time.
     * @param deadline Signatures are invalid after this time.
     * @param epoch Attester epoch the signatures belong to; a rotation invalidates older signatures.
     */
    struct Result {
        bytes32 eventId;
        ResultStatus status;
        uint32[] values;
        uint64 endedAt;
        uint32 version;
        uint64 notBefore;
        uint64 deadline;
        uint32 epoch;
    }

    /**
     * @notice The EIP-712 signed payload of a batch root.
     * @dev Type string: `Batch(bytes32 root,uint32 count,uint64 notBefore,uint64 deadline,uint32 epoch)`
     * @param root Merkle root over {BatchedResult} leaves.
     * @param count Number of leaves (informational; emitted for indexers).
     */
    struct Batch {
        bytes32 root;
        uint32 count;
        uint64 notBefore;
        uint64 deadline;
        uint32 epoch;
    }

    /**
     * @notice One result inside a batch. Leaf hash (OpenZeppelin StandardMerkleTree with leaf encoding
     * `["bytes32","uint8","uint32[]","uint64","uint32"]`):
     * `keccak256(bytes.concat(keccak256(abi.encode(eventId, uint8(status), values, endedAt, version))))`.
     */
    struct BatchedResult {
        bytes32 eventId;
        ResultStatus status;
        uint32[] values;
        uint64 endedAt;
        uint32 version;
    }

    /**
     * @notice What a read of an event's result returns; never reverts.
     * @param phase Where the result stands (`Final` when a proposal's window has passed).
     * @param status What happened.
     * @param version Version of the stored result.
     * @param finalAt Time from which the result is final (while disputed: when the dispute lapses; 0 if absent).
     * @param values Outcome values when at most two (a match); empty otherwise.
     * @param valuesHash `keccak256(abi.encodePacked(values))` for every result (the commitment that a consumer
     *        checks longer outcomes against).
     * @param valueCount Number of outcome values.
     */
    struct ResultView {
        Phase phase;
        ResultStatus status;
        uint32 version;
        uint64 finalAt;
        uint32[] values;
        bytes32 valuesHash;
        uint8 valueCount;
    }

    // ERRORS

    /// @notice The signature bundle is not of the documented shape.
    error MalformedSignatures();
    /// @notice Packed calldata ends before the payload it announces, or a typed payload carries an ABI word with
    /// bits beyond its type (the result is hashed from its ABI words as they are).
    error MalformedPayload();
    /// @notice The set rebuilt from the bundle (addresses given and signers recovered) is not the current one.
    error AttesterSetMismatch(bytes20 given, bytes20 expected);
    /// @notice Fewer distinct attesters signed than required.
    error InsufficientSignatures(uint256 count, uint256 required);
    /// @notice The ERC-1271 attester `attester` refused the signature (ECDSA failures show as {AttesterSetMismatch}).
    error InvalidSignature(address attester);
    /// @notice The payload is signed for another attester epoch.
    error WrongEpoch(uint32 given, uint32 current);
    /// @notice The signatures' deadline has passed.
    error SignatureExpired(uint64 deadline, uint64 now);
    /// @notice The signatures are not valid yet.
    error SignatureNotYetValid(uint64 notBefore, uint64 now);
    /// @notice Outcome values do not fit the status (values only with `Completed`, 1..255 of them), or status is None
    /// or beyond `Void` (reported as its uint8 value).
    error InvalidOutcome(ResultStatus status, uint256 valueCount);
    /// @notice The event's result is final and never changes.
    error ResultAlreadyFinal(bytes32 eventId);
    /// @notice A proof read's leaf is not the stored record of its event (unpublished, superseded or conflicting).
    error ResultNotStored(bytes32 eventId);
    /// @notice The event's final result is `Postponed` (version `version`): not over, a later version may follow.
    error ResultPostponed(bytes32 eventId, uint32 version);
    /// @notice A correction must carry a higher version than the stored one.
    error VersionNotHigher(bytes32 eventId, uint32 given, uint32 current);
    /// @notice A dispute must come inside the window of a proposed result or root.
    error NotDisputable(bytes32 subject);
    /// @notice Only a disputed result or root can be resolved.
    error NotDisputed(bytes32 subject);
    /// @notice The caller is neither an attester of the current set nor the guardian.
    error NotAttesterOrGuardian(address caller);
    /// @notice The caller is not the guardian.
    error NotGuardian(address caller);
    /// @notice A read that requires finality found the result in `phase`.
    error ResultNotFinal(bytes32 eventId, Phase phase);
    /// @notice The values passed by a consumer do not match the stored commitment.
    error ValuesMismatch(bytes32 eventId);
    /// @notice The Merkle proof does not lead to `root`.
    error InvalidProof(bytes32 root);
    /// @notice The root was already proposed.
    error BatchAlreadyProposed(bytes32 root);
    /// @notice A read or a write that requires a final root found it in `phase` (or rejected).
    error BatchNotFinal(bytes32 root, Phase phase);
    /// @notice The proposed attester set or thresholds are invalid.
    error InvalidAttesterSet(uint256 count, uint8 threshold, uint8 disputeThreshold);
    /// @notice The dispute window is outside the allowed range.
    error InvalidDisputeWindow(uint32 window);
    /// @notice The zero address where an account is required.
    error ZeroAddress();
    /// @notice Governance cannot be renounced: rotation, windows and dispute resolution would be frozen for good.
    error RenounceDisabled();
    /// @notice `consumer` is not registered for `eventId`.
    error ConsumerNotRegistered(bytes32 eventId, address consumer);
    /// @notice `consumer` was already notified for `eventId`.
    error ConsumerAlreadyNotified(bytes32 eventId, address consumer);
    /// @notice Not enough gas left to give a consumer its full stipend.
    error InsufficientGasForNotification(uint256 gasLeft, uint256 required);

    // EVENTS

    /**
     * @notice A quorum-signed result was proposed (or corrected with a higher version).
     * @param eventId The event.
     * @param version Its version.
     * @param status What happened.
     * @param values Outcome values (also for long outcomes stored as a commitment).
     * @param endedAt Time the event ended.
     * @param finalAt Time from which it reads as final unless disputed.
     * Gas-driven shape (this log is paid on every proposal): `version` is data, not a topic (filter by event id),
     * and the attester epoch is not logged: a proposal is only accepted with signatures of the current epoch,
     * which is the one of the latest {AttestersRotated} before it (the constructor emits epoch 1).
     */
    event ResultProposed(
        bytes32 indexed eventId,
        uint32 version,
        ResultStatus status,
        uint32[] values,
        uint64 endedAt,
        uint64 finalAt
    );
    /**
     * @notice The proposed result of `eventId` (version `version`) was disputed by `by` (an attester or the
     * guardian). Unless resolved or superseded by a higher version first, it reads as final from `finalAt` (the
     * dispute lapses, with no transaction).
     */
    event ResultDisputed(bytes32 indexed eventId, uint32 indexed version, address indexed by, uint64 finalAt);
    /**
     * @notice A disputed result was resolved; it is final from this block on.
     * @param byGovernance True when governance resolved, false when `disputeThreshold` attesters did.
     */
    event ResultResolved(
        bytes32 indexed eventId,
        uint32 indexed version,
        ResultStatus status,
        uint32[] values,
        uint64 endedAt,
        bool byGovernance
    );
    /// @notice A quorum-signed batch root was proposed; its results read as final from `finalAt` unless disputed.
    event BatchProposed(bytes32 indexed root, uint32 count, uint64 finalAt, uint32 epoch);
    /// @notice A proposed root was disputed by `by`; unless resolved first, it reads as final from `finalAt`.
    event BatchDisputed(bytes32 indexed root, address indexed by, uint64 finalAt);
    /// @notice A disputed root was upheld (final now) or rejected (never final).
    event BatchResolved(bytes32 indexed root, bool upheld, bool byGovernance);
    /**
     * @notice A leaf of the final `root` was proposed into its event's record by {publishFromBatch}, right after
     * the {ResultProposed} of the same transaction (which carries the result and its `finalAt`).
     */
    event ResultPublishedFromBatch(bytes32 indexed eventId, bytes32 indexed root, uint32 version);
    /// @notice The attester set was replaced; signatures of older epochs are invalid from now on.
    event AttestersRotated(uint32 indexed epoch, address[] attesters, uint8 threshold, uint8 disputeThreshold);
    /// @notice The dispute window changed (applies to proposals made from now on).
    event DisputeWindowChanged(uint32 oldWindow, uint32 newWindow);
    /// @notice The guardian changed.
    event GuardianChanged(address indexed oldGuardian, address indexed newGuardian);
    /// @notice `consumer` registered to be notified when `eventId` is final.
    event ConsumerRegistered(bytes32 indexed eventId, address indexed consumer);
    /// @notice `consumer` was called for `eventId`; `success` is false when it reverted or ran out of its stipend.
    event ConsumerNotified(bytes32 indexed eventId, address indexed consumer, bool success);

    // PUBLICATION

    /**
     * @notice Proposes (or, before finality, corrects) one result signed by `threshold` attesters.
     * @dev Anyone may relay. Reverts while paused.
     * @param result The signed payload.
     * @param signatures The signature bundle (see contract NatSpec).
     */
    function propose(Result calldata result, bytes calldata signatures) external;

    /**
     * @notice Proposes a batch root signed by `threshold` attesters.
     * @param batch The signed root.
     * @param signatures The signature bundle.
     */
    function proposeBatch(Batch calldata batch, bytes calldata signatures) external;

    /**
     * @notice {propose} with the packed calldata documented above: the selector, then the packed result, then
     * the bundle, with no ABI head (`bytes.concat(selector, packedResult, bundle)`: the function takes no
     * declared parameter, it reads what follows the selector).
     * @dev What the relayer sends. Reverts with {MalformedPayload} when the calldata is too short for its result.
     */
    function proposePacked() external;

    /// @notice {proposeBatch} with the packed calldata documented above, after the selector like {proposePacked}.
    function proposeBatchPacked() external;

    /**
     * @notice Proposes one result of a final root into its event's record, with a fresh dispute window (emits
     * {ResultProposed}, then {ResultPublishedFromBatch}). A no-op when the leaf already is the record.
     * @dev Reverts while paused, with {BatchNotFinal} unless the root is final, {InvalidProof} on a bad proof,
     * {InvalidOutcome}, {ResultAlreadyFinal} when the record is final (and not `Postponed`), and
     * {VersionNotHigher} unless the leaf's version is strictly higher than the record's (version 0 never is;
     * an equal version never replaces a pending proposal).
     */
    function publishFromBatch(bytes32 root, BatchedResult calldata result, bytes32[] calldata proof) external;

    // DISPUTES

    /**
     * @notice Disputes the proposed result of `eventId` inside its window. Caller: an attester of the current set
     * or the guardian; works while paused. The dispute lapses after `DISPUTE_PERIOD` (the proposal is then
     * final); before that, a resolution or a fresh quorum's higher version ends it.
     */
    function dispute(bytes32 eventId) external;

    /// @notice Disputes a proposed root inside its window (same callers and lapse as {dispute}).
    function disputeBatch(bytes32 root) external;

    /**
     * @notice Resolves a disputed result with `disputeThreshold` signatures over the `Resolution` of `result`
     * (the disputed payload to uphold it, or another one to replace it). The result is final at once.
     * @dev EIP-712 type (see `libraries/ResultHash.sol`), the fields of {Result} under another name:
     * `Resolution(bytes32 eventId,uint8 status,uint32[] values,uint64 endedAt,uint32 version,uint64 notBefore,uint64 deadline,uint32 epoch)`.
     * Signatures of the proposal (type `Result`) recover other signers and revert {AttesterSetMismatch}, so a
     * dispute is only overcome by signatures made to resolve it.
     */
    function resolve(Result calldata result, bytes calldata signatures) external;

    /// @notice Governance resolves a disputed result with `result` (signature fields ignored). Final at once.
    function resolveByGovernance(Result calldata result) external;

    /**
     * @notice Resolves a disputed root: `disputeThreshold` signatures over the `BatchResolution` of the same
     * root uphold it (final at once).
     * @dev EIP-712 type: `BatchResolution(bytes32 root,uint32 count,uint64 notBefore,uint64 deadline,uint32 epoch)`,
     * the fields of {Batch}; the root's proposal signatures (type `Batch`) never resolve its dispute.
     */
    function resolveBatch(Batch calldata batch, bytes calldata signatures) external;

    /// @notice Governance upholds (final at once) or rejects (never final) a disputed root.
    function resolveBatchByGovernance(bytes32 root, bool uphold) external;

    // GOVERNANCE AND GUARDIAN

    /**
     * @notice Replaces the attester set in place and starts a new epoch. Governance only.
     * @dev Does not cancel what the old set proposed (results and roots still in their window become final):
     * after a key compromise, the guardian or the new set disputes them and the new set or governance corrects.
     */
    function rotateAttesters(address[] calldata attesters, uint8 threshold, uint8 disputeThreshold) external;

    /// @notice Sets the dispute window for future proposals. Governance only.
    function setDisputeWindow(uint32 window) external;

    /// @notice Sets the guardian. Governance only.
    function setGuardian(address guardian) external;

    /**
     * @notice Pauses publication and dispute resolution (never reads, never disputes, never finality: a pause by
     * one key must not hold every result hostage). Guardian or governance.
     */
    function pause() external;

    /// @notice Lifts the pause. Governance only.
    function unpause() external;

    // READS (never revert unless stated)

    /// @notice Full read of an event's result.
    function resultOf(bytes32 eventId) external view returns (ResultView memory);

    /**
     * @notice Cheap read for two-value outcomes: one storage slot.
     * @return phase Where it stands.
     * @return status What happened.
     * @return home First value (0 if none).
     * @return away Second value (0 if none).
     * @return version Stored version.
     * @return finalAt Time from which it is final (0 while disputed or absent).
     */
    function matchResult(
        bytes32 eventId
    )
        external
        view
        returns (Phase phase, ResultStatus status, uint32 home, uint32 away, uint32 version, uint64 finalAt);

    /// @notice Like {matchResult} but reverts with {ResultNotFinal} unless final. A final `Postponed` is returned
    /// as such: not over, wait for a later version.
    function finalMatchResult(bytes32 eventId) external view returns (ResultStatus status, uint32 home, uint32 away);

    /// @notice Reverts with {ResultNotFinal} unless final and {ValuesMismatch} unless `values` are the stored ones.
    function finalResultWithValues(
        bytes32 eventId,
        uint32[] calldata values
    ) external view returns (ResultStatus status, uint32 version);

    /// @notice True when `eventId` has a final result.
    function isFinal(bytes32 eventId) external view returns (bool);

    /// @notice Where a root stands and when it is final. `Phase.None` for unknown or rejected roots.
    function batchOf(bytes32 root) external view returns (Phase phase, uint64 finalAt, uint32 epoch);

    /**
     * @notice Verifies a result against a root in-call, deferring to storage; never reverts.
     * @return phase The phase of the event's record when the leaf is that record; `None` when the proof is
     * invalid or the leaf is not the record (not published, superseded, or conflicting).
     * @return finalAt The record's `finalAt` (0 with `None`).
     */
    function verifyBatched(
        bytes32 root,
        BatchedResult calldata result,
        bytes32[] calldata proof
    ) external view returns (Phase phase, uint64 finalAt);

    /// @notice Reverts with {InvalidProof} unless the proof holds, {ResultNotStored} unless the leaf is its event's
    /// record, {ResultNotFinal} unless that record is final. A final `Postponed` passes: check the status.
    function requireFinalBatched(bytes32 root, BatchedResult calldata result, bytes32[] calldata proof) external view;

    /// @notice The storage word of `eventId`'s result, as is (layout above; zero when nothing was published).
    function resultWord(bytes32 eventId) external view returns (uint256);

    /// @notice The storage word of `root`, as is (layout above; zero for an unknown root).
    function batchWord(bytes32 root) external view returns (uint256);

    /// @notice Current attester epoch, thresholds, set commitment and set size.
    function attesterConfig()
        external
        view
        returns (uint32 epoch, uint8 threshold, uint8 disputeThreshold, uint8 count, bytes20 setHash);

    /// @notice The current attester set, in rotation order.
    function attesters() external view returns (address[] memory);

    /// @notice Dispute window for new proposals, in seconds.
    function disputeWindow() external view returns (uint32);

    /// @notice The guardian.
    function guardian() external view returns (address);

    /// @notice EIP-712 digest of a result, as attesters sign it.
    function resultDigest(Result calldata result) external view returns (bytes32);

    /// @notice EIP-712 digest of a batch, as attesters sign it.
    function batchDigest(Batch calldata batch) external view returns (bytes32);

    // PUSH NOTIFICATIONS

    /// @notice Registers the caller (a contract implementing {IResultsConsumer}) for `eventId`; again is a no-op.
    function registerConsumer(bytes32 eventId) external;

    /**
     * @notice Once `eventId` is final and over, calls every not-yet-notified registered consumer with a fixed gas
     * stipend; reverts {ResultNotFinal} before, {ResultPostponed} on a final `Postponed` (notified later, once). Anyone may call. A reverting or gas-burning consumer is recorded as failed and never blocks.
     * @param maxConsumers Upper bound of consumers to notify in this call.
     * @return notified How many consumers were called.
     */
    function notifyConsumers(bytes32 eventId, uint256 maxConsumers) external returns (uint256 notified);

    /**
     * @notice Once `eventId` is final, calls one registered, not-yet-notified consumer with the fixed stipend.
     * Registration is open to anyone and unbounded, so a consumer never waits behind others' registrations:
     * it (or anyone) can trigger its own notification directly.
     * @return success False when the consumer reverted or ran out of its stipend (recorded, not retried).
     */
    function notifyConsumer(bytes32 eventId, address consumer) external returns (bool success);
}

/// @title IResultsConsumer
/// @notice Implemented by contracts that registered with {IResultsOracle.registerConsumer}.
interface IResultsConsumer {
    /// @notice Called once the result of `eventId` is final, with a fixed gas stipend.
    function onResultFinal(bytes32 eventId, IResultsOracle.ResultStatus status, uint32 version) external;
}
