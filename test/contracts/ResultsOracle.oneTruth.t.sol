// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {OracleTestBase} from "./utils/OracleTestBase.sol";
import {RecordingConsumer} from "./mocks/MockConsumers.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";
import {ResultsReader} from "../../contracts/libraries/ResultsReader.sol";

/// @notice A final `Postponed` is not the end: a later version still comes, and consumers can tell the two apart.
contract ResultsOraclePostponedTest is OracleTestBase {
    function _postponed(uint32 version) internal view returns (IResultsOracle.Result memory) {
        return _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Postponed, new uint32[](0), version);
    }

    function _finalPostponed() internal {
        _propose(_postponed(1));
        vm.warp(T0 + WINDOW);
        assertTrue(oracle.isFinal(EVENT_ID));
    }

    function test_finalPostponed_isSupersededByThePlayedResult() public {
        _finalPostponed();
        (IResultsOracle.ResultStatus status, , ) = ResultsReader.finalMatchResult(oracle, EVENT_ID);
        assertEq(uint256(status), uint256(IResultsOracle.ResultStatus.Postponed), "postponed: wait");
        IResultsOracle.Result memory played = _resultWith(
            EVENT_ID,
            IResultsOracle.ResultStatus.Completed,
            _values(2, 0),
            2
        );
        _propose(played);
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
        vm.warp(block.timestamp + WINDOW);
        (IResultsOracle.ResultStatus s, uint32 home, uint32 away) = oracle.finalMatchResult(EVENT_ID);
        assertEq(uint256(s), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(home) * 10 + away, 20);
        // Over now: nothing replaces it.
        IResultsOracle.Result memory late = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Void, new uint32[](0), 3);
        bytes memory bundle = _signResult(late, _firstK(3));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.ResultAlreadyFinal.selector, EVENT_ID));
        oracle.propose(late, bundle);
    }

    function test_finalPostponed_isSupersededByACancellationFromABatch() public {
        _finalPostponed();
        IResultsOracle.Result memory again = _postponed(1);
        bytes memory bundle = _signResult(again, _firstK(3));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, EVENT_ID, 1, 1));
        oracle.propose(again, bundle);
        IResultsOracle.BatchedResult memory cancelled = IResultsOracle.BatchedResult({
            eventId: EVENT_ID,
            status: IResultsOracle.ResultStatus.Cancelled,
            values: new uint32[](0),
            endedAt: uint64(block.timestamp),
            version: 2
        });
        bytes32[] memory ls = new bytes32[](2);
        (ls[0], ls[1]) = (_leaf(cancelled), keccak256("other leaf"));
        bytes32 root = _proposeRoot(ls);
        vm.warp(block.timestamp + WINDOW);
        oracle.publishFromBatch(root, cancelled, _merkleProof(ls, 0));
        vm.warp(block.timestamp + WINDOW);
        assertEq(uint256(oracle.resultOf(EVENT_ID).status), uint256(IResultsOracle.ResultStatus.Cancelled));
        oracle.requireFinalBatched(root, cancelled, _merkleProof(ls, 0));
    }

    function test_notify_waitsOnPostponedAndNotifiesOnceOver() public {
        RecordingConsumer consumer = new RecordingConsumer(oracle);
        consumer.register(EVENT_ID);
        _finalPostponed();
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.ResultPostponed.selector, EVENT_ID, 1));
        oracle.notifyConsumers(EVENT_ID, 10);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.ResultPostponed.selector, EVENT_ID, 1));
        oracle.notifyConsumer(EVENT_ID, address(consumer));
        _propose(_resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, _values(1, 1), 2));
        vm.warp(block.timestamp + WINDOW);
        assertEq(oracle.notifyConsumers(EVENT_ID, 10), 1);
        assertEq(consumer.calls(), 1);
        assertEq(uint256(consumer.lastStatus()), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(consumer.lastVersion()), 2);
    }
}

