// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IResultsOracle, IResultsConsumer} from "../interfaces/IResultsOracle.sol";

/**
 * @title PoolOracleStub
 * @notice A settable stand-in for the read side of {IResultsOracle} that ParimutuelPool uses (`resultWord`, read
 * through `libraries/ResultsReader.sol`, and `registerConsumer`), plus a `notify` that pushes
 * {IResultsConsumer.onResultFinal} like the oracle does. For the pool's unit and invariant tests only; the oracle
 * is tested on its own.
 * @dev Keeps one word per event in the oracle's documented layout (see {IResultsOracle}, "Raw reads"), so that
 * {resultWord} and {matchResult} agree the way the oracle's do: a stored `Proposed` reads as `Final` once
 * `block.timestamp >= finalAt`.
 */
contract PoolOracleStub {
    mapping(bytes32 eventId => uint256 word) private _words;
    mapping(bytes32 eventId => address[] consumers) private _consumers;

    /**
     * @notice Sets the result of `eventId` (next version): `Final` is final from now, `Proposed` and `Disputed`
     * stay so until set again (their `finalAt` is the largest time), `None` carries no `finalAt`.
     * A `Completed` result holds two values (`home`, `away`).
     */
    function setResult(
        bytes32 eventId,
        IResultsOracle.Phase phase,
        IResultsOracle.ResultStatus status,
        uint32 home,
        uint32 away
    ) external {
        uint64 finalAt;
        if (phase == IResultsOracle.Phase.Final) finalAt = uint64(block.timestamp);
        else if (phase == IResultsOracle.Phase.Proposed || phase == IResultsOracle.Phase.Disputed) {
            finalAt = type(uint64).max;
        }
        _set(eventId, phase, status, home, away, finalAt);
    }

    /// @notice Sets a `Proposed` result of `eventId` (next version) that reads as `Final` from `finalAt` on.
    function setProposed(
        bytes32 eventId,
        IResultsOracle.ResultStatus status,
        uint32 home,
        uint32 away,
        uint64 finalAt
    ) external {
        _set(eventId, IResultsOracle.Phase.Proposed, status, home, away, finalAt);
    }

    /// @notice Sets a final `Completed` result of `eventId` (next version) with `valueCount` values, the first two
    /// being `home` and `away` (a race's finishing order published for a match, when the count is not two).
    function setFinalCompletedWithCount(bytes32 eventId, uint8 valueCount, uint32 home, uint32 away) external {
        _set(
            eventId,
            IResultsOracle.Phase.Final,
            IResultsOracle.ResultStatus.Completed,
            home,
            away,
            uint64(block.timestamp)
        );
        _words[eventId] = (_words[eventId] & ~(uint256(0xff) << 16)) | (uint256(valueCount) << 16);
    }

    /// @notice Same as {IResultsOracle.resultWord}: the stored word of `eventId`, as is.
    function resultWord(bytes32 eventId) external view returns (uint256) {
        return _words[eventId];
    }

    /// @notice Same shape and answers as {IResultsOracle.matchResult}, decoded from {resultWord}.
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
        uint256 word = _words[eventId];
        finalAt = uint64(word >> 56);
        phase = IResultsOracle.Phase(uint8(word));
        if (
            (phase == IResultsOracle.Phase.Proposed || phase == IResultsOracle.Phase.Disputed) &&
            block.timestamp >= finalAt
        ) phase = IResultsOracle.Phase.Final;
        status = IResultsOracle.ResultStatus(uint8(word >> 8));
        home = uint32(word >> 120);
        away = uint32(word >> 152);
        version = uint32(word >> 24);
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
        uint256 word = _words[eventId];
        try
            IResultsConsumer(consumer).onResultFinal{gas: gasLimit}(
                eventId,
                IResultsOracle.ResultStatus(uint8(word >> 8)),
                uint32(word >> 24)
            )
        {
            success = true;
        } catch {
            success = false;
        }
    }

    /// @dev Packs the next version of `eventId` in the oracle's layout.
    function _set(
        bytes32 eventId,
        IResultsOracle.Phase phase,
        IResultsOracle.ResultStatus status,
        uint32 home,
        uint32 away,
        uint64 finalAt
    ) private {
        uint256 version = uint32(_words[eventId] >> 24) + 1;
        uint256 valueCount = status == IResultsOracle.ResultStatus.Completed ? 2 : 0;
        _words[eventId] =
            uint256(phase) |
            (uint256(status) << 8) |
            (valueCount << 16) |
            (version << 24) |
            (uint256(finalAt) << 56) |
            (uint256(home) << 120) |
            (uint256(away) << 152);
    }
}
