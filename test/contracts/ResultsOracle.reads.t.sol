// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OracleTestBase} from "./utils/OracleTestBase.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";
import {
    RecordingConsumer,
    RevertingConsumer,
    GasBurningConsumer,
    ReturnBombConsumer,
    ReentrantConsumer
} from "./mocks/MockConsumers.sol";

/// @notice `resultOf`, `matchResult`, `finalMatchResult`, `finalResultWithValues`, `isFinal`.
contract ResultsOracleReadsTest is OracleTestBase {
    function test_resultOf_unknownEventReadsNone() public view {
        IResultsOracle.ResultView memory v = oracle.resultOf(EVENT_ID);
        assertEq(uint256(v.phase), uint256(IResultsOracle.Phase.None));
        assertEq(uint256(v.status), uint256(IResultsOracle.ResultStatus.None));
        assertEq(uint256(v.version), 0);
        assertEq(uint256(v.finalAt), 0);
        assertEq(v.values.length, 0);
        assertEq(uint256(v.valueCount), 0);
        (IResultsOracle.Phase phase, , uint32 home, uint32 away, uint32 version, uint64 finalAt) = oracle.matchResult(
            EVENT_ID
        );
        assertEq(uint256(phase) + home + away + version + finalAt, 0);
        assertFalse(oracle.isFinal(EVENT_ID));
    }

    function test_resultOf_returnsMatchValuesAndHash() public {
        _proposeMatch(EVENT_ID, 4, 2);
        IResultsOracle.ResultView memory v = oracle.resultOf(EVENT_ID);
        assertEq(uint256(v.phase), uint256(IResultsOracle.Phase.Proposed));
        assertEq(uint256(v.status), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(v.version), 1);
        assertEq(uint256(v.finalAt), uint256(T0 + WINDOW));
        assertEq(v.values.length, 2);
        assertEq(uint256(v.values[0]), 4);
        assertEq(uint256(v.values[1]), 2);
        assertEq(v.valuesHash, keccak256(abi.encodePacked(_values(4, 2))));
        assertEq(uint256(v.valueCount), 2);
    }

    function test_finalMatchResult_revertsUnlessFinal() public {
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.ResultNotFinal.selector, EVENT_ID, IResultsOracle.Phase.None)
        );
        oracle.finalMatchResult(EVENT_ID);
        _proposeMatch(EVENT_ID, 4, 2);
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.ResultNotFinal.selector, EVENT_ID, IResultsOracle.Phase.Proposed)
        );
        oracle.finalMatchResult(EVENT_ID);
        vm.warp(T0 + WINDOW);
        (IResultsOracle.ResultStatus status, uint32 home, uint32 away) = oracle.finalMatchResult(EVENT_ID);
        assertEq(uint256(status), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(home), 4);
        assertEq(uint256(away), 2);
    }

    function test_finalMatchResult_revertsWhileDisputed() public {
        _proposeMatch(EVENT_ID, 4, 2);
        _dispute(EVENT_ID);
        vm.warp(T0 + WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.ResultNotFinal.selector, EVENT_ID, IResultsOracle.Phase.Disputed)
        );
        oracle.finalMatchResult(EVENT_ID);
    }

    function test_finalResultWithValues_checksCommitment() public {
        uint32[] memory order = new uint32[](4);
        (order[0], order[1], order[2], order[3]) = (3, 1, 4, 2);
        _propose(_resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, order, 1));
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.ResultNotFinal.selector, EVENT_ID, IResultsOracle.Phase.Proposed)
        );
        oracle.finalResultWithValues(EVENT_ID, order);
        vm.warp(T0 + WINDOW);
        (IResultsOracle.ResultStatus status, uint32 version) = oracle.finalResultWithValues(EVENT_ID, order);
        assertEq(uint256(status), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(version), 1);
        order[3] = 5;
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.ValuesMismatch.selector, EVENT_ID));
        oracle.finalResultWithValues(EVENT_ID, order);
    }

    function test_finalResultWithValues_checksShortValues() public {
        _proposeMatch(EVENT_ID, 1, 0);
        vm.warp(T0 + WINDOW);
        oracle.finalResultWithValues(EVENT_ID, _values(1, 0));
        uint32[] memory one = new uint32[](1);
        one[0] = 1;
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.ValuesMismatch.selector, EVENT_ID));
        oracle.finalResultWithValues(EVENT_ID, one);
    }
}

