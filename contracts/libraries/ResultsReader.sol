// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IResultsOracle} from "../interfaces/IResultsOracle.sol";
import {ResultHash} from "./ResultHash.sol";

/**
 * @title ResultsReader
 * @notice Consumer-side reads of an {IResultsOracle}: the same answers as the oracle's typed reads
 * ({IResultsOracle-matchResult}, {IResultsOracle-finalMatchResult}, {IResultsOracle-isFinal},
 * {IResultsOracle-batchOf}, {IResultsOracle-verifyBatched}, {IResultsOracle-requireFinalBatched}), reverts
 * included, for less gas. Call it explicitly, e.g. `ResultsReader.matchResult(oracle, eventId)` (the interface
 * has functions of the same names, so `using ResultsReader for IResultsOracle` would be ambiguous).
 *
 * Why: a first in-call read cannot cost less than 2,600 (cold account) + 2,100 (cold slot) = 4,700 gas, and the
 * oracle's own side of a one-word read (dispatcher, mapping hash, return) adds about 470. The typed calls add a
 * multi-word ABI return and the consumer's copying, checking and decoding of it (6,565 gas for `matchResult`,
 * 6,177 for `finalMatchResult`), and a proof read ships the whole result and proof across the call and back
 * through the oracle's ABI decoder (10,699 gas at depth 8). Every function here is `internal`, so it is inlined
 * into the consumer (like Uniswap v4's `StateLibrary` over `extsload`): one raw `staticcall` of
 * {IResultsOracle-resultWord} or {IResultsOracle-batchWord} (selector and argument written to scratch space,
 * the one-word answer read back from it: no memory allocated, no ABI decoder), decoded here in assembly; a
 * batched result's leaf is hashed and its proof verified locally, from the consumer's calldata, and then compared
 * with its event's stored record (proof reads defer to storage), so only the event id crosses the call. Measured
 * in-call by `contracts/testing/GasProbe.sol` (cold account and slot included, as `npm run bench:gas` and
 * `test/contracts/ResultsOracle.gas.t.sol` do): 5,487 gas for {matchResult}, 5,469 for {finalMatchResult} (goal
 * 5,500), 7,639 for {verifyBatched} at depth 8 (goal 8,500; 7,099 at depth 4), 7,661 for {requireFinalBatched}
 * at depth 8.
 *
 * Trust: the library trusts the oracle address it is given, as a typed call would. It decodes the word with the
 * bit layout documented in {IResultsOracle} ("Raw reads"), which is part of the interface and never changes for
 * a deployed oracle, without range checks on the enums (the oracle only stores valid ones): an address that is
 * not such an oracle gives meaningless answers, or {OracleReadFailed} when it returns less than one word. A
 * `Proposed` or `Disputed` result or root reads as `Final` once `block.timestamp >= finalAt` (for a disputed one,
 * when its dispute lapses), as in the oracle.
 */
