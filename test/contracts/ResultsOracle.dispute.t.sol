// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {OracleTestBase} from "./utils/OracleTestBase.sol";
import {ResultsReader} from "../../contracts/libraries/ResultsReader.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";

/// @notice A proposed match result, ready to dispute.
abstract contract DisputeFixture is OracleTestBase {
    IResultsOracle.Result internal proposed;

    function setUp() public override {
        super.setUp();
        proposed = _proposeMatch(EVENT_ID, 2, 1);
    }

    function _replacement(uint32 version) internal view returns (IResultsOracle.Result memory) {
        return _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, _values(1, 2), version);
    }
}

/// @notice `dispute`.
contract ResultsOracleDisputeTest is DisputeFixture {
    function test_dispute_byAttesterMarksDisputed() public {
        vm.expectEmit(address(oracle));
        uint64 lapse = uint64(block.timestamp) + oracle.DISPUTE_PERIOD();
        emit IResultsOracle.ResultDisputed(EVENT_ID, 1, signers[4].addr, lapse);
        vm.prank(signers[4].addr);
        oracle.dispute(EVENT_ID);
        IResultsOracle.ResultView memory v = oracle.resultOf(EVENT_ID);
        assertEq(uint256(v.phase), uint256(IResultsOracle.Phase.Disputed));
        assertEq(uint256(v.finalAt), lapse);
        assertFalse(oracle.isFinal(EVENT_ID));
        vm.warp(lapse - 1);
        assertFalse(oracle.isFinal(EVENT_ID), "held for DISPUTE_PERIOD");
        vm.warp(lapse);
        // One key cannot hold a result hostage: unresolved, the dispute lapses and the proposal is final.
        assertTrue(oracle.isFinal(EVENT_ID), "a lapsed dispute leaves the proposal final");
        (IResultsOracle.Phase phase, , uint32 home, , , ) = ResultsReader.matchResult(oracle, EVENT_ID);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final), "ResultsReader agrees");
        assertEq(uint256(home), 2);
    }

    function test_dispute_byGuardian() public {
        _dispute(EVENT_ID);
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Disputed);
    }

    function test_dispute_allowedWhilePaused() public {
        vm.prank(guardian);
        oracle.pause();
        vm.prank(signers[0].addr);
        oracle.dispute(EVENT_ID);
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Disputed);
    }

    function test_dispute_revertsForOutsider() public {
        address outsider = makeAddr("outsider");
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotAttesterOrGuardian.selector, outsider));
        vm.prank(outsider);
        oracle.dispute(EVENT_ID);
    }

    function test_dispute_revertsForFormerAttester() public {
        address former = signers[0].addr;
        _newSigners(5);
        _rotateToSigners(3, 4);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotAttesterOrGuardian.selector, former));
        vm.prank(former);
        oracle.dispute(EVENT_ID);
    }

    function test_dispute_revertsAfterWindow() public {
        vm.warp(T0 + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputable.selector, EVENT_ID));
        _dispute(EVENT_ID);
    }

    function test_dispute_revertsWhenUnknownOrAlreadyDisputed() public {
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputable.selector, unknown));
        _dispute(unknown);
        _dispute(EVENT_ID);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputable.selector, EVENT_ID));
        _dispute(EVENT_ID);
    }
}

