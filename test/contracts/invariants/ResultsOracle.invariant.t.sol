// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "../utils/Test.sol";
import {IResultsOracle} from "../../../contracts/interfaces/IResultsOracle.sol";
import {ResultsOracleHandler} from "./ResultsOracleHandler.sol";

/**
 * @notice The handler as an artifact of this root file: deployed with `deployCode` (its bytecode would not fit
 * inside the test contract) and known to the runner, which needs its ABI to call it.
 */
contract ResultsOracleInvariantHandler is ResultsOracleHandler {}

/// @notice Invariants of the oracle under random sequences of the handler's actions.
contract ResultsOracleInvariantTest is Test {
    ResultsOracleHandler internal handler;

    function setUp() public {
        // Deployed from its artifact: the handler's bytecode would not fit inside this test contract.
        handler = ResultsOracleHandler(deployCode("ResultsOracle.invariant.t.sol:ResultsOracleInvariantHandler", ""));
        bytes4[] memory selectors = new bytes4[](8);
        selectors[0] = ResultsOracleHandler.propose.selector;
        selectors[1] = ResultsOracleHandler.proposeForged.selector;
        selectors[2] = ResultsOracleHandler.replay.selector;
        selectors[3] = ResultsOracleHandler.dispute.selector;
        selectors[4] = ResultsOracleHandler.resolve.selector;
        selectors[5] = ResultsOracleHandler.resolveByGovernance.selector;
        selectors[6] = ResultsOracleHandler.warp.selector;
        selectors[7] = ResultsOracleHandler.rotate.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice After each run: the handler was called, and a run of at least `MIN_CALLS_FOR_EFFECT` completed
    /// actions was not refused throughout. (Handler calls that revert are not counted, so a run can be short;
    /// requiring an effect of every short run made the suite fail on unlucky seeds.)
    function afterInvariant() public view {
        assertGt(handler.calls(), 0, "the handler was never called in this run");
        if (handler.calls() >= MIN_CALLS_FOR_EFFECT) {
            assertGt(handler.effects(), 0, "every action of this run was refused");
        }
    }

    uint256 internal constant MIN_CALLS_FOR_EFFECT = 8;

    /// @notice A result observed final keeps its status, version and values, and stays final.
    function invariant_finalResultNeverChanges() public view {
        for (uint256 i; i < 3; ++i) {
            bytes32 id = handler.eventIdAt(i);
            bytes32 snapshot = handler.finalSnapshot(id);
            if (snapshot == 0) continue;
            assertTrue(handler.target().isFinal(id), "final result no longer final");
            assertEq(handler.snapshotOf(id), snapshot, "final result changed");
        }
    }

    /// @notice Every stored result was accepted with a quorum of the current epoch (or by governance).
    function invariant_nothingProposedWithoutQuorum() public view {
        assertFalse(handler.forgedAccepted(), "a forged or short bundle was accepted");
        for (uint256 i; i < 3; ++i) {
            bytes32 id = handler.eventIdAt(i);
            IResultsOracle.ResultView memory v = handler.target().resultOf(id);
            if (v.phase == IResultsOracle.Phase.None) continue;
            assertEq(
                handler.accepted(id, v.version),
                keccak256(abi.encode(v.status, v.valuesHash)),
                "stored result was never legitimately accepted"
            );
        }
    }

    /// @notice No signature bundle replays on another chain, contract, epoch, version or after its deadline.
    function invariant_signaturesDoNotReplay() public view {
        assertFalse(handler.replayAccepted(), "a replayed bundle was accepted");
    }
}
