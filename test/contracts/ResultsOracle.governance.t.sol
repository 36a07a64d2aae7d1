// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {CodeDeployer} from "./utils/Test.sol";
import {OracleTestBase} from "./utils/OracleTestBase.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";
import {ResultsOracle} from "../../contracts/ResultsOracle.sol";
import {ResultsOracleHarness} from "../../contracts/testing/ResultsOracleHarness.sol";

/// @notice Deploys through the artifact so that constructor reverts can be expected.
abstract contract GovernanceFixture is OracleTestBase {
    CodeDeployer internal deployer;

    function setUp() public override {
        super.setUp();
        deployer = new CodeDeployer();
    }

    function _args(
        address[] memory set,
        uint8 t,
        uint8 dt,
        uint32 window,
        address g,
        address gov
    ) internal pure returns (bytes memory) {
        return abi.encode(set, t, dt, window, g, gov);
    }
}

/// @notice Constructor and configuration views.
contract ResultsOracleConstructorTest is GovernanceFixture {
    function test_constructor_setsConfiguration() public view {
        (uint32 epoch, uint8 t, uint8 dt, uint8 count, bytes20 setHash) = oracle.attesterConfig();
        assertEq(uint256(epoch), 1);
        assertEq(uint256(t), 3);
        assertEq(uint256(dt), 4);
        assertEq(uint256(count), 5);
        assertEq(setHash, _setHash(_setAddrs()));
        assertEq(oracle.attesters(), _setAddrs());
        assertEq(uint256(oracle.disputeWindow()), WINDOW);
        assertEq(oracle.guardian(), guardian);
        assertEq(oracle.owner(), governance);
        assertFalse(oracle.paused());
    }

    function test_constructor_emitsConfigurationEvents() public {
        address[] memory set = _setAddrs();
        vm.expectEmit();
        emit IResultsOracle.DisputeWindowChanged(0, WINDOW);
        vm.expectEmit();
        emit IResultsOracle.GuardianChanged(address(0), guardian);
        vm.expectEmit();
        emit IResultsOracle.AttestersRotated(1, set, 3, 4);
        deployer.deploy("ResultsOracle.sol:ResultsOracle", _args(set, 3, 4, WINDOW, guardian, governance));
    }

    function test_constructor_revertsOnInvalidParameters() public {
        address[] memory set = _setAddrs();
        string memory artifact = "ResultsOracle.sol:ResultsOracle";
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidAttesterSet.selector, 5, 0, 4));
        deployer.deploy(artifact, _args(set, 0, 4, WINDOW, guardian, governance));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidDisputeWindow.selector, 0));
        deployer.deploy(artifact, _args(set, 3, 4, 0, guardian, governance));
        vm.expectRevert(IResultsOracle.ZeroAddress.selector);
        deployer.deploy(artifact, _args(set, 3, 4, WINDOW, address(0), governance));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        deployer.deploy(artifact, _args(set, 3, 4, WINDOW, guardian, address(0)));
    }
}