library ResultsReader {
    /// @notice The raw read of `oracle` reverted without data or returned less than 32 bytes (e.g. no code there).
    error OracleReadFailed(address oracle);

    // RAW WORDS

    /**
     * @notice `oracle.resultWord(eventId)`: the stored word of `eventId`'s result (layout in {IResultsOracle}).
     * @dev Bubbles the oracle's revert data; reverts with {OracleReadFailed} on an empty revert or a short return.
     */
    function resultWord(IResultsOracle oracle, bytes32 eventId) internal view returns (uint256 word) {
        return _readWord(oracle, IResultsOracle.resultWord.selector, eventId);
    }

    /// @notice `oracle.batchWord(root)`: the stored word of `root` (layout in {IResultsOracle}). See {resultWord}.
    function batchWord(IResultsOracle oracle, bytes32 root) internal view returns (uint256 word) {
        return _readWord(oracle, IResultsOracle.batchWord.selector, root);
    }

    /**
     * @notice The phase of a result word (layout in {IResultsOracle}) at this block's time: the stored phase, a
     * stored `Proposed` read as `Final` from `finalAt` on, as the oracle reads it.
     */
    function phaseOf(uint256 word) internal view returns (IResultsOracle.Phase phase) {
        assembly ("memory-safe") {
            // A stored Proposed (1) or Disputed (2) reads as Final (3) from `finalAt` on: see {matchResult}.
            phase := or(and(word, 0xff), mul(3, lt(sub(and(shr(56, word), 0xffffffffffffffff), 1), timestamp())))
        }
    }

    // STORED RESULTS

    /**
     * @notice Same answers as {IResultsOracle-matchResult}: never reverts for a working oracle.
     * @return phase Where it stands (`Final` once a proposal's window has passed).
     * @return status What happened.
     * @return home First value (0 if none).
     * @return away Second value (0 if none).
     * @return version Stored version.
     * @return finalAt Time from which it is final (0 while disputed or absent).
     */
    function matchResult(
        IResultsOracle oracle,
        bytes32 eventId
    )
        internal
        view
        returns (
            IResultsOracle.Phase phase,
            IResultsOracle.ResultStatus status,
            uint32 home,
            uint32 away,
            uint32 version,
            uint64 finalAt
        )
    {
        bytes4 selector = IResultsOracle.resultWord.selector;
        bytes4 failure = OracleReadFailed.selector;
        // The raw read of {_readWord}, repeated rather than called (the stored-read goal is tight), and the
        // decoding in the same block, without range checks: about 250 gas less than Solidity conversions and
        // helper functions.
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, eventId)
            let success := staticcall(gas(), oracle, 0x00, 0x24, 0x00, 0x20)
            if iszero(and(success, gt(returndatasize(), 0x1f))) {
                if and(iszero(success), gt(returndatasize(), 0)) {
                    let ptr := mload(0x40)
                    returndatacopy(ptr, 0x00, returndatasize())
                    revert(ptr, returndatasize())
                }
                mstore(0x00, failure)
                mstore(0x04, oracle)
                revert(0x00, 0x24)
            }
            let word := mload(0x00)
            finalAt := and(shr(56, word), 0xffffffffffffffff)
            phase := and(word, 0xff)
            // A stored Proposed (1) or Disputed (2) reads as Final (3) from `finalAt` on, branch-free: every record
            // has a non-zero `finalAt` (a stored Final's is in the past), and an empty word's is 0, for which
            // `finalAt - 1` wraps and the comparison fails; `1 | 3 == 2 | 3 == 3`.
            phase := or(phase, mul(3, lt(sub(finalAt, 1), timestamp())))
            status := and(shr(8, word), 0xff)
            version := and(shr(24, word), 0xffffffff)
            home := and(shr(120, word), 0xffffffff)
            away := and(shr(152, word), 0xffffffff)
        }
    }

    /// @notice Same answers as {IResultsOracle-finalMatchResult}: reverts with `ResultNotFinal` unless final.
    function finalMatchResult(
        IResultsOracle oracle,
        bytes32 eventId
    ) internal view returns (IResultsOracle.ResultStatus status, uint32 home, uint32 away) {
        bytes4 selector = IResultsOracle.resultWord.selector;
        bytes4 failure = OracleReadFailed.selector;
        uint256 phase;
        // As {matchResult}.
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, eventId)
            let success := staticcall(gas(), oracle, 0x00, 0x24, 0x00, 0x20)
            if iszero(and(success, gt(returndatasize(), 0x1f))) {
                if and(iszero(success), gt(returndatasize(), 0)) {
                    let ptr := mload(0x40)
                    returndatacopy(ptr, 0x00, returndatasize())
                    revert(ptr, returndatasize())
                }
                mstore(0x00, failure)
                mstore(0x04, oracle)
                revert(0x00, 0x24)
            }
            let word := mload(0x00)
            phase := or(and(word, 0xff), mul(3, lt(sub(and(shr(56, word), 0xffffffffffffffff), 1), timestamp())))
            status := and(shr(8, word), 0xff)
            home := and(shr(120, word), 0xffffffff)
            away := and(shr(152, word), 0xffffffff)
        }
        if (phase != uint256(IResultsOracle.Phase.Final)) {
            revert IResultsOracle.ResultNotFinal(eventId, IResultsOracle.Phase(phase));
        }
    }

    /// @notice Same answer as {IResultsOracle-isFinal}.
    function isFinal(IResultsOracle oracle, bytes32 eventId) internal view returns (bool final_) {
        bytes4 selector = IResultsOracle.resultWord.selector;
        bytes4 failure = OracleReadFailed.selector;
        // As {matchResult}.
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, eventId)
            let success := staticcall(gas(), oracle, 0x00, 0x24, 0x00, 0x20)
            if iszero(and(success, gt(returndatasize(), 0x1f))) {
                if and(iszero(success), gt(returndatasize(), 0)) {
                    let ptr := mload(0x40)
                    returndatacopy(ptr, 0x00, returndatasize())
                    revert(ptr, returndatasize())
                }
                mstore(0x00, failure)
                mstore(0x04, oracle)
                revert(0x00, 0x24)
            }
            let word := mload(0x00)
            // Final (3), or Proposed (1) or Disputed (2) from `finalAt` on (see {matchResult}).
            final_ := or(eq(and(word, 0xff), 3), lt(sub(and(shr(56, word), 0xffffffffffffffff), 1), timestamp()))
        }
    }

    // BATCHES

    /// @notice Same answers as {IResultsOracle-batchOf}: `(Phase.None, 0, 0)` for an unknown or rejected root.
    function batchOf(
        IResultsOracle oracle,
        bytes32 root
    ) internal view returns (IResultsOracle.Phase phase, uint64 finalAt, uint32 epoch) {
        uint256 word = _readWord(oracle, IResultsOracle.batchWord.selector, root);
        uint256 p = _batchPhase(word);
        if (p != uint256(IResultsOracle.Phase.None)) (finalAt, epoch) = (uint64(word >> 8), uint32(word >> 72));
        assembly ("memory-safe") {
            phase := p
        }
    }

    /**
     * @notice Same answers as {IResultsOracle-verifyBatched}, with the leaf and the proof checked here: never
     * reverts for a working oracle. Defers to storage: the phase of the event's record when the leaf is that
     * record (same version, status and values), `None` otherwise or when the proof is invalid.
     * @dev One raw `resultWord` read (the root's own word is not read: the record decides); a long outcome
     * (more than two values) also reads `resultOf` for its values commitment.
     * @return phase The record's phase, or `None`.
     * @return finalAt The record's `finalAt` (0 with `None`).
     */
    function verifyBatched(
        IResultsOracle oracle,
        bytes32 root,
        IResultsOracle.BatchedResult calldata result,
        bytes32[] calldata proof
    ) internal view returns (IResultsOracle.Phase phase, uint64 finalAt) {
        if (_processProof(proof, ResultHash.leaf(result)) != root) return (IResultsOracle.Phase.None, 0);
        uint256 word = _readWord(oracle, IResultsOracle.resultWord.selector, result.eventId);
        if (!_isRecord(oracle, word, result)) return (IResultsOracle.Phase.None, 0);
        return (phaseOf(word), uint64(word >> 56));
    }

    /**
     * @notice Same checks, in the same order, as {IResultsOracle-requireFinalBatched}: reverts with
     * `InvalidProof(root)` unless the proof holds, `ResultNotStored(eventId)` unless the leaf is its event's
     * record, `ResultNotFinal(eventId, phase)` unless that record is final.
     */
    function requireFinalBatched(
        IResultsOracle oracle,
        bytes32 root,
        IResultsOracle.BatchedResult calldata result,
        bytes32[] calldata proof
    ) internal view {
        if (_processProof(proof, ResultHash.leaf(result)) != root) revert IResultsOracle.InvalidProof(root);
        uint256 word = _readWord(oracle, IResultsOracle.resultWord.selector, result.eventId);
        if (!_isRecord(oracle, word, result)) revert IResultsOracle.ResultNotStored(result.eventId);
        IResultsOracle.Phase phase = phaseOf(word);
        if (phase != IResultsOracle.Phase.Final) revert IResultsOracle.ResultNotFinal(result.eventId, phase);
    }

    // PRIVATE

    /**
     * @dev True when the result word `word` of `result.eventId` holds `result`: a record (phase not None) of the
     * same version, status and value count, and the same values (the two in the word, or the commitment of a
     * long outcome, read with `resultOf`).
     */
    function _isRecord(
        IResultsOracle oracle,
        uint256 word,
        IResultsOracle.BatchedResult calldata result
    ) private view returns (bool) {
        uint32[] calldata values = result.values;
        uint256 count = values.length;
        bool same;
        // The leaf's head words as they are: a word that differs from what attesters signed failed the proof.
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
        if (!same || count <= 2) return same;
        return oracle.resultOf(result.eventId).valuesHash == ResultHash.valuesHash(values);
    }

    /**
     * @dev One `staticcall` of `selector(key)`: the 36 bytes of calldata are written to scratch space (0x00-0x23)
     * and the one-word answer read back from 0x00, so no memory is allocated.
     */
    function _readWord(IResultsOracle oracle, bytes4 selector, bytes32 key) private view returns (uint256 word) {
        bytes4 failure = OracleReadFailed.selector;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, key)
            let success := staticcall(gas(), oracle, 0x00, 0x24, 0x00, 0x20)
            if iszero(and(success, gt(returndatasize(), 0x1f))) {
                // Bubble the oracle's revert data; otherwise (empty revert, short answer) a clear error.
                if and(iszero(success), gt(returndatasize(), 0)) {
                    let ptr := mload(0x40)
                    returndatacopy(ptr, 0x00, returndatasize())
                    revert(ptr, returndatasize())
                }
                mstore(0x00, failure)
                mstore(0x04, oracle)
                revert(0x00, 0x24)
            }
            word := mload(0x00)
        }
    }

    /// @dev The phase of a batch word as a number: states 0-3 read as the same phase (a proposed root as `Final`
    /// from `finalAt` on), a rejected root (4) as `None` (0).
    function _batchPhase(uint256 word) private view returns (uint256 phase) {
        assembly ("memory-safe") {
            let state := and(word, 0xff)
            phase := mul(state, lt(state, 4))
            // Proposed (1) or Disputed (2, the dispute lapsed) reads as Final from `finalAt` on.
            if and(lt(sub(state, 1), 2), iszero(lt(timestamp(), and(shr(8, word), 0xffffffffffffffff)))) {
                phase := 3
            }
        }
    }

    /**
     * @dev Root rebuilt from `leaf` and a calldata `proof` with sorted-pair hashing: the same result as
     * OpenZeppelin's `MerkleProof.processProofCalldata` (and so as the oracle's `verifyCalldata`), in one loop
     * over calldata that hashes each pair in scratch space.
     */
    function _processProof(bytes32[] calldata proof, bytes32 leaf) private pure returns (bytes32 computed) {
        assembly ("memory-safe") {
            computed := leaf
            let end := add(proof.offset, shl(5, proof.length))
            for {
                let ptr := proof.offset
            } lt(ptr, end) {
                ptr := add(ptr, 0x20)
            } {
                let sibling := calldataload(ptr)
                // The smaller of the two first: `computed` goes to 0x20 when it is the greater one.
                let slot := shl(5, gt(computed, sibling))
                mstore(slot, computed)
                mstore(xor(slot, 0x20), sibling)
                computed := keccak256(0x00, 0x40)
            }
        }
    }
}