/// @notice No single key holds a result hostage; pause and rotation against pending results.
contract ResultsOracleHostageTest is OracleTestBase {
    function test_dispute_lapsesSoOneKeyOnlyDelays() public {
        _proposeMatch(EVENT_ID, 2, 1);
        vm.prank(signers[0].addr); // one attester, below any threshold
        oracle.dispute(EVENT_ID);
        uint64 lapse = oracle.resultOf(EVENT_ID).finalAt;
        assertEq(uint256(lapse), uint256(T0 + oracle.DISPUTE_PERIOD()));
        vm.warp(lapse);
        assertTrue(oracle.isFinal(EVENT_ID));
        // Lapsed: no longer resolvable, and not disputable again.
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputed.selector, EVENT_ID));
        oracle.resolve(r, _signResolution(r, _firstK(4)));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputed.selector, EVENT_ID));
        vm.prank(governance);
        oracle.resolveByGovernance(r);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputable.selector, EVENT_ID));
        _dispute(EVENT_ID);
    }

    function test_dispute_aFreshQuorumWithAHigherVersionCorrectsAndCanBeDisputedAgain() public {
        _proposeMatch(EVENT_ID, 2, 1);
        _dispute(EVENT_ID);
        IResultsOracle.Result memory fixed_ = _resultWith(
            EVENT_ID,
            IResultsOracle.ResultStatus.Completed,
            _values(2, 2),
            2
        );
        _propose(fixed_);
        IResultsOracle.ResultView memory v = oracle.resultOf(EVENT_ID);
        assertEq(uint256(v.phase), uint256(IResultsOracle.Phase.Proposed));
        assertEq(uint256(v.finalAt), uint256(T0 + WINDOW));
        _dispute(EVENT_ID); // a fresh proposal is disputable again, for DISPUTE_PERIOD at most
        vm.warp(T0 + oracle.DISPUTE_PERIOD());
        (, , uint32 home, uint32 away, uint32 version, ) = ResultsReader.matchResult(oracle, EVENT_ID);
        assertEq(uint256(version), 2);
        assertEq(uint256(home) * 10 + away, 22);
        assertTrue(oracle.isFinal(EVENT_ID));
    }

    function test_disputedRoot_lapsesUnlessRejected() public {
        bytes32[] memory ls = new bytes32[](2);
        (ls[0], ls[1]) = (keccak256("a"), keccak256("b"));
        bytes32 root = _proposeRoot(ls);
        vm.prank(signers[1].addr);
        oracle.disputeBatch(root);
        vm.warp(T0 + oracle.DISPUTE_PERIOD() - 1);
        vm.prank(governance);
        oracle.resolveBatchByGovernance(root, false);
        (IResultsOracle.Phase phase, , ) = oracle.batchOf(root);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
    }

    function test_pause_doesNotFreezeFinality() public {
        _proposeMatch(EVENT_ID, 1, 0);
        vm.prank(guardian);
        oracle.pause();
        vm.warp(T0 + WINDOW);
        assertTrue(oracle.isFinal(EVENT_ID), "a pause by one key never holds results");
        // Publication is paused, disputes are not.
        bytes32 other = keccak256("other");
        IResultsOracle.Result memory r = _result(other, 1, 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        vm.expectRevert(Pausable.EnforcedPause.selector);
        oracle.propose(r, bundle);
    }

    function test_rotation_doesNotCancelWhatTheOldSetSignedButTheNewSetCanDisputeAndCorrect() public {
        _proposeMatch(EVENT_ID, 5, 0); // say, signed by a compromised set
        bytes32[] memory ls = new bytes32[](2);
        (ls[0], ls[1]) = (keccak256("c"), keccak256("d"));
        bytes32 root = _proposeRoot(ls);
        _newSigners(5);
        _rotateToSigners(3, 4);
        // Still pending, not cancelled: the new set disputes both.
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
        vm.startPrank(signers[0].addr);
        oracle.dispute(EVENT_ID);
        oracle.disputeBatch(root);
        vm.stopPrank();
        // The new set corrects the result with a higher version; governance rejects the root.
        _propose(_resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, _values(0, 5), 2));
        vm.prank(governance);
        oracle.resolveBatchByGovernance(root, false);
        vm.warp(T0 + oracle.DISPUTE_PERIOD());
        (IResultsOracle.ResultStatus s, uint32 home, uint32 away) = oracle.finalMatchResult(EVENT_ID);
        assertEq(uint256(s), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(home) * 10 + away, 5);
        (IResultsOracle.Phase phase, , ) = oracle.batchOf(root);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
    }

    function test_rotation_leavesAnUndisputedOldEpochProposalToBecomeFinal() public {
        _proposeMatch(EVENT_ID, 3, 3);
        _newSigners(4);
        _rotateToSigners(2, 3);
        vm.warp(T0 + WINDOW);
        assertTrue(oracle.isFinal(EVENT_ID));
    }
}