/// @notice `rotateAttesters`.
contract ResultsOracleRotationTest is GovernanceFixture {
    function test_rotateAttesters_replacesSetAndStartsEpoch() public {
        address[] memory next = _newSigners(7);
        vm.expectEmit(address(oracle));
        emit IResultsOracle.AttestersRotated(2, next, 4, 5);
        vm.prank(governance);
        oracle.rotateAttesters(next, 4, 5);
        (uint32 epoch, uint8 t, uint8 dt, uint8 count, bytes20 setHash) = oracle.attesterConfig();
        assertEq(uint256(epoch), 2);
        assertEq(uint256(t), 4);
        assertEq(uint256(dt), 5);
        assertEq(uint256(count), 7);
        assertEq(setHash, _setHash(next));
        assertEq(oracle.attesters(), next);
        // The new set signs.
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        oracle.propose(r, _signResult(r, _firstK(4)));
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
    }

    function test_rotateAttesters_shrinksAndGrowsInPlace() public {
        address[] memory small = _newSigners(1);
        _rotateToSigners(1, 1);
        assertEq(oracle.attesters(), small);
        address[] memory full = _newSigners(16);
        _rotateToSigners(8, 12);
        assertEq(oracle.attesters(), full);
        address[] memory two = _newSigners(2);
        _rotateToSigners(1, 2);
        assertEq(oracle.attesters(), two);
        // Former attesters past the new set cannot dispute.
        IResultsOracle.Result memory r = _result(EVENT_ID, 0, 0);
        oracle.propose(r, _signResult(r, 1));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotAttesterOrGuardian.selector, full[15]));
        vm.prank(full[15]);
        oracle.dispute(EVENT_ID);
        vm.prank(two[1]);
        oracle.dispute(EVENT_ID);
    }

    function test_rotateAttesters_keepsPauseAndWindow() public {
        vm.startPrank(governance);
        oracle.setDisputeWindow(2 hours);
        oracle.pause();
        oracle.rotateAttesters(_newSigners(4), 2, 3);
        vm.stopPrank();
        assertTrue(oracle.paused());
        assertEq(uint256(oracle.disputeWindow()), 2 hours);
        vm.prank(governance);
        oracle.unpause();
        (uint32 epoch, uint8 t, uint8 dt, uint8 count, bytes20 setHash) = oracle.attesterConfig();
        assertEq(uint256(epoch), 2);
        assertEq(uint256(t), 2);
        assertEq(uint256(dt), 3);
        assertEq(uint256(count), 4);
        assertEq(setHash, _setHash(_setAddrs()));
    }

    function test_rotateAttesters_acceptsThresholdEqualToCount() public {
        _newSigners(3);
        _rotateToSigners(3, 3);
        (, uint8 t, uint8 dt, , ) = oracle.attesterConfig();
        assertEq(uint256(t), 3);
        assertEq(uint256(dt), 3);
    }

    function test_rotateAttesters_revertsOnInvalidThresholds() public {
        address[] memory set = _setAddrs();
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidAttesterSet.selector, 5, 0, 1));
        oracle.rotateAttesters(set, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidAttesterSet.selector, 5, 3, 2));
        oracle.rotateAttesters(set, 3, 2);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidAttesterSet.selector, 5, 3, 6));
        oracle.rotateAttesters(set, 3, 6);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidAttesterSet.selector, 5, 3, 3));
        oracle.rotateAttesters(set, 3, 3); // no higher dispute quorum although one exists
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidAttesterSet.selector, 0, 1, 1));
        oracle.rotateAttesters(new address[](0), 1, 1);
        vm.stopPrank();
    }

    function test_rotateAttesters_revertsOnMoreThan16() public {
        address[] memory set = new address[](17);
        for (uint256 i; i < 17; ++i) set[i] = address(uint160(i + 1));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidAttesterSet.selector, 17, 3, 4));
        vm.prank(governance);
        oracle.rotateAttesters(set, 3, 4);
    }

    function test_rotateAttesters_revertsOnDuplicateOrZero() public {
        address[] memory set = _setAddrs();
        set[3] = set[1];
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidAttesterSet.selector, 5, 3, 4));
        oracle.rotateAttesters(set, 3, 4);
        set[3] = address(0);
        vm.expectRevert(IResultsOracle.ZeroAddress.selector);
        oracle.rotateAttesters(set, 3, 4);
        vm.stopPrank();
    }

    function test_rotateAttesters_acceptsDistinctAddressesSharingALowByte() public {
        address[] memory set = new address[](3);
        (set[0], set[1], set[2]) = (address(0x1100), address(0x2200), address(0x3300)); // all end in 0x00
        vm.prank(governance);
        oracle.rotateAttesters(set, 1, 2);
        assertEq(oracle.attesters(), set);
        set[2] = address(0x1100);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidAttesterSet.selector, 3, 1, 2));
        vm.prank(governance);
        oracle.rotateAttesters(set, 1, 2);
    }

    function test_rotateAttesters_revertsForNonOwner() public {
        address[] memory set = _setAddrs();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        oracle.rotateAttesters(set, 3, 4);
    }
}

/// @notice `setDisputeWindow`, `setGuardian`.
contract ResultsOracleSettingsTest is GovernanceFixture {
    function test_setDisputeWindow_appliesToNewProposals() public {
        _proposeMatch(EVENT_ID, 1, 0);
        vm.expectEmit(address(oracle));
        emit IResultsOracle.DisputeWindowChanged(WINDOW, 2 days);
        vm.prank(governance);
        oracle.setDisputeWindow(2 days);
        assertEq(uint256(oracle.disputeWindow()), 2 days);
        (, , , , , uint64 finalAt) = oracle.matchResult(EVENT_ID);
        assertEq(uint256(finalAt), uint256(T0 + WINDOW), "existing proposal keeps its window");
        bytes32 other = keccak256("other");
        _proposeMatch(other, 1, 0);
        (, , , , , finalAt) = oracle.matchResult(other);
        assertEq(uint256(finalAt), uint256(T0 + 2 days));
    }

    function test_setDisputeWindow_acceptsBounds() public {
        vm.startPrank(governance);
        oracle.setDisputeWindow(oracle.MIN_DISPUTE_WINDOW());
        oracle.setDisputeWindow(oracle.MAX_DISPUTE_WINDOW());
        vm.stopPrank();
        assertEq(uint256(oracle.disputeWindow()), 30 days);
    }

    function test_setDisputeWindow_revertsOutOfRange() public {
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidDisputeWindow.selector, 59));
        oracle.setDisputeWindow(59);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidDisputeWindow.selector, 30 days + 1));
        oracle.setDisputeWindow(30 days + 1);
        vm.stopPrank();
    }

    function test_setDisputeWindow_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        oracle.setDisputeWindow(2 hours);
    }

    function test_setGuardian_replacesGuardian() public {
        address next = makeAddr("next guardian");
        vm.expectEmit(address(oracle));
        emit IResultsOracle.GuardianChanged(guardian, next);
        vm.prank(governance);
        oracle.setGuardian(next);
        assertEq(oracle.guardian(), next);
        _proposeMatch(EVENT_ID, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotAttesterOrGuardian.selector, guardian));
        vm.prank(guardian);
        oracle.dispute(EVENT_ID);
    }

    function test_setGuardian_revertsOnZeroOrNonOwner() public {
        vm.expectRevert(IResultsOracle.ZeroAddress.selector);
        vm.prank(governance);
        oracle.setGuardian(address(0));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        oracle.setGuardian(guardian);
    }
}