/// @notice `registerConsumer`, `notifyConsumers`.
contract ResultsOracleNotifyTest is OracleTestBase {
    function _final() internal {
        _proposeMatch(EVENT_ID, 2, 1);
        vm.warp(T0 + WINDOW);
    }

    function test_registerConsumer_recordsCallerOnce() public {
        RecordingConsumer c = new RecordingConsumer(oracle);
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ConsumerRegistered(EVENT_ID, address(c));
        c.register(EVENT_ID);
        vm.recordLogs();
        c.register(EVENT_ID);
        assertEq(vm.getRecordedLogs().length, 0, "second registration is a no-op");
        (address[] memory list, uint256 notified) = oracle.consumersOf(EVENT_ID);
        assertEq(list.length, 1);
        assertEq(list[0], address(c));
        assertEq(notified, 0);
    }

    function test_registerConsumer_isUnbounded() public {
        for (uint256 i; i < 40; ++i) {
            vm.prank(address(uint160(0x1000 + i)));
            oracle.registerConsumer(EVENT_ID);
        }
        (address[] memory list, ) = oracle.consumersOf(EVENT_ID);
        assertEq(list.length, 40);
    }

    function test_notifyConsumer_reachesAConsumerBehindOthers() public {
        // Griefers register first; the real consumer is still notified at once, on its own.
        for (uint256 i; i < 5; ++i) {
            new GasBurningConsumer(oracle).register(EVENT_ID);
        }
        RecordingConsumer c = new RecordingConsumer(oracle);
        c.register(EVENT_ID);
        _final();
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ConsumerNotified(EVENT_ID, address(c), true);
        assertTrue(oracle.notifyConsumer(EVENT_ID, address(c)));
        assertEq(c.calls(), 1);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.ConsumerAlreadyNotified.selector, EVENT_ID, address(c)));
        oracle.notifyConsumer(EVENT_ID, address(c));
        // The batch path passes over it: 5 griefers notified, the consumer not called twice.
        assertEq(oracle.notifyConsumers(EVENT_ID, type(uint256).max), 5);
        assertEq(c.calls(), 1);
    }

    function test_notifyConsumer_revertsUnlessRegisteredAndFinal() public {
        RecordingConsumer c = new RecordingConsumer(oracle);
        c.register(EVENT_ID);
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.ResultNotFinal.selector, EVENT_ID, IResultsOracle.Phase.None)
        );
        oracle.notifyConsumer(EVENT_ID, address(c));
        _final();
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.ConsumerNotRegistered.selector, EVENT_ID, address(0xbeef))
        );
        oracle.notifyConsumer(EVENT_ID, address(0xbeef));
    }

    function test_notifyConsumers_callsEachOnceWithResult() public {
        RecordingConsumer a = new RecordingConsumer(oracle);
        RecordingConsumer b = new RecordingConsumer(oracle);
        a.register(EVENT_ID);
        b.register(EVENT_ID);
        _final();
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ConsumerNotified(EVENT_ID, address(a), true);
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ConsumerNotified(EVENT_ID, address(b), true);
        assertEq(oracle.notifyConsumers(EVENT_ID, 16), 2);
        assertEq(a.calls(), 1);
        assertEq(b.calls(), 1);
        assertEq(a.lastEventId(), EVENT_ID);
        assertEq(uint256(a.lastStatus()), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(a.lastVersion()), 1);
        assertLe(a.gasReceived(), oracle.CONSUMER_GAS_STIPEND());
        assertGt(a.gasReceived(), oracle.CONSUMER_GAS_STIPEND() - 1_000);
        assertEq(oracle.notifyConsumers(EVENT_ID, 16), 0, "never twice");
        assertEq(a.calls(), 1);
    }

    function test_notifyConsumers_respectsMaxAndResumes() public {
        RecordingConsumer[] memory cs = new RecordingConsumer[](3);
        for (uint256 i; i < 3; ++i) {
            cs[i] = new RecordingConsumer(oracle);
            cs[i].register(EVENT_ID);
        }
        _final();
        assertEq(oracle.notifyConsumers(EVENT_ID, 2), 2);
        assertEq(cs[2].calls(), 0);
        RecordingConsumer late = new RecordingConsumer(oracle);
        late.register(EVENT_ID); // registering after finality still gets notified
        assertEq(oracle.notifyConsumers(EVENT_ID, 0), 0);
        assertEq(oracle.notifyConsumers(EVENT_ID, type(uint256).max), 2);
        assertEq(cs[2].calls(), 1);
        assertEq(late.calls(), 1);
        (, uint256 notified) = oracle.consumersOf(EVENT_ID);
        assertEq(notified, 4);
    }
}