/// @notice `resolve` (by attesters).
contract ResultsOracleResolveTest is DisputeFixture {
    function test_resolve_upholdsWithDisputeThreshold() public {
        _dispute(EVENT_ID);
        vm.warp(T0 + 100);
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, _values(2, 1), 1);
        bytes memory bundle = _signResolution(r, _firstK(4));
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ResultResolved(EVENT_ID, 1, r.status, r.values, r.endedAt, false);
        oracle.resolve(r, bundle);
        (IResultsOracle.Phase phase, , uint32 home, , , uint64 finalAt) = oracle.matchResult(EVENT_ID);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
        assertEq(uint256(home), 2);
        assertEq(uint256(finalAt), uint256(T0 + 100));
        assertTrue(oracle.isFinal(EVENT_ID));
    }

    function test_resolve_refusesTheProposalSignatures() public {
        // A correction signed by all five attesters, more than disputeThreshold (4): its signatures are a
        // `Result`, not a `Resolution`, so they cannot overturn a dispute of it.
        IResultsOracle.Result memory r = _replacement(2);
        bytes memory proposal = _signResult(r, _firstK(5));
        oracle.propose(r, proposal);
        _dispute(EVENT_ID);
        vm.expectRevert(_mismatchOf(_resolutionDigest(r, address(oracle)), proposal));
        oracle.resolve(r, proposal);
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Disputed);
        // The same attesters signing the `Resolution` of the same payload uphold it.
        oracle.resolve(r, _signResolution(r, _firstK(4)));
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Final);
    }

    function test_resolve_replacesWithAnotherPayload() public {
        _dispute(EVENT_ID);
        IResultsOracle.Result memory r = _replacement(2);
        oracle.resolve(r, _signResolution(r, 0x1e)); // attesters 1..4
        (, , uint32 home, uint32 away, uint32 version, ) = oracle.matchResult(EVENT_ID);
        assertEq(uint256(home), 1);
        assertEq(uint256(away), 2);
        assertEq(uint256(version), 2);
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Final);
    }

    function test_resolve_storesLongOutcomeCommitment() public {
        _dispute(EVENT_ID);
        uint32[] memory order = new uint32[](3);
        (order[0], order[1], order[2]) = (4, 2, 9);
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, order, 2);
        oracle.resolve(r, _signResolution(r, _firstK(4)));
        (IResultsOracle.ResultStatus status, uint32 version) = oracle.finalResultWithValues(EVENT_ID, order);
        assertEq(uint256(status), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(version), 2);
    }

    function test_resolve_revertsBelowDisputeThreshold() public {
        _dispute(EVENT_ID);
        IResultsOracle.Result memory r = _replacement(2);
        bytes memory bundle = _signResolution(r, _firstK(3));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InsufficientSignatures.selector, 3, 4));
        oracle.resolve(r, bundle);
    }

    function test_resolve_revertsOnSignatureOfAnotherPayloadOrNonAttester() public {
        _dispute(EVENT_ID);
        IResultsOracle.Result memory r = _replacement(2);
        bytes memory bundle = _signResolution(r, _firstK(4));
        IResultsOracle.Result memory other = _replacement(3); // not what was signed
        vm.expectRevert(_mismatchOf(_resolutionDigest(other, address(oracle)), bundle));
        oracle.resolve(other, bundle);
        // Attester 3's slot signed by an outsider.
        (address outsider, uint256 key) = makeAddrAndKey("outsider");
        signers[3].key = key;
        bundle = _signResolution(r, _firstK(4));
        address[] memory rebuilt = _setAddrs();
        rebuilt[3] = outsider;
        vm.expectRevert(_mismatch(rebuilt));
        oracle.resolve(r, bundle);
    }

    function test_resolve_revertsWhenNotDisputed() public {
        IResultsOracle.Result memory r = _replacement(2);
        bytes memory bundle = _signResolution(r, _firstK(4));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputed.selector, EVENT_ID));
        oracle.resolve(r, bundle);
    }

    function test_resolve_revertsOnLowerVersion() public {
        IResultsOracle.Result memory r2 = _replacement(2);
        _propose(r2);
        _dispute(EVENT_ID);
        IResultsOracle.Result memory r1 = _replacement(1);
        bytes memory bundle = _signResolution(r1, _firstK(4));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, EVENT_ID, 1, 2));
        oracle.resolve(r1, bundle);
    }

    function test_resolve_revertsOnInvalidOutcome() public {
        _dispute(EVENT_ID);
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Void, _values(1, 1), 2);
        bytes memory bundle = _signResolution(r, _firstK(4));
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.InvalidOutcome.selector, IResultsOracle.ResultStatus.Void, 2)
        );
        oracle.resolve(r, bundle);
    }

    function test_resolve_revertsOnExpiredOrWrongEpoch() public {
        _dispute(EVENT_ID);
        IResultsOracle.Result memory r = _replacement(2);
        bytes memory bundle = _signResolution(r, _firstK(4));
        vm.warp(r.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.SignatureExpired.selector, r.deadline, r.deadline + 1));
        oracle.resolve(r, bundle);
        r.epoch = 7;
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.WrongEpoch.selector, 7, 1));
        oracle.resolve(r, bundle);
    }

    function test_resolve_revertsWhenPaused() public {
        _dispute(EVENT_ID);
        IResultsOracle.Result memory r = _replacement(2);
        bytes memory bundle = _signResolution(r, _firstK(4));
        vm.prank(guardian);
        oracle.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        oracle.resolve(r, bundle);
    }
}

