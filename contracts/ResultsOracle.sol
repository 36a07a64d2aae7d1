// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IResultsOracle, IResultsConsumer} from "./interfaces/IResultsOracle.sol";
import {ResultHash} from "./libraries/ResultHash.sol";

/**
 * @title ResultsOracle
 * @notice See {IResultsOracle}. Governance is the (two-step) owner; the guardian may pause.
 * @dev Gas-driven layout: the attester set is authenticated through a 160-bit commitment that shares one slot
 * with the epoch, the thresholds, the window and the pause flag, so `propose` reads one config slot and writes
 * one result slot. The pause flag lives in that slot too: {Pausable}'s own `_paused` slot is left unused.
 */
contract ResultsOracle is IResultsOracle, EIP712, Ownable2Step, Pausable {
    // CONSTANTS

    /// @notice Largest attester set.
    uint256 public constant MAX_ATTESTERS = 16;
    /// @notice Shortest dispute window governance may set.
    uint32 public constant MIN_DISPUTE_WINDOW = 1 minutes;
    /// @notice Longest dispute window governance may set.
    uint32 public constant MAX_DISPUTE_WINDOW = 30 days;
    /**
     * @notice How long a dispute holds: a disputed result or root that nobody resolved (or, for a result,
     * superseded by a fresh quorum with a higher version) within it reads as final again, as proposed. So no
     * single key (one attester, the guardian) can hold a result hostage: a dispute buys the others time to act.
     */
    uint64 public constant DISPUTE_PERIOD = 3 days;
    /// @notice Gas given to each consumer's `onResultFinal`.
    uint256 public constant CONSUMER_GAS_STIPEND = 100_000;
    uint256 private constant _REGISTERED = 1;
    uint256 private constant _NOTIFIED = 2;

    /// @dev Gas kept for the call itself (cold account access, memory) and the event after it.
    uint256 private constant NOTIFY_OVERHEAD = 10_000;
    /// @dev Gas needed before a consumer call so that the callee surely gets its whole stipend (EIP-150: the
    /// caller keeps 1/64 of what is left), plus the overhead.
    uint256 private constant NOTIFY_GAS_REQUIRED = (CONSUMER_GAS_STIPEND * 64) / 63 + 1 + NOTIFY_OVERHEAD;

    /// @dev Storage words of a full packed set: ceil(16 * 20 / 32).
    uint256 private constant SET_WORDS = 10;

    /// @dev Bytes of a packed batch: root (32) ‖ count (4) ‖ notBefore (8) ‖ deadline (8) ‖ epoch (4).
    uint256 private constant PACKED_BATCH_SIZE = 56;
    /// @dev Bytes of a packed result without its values: eventId (32) ‖ status (1) ‖ count (1) ‖ endedAt (8) ‖
    /// version (4) ‖ notBefore (8) ‖ deadline (8) ‖ epoch (4).
    uint256 private constant PACKED_RESULT_BASE = 66;
    /// @dev Largest `s` of a low-s ECDSA signature (half the secp256k1 order).
    uint256 private constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    // STORAGE

    /// @dev One slot (32 bytes): everything `propose` needs besides the result slot.
    struct Config {
        bytes20 setHash; // first 20 bytes of keccak256(abi.encodePacked(attesters)): one word per address
        uint32 epoch;
        uint8 threshold;
        uint8 disputeThreshold;
        uint8 count;
        uint32 disputeWindow;
        bool paused;
    }

    /**
     * @dev One slot (23 bytes used) per event. `phase` is `Proposed`, `Disputed` or `Final` (written by a
     * resolution or a batch); a `Proposed` result reads as `Final` once `finalAt` has passed. `home`/`away` hold
     * the first two values; longer outcomes also keep `keccak256(abi.encodePacked(values))` in `_valuesHashes`.
     */
    struct StoredResult {
        Phase phase;
        ResultStatus status;
        uint8 valueCount;
        uint32 version;
        uint64 finalAt;
        uint32 home;
        uint32 away;
    }

    /// @dev Stored state of a root; `Rejected` (by governance) reads as `Phase.None` and blocks a re-proposal.
    enum BatchState {
        None,
        Proposed,
        Disputed,
        Final,
        Rejected
    }

    /// @dev One slot per root.
    struct StoredBatch {
        BatchState state;
        uint64 finalAt;
        uint32 epoch;
    }

    /**
     * @dev The EIP-712 domain separator at deployment and its chain id. {_verifyQuorum} compares the chain id
     * and takes the separator from these two immutables; {EIP712-_domainSeparatorV4} keeps its own cache but
     * also compares `address(this)`, which cannot change here (no proxy, no delegatecall). After a fork to
     * another chain id it falls back to {EIP712-_domainSeparatorV4}, which rebuilds the separator.
     */
    bytes32 private immutable _deployedSeparator;
    uint256 private immutable _deployedChainId;

    Config private _config;
    /**
     * @dev The current set in rotation order, packed 20 bytes per address as in the bundle (16 addresses fill
     * 10 words; 5 fill 4), so that a rotation writes 4 slots instead of 5. Words past the set are zero.
     */
    bytes32[SET_WORDS] private _attesterWords;
    address private _guardian;
    mapping(bytes32 eventId => StoredResult) private _results;
    mapping(bytes32 eventId => bytes32) private _valuesHashes;
    mapping(bytes32 root => StoredBatch) private _batches;
    mapping(bytes32 eventId => address[]) private _consumers;
    mapping(bytes32 eventId => uint256) private _notifiedCount;
    /// @dev 0 = not registered, `_REGISTERED`, `_NOTIFIED`.
    mapping(bytes32 eventId => mapping(address consumer => uint256 state)) private _consumerState;

    /**
     * @param attesters_ Initial attester set (epoch 1).
     * @param threshold Signatures needed to propose.
     * @param disputeThreshold Signatures needed to resolve a dispute.
     * @param disputeWindow_ Dispute window in seconds.
     * @param guardian_ May pause and dispute.
     * @param governance Owner: rotates, configures, resolves, unpauses.
     */
    constructor(
        address[] memory attesters_,
        uint8 threshold,
        uint8 disputeThreshold,
        uint32 disputeWindow_,
        address guardian_,
        address governance
    ) EIP712("Verdict ResultsOracle", "1") Ownable(governance) {
        _deployedSeparator = _domainSeparatorV4();
        _deployedChainId = block.chainid;
        _setDisputeWindow(disputeWindow_);
        _setGuardian(guardian_);
        _setAttesters(attesters_, threshold, disputeThreshold);
    }

    // PUBLICATION

    /// @inheritdoc IResultsOracle
    function propose(Result calldata result, bytes calldata signatures) external {
        _propose(_loadResult(result), signatures);
    }

    /// @inheritdoc IResultsOracle
    function proposePacked() external {
        // The payload follows the selector (no ABI head): unpacked into a result image (see {_loadResult}).
        uint256 image;
        bytes calldata signatures;
        bytes32 typeHash = ResultHash.RESULT_TYPEHASH;
        bool short;
        assembly ("memory-safe") {
            let head := calldataload(36) // status ‖ count ‖ ... (bytes read past the calldata are zero)
            let count := byte(1, head)
            let size := add(PACKED_RESULT_BASE, shl(2, count))
            let length := sub(calldatasize(), 4)
            short := lt(length, size)
            image := mload(0x40)
            mstore(image, typeHash)
            mstore(add(image, 0x20), calldataload(4)) // eventId
            mstore(add(image, 0x40), byte(0, head)) // status
            mstore(add(image, 0x120), count)
            let out := add(image, 0x140)
            let outEnd := add(out, shl(5, count))
            for {
                let p := out
                let src := 38
            } lt(p, outEnd) {
                p := add(p, 0x20)
                src := add(src, 4)
            } {
                mstore(p, shr(224, calldataload(src)))
            }
            mstore(add(image, 0x60), keccak256(out, shl(5, count)))
            // endedAt (8) ‖ version (4) ‖ notBefore (8) ‖ deadline (8) ‖ epoch (4): exactly one word.
            let w := calldataload(add(38, shl(2, count)))
            mstore(add(image, 0x80), shr(192, w))
            mstore(add(image, 0xa0), and(shr(160, w), 0xffffffff))
            mstore(add(image, 0xc0), and(shr(96, w), 0xffffffffffffffff))
            mstore(add(image, 0xe0), and(shr(32, w), 0xffffffffffffffff))
            mstore(add(image, 0x100), and(w, 0xffffffff))
            mstore(0x40, add(out, shl(5, count)))
            signatures.offset := add(4, size)
            signatures.length := mul(sub(length, size), iszero(short))
        }
        if (short) revert MalformedPayload();
        _propose(image, signatures);
    }

    /// @inheritdoc IResultsOracle
    function proposeBatch(Batch calldata batch, bytes calldata signatures) external {
        uint256 image;
        bool dirty;
        assembly ("memory-safe") {
            image := mload(0x40)
            calldatacopy(add(image, 0x20), batch, 0xa0) // root, count, notBefore, deadline, epoch
            mstore(0x40, add(image, 0xc0))
            // Words wider than their type (the ABI decoder would refuse them): count, notBefore, deadline, epoch.
            dirty := or(
                or(shr(32, mload(add(image, 0x40))), shr(64, mload(add(image, 0x60)))),
                or(shr(64, mload(add(image, 0x80))), shr(32, mload(add(image, 0xa0))))
            )
        }
        if (dirty) revert MalformedPayload();
        _proposeBatch(image, signatures);
    }

    /// @inheritdoc IResultsOracle
    function proposeBatchPacked() external {
        // The payload follows the selector (no ABI head): root (32) ‖ count (4) ‖ notBefore (8) ‖ deadline (8) ‖
        // epoch (4), then the bundle.
        if (msg.data.length < 4 + PACKED_BATCH_SIZE) revert MalformedPayload();
        uint256 image;
        assembly ("memory-safe") {
            image := mload(0x40)
            mstore(add(image, 0x20), calldataload(4)) // root
            let w := calldataload(36)
            mstore(add(image, 0x40), shr(224, w))
            mstore(add(image, 0x60), and(shr(160, w), 0xffffffffffffffff))
            mstore(add(image, 0x80), and(shr(96, w), 0xffffffffffffffff))
            mstore(add(image, 0xa0), and(shr(64, w), 0xffffffff))
            mstore(0x40, add(image, 0xc0))
        }
        _proposeBatch(image, msg.data[4 + PACKED_BATCH_SIZE:]);
    }

    /// @inheritdoc IResultsOracle
    function publishFromBatch(bytes32 root, BatchedResult calldata result, bytes32[] calldata proof) external {
        uint64 window = _activeConfig().disputeWindow;
        uint64 now_ = _time();
        Phase batchPhase = _batchPhaseOf(root, now_);
        if (batchPhase != Phase.Final) revert BatchNotFinal(root, batchPhase);
        if (!MerkleProof.verifyCalldata(proof, root, ResultHash.leaf(result))) revert InvalidProof(root);
        _checkOutcome(result.status, result.values);
        bytes32 valuesHash = ResultHash.valuesHash(result.values);
        if (!_publishable(result, valuesHash, now_)) return; // already the record: idempotent

        uint64 finalAt = now_ + window;
        bytes32 eventId = result.eventId;
        _store(eventId, _pack(Phase.Proposed, result.status, result.values, result.version, finalAt), valuesHash);
        emit ResultProposed(eventId, result.version, result.status, result.values, result.endedAt, finalAt);
        emit ResultPublishedFromBatch(eventId, root, result.version);
    }

    /**
     * @dev False when `result` already is its event's record (pending or final); reverts unless it may replace
     * that record under the rule of {propose}: a final record never changes (a final `Postponed` is superseded by
     * a later version), and the version must be strictly higher than the record's, pending or disputed.
     */
    function _publishable(BatchedResult calldata result, bytes32 valuesHash, uint64 now_) private view returns (bool) {
        bytes32 eventId = result.eventId;
        StoredResult memory stored = _results[eventId];
        if (
            stored.phase != Phase.None &&
            stored.version == result.version &&
            stored.status == result.status &&
            _valuesHashOf(eventId, stored) == valuesHash
        ) return false;
        if (_phaseOf(stored, now_) == Phase.Final && stored.status != ResultStatus.Postponed) {
            revert ResultAlreadyFinal(eventId);
        }
        if (result.version <= stored.version) revert VersionNotHigher(eventId, result.version, stored.version);
        return true;
    }

    // DISPUTES

    /// @inheritdoc IResultsOracle
    function dispute(bytes32 eventId) external {
        _requireAttesterOrGuardian();
        StoredResult storage stored = _results[eventId];
        uint64 now_ = _time();
        if (stored.phase != Phase.Proposed || now_ >= stored.finalAt) revert NotDisputable(eventId);
        uint64 finalAt = now_ + DISPUTE_PERIOD;
        stored.phase = Phase.Disputed;
        stored.finalAt = finalAt;
        emit ResultDisputed(eventId, stored.version, msg.sender, finalAt);
    }

    /// @inheritdoc IResultsOracle
    function disputeBatch(bytes32 root) external {
        _requireAttesterOrGuardian();
        StoredBatch storage stored = _batches[root];
        uint64 now_ = _time();
        if (stored.state != BatchState.Proposed || now_ >= stored.finalAt) revert NotDisputable(root);
        uint64 finalAt = now_ + DISPUTE_PERIOD;
        stored.state = BatchState.Disputed;
        stored.finalAt = finalAt;
        emit BatchDisputed(root, msg.sender, finalAt);
    }

    /// @inheritdoc IResultsOracle
    function resolve(Result calldata result, bytes calldata signatures) external {
        Config memory cfg = _activeConfig();
        uint64 now_ = _time();
        bytes32 eventId = result.eventId;
        uint32 storedVersion = _requireDisputed(eventId);
        _checkValidity(result.notBefore, result.deadline, result.epoch, cfg.epoch, now_);
        _checkOutcome(result.status, result.values);
        // Upholding keeps the version; a replacement may carry a higher one, never a lower one.
        if (result.version < storedVersion) revert VersionNotHigher(eventId, result.version, storedVersion);

        bytes32 valuesHash = ResultHash.valuesHash(result.values);
        // Signed as a `Resolution`, never as the proposal's `Result`: a dispute is only overcome by signatures
        // made to resolve it.
        _verifyQuorum(ResultHash.resolutionHash(result, valuesHash), signatures, cfg.setHash, cfg.disputeThreshold);

        _store(eventId, _pack(Phase.Final, result.status, result.values, result.version, now_), valuesHash);
        emit ResultResolved(eventId, result.version, result.status, result.values, result.endedAt, false);
    }

    /// @inheritdoc IResultsOracle
    function resolveByGovernance(Result calldata result) external onlyOwner {
        _requireNotPaused();
        bytes32 eventId = result.eventId;
        uint32 storedVersion = _requireDisputed(eventId);
        _checkOutcome(result.status, result.values);
        if (result.version < storedVersion) revert VersionNotHigher(eventId, result.version, storedVersion);

        StoredResult memory final_ = _pack(Phase.Final, result.status, result.values, result.version, _time());
        _store(eventId, final_, ResultHash.valuesHash(result.values));
        emit ResultResolved(eventId, result.version, result.status, result.values, result.endedAt, true);
    }

    /// @inheritdoc IResultsOracle
    function resolveBatch(Batch calldata batch, bytes calldata signatures) external {
        Config memory cfg = _activeConfig();
        uint64 now_ = _time();
        bytes32 root = batch.root;
        StoredBatch storage stored = _batches[root];
        if (stored.state != BatchState.Disputed || now_ >= stored.finalAt) revert NotDisputed(root);
        _checkValidity(batch.notBefore, batch.deadline, batch.epoch, cfg.epoch, now_);

        _verifyQuorum(ResultHash.resolutionHash(batch), signatures, cfg.setHash, cfg.disputeThreshold);

        stored.state = BatchState.Final;
        stored.finalAt = now_;
        emit BatchResolved(root, true, false);
    }

    /// @inheritdoc IResultsOracle
    function resolveBatchByGovernance(bytes32 root, bool uphold) external onlyOwner {
        _requireNotPaused();
        StoredBatch storage stored = _batches[root];
        if (stored.state != BatchState.Disputed || _time() >= stored.finalAt) revert NotDisputed(root);
        if (uphold) {
            stored.state = BatchState.Final;
            stored.finalAt = _time();
        } else {
            stored.state = BatchState.Rejected;
        }
        emit BatchResolved(root, uphold, true);
    }

    // GOVERNANCE AND GUARDIAN

    /// @inheritdoc IResultsOracle
    function rotateAttesters(
        address[] calldata attesters_,
        uint8 threshold,
        uint8 disputeThreshold
    ) external onlyOwner {
        _setAttesters(attesters_, threshold, disputeThreshold);
    }

    /// @inheritdoc IResultsOracle
    function setDisputeWindow(uint32 window) external onlyOwner {
        _setDisputeWindow(window);
    }

    /// @inheritdoc IResultsOracle
    function setGuardian(address guardian_) external onlyOwner {
        _setGuardian(guardian_);
    }

    /// @inheritdoc IResultsOracle
    function pause() external {
        if (msg.sender != _guardian && msg.sender != owner()) revert NotGuardian(msg.sender);
        _pause();
    }

    /// @inheritdoc IResultsOracle
    function unpause() external onlyOwner {
        _unpause();
    }

    /// @notice Always reverts: an oracle without governance could never rotate attesters or resolve by vote.
    /// @dev Hand governance over with `transferOwnership` + `acceptOwnership` instead.
    function renounceOwnership() public view override onlyOwner {
        revert RenounceDisabled();
    }

    /// @notice True while publication and dispute resolution are paused.
    function paused() public view override returns (bool) {
        return _config.paused;
    }

    // READS

    /// @inheritdoc IResultsOracle
    function resultOf(bytes32 eventId) external view returns (ResultView memory view_) {
        StoredResult memory stored = _results[eventId];
        view_.phase = _phaseOf(stored, _time());
        view_.status = stored.status;
        view_.version = stored.version;
        view_.finalAt = stored.finalAt;
        view_.valueCount = stored.valueCount;
        if (stored.valueCount <= 2) {
            view_.values = _shortValues(stored);
            view_.valuesHash = keccak256(abi.encodePacked(view_.values));
        } else {
            view_.values = new uint32[](0);
            view_.valuesHash = _valuesHashes[eventId];
        }
    }

    /// @inheritdoc IResultsOracle
    function matchResult(
        bytes32 eventId
    )
        external
        view
        returns (Phase phase, ResultStatus status, uint32 home, uint32 away, uint32 version, uint64 finalAt)
    {
        uint256 word = _resultWord(eventId);
        finalAt = uint64(word >> 56);
        phase = _phaseAt(Phase(uint8(word)), finalAt);
        return (
            phase,
            ResultStatus(uint8(word >> 8)),
            uint32(word >> 120),
            uint32(word >> 152),
            uint32(word >> 24),
            finalAt
        );
    }

    /// @inheritdoc IResultsOracle
    function finalMatchResult(bytes32 eventId) external view returns (ResultStatus status, uint32 home, uint32 away) {
        uint256 word = _resultWord(eventId);
        Phase phase = _phaseAt(Phase(uint8(word)), uint64(word >> 56));
        if (phase != Phase.Final) revert ResultNotFinal(eventId, phase);
        return (ResultStatus(uint8(word >> 8)), uint32(word >> 120), uint32(word >> 152));
    }

    /// @inheritdoc IResultsOracle
    function finalResultWithValues(
        bytes32 eventId,
        uint32[] calldata values
    ) external view returns (ResultStatus status, uint32 version) {
        StoredResult memory stored = _requireFinal(eventId);
        if (ResultHash.valuesHash(values) != _valuesHashOf(eventId, stored)) revert ValuesMismatch(eventId);
        return (stored.status, stored.version);
    }

    /// @inheritdoc IResultsOracle
    function isFinal(bytes32 eventId) external view returns (bool) {
        return _phaseOf(_results[eventId], _time()) == Phase.Final;
    }

    /// @inheritdoc IResultsOracle
    function batchOf(bytes32 root) external view returns (Phase phase, uint64 finalAt, uint32 epoch) {
        StoredBatch storage stored = _batches[root];
        phase = _batchPhase(stored.state, stored.finalAt, _time());
        if (phase != Phase.None) (finalAt, epoch) = (stored.finalAt, stored.epoch);
    }

    /// @inheritdoc IResultsOracle
    function verifyBatched(
        bytes32 root,
        BatchedResult calldata result,
        bytes32[] calldata proof
    ) external view returns (Phase phase, uint64 finalAt) {
        if (!MerkleProof.verifyCalldata(proof, root, ResultHash.leaf(result))) return (Phase.None, 0);
        uint256 word = _resultWord(result.eventId);
        if (!_isRecord(word, result)) return (Phase.None, 0);
        finalAt = uint64(word >> 56);
        return (_phaseAt(Phase(uint8(word)), finalAt), finalAt);
    }

    /// @inheritdoc IResultsOracle
    function requireFinalBatched(bytes32 root, BatchedResult calldata result, bytes32[] calldata proof) external view {
        if (!MerkleProof.verifyCalldata(proof, root, ResultHash.leaf(result))) revert InvalidProof(root);
        uint256 word = _resultWord(result.eventId);
        if (!_isRecord(word, result)) revert ResultNotStored(result.eventId);
        Phase phase = _phaseAt(Phase(uint8(word)), uint64(word >> 56));
        if (phase != Phase.Final) revert ResultNotFinal(result.eventId, phase);
    }

    /// @inheritdoc IResultsOracle
    function resultWord(bytes32 eventId) external view returns (uint256) {
        return _resultWord(eventId);
    }

    /// @inheritdoc IResultsOracle
    function batchWord(bytes32 root) external view returns (uint256 word) {
        StoredBatch storage stored = _batches[root];
        assembly ("memory-safe") {
            word := sload(stored.slot)
        }
    }

    /// @inheritdoc IResultsOracle
    function attesterConfig()
        external
        view
        returns (uint32 epoch, uint8 threshold, uint8 disputeThreshold, uint8 count, bytes20 setHash)
    {
        Config memory cfg = _config;
        return (cfg.epoch, cfg.threshold, cfg.disputeThreshold, cfg.count, cfg.setHash);
    }

    /// @inheritdoc IResultsOracle
    function attesters() external view returns (address[] memory list) {
        uint256 count = _config.count;
        bytes memory packed = _loadSet(count);
        list = new address[](count);
        // Bounded by MAX_ATTESTERS: `i` cannot overflow.
        unchecked {
            for (uint256 i; i < count; ++i) list[i] = _addressAt(packed, i);
        }
    }

    /// @inheritdoc IResultsOracle
    function disputeWindow() external view returns (uint32) {
        return _config.disputeWindow;
    }

    /// @inheritdoc IResultsOracle
    function guardian() external view returns (address) {
        return _guardian;
    }

    /// @inheritdoc IResultsOracle
    function resultDigest(Result calldata result) external view returns (bytes32) {
        return _hashTypedDataV4(ResultHash.hash(result));
    }

    /// @inheritdoc IResultsOracle
    function batchDigest(Batch calldata batch) external view returns (bytes32) {
        return _hashTypedDataV4(ResultHash.hash(batch));
    }

    /// @notice Consumers registered for `eventId`, in registration order, and how many were notified.
    function consumersOf(bytes32 eventId) external view returns (address[] memory consumers, uint256 notified) {
        return (_consumers[eventId], _notifiedCount[eventId]);
    }

    // PUSH NOTIFICATIONS

    /// @inheritdoc IResultsOracle
    function registerConsumer(bytes32 eventId) external {
        mapping(address consumer => uint256 state) storage states = _consumerState[eventId];
        if (states[msg.sender] != 0) return; // already registered: each consumer is notified once
        states[msg.sender] = _REGISTERED;
        _consumers[eventId].push(msg.sender);
        emit ConsumerRegistered(eventId, msg.sender);
    }

    /// @inheritdoc IResultsOracle
    function notifyConsumers(bytes32 eventId, uint256 maxConsumers) external returns (uint256 notified) {
        StoredResult memory stored = _requireOver(eventId);
        address[] storage list = _consumers[eventId];
        uint256 start = _notifiedCount[eventId];
        uint256 end = list.length;
        // `start <= end` always holds: the cursor never passes the list, which only grows.
        if (end - start > maxConsumers) end = start + maxConsumers;
        if (end == start) return 0;
        // Advance the cursor before any call: a consumer that re-enters finds itself (and this run) notified.
        _notifiedCount[eventId] = end;

        bytes memory data = abi.encodeCall(IResultsConsumer.onResultFinal, (eventId, stored.status, stored.version));
        mapping(address consumer => uint256 state) storage states = _consumerState[eventId];
        for (uint256 i = start; i < end; ++i) {
            address consumer = list[i];
            // Consumers notified one by one (`notifyConsumer`) are passed over, never called twice.
            if (states[consumer] == _NOTIFIED) continue;
            states[consumer] = _NOTIFIED;
            _notify(eventId, consumer, data);
            ++notified;
        }
    }

    /// @inheritdoc IResultsOracle
    function notifyConsumer(bytes32 eventId, address consumer) external returns (bool success) {
        StoredResult memory stored = _requireOver(eventId);
        mapping(address consumer => uint256 state) storage states = _consumerState[eventId];
        uint256 state = states[consumer];
        if (state == 0) revert ConsumerNotRegistered(eventId, consumer);
        if (state == _NOTIFIED) revert ConsumerAlreadyNotified(eventId, consumer);
        states[consumer] = _NOTIFIED; // before the call: a re-entering consumer finds itself notified
        bytes memory data = abi.encodeCall(IResultsConsumer.onResultFinal, (eventId, stored.status, stored.version));
        return _notify(eventId, consumer, data);
    }

    /// @dev Calls `consumer` with exactly `CONSUMER_GAS_STIPEND` gas and records the outcome.
    function _notify(bytes32 eventId, address consumer, bytes memory data) private returns (bool success) {
        uint256 gasLeft = gasleft();
        if (gasLeft < NOTIFY_GAS_REQUIRED) revert InsufficientGasForNotification(gasLeft, NOTIFY_GAS_REQUIRED);
        // A plain call with a fixed stipend that copies no return data (out size 0), so a consumer can
        // neither burn the caller's gas nor return-bomb it.
        assembly ("memory-safe") {
            success := call(CONSUMER_GAS_STIPEND, consumer, 0, add(data, 0x20), mload(data), 0, 0)
        }
        emit ConsumerNotified(eventId, consumer, success);
    }

    // INTERNAL

    /// @dev The current time; overridden in tests (`contracts/testing/ResultsOracleHarness.sol`).
    function _time() internal view virtual returns (uint64) {
        return uint64(block.timestamp);
    }

    /// @dev Pause state lives in the config slot (read anyway by every quorum-signed call).
    function _pause() internal override whenNotPaused {
        _config.paused = true;
        emit Paused(msg.sender);
    }

    /// @dev See {_pause}.
    function _unpause() internal override whenPaused {
        _config.paused = false;
        emit Unpaused(msg.sender);
    }

    /// @dev Loads the config slot once and reverts while paused.
    function _activeConfig() private view returns (Config memory cfg) {
        cfg = _config;
        if (cfg.paused) revert EnforcedPause();
    }

    /**
     * @dev Result image: the EIP-712 `encodeData` of a result in memory, followed by its values, as both entry
     * points build it (typed: copied from the ABI head; packed: unpacked):
     * ```
     * +0x000 RESULT_TYPEHASH   +0x020 eventId   +0x040 status     +0x060 valuesHash  +0x080 endedAt
     * +0x0a0 version           +0x0c0 notBefore +0x0e0 deadline   +0x100 epoch
     * +0x120 values.length     +0x140 values, one word each
     * ```
     * The struct hash is `keccak256(image, 0x120)`; the `ResultProposed` data is written over the signed
     * fields afterwards and ends with the values, which are already in place.
     */
    function _loadResult(Result calldata result) private pure returns (uint256 image) {
        uint32[] calldata values = result.values; // offset and length checked against the calldata
        bytes32 typeHash = ResultHash.RESULT_TYPEHASH;
        bool dirty;
        assembly ("memory-safe") {
            image := mload(0x40)
            mstore(image, typeHash)
            calldatacopy(add(image, 0x20), result, 0x40) // eventId, status
            calldatacopy(add(image, 0x80), add(result, 0x60), 0xa0) // endedAt, version, notBefore, deadline, epoch
            let size := shl(5, values.length)
            mstore(add(image, 0x120), values.length)
            calldatacopy(add(image, 0x140), values.offset, size)
            mstore(add(image, 0x60), keccak256(add(image, 0x140), size))
            mstore(0x40, add(add(image, 0x140), size))
            // Words wider than their type (the ABI decoder would refuse them): status, endedAt, version,
            // notBefore, deadline, epoch.
            dirty := or(
                or(shr(8, mload(add(image, 0x40))), shr(64, mload(add(image, 0x80)))),
                or(
                    or(shr(32, mload(add(image, 0xa0))), shr(64, mload(add(image, 0xc0)))),
                    or(shr(64, mload(add(image, 0xe0))), shr(32, mload(add(image, 0x100))))
                )
            )
        }
        if (dirty) revert MalformedPayload();
    }

    /**
     * @dev {propose} of a result image (see {_loadResult}). The hot path: every precondition (not paused, epoch,
     * validity interval, outcome, slot proposable, higher version) is folded into one flag from the config word
     * and the result's slot; only when it fails does {_revertUnproposable} run the checks one by one for the
     * precise error. The two must agree: a test for each error holds them together.
     */
    // One function on purpose: the record step inlined here saves a call's stack traffic on the hot path.
    // solhint-disable-next-line function-max-lines
    function _propose(uint256 image, bytes calldata signatures) private {
        uint64 now_ = _time();
        uint256 cfg;
        bytes32 eventId;
        uint256 slot;
        {
            bytes32 structHash;
            bool ok;
            assembly ("memory-safe") {
                structHash := keccak256(image, 0x120)
                cfg := sload(_config.slot)
                eventId := mload(add(image, 0x20))
                mstore(0x00, eventId)
                mstore(0x20, _results.slot)
                slot := keccak256(0x00, 0x40)
                let word := sload(slot)
                let status := mload(add(image, 0x40))
                let count := mload(add(image, 0x120))
                // Not paused; epoch; notBefore <= now <= deadline.
                ok := and(
                    and(iszero(shr(248, cfg)), eq(mload(add(image, 0x100)), and(shr(160, cfg), 0xffffffff))),
                    and(iszero(gt(now_, mload(add(image, 0xe0)))), iszero(lt(now_, mload(add(image, 0xc0)))))
                )
                // Outcome: Completed with 1..255 values, or another status (2..5) without values.
                let outcome := and(iszero(count), and(gt(status, 1), lt(status, 6)))
                if eq(status, 1) {
                    outcome := and(gt(count, 0), lt(count, 256))
                }
                // Slot: empty, a proposal inside its window, a live dispute (a fresh quorum corrects it), or a
                // final `Postponed`; the version strictly higher.
                let phase := and(word, 0xff)
                let open := or(
                    or(iszero(phase), eq(and(shr(8, word), 0xff), 3)),
                    and(lt(sub(phase, 1), 2), lt(now_, and(shr(56, word), 0xffffffffffffffff)))
                )
                ok := and(ok, and(outcome, and(open, gt(mload(add(image, 0xa0)), and(shr(24, word), 0xffffffff)))))
            }
            if (!ok) _revertUnproposable(image, now_);
            _verifyQuorum(structHash, signatures, bytes20(uint160(cfg)), (cfg >> 192) & 0xff);
        }

        // Record: the slot in one SSTORE (layout: see {_resultWord}), then {ResultProposed}.
        bytes32 topic0 = ResultProposed.selector;
        assembly ("memory-safe") {
            let count := mload(add(image, 0x120))
            let version := mload(add(image, 0xa0))
            let finalAt := add(now_, and(shr(216, cfg), 0xffffffff)) // 64-bit time + 32-bit window: no overflow
            let values := mul(gt(count, 0), and(mload(add(image, 0x140)), 0xffffffff))
            if gt(count, 1) {
                values := or(values, shl(32, and(mload(add(image, 0x160)), 0xffffffff)))
            }
            sstore(
                slot,
                or(
                    or(or(1, shl(8, mload(add(image, 0x40)))), or(shl(16, count), shl(24, version))),
                    or(shl(56, finalAt), shl(120, values))
                )
            )
            // Long outcomes also keep their values' commitment (+0x60).
            if gt(count, 2) {
                mstore(0x00, eventId)
                mstore(0x20, _valuesHashes.slot)
                sstore(keccak256(0x00, 0x40), mload(add(image, 0x60)))
            }
            // ResultProposed(eventId, version, status, values, endedAt, finalAt): the data (version, status,
            // offset of values 0xa0, endedAt, finalAt, length, values) is written over the signed fields from
            // +0x80 on, so that it ends with the values already in place. Solidity's encoder would copy them one
            // by one.
            mstore(add(image, 0xe0), mload(add(image, 0x80))) // endedAt (the deadline is no longer needed)
            mstore(add(image, 0x80), version)
            mstore(add(image, 0xa0), mload(add(image, 0x40))) // status
            mstore(add(image, 0xc0), 0xa0)
            mstore(add(image, 0x100), finalAt)
            log2(add(image, 0x80), add(0xc0, shl(5, count)), topic0, eventId)
        }
    }

    /// @dev Reverts with the precise error of a result image that {_propose} found unproposable.
    function _revertUnproposable(uint256 image, uint64 now_) private view {
        uint256 cfg = _liveConfigWord();
        _checkImageValidity(image, cfg, now_);
        _checkOutcomeOf(_mword(image + 0x40), _mword(image + 0x120));
        bytes32 eventId = bytes32(_mword(image + 0x20));
        _requireCorrectable(eventId, _sload(_results[eventId]), _mword(image + 0xa0), now_);
        revert MalformedPayload(); // unreachable while the two checks agree
    }

    /// @dev The memory word at `ptr`.
    function _mword(uint256 ptr) private pure returns (uint256 value) {
        assembly ("memory-safe") {
            value := mload(ptr)
        }
    }

    /// @dev The storage word of a result slot.
    function _sload(StoredResult storage slot_) private view returns (uint256 word) {
        assembly ("memory-safe") {
            word := sload(slot_.slot)
        }
    }

    /// @dev {proposeBatch} of a batch image: `BATCH_TYPEHASH` (written here), root, count, notBefore, deadline, epoch.
    function _proposeBatch(uint256 image, bytes calldata signatures) private {
        uint256 cfg = _liveConfigWord();
        uint64 now_ = _time();
        bytes32 root;
        bytes32 structHash;
        bytes32 typeHash = ResultHash.BATCH_TYPEHASH;
        assembly ("memory-safe") {
            mstore(image, typeHash)
            root := mload(add(image, 0x20))
            structHash := keccak256(image, 0xc0)
        }
        _checkValidity(
            _mload64(image + 0x60),
            _mload64(image + 0x80),
            _mload32(image + 0xa0),
            uint32(cfg >> 160),
            now_
        );
        StoredBatch storage slot_ = _batches[root];
        uint256 existing;
        assembly ("memory-safe") {
            existing := sload(slot_.slot)
        }
        if (existing != 0) revert BatchAlreadyProposed(root);

        _verifyQuorum(structHash, signatures, _setHashOf(cfg), (cfg >> 192) & 0xff);

        uint256 finalAt = now_ + ((cfg >> 216) & 0xffffffff);
        uint256 epoch = (cfg >> 160) & 0xffffffff;
        // One SSTORE in Solidity's layout of `StoredBatch`: state, finalAt, epoch from the lowest-order byte.
        assembly ("memory-safe") {
            sstore(slot_.slot, or(or(1, shl(8, finalAt)), shl(72, epoch)))
        }
        emit BatchProposed(root, _mload32(image + 0x40), uint64(finalAt), uint32(epoch));
    }

    /// @dev The config slot as one word (layout: see {_setAttesters}); reverts while paused.
    function _liveConfigWord() private view returns (uint256 cfg) {
        Config storage config = _config;
        assembly ("memory-safe") {
            cfg := sload(config.slot)
        }
        if (cfg >> 248 != 0) revert EnforcedPause();
    }

    /// @dev The set commitment of a config word.
    function _setHashOf(uint256 cfg) private pure returns (bytes20) {
        return bytes20(uint160(cfg));
    }

    /// @dev Epoch and validity interval of a result image.
    function _checkImageValidity(uint256 image, uint256 cfg, uint64 now_) private pure {
        _checkValidity(
            _mload64(image + 0xc0),
            _mload64(image + 0xe0),
            _mload32(image + 0x100),
            uint32(cfg >> 160),
            now_
        );
    }

    /// @dev {_checkOutcome} of an image's status and value count (any word: out-of-range statuses are refused).
    function _checkOutcomeOf(uint256 status, uint256 count) private pure {
        bool valid;
        if (status == uint256(ResultStatus.Completed)) valid = count != 0 && count <= type(uint8).max;
        else valid = count == 0 && status != 0 && status <= uint256(type(ResultStatus).max);
        if (!valid) {
            // The status is reported as a uint8 on the wire (an enum of the ABI), whatever its value.
            bytes4 selector = InvalidOutcome.selector;
            assembly ("memory-safe") {
                mstore(0x00, selector)
                mstore(0x04, and(status, 0xff))
                mstore(0x24, count)
                revert(0x00, 0x44)
            }
        }
    }

    /// @dev Reverts unless `eventId`, whose slot holds `word`, may take `version` at `now_`.
    function _requireCorrectable(bytes32 eventId, uint256 word, uint256 version, uint64 now_) private pure {
        Phase phase = Phase(uint8(word));
        bool pending = (phase == Phase.Proposed || phase == Phase.Disputed) && now_ < uint64(word >> 56);
        bool final_ = phase == Phase.Final || (phase != Phase.None && !pending);
        if (final_ && ResultStatus(uint8(word >> 8)) != ResultStatus.Postponed) revert ResultAlreadyFinal(eventId);
        uint32 current = uint32(word >> 24);
        if (version <= current) revert VersionNotHigher(eventId, uint32(version), current);
    }

    function _mload64(uint256 ptr) private pure returns (uint64 value) {
        assembly ("memory-safe") {
            value := mload(ptr)
        }
    }

    function _mload32(uint256 ptr) private pure returns (uint32 value) {
        assembly ("memory-safe") {
            value := mload(ptr)
        }
    }

    /// @dev Epoch and validity interval of signed payloads.
    function _checkValidity(uint64 notBefore, uint64 deadline, uint32 epoch, uint32 current, uint64 now_) private pure {
        if (epoch != current) revert WrongEpoch(epoch, current);
        if (now_ > deadline) revert SignatureExpired(deadline, now_);
        if (now_ < notBefore) revert SignatureNotYetValid(notBefore, now_);
    }

    /// @dev Values only with `Completed` (1..255 of them).
    function _checkOutcome(ResultStatus status, uint32[] calldata values) private pure {
        uint256 count = values.length;
        bool valid;
        if (status == ResultStatus.Completed) valid = count != 0 && count <= type(uint8).max;
        else valid = count == 0;
        if (!valid || status == ResultStatus.None) revert InvalidOutcome(status, count);
    }

    /// @dev The slot of a result whose outcome passed {_checkOutcome} (so at most 255 values).
    function _pack(
        Phase phase,
        ResultStatus status,
        uint32[] calldata values,
        uint32 version,
        uint64 finalAt
    ) private pure returns (StoredResult memory) {
        uint256 count = values.length;
        uint32 home;
        uint32 away;
        if (count > 0) home = values[0];
        if (count > 1) away = values[1];
        return
            StoredResult({
                phase: phase,
                status: status,
                valueCount: uint8(count),
                version: version,
                finalAt: finalAt,
                home: home,
                away: away
            });
    }

    /// @dev Writes a result's slot and, for long outcomes, its values commitment.
    function _store(bytes32 eventId, StoredResult memory stored, bytes32 valuesHash) private {
        // One SSTORE of the packed slot: assigning the struct writes it member by member (about 200 gas each
        // after the first). Packing follows Solidity's layout of `StoredResult`, lowest-order bytes first; every
        // read goes through the struct, so a layout mismatch would show in any read test.
        uint256 packed =
            uint256(stored.phase) |
                (uint256(stored.status) << 8) |
                (uint256(stored.valueCount) << 16) |
                (uint256(stored.version) << 24) |
                (uint256(stored.finalAt) << 56) |
                (uint256(stored.home) << 120) |
                (uint256(stored.away) << 152);
        StoredResult storage slot_ = _results[eventId];
        assembly ("memory-safe") {
            sstore(slot_.slot, packed)
        }
        if (stored.valueCount > 2) _valuesHashes[eventId] = valuesHash;
    }

    /// @dev Where a stored result stands at `now_`.
    /// A proposal is final from `finalAt`; so is a disputed one whose dispute lapsed (`finalAt` is then the lapse).
    function _phaseOf(StoredResult memory stored, uint64 now_) private pure returns (Phase) {
        Phase phase = stored.phase;
        if ((phase == Phase.Proposed || phase == Phase.Disputed) && now_ >= stored.finalAt) return Phase.Final;
        return phase;
    }

    /// @dev Where a root in `state` (final from `finalAt` when proposed) stands at `now_`.
    function _batchPhase(BatchState state, uint64 finalAt, uint64 now_) private pure returns (Phase) {
        if (state == BatchState.Proposed) {
            if (now_ >= finalAt) return Phase.Final;
            return Phase.Proposed;
        }
        if (state == BatchState.Disputed) {
            if (now_ >= finalAt) return Phase.Final; // the dispute lapsed
            return Phase.Disputed;
        }
        if (state == BatchState.Final) return Phase.Final;
        return Phase.None; // unknown or rejected
    }

    /// @dev See {_batchPhase}.
    function _batchPhaseOf(bytes32 root, uint64 now_) private view returns (Phase) {
        StoredBatch storage stored = _batches[root];
        return _batchPhase(stored.state, stored.finalAt, now_);
    }

    /**
     * @dev The slot of `eventId` as one word, for the hot reads: Solidity's layout of `StoredResult`, lowest-order
     * bytes first (phase 0-7, status 8-15, valueCount 16-23, version 24-55, finalAt 56-119, home 120-151, away
     * 152-183), as {_store} writes it. Copying the struct to memory instead costs ~600 gas more per read.
     */
    function _resultWord(bytes32 eventId) private view returns (uint256 word) {
        StoredResult storage stored = _results[eventId];
        assembly ("memory-safe") {
            word := sload(stored.slot)
        }
    }

    /// @dev Where a result stored in `phase`, final from `finalAt` when proposed, stands now.
    function _phaseAt(Phase phase, uint64 finalAt) private view returns (Phase) {
        if ((phase == Phase.Proposed || phase == Phase.Disputed) && _time() >= finalAt) return Phase.Final;
        return phase;
    }

    /// @dev The values of a result with at most two of them.
    function _shortValues(StoredResult memory stored) private pure returns (uint32[] memory values) {
        values = new uint32[](stored.valueCount);
        if (stored.valueCount > 0) values[0] = stored.home;
        if (stored.valueCount > 1) values[1] = stored.away;
    }

    /// @dev `keccak256(abi.encodePacked(values))` of a stored result.
    function _valuesHashOf(bytes32 eventId, StoredResult memory stored) private view returns (bytes32) {
        if (stored.valueCount > 2) return _valuesHashes[eventId];
        return keccak256(abi.encodePacked(_shortValues(stored)));
    }

    /// @dev Reverts with {ResultNotFinal} unless `eventId` is final; returns its slot.
    function _requireFinal(bytes32 eventId) private view returns (StoredResult memory stored) {
        stored = _results[eventId];
        Phase phase = _phaseOf(stored, _time());
        if (phase != Phase.Final) revert ResultNotFinal(eventId, phase);
    }

    /// @dev {_requireFinal}, and {ResultPostponed} for a final `Postponed`: consumers are notified once, when the
    /// event is over (a later version still replaces a final `Postponed`).
    function _requireOver(bytes32 eventId) private view returns (StoredResult memory stored) {
        stored = _requireFinal(eventId);
        if (stored.status == ResultStatus.Postponed) revert ResultPostponed(eventId, stored.version);
    }

    /**
     * @dev True when `word`, the result word of `result.eventId`, is `result`: a record of the same version,
     * status and value count, and the same values (the two in the word, or a long outcome's commitment). The
     * leaf's head words are compared as they are: one that differs from what attesters signed failed the proof.
     */
    function _isRecord(uint256 word, BatchedResult calldata result) private view returns (bool same) {
        uint32[] calldata values = result.values;
        uint256 count = values.length;
        assembly ("memory-safe") {
            let expected := or(
                or(shl(8, calldataload(add(result, 0x20))), shl(16, count)),
                shl(24, calldataload(add(result, 0x80)))
            )
            if count {
                expected := or(expected, shl(120, calldataload(values.offset)))
            }
            if gt(count, 1) {
                expected := or(expected, shl(152, calldataload(add(values.offset, 0x20))))
            }
            // status 8-15, valueCount 16-23, version 24-55, home 120-151, away 152-183 (phase, finalAt aside).
            let mask := 0xffffffffffffffff0000000000000000ffffffffffff00
            same := and(iszero(iszero(and(word, 0xff))), eq(and(word, mask), expected))
        }
        if (same && count > 2) same = _valuesHashes[result.eventId] == ResultHash.valuesHash(values);
    }

    /// @dev Reverts with {NotDisputed} unless `eventId` is disputed and the dispute has not lapsed; returns its
    /// version.
    function _requireDisputed(bytes32 eventId) private view returns (uint32 version) {
        StoredResult storage stored = _results[eventId];
        if (stored.phase != Phase.Disputed || _time() >= stored.finalAt) revert NotDisputed(eventId);
        return stored.version;
    }

    /// @dev The guardian or an attester of the current set (read from the stored set).
    function _requireAttesterOrGuardian() private view {
        if (msg.sender == _guardian) return;
        uint256 count = _config.count;
        bytes memory packed = _loadSet(count);
        // Bounded by MAX_ATTESTERS: `i` cannot overflow.
        unchecked {
            for (uint256 i; i < count; ++i) {
                if (_addressAt(packed, i) == msg.sender) return;
            }
        }
        revert NotAttesterOrGuardian(msg.sender);
    }

    /// @dev The stored set of `count` attesters, packed 20 bytes each, in whole words.
    function _loadSet(uint256 count) private view returns (bytes memory packed) {
        uint256 words = _setWords(count);
        packed = new bytes(words * 32);
        // Bounded by SET_WORDS: `i` cannot overflow.
        unchecked {
            for (uint256 i; i < words; ++i) {
                bytes32 word = _attesterWords[i];
                assembly ("memory-safe") {
                    mstore(add(add(packed, 0x20), shl(5, i)), word)
                }
            }
        }
    }

    /// @dev Address `i` of a packed set (its 20 bytes at offset 20 * i).
    function _addressAt(bytes memory packed, uint256 i) private pure returns (address attester) {
        assembly ("memory-safe") {
            attester := shr(96, mload(add(add(packed, 0x20), mul(i, 20))))
        }
    }

    /// @dev Storage words of a packed set of `count` addresses.
    function _setWords(uint256 count) private pure returns (uint256) {
        return (count * 20 + 31) / 32;
    }

    /**
     * @dev Verifies that `required` distinct attesters of the current set signed the EIP-712 digest of
     * `structHash`, reading the bundle (see {IResultsOracle}) in place from calldata. The set is rebuilt in
     * memory, one word per position, from the addresses of non-signers, the signers recovered from ECDSA
     * entries (the precompile writes each straight into its position) and the addresses of ERC-1271 entries,
     * then checked against the config commitment: no attester slot is read, and a signature that does not
     * recover to the attester at its position (other key, other payload, high `s`) changes the commitment.
     * The walk must end exactly at the bundle's end (ERC-1271 entries are bounds-checked before their call),
     * so a truncated or overlong bundle reverts with {MalformedSignatures}; then the signers are counted
     * ({InsufficientSignatures}), then the set is compared ({AttesterSetMismatch}).
     *
     * Memory: the precompile input (digest, v, r, s) sits in the scratch words 0x00-0x7f, so that every write
     * takes a constant address; the free memory pointer (0x40) and the zero slot (0x60) are restored after the
     * walk, which allocates nothing. The rebuilt set goes at the free memory pointer, ERC-1271 call data 16
     * words above it.
     */
    // solhint-disable-next-line function-max-lines
    function _verifyQuorum(
        bytes32 structHash,
        bytes calldata signatures,
        bytes20 setHash,
        uint256 required
    ) private view {
        bytes32 separator = _deployedSeparator;
        if (block.chainid != _deployedChainId) separator = _domainSeparatorV4();
        bytes20 given;
        uint256 signed;
        assembly ("memory-safe") {
            /// Reverts with `MalformedSignatures()`.
            function malformed() {
                mstore(0x00, 0x186f8a7200000000000000000000000000000000000000000000000000000000)
                revert(0x00, 0x04)
            }
            /// Address of the ERC-1271 entry at `cursor` (0x01 ‖ address ‖ len ‖ signature) after it accepted
            /// the digest (at 0x00), with its call built at `data`: `isValidSignature` must return its own
            /// selector, else `InvalidSignature`.
            function approved(cursor, end, data) -> attester, next {
                if gt(add(cursor, 23), end) {
                    malformed()
                }
                attester := shr(96, calldataload(add(cursor, 1)))
                let sigLength := shr(240, calldataload(add(cursor, 21)))
                next := add(add(cursor, 23), sigLength)
                if gt(next, end) {
                    malformed()
                }
                mstore(data, 0x1626ba7e00000000000000000000000000000000000000000000000000000000)
                mstore(add(data, 0x04), mload(0x00))
                mstore(add(data, 0x24), 0x40)
                mstore(add(data, 0x44), sigLength)
                calldatacopy(add(data, 0x64), add(cursor, 23), sigLength)
                let ok := staticcall(gas(), attester, data, add(0x64, sigLength), data, 0x20)
                if iszero(
                    and(
                        and(ok, iszero(lt(returndatasize(), 0x20))),
                        eq(mload(data), 0x1626ba7e00000000000000000000000000000000000000000000000000000000)
                    )
                ) {
                    mstore(0x00, 0xd855c4f400000000000000000000000000000000000000000000000000000000)
                    mstore(0x04, attester)
                    revert(0x00, 0x24) // InvalidSignature(attester)
                }
            }

            let set := mload(0x40)
            // The digest: keccak256(0x1901 ‖ domain separator ‖ struct hash), kept at 0x00 for every signer.
            mstore(0x00, 0x1901)
            mstore(0x20, separator)
            mstore(0x40, structHash)
            mstore(0x00, keccak256(0x1e, 0x42))

            let cursor := signatures.offset
            let end := add(cursor, signatures.length)
            let head := calldataload(cursor) // n ‖ bitmap (bytes read past the calldata are zero)
            let n := byte(0, head)
            let bits := and(shr(232, head), 0xffff)
            // 1 <= n <= 16 and no bit at or beyond n. A bundle shorter than its header cannot pass the end
            // check either: the cursor starts past its end and only grows, and must land exactly on it.
            if or(gt(sub(n, 1), 15), shr(n, bits)) {
                malformed()
            }
            cursor := add(cursor, 3)
            let setEnd := add(set, shl(5, n))
            // Entries are read without a bound check each: `cursor` only grows, and it must land exactly on the
            // bundle's end (checked below, before anything else), so an overrun cannot pass.
            for {
                let pos := set
            } lt(pos, setEnd) {
                pos := add(pos, 0x20)
                bits := shr(1, bits)
            } {
                let w := calldataload(cursor)
                if iszero(and(bits, 1)) {
                    mstore(pos, shr(96, w)) // a non-signer's address
                    cursor := add(cursor, 20)
                    continue
                }
                signed := add(signed, 1)
                if byte(0, w) {
                    if gt(byte(0, w), 1) {
                        malformed()
                    }
                    let attester
                    attester, cursor := approved(cursor, end, add(set, 0x200))
                    mstore(pos, attester)
                    continue
                }
                // 0x00 ‖ r ‖ yParityAndS (EIP-2098): attester i is whoever recovers, written by the precompile
                // into its position (left zero when recovery fails). A high-s signature is not recovered at
                // all (malleable: refused, never normalised).
                let vs := calldataload(add(cursor, 33))
                mstore(0x20, add(shr(255, vs), 27))
                mstore(0x40, calldataload(add(cursor, 1)))
                vs := and(vs, 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff)
                mstore(0x60, vs)
                mstore(pos, 0)
                if iszero(gt(vs, HALF_ORDER)) {
                    pop(staticcall(gas(), 0x01, 0x00, 0x80, pos, 0x20))
                }
                cursor := add(cursor, 65)
            }
            mstore(0x40, set)
            mstore(0x60, 0)
            if iszero(eq(cursor, end)) {
                malformed() // truncated, or trailing bytes
            }
            given := and(keccak256(set, shl(5, n)), not(0xffffffffffffffffffffffff))
        }
        if (signed < required) revert InsufficientSignatures(signed, required);
        if (given != setHash) revert AttesterSetMismatch(given, setHash);
    }

    /**
     * @dev Validates and stores a new set in place and starts a new epoch (the constructor starts epoch 1).
     * Rules: 1 <= threshold <= disputeThreshold <= count <= 16; disputeThreshold > threshold unless
     * threshold == count (then no higher quorum exists and resolution takes every attester); distinct,
     * non-zero attesters.
     */
    function _setAttesters(address[] memory list, uint8 threshold, uint8 disputeThreshold) private {
        uint256 count = list.length;
        if (
            threshold == 0 ||
            count > MAX_ATTESTERS ||
            disputeThreshold < threshold ||
            disputeThreshold > count ||
            (disputeThreshold == threshold && threshold != count)
        ) revert InvalidAttesterSet(count, threshold, disputeThreshold);

        bytes memory packed = _packSet(list, threshold, disputeThreshold);
        Config storage cfg = _config;
        uint256 old; // the config slot as one word (layout: see below)
        assembly ("memory-safe") {
            old := sload(cfg.slot)
        }
        uint256 oldWords = _setWords(uint8(old >> 208));
        uint256 words = _setWords(count);
        bytes20 setHash;
        // Bounded by SET_WORDS: no index can overflow.
        unchecked {
            for (uint256 w; w < words; ++w) {
                bytes32 word;
                assembly ("memory-safe") {
                    word := mload(add(add(packed, 0x20), shl(5, w)))
                }
                _attesterWords[w] = word;
            }
            for (uint256 w = words; w < oldWords; ++w) delete _attesterWords[w];
            // The commitment hashes one word per address: keccak256(abi.encodePacked(list)).
            assembly ("memory-safe") {
                setHash := and(keccak256(add(list, 0x20), shl(5, count)), not(0xffffffffffffffffffffffff))
            }
        }

        uint32 epoch = uint32(old >> 160) + 1;
        // One SSTORE of the config slot in Solidity's layout of `Config`, lowest-order bytes first: setHash
        // (bits 0-159), epoch (160-191), threshold (192-199), disputeThreshold (200-207), count (208-215),
        // then disputeWindow and paused (216-255), kept as they are. Assigning the struct would write it
        // member by member.
        uint256 configWord =
            uint256(uint160(setHash)) |
                (uint256(epoch) << 160) |
                (uint256(threshold) << 192) |
                (uint256(disputeThreshold) << 200) |
                (count << 208) |
                ((old >> 216) << 216);
        assembly ("memory-safe") {
            sstore(cfg.slot, configWord)
        }
        emit AttestersRotated(epoch, list, threshold, disputeThreshold);
    }

    /// @dev Checks that `list` holds distinct non-zero addresses and packs them 20 bytes each, in whole words.
    function _packSet(
        address[] memory list,
        uint8 threshold,
        uint8 disputeThreshold
    ) private pure returns (bytes memory packed) {
        uint256 count = list.length;
        packed = new bytes(_setWords(count) * 32); // zero-filled whole words
        // One bit per value of an address's low byte: duplicates always share it, so the pairwise scan only
        // runs when two low bytes collide (rarely, for a handful of attesters).
        uint256 seen;
        // Bounded by MAX_ATTESTERS: no index can overflow.
        unchecked {
            for (uint256 i; i < count; ++i) {
                address attester = list[i];
                if (attester == address(0)) revert ZeroAddress();
                uint256 bit = 1 << (uint160(attester) & 0xff);
                if (seen & bit != 0) {
                    for (uint256 j; j < i; ++j) {
                        if (list[j] == attester) revert InvalidAttesterSet(count, threshold, disputeThreshold);
                    }
                }
                seen |= bit;
                // Each 32-byte write also zeroes the 12 bytes after the address, which the next address
                // overwrites or which are padding (possibly just past `packed`, in unallocated memory).
                assembly ("memory-safe") {
                    mstore(add(add(packed, 0x20), mul(i, 20)), shl(96, attester))
                }
            }
        }
    }

    function _setDisputeWindow(uint32 window) private {
        if (window < MIN_DISPUTE_WINDOW || window > MAX_DISPUTE_WINDOW) revert InvalidDisputeWindow(window);
        uint32 old = _config.disputeWindow;
        _config.disputeWindow = window;
        emit DisputeWindowChanged(old, window);
    }

    function _setGuardian(address guardian_) private {
        if (guardian_ == address(0)) revert ZeroAddress();
        address old = _guardian;
        _guardian = guardian_;
        emit GuardianChanged(old, guardian_);
    }
}
