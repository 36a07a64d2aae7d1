// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ResultsOracle} from "../ResultsOracle.sol";

/**
 * @title ResultsOracleHarness
 * @notice Test-only oracle whose clock can be pinned independently of `block.timestamp`.
 */
contract ResultsOracleHarness is ResultsOracle {
    uint64 private _pinnedTime;

    constructor(
        address[] memory attesters_,
        uint8 threshold,
        uint8 disputeThreshold,
        uint32 disputeWindow_,
        address guardian_,
        address governance
    ) ResultsOracle(attesters_, threshold, disputeThreshold, disputeWindow_, guardian_, governance) {}

    /// @notice Pins the oracle's clock to `time` (0 unpins: back to `block.timestamp`).
    function setTime(uint64 time) external {
        _pinnedTime = time;
    }

    function _time() internal view override returns (uint64) {
        return _pinnedTime == 0 ? super._time() : _pinnedTime;
    }
}
