// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IResultsOracle, IResultsConsumer} from "../interfaces/IResultsOracle.sol";

/**
 * @title PoolOracleStub
 * @notice A settable stand-in for the read side of {IResultsOracle} that ParimutuelPool uses
 * (`matchResult`, `registerConsumer`), plus a `notify` that pushes {IResultsConsumer.onResultFinal}
 * like the oracle does. For the pool's unit and invariant tests only; the oracle is tested on its own.
 */
contract PoolOracleStub {
    struct MatchResult {
        IResultsOracle.Phase phase;
        IResultsOracle.ResultStatus status;
        uint32 home;
        uint32 away;
        uint32 version;
        uint64 finalAt;
    }

    mapping(bytes32 eventId => MatchResult result) private _results;
    mapping(bytes32 eventId => address[] consumers) private _consumers;

    /// @notice Sets what {matchResult} returns for `eventId`.
    function setResult(
        bytes32 eventId,
        IResultsOracle.Phase phase,
        IResultsOracle.ResultStatus status,
        uint32 home,
        uint32 away
    ) external {
        uint32 version = _results[eventId].version + 1;
        _results[eventId] = MatchResult(phase, status, home, away, version, uint64(block.timestamp));
    }

    /// @notice Same shape as {IResultsOracle.matchResult}.
    function matchResult(
        bytes32 eventId
    )
        external
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
        MatchResult memory r = _results[eventId];
        return (r.phase, r.status, r.home, r.away, r.version, r.finalAt);
    }

    /// @notice Same shape as {IResultsOracle.registerConsumer}.
    function registerConsumer(bytes32 eventId) external {
        _consumers[eventId].push(msg.sender);
    }

    /// @notice The consumers registered for `eventId`.
    function consumers(bytes32 eventId) external view returns (address[] memory) {
        return _consumers[eventId];
    }

    /// @notice Calls `consumer.onResultFinal` with `gasLimit` gas; returns whether it succeeded (never reverts).
    function notify(address consumer, bytes32 eventId, uint256 gasLimit) external returns (bool success) {
        MatchResult memory r = _results[eventId];
        try IResultsConsumer(consumer).onResultFinal{gas: gasLimit}(eventId, r.status, r.version) {
            success = true;
        } catch {
            success = false;
        }
    }
}
