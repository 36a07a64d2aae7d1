// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IResultsOracle} from "../interfaces/IResultsOracle.sol";
import {ResultsReader} from "../libraries/ResultsReader.sol";

/**
 * @title GasProbe
 * @notice Benchmark helper (never deployed outside tests): measures what a consumer contract pays to read the
 * oracle in-call. Each probe brackets one external call with `gasleft()` and returns the difference, so the
 * figure includes the CALL (a cold account access the first time in a transaction), the calldata copy, the
 * oracle's execution (cold storage reads) and the ABI decoding of the return data in the consumer — what a
 * contract reading the oracle really spends. The `probeReader*` probes read the same answers through
 * `libraries/ResultsReader.sol` (inlined here, as in any consumer): one raw `resultWord`/`batchWord` call, the
 * proof verified locally. Call the probes with `eth_call` (or in a transaction): one probe per call keeps every
 * account and slot cold.
 */
contract GasProbe {
    IResultsOracle public immutable oracle;

    constructor(IResultsOracle oracle_) {
        oracle = oracle_;
    }

    /// @notice Reference: gas of `oracle.disputeWindow()`, the simplest one-slot read (cold account, cold slot, one word).
    function probeDisputeWindow() external view returns (uint256 gasUsed, uint32 window) {
        uint256 before = gasleft();
        window = oracle.disputeWindow();
        gasUsed = before - gasleft();
    }

    /**
     * @notice Gas of a raw `staticcall` of `data` to the oracle (cold account access included) that neither
     * encodes arguments nor copies or decodes the return data: the oracle's side of a read, without the consumer's
     * ABI work.
     */
    function probeRawCall(bytes calldata data) external view returns (uint256 gasUsed, bool success) {
        bytes memory payload = data;
        address target = address(oracle);
        assembly ("memory-safe") {
            let before := gas()
            success := staticcall(gas(), target, add(payload, 0x20), mload(payload), 0, 0)
            gasUsed := sub(before, gas())
        }
    }

    /// @notice Gas of `oracle.matchResult(eventId)` (one stored slot), with the values read.
    function probeMatchResult(
        bytes32 eventId
    ) external view returns (uint256 gasUsed, IResultsOracle.Phase phase, uint32 home, uint32 away) {
        uint256 before = gasleft();
        (phase, , home, away, , ) = oracle.matchResult(eventId);
        gasUsed = before - gasleft();
    }

    /// @notice Gas of `oracle.finalMatchResult(eventId)`, with the values read.
    function probeFinalMatchResult(
        bytes32 eventId
    ) external view returns (uint256 gasUsed, IResultsOracle.ResultStatus status, uint32 home, uint32 away) {
        uint256 before = gasleft();
        (status, home, away) = oracle.finalMatchResult(eventId);
        gasUsed = before - gasleft();
    }

    /// @notice Gas of `oracle.verifyBatched(root, result, proof)` (a proof of `proof.length` hashes).
    function probeVerifyBatched(
        bytes32 root,
        IResultsOracle.BatchedResult calldata result,
        bytes32[] calldata proof
    ) external view returns (uint256 gasUsed, IResultsOracle.Phase phase) {
        uint256 before = gasleft();
        (phase, ) = oracle.verifyBatched(root, result, proof);
        gasUsed = before - gasleft();
    }

    /// @notice Gas of `oracle.requireFinalBatched(root, result, proof)`.
    function probeRequireFinalBatched(
        bytes32 root,
        IResultsOracle.BatchedResult calldata result,
        bytes32[] calldata proof
    ) external view returns (uint256 gasUsed) {
        uint256 before = gasleft();
        oracle.requireFinalBatched(root, result, proof);
        gasUsed = before - gasleft();
    }

    // Through the ResultsReader library

    /// @notice Gas of `ResultsReader.matchResult(oracle, eventId)`, with the values read.
    function probeReaderMatchResult(
        bytes32 eventId
    ) external view returns (uint256 gasUsed, IResultsOracle.Phase phase, uint32 home, uint32 away) {
        uint256 before = gasleft();
        (phase, , home, away, , ) = ResultsReader.matchResult(oracle, eventId);
        gasUsed = before - gasleft();
    }

    /// @notice Gas of `ResultsReader.finalMatchResult(oracle, eventId)`, with the values read.
    function probeReaderFinalMatchResult(
        bytes32 eventId
    ) external view returns (uint256 gasUsed, IResultsOracle.ResultStatus status, uint32 home, uint32 away) {
        uint256 before = gasleft();
        (status, home, away) = ResultsReader.finalMatchResult(oracle, eventId);
        gasUsed = before - gasleft();
    }

    /// @notice Gas of `ResultsReader.verifyBatched(oracle, root, result, proof)` (leaf and proof checked in-call).
    function probeReaderVerifyBatched(
        bytes32 root,
        IResultsOracle.BatchedResult calldata result,
        bytes32[] calldata proof
    ) external view returns (uint256 gasUsed, IResultsOracle.Phase phase) {
        uint256 before = gasleft();
        (phase, ) = ResultsReader.verifyBatched(oracle, root, result, proof);
        gasUsed = before - gasleft();
    }

    /// @notice Gas of `ResultsReader.requireFinalBatched(oracle, root, result, proof)`.
    function probeReaderRequireFinalBatched(
        bytes32 root,
        IResultsOracle.BatchedResult calldata result,
        bytes32[] calldata proof
    ) external view returns (uint256 gasUsed) {
        uint256 before = gasleft();
        ResultsReader.requireFinalBatched(oracle, root, result, proof);
        gasUsed = before - gasleft();
    }
}