/// @notice `pause`, `unpause`, two-step ownership and the test clock.
contract ResultsOraclePauseTest is GovernanceFixture {
    function test_pause_byGuardianOrGovernance() public {
        vm.expectEmit(address(oracle));
        emit Pausable.Paused(guardian);
        vm.prank(guardian);
        oracle.pause();
        assertTrue(oracle.paused());
        vm.expectEmit(address(oracle));
        emit Pausable.Unpaused(governance);
        vm.prank(governance);
        oracle.unpause();
        assertFalse(oracle.paused());
        vm.prank(governance);
        oracle.pause();
        assertTrue(oracle.paused());
    }

    function test_pause_keepsConfigurationIntact() public {
        (uint32 epoch, uint8 t, uint8 dt, uint8 count, bytes20 setHash) = oracle.attesterConfig();
        vm.prank(guardian);
        oracle.pause();
        (uint32 epoch2, uint8 t2, uint8 dt2, uint8 count2, bytes20 setHash2) = oracle.attesterConfig();
        assertEq(uint256(epoch2), epoch);
        assertEq(uint256(t2), t);
        assertEq(uint256(dt2), dt);
        assertEq(uint256(count2), count);
        assertEq(setHash2, setHash);
        assertEq(uint256(oracle.disputeWindow()), WINDOW);
    }

    function test_pause_neverBlocksReads() public {
        _proposeMatch(EVENT_ID, 3, 1);
        vm.warp(T0 + WINDOW);
        vm.prank(guardian);
        oracle.pause();
        (, uint32 home, uint32 away) = oracle.finalMatchResult(EVENT_ID);
        assertEq(uint256(home), 3);
        assertEq(uint256(away), 1);
        assertTrue(oracle.isFinal(EVENT_ID));
    }

    function test_pause_revertsForOthersOrWhenPaused() public {
        address outsider = makeAddr("outsider");
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotGuardian.selector, outsider));
        vm.prank(outsider);
        oracle.pause();
        vm.prank(guardian);
        oracle.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(guardian);
        oracle.pause();
    }

    function test_unpause_revertsForGuardianOrWhenNotPaused() public {
        vm.expectRevert(Pausable.ExpectedPause.selector);
        vm.prank(governance);
        oracle.unpause();
        vm.prank(guardian);
        oracle.pause();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        oracle.unpause();
    }

    function test_transferOwnership_takesTwoSteps() public {
        address next = makeAddr("next governance");
        vm.prank(governance);
        oracle.transferOwnership(next);
        assertEq(oracle.owner(), governance);
        assertEq(oracle.pendingOwner(), next);
        vm.prank(next);
        oracle.acceptOwnership();
        assertEq(oracle.owner(), next);
    }

    function test_renounceOwnership_reverts() public {
        vm.expectRevert(IResultsOracle.RenounceDisabled.selector);
        vm.prank(governance);
        oracle.renounceOwnership();
        assertEq(oracle.owner(), governance);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        oracle.renounceOwnership();
    }

    // TIME OVERRIDE (contracts/testing)

    function test_time_harnessClockDrivesFinality() public {
        ResultsOracleHarness harness = new ResultsOracleHarness(_setAddrs(), 3, 4, WINDOW, guardian, governance);
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        harness.propose(r, _bundle(harness.resultDigest(r), _firstK(3)));
        assertFalse(harness.isFinal(EVENT_ID));
        harness.setTime(T0 + WINDOW);
        assertTrue(harness.isFinal(EVENT_ID), "pinned clock");
        harness.setTime(0);
        assertFalse(harness.isFinal(EVENT_ID), "back to block time");
    }

    function test_constants_areExposed() public view {
        assertEq(oracle.MAX_ATTESTERS(), 16);
        assertEq(oracle.CONSUMER_GAS_STIPEND(), 100_000);
        assertEq(address(ResultsOracle(address(oracle))), address(oracle));
    }
}