/// @notice `notifyConsumers` with misbehaving consumers.
contract ResultsOracleNotifyFailureTest is OracleTestBase {
    function _final() internal {
        _proposeMatch(EVENT_ID, 2, 1);
        vm.warp(T0 + WINDOW);
    }

    function test_notifyConsumers_recordsFailuresWithoutBlocking() public {
        RevertingConsumer reverting = new RevertingConsumer(oracle);
        GasBurningConsumer burner = new GasBurningConsumer(oracle);
        ReturnBombConsumer bomb = new ReturnBombConsumer(oracle);
        reverting.register(EVENT_ID);
        burner.register(EVENT_ID);
        bomb.register(EVENT_ID);
        vm.prank(address(0xC0FFEE)); // an account without code: the call succeeds
        oracle.registerConsumer(EVENT_ID);
        _final();
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ConsumerNotified(EVENT_ID, address(reverting), false);
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ConsumerNotified(EVENT_ID, address(burner), false);
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ConsumerNotified(EVENT_ID, address(bomb), true);
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ConsumerNotified(EVENT_ID, address(0xC0FFEE), true);
        uint256 before = gasleft();
        assertEq(oracle.notifyConsumers(EVENT_ID, 16), 4);
        assertLt(before - gasleft(), 3 * 100_000 + 60_000, "each consumer is bounded by its stipend");
    }

    function test_notifyConsumers_reentrantConsumerIsNotNotifiedTwice() public {
        ReentrantConsumer r = new ReentrantConsumer(oracle);
        r.register(EVENT_ID);
        _final();
        assertEq(oracle.notifyConsumers(EVENT_ID, 16), 1);
        assertTrue(r.reentered());
        assertEq(r.calls(), 1);
    }

    function test_notifyConsumers_revertsUnlessFinal() public {
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.ResultNotFinal.selector, EVENT_ID, IResultsOracle.Phase.None)
        );
        oracle.notifyConsumers(EVENT_ID, 1);
        _proposeMatch(EVENT_ID, 2, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.ResultNotFinal.selector, EVENT_ID, IResultsOracle.Phase.Proposed)
        );
        oracle.notifyConsumers(EVENT_ID, 1);
    }

    function test_notifyConsumers_revertsWhenStipendCannotBeGuaranteed() public {
        GasBurningConsumer burner = new GasBurningConsumer(oracle);
        burner.register(EVENT_ID);
        _final();
        vm.expectPartialRevert(IResultsOracle.InsufficientGasForNotification.selector);
        oracle.notifyConsumers{gas: 90_000}(EVENT_ID, 1);
        (, uint256 notified) = oracle.consumersOf(EVENT_ID);
        assertEq(notified, 0, "nothing recorded");
        oracle.notifyConsumers{gas: 200_000}(EVENT_ID, 1);
        (, notified) = oracle.consumersOf(EVENT_ID);
        assertEq(notified, 1);
    }
}