/// @notice `resolveByGovernance`, and finality after a resolution.
contract ResultsOracleGovernanceResolveTest is DisputeFixture {
    function test_resolveByGovernance_finalizesAtOnce() public {
        _dispute(EVENT_ID);
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Void, new uint32[](0), 1);
        r.deadline = 0; // signature fields are ignored
        r.epoch = 99;
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ResultResolved(EVENT_ID, 1, r.status, r.values, r.endedAt, true);
        vm.prank(governance);
        oracle.resolveByGovernance(r);
        IResultsOracle.ResultView memory v = oracle.resultOf(EVENT_ID);
        assertEq(uint256(v.phase), uint256(IResultsOracle.Phase.Final));
        assertEq(uint256(v.status), uint256(IResultsOracle.ResultStatus.Void));
        assertEq(uint256(v.finalAt), uint256(T0));
    }

    function test_resolveByGovernance_storesLongOutcome() public {
        _dispute(EVENT_ID);
        uint32[] memory order = new uint32[](4);
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, order, 3);
        vm.prank(governance);
        oracle.resolveByGovernance(r);
        assertEq(oracle.resultOf(EVENT_ID).valuesHash, keccak256(abi.encodePacked(order)));
    }

    function test_resolveByGovernance_revertsForNonOwner() public {
        _dispute(EVENT_ID);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        oracle.resolveByGovernance(proposed);
    }

    function test_resolveByGovernance_revertsWhenNotDisputed() public {
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputed.selector, EVENT_ID));
        vm.prank(governance);
        oracle.resolveByGovernance(proposed);
    }

    function test_resolveByGovernance_revertsOnLowerVersionOrInvalidOutcome() public {
        IResultsOracle.Result memory r2 = _replacement(2);
        _propose(r2);
        _dispute(EVENT_ID);
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, EVENT_ID, 1, 2));
        oracle.resolveByGovernance(proposed);
        IResultsOracle.Result memory bad = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.None, new uint32[](0), 2);
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.InvalidOutcome.selector, IResultsOracle.ResultStatus.None, 0)
        );
        oracle.resolveByGovernance(bad);
        vm.stopPrank();
    }

    function test_resolveByGovernance_revertsWhenPaused() public {
        _dispute(EVENT_ID);
        vm.startPrank(governance);
        oracle.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        oracle.resolveByGovernance(proposed);
        vm.stopPrank();
    }

    // FINALITY NEVER CHANGES

    function test_resolve_finalResultCannotBeDisputedOrResolvedAgain() public {
        _dispute(EVENT_ID);
        vm.prank(governance);
        oracle.resolveByGovernance(proposed);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputable.selector, EVENT_ID));
        _dispute(EVENT_ID);
        IResultsOracle.Result memory r = _replacement(2);
        bytes memory bundle = _signResolution(r, _firstK(4));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputed.selector, EVENT_ID));
        oracle.resolve(r, bundle);
    }
}
