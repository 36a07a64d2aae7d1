// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IResultsOracle, IResultsConsumer} from "../../../contracts/interfaces/IResultsOracle.sol";

/// @notice Registers with the oracle and records its notifications.
contract RecordingConsumer is IResultsConsumer {
    IResultsOracle public immutable oracle;
    uint256 public calls;
    bytes32 public lastEventId;
    IResultsOracle.ResultStatus public lastStatus;
    uint32 public lastVersion;
    uint256 public gasReceived;

    constructor(IResultsOracle oracle_) {
        oracle = oracle_;
    }

    function register(bytes32 eventId) external {
        oracle.registerConsumer(eventId);
    }

    function onResultFinal(bytes32 eventId, IResultsOracle.ResultStatus status, uint32 version) external virtual {
        gasReceived = gasleft();
        require(msg.sender == address(oracle), "not oracle");
        calls += 1;
        lastEventId = eventId;
        lastStatus = status;
        lastVersion = version;
    }
}

/// @notice Always reverts.
contract RevertingConsumer is RecordingConsumer {
    constructor(IResultsOracle oracle_) RecordingConsumer(oracle_) {}

    function onResultFinal(bytes32, IResultsOracle.ResultStatus, uint32) external pure override {
        revert("no");
    }
}

/// @notice Burns all the gas it is given.
contract GasBurningConsumer is RecordingConsumer {
    constructor(IResultsOracle oracle_) RecordingConsumer(oracle_) {}

    function onResultFinal(bytes32, IResultsOracle.ResultStatus, uint32) external pure override {
        uint256 x;
        while (true) x = uint256(keccak256(abi.encode(x)));
    }
}

/// @notice Returns a huge amount of data (a return bomb).
contract ReturnBombConsumer is RecordingConsumer {
    constructor(IResultsOracle oracle_) RecordingConsumer(oracle_) {}

    function onResultFinal(bytes32, IResultsOracle.ResultStatus, uint32) external pure override {
        assembly {
            return(0, 60000)
        }
    }
}

/// @notice Re-enters `notifyConsumers` from its callback.
contract ReentrantConsumer is RecordingConsumer {
    bool public reentered;

    constructor(IResultsOracle oracle_) RecordingConsumer(oracle_) {}

    function onResultFinal(bytes32 eventId, IResultsOracle.ResultStatus, uint32) external override {
        calls += 1;
        uint256 again = oracle.notifyConsumers(eventId, 16);
        reentered = true;
        require(again == 0, "notified twice");
    }
}
