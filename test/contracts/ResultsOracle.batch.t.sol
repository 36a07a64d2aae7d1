// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {OracleTestBase} from "./utils/OracleTestBase.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";

/// @notice A batch of 10 match results (events `keccak256("b", i)`).
abstract contract BatchFixture is OracleTestBase {
    IResultsOracle.BatchedResult[] internal results;
    bytes32[] internal leaves;

    function setUp() public virtual override {
        super.setUp();
        (IResultsOracle.BatchedResult[] memory rs, bytes32[] memory ls) = _batchOf(10, "b");
        for (uint256 i; i < rs.length; ++i) results.push(rs[i]);
        leaves = ls;
    }

    function _finalRoot() internal returns (bytes32 root) {
        root = _proposeRoot(leaves);
        vm.warp(block.timestamp + WINDOW);
    }

    function _disputedRoot() internal returns (bytes32 root) {
        root = _proposeRoot(leaves);
        vm.prank(guardian);
        oracle.disputeBatch(root);
    }

    function _batchPhase(bytes32 root) internal view returns (uint256 phase) {
        IResultsOracle.Phase p;
        (p, , ) = oracle.batchOf(root);
        return uint256(p);
    }
}

/// @notice `proposeBatch`, `disputeBatch`, `batchOf`.
contract ResultsOracleBatchTest is BatchFixture {
    function test_proposeBatch_storesRoot() public {
        bytes32 root = _merkleRoot(leaves);
        IResultsOracle.Batch memory b = _batch(root, 10);
        bytes memory bundle = _signBatch(b, _firstK(3));
        vm.expectEmit(address(oracle));
        emit IResultsOracle.BatchProposed(root, 10, T0 + WINDOW, 1);
        oracle.proposeBatch(b, bundle);
        (IResultsOracle.Phase phase, uint64 finalAt, uint32 epoch) = oracle.batchOf(root);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Proposed));
        assertEq(uint256(finalAt), uint256(T0 + WINDOW));
        assertEq(uint256(epoch), 1);
        vm.warp(T0 + WINDOW);
        assertEq(_batchPhase(root), uint256(IResultsOracle.Phase.Final));
    }

    function test_proposeBatch_revertsWhenAlreadyProposed() public {
        bytes32 root = _proposeRoot(leaves);
        IResultsOracle.Batch memory b = _batch(root, 10);
        bytes memory bundle = _signBatch(b, _firstK(3));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.BatchAlreadyProposed.selector, root));
        oracle.proposeBatch(b, bundle);
    }

    function test_proposeBatch_revertsOnSignatureProblems() public {
        IResultsOracle.Batch memory b = _batch(keccak256("root"), 3);
        bytes memory bundle = _signBatch(b, _firstK(2));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InsufficientSignatures.selector, 2, 3));
        oracle.proposeBatch(b, bundle);
        bundle = _signBatch(b, _firstK(3));
        b.count = 4; // signed count differs: the signers recovered are not the attesters
        vm.expectRevert(_mismatchOf(oracle.batchDigest(b), bundle));
        oracle.proposeBatch(b, bundle);
    }

    function test_proposeBatch_revertsOnValidityOrEpoch() public {
        IResultsOracle.Batch memory b = _batch(keccak256("root"), 3);
        bytes memory bundle = _signBatch(b, _firstK(3));
        vm.warp(b.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.SignatureExpired.selector, b.deadline, b.deadline + 1));
        oracle.proposeBatch(b, bundle);
        vm.warp(T0);
        b.epoch = 2;
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.WrongEpoch.selector, 2, 1));
        oracle.proposeBatch(b, bundle);
    }

    function test_proposeBatch_revertsWhenPaused() public {
        IResultsOracle.Batch memory b = _batch(keccak256("root"), 3);
        bytes memory bundle = _signBatch(b, _firstK(3));
        vm.prank(guardian);
        oracle.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        oracle.proposeBatch(b, bundle);
    }

    function test_disputeBatch_byAttester() public {
        bytes32 root = _proposeRoot(leaves);
        vm.expectEmit(address(oracle));
        emit IResultsOracle.BatchDisputed(root, signers[2].addr, uint64(block.timestamp) + 3 days);
        vm.prank(signers[2].addr);
        oracle.disputeBatch(root);
        (IResultsOracle.Phase phase, uint64 finalAt, ) = oracle.batchOf(root);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Disputed));
        assertEq(uint256(finalAt), block.timestamp + 3 days, "the dispute lapses after DISPUTE_PERIOD");
        vm.warp(block.timestamp + 3 days);
        (phase, , ) = oracle.batchOf(root);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final), "a lapsed dispute leaves the root final");
    }

    function test_disputeBatch_revertsOutsideWindowOrForOutsider() public {
        bytes32 root = _proposeRoot(leaves);
        address outsider = makeAddr("outsider");
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotAttesterOrGuardian.selector, outsider));
        vm.prank(outsider);
        oracle.disputeBatch(root);
        vm.warp(T0 + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputable.selector, root));
        vm.prank(guardian);
        oracle.disputeBatch(root);
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputable.selector, unknown));
        vm.prank(guardian);
        oracle.disputeBatch(unknown);
    }
}

/// @notice `resolveBatch`, `resolveBatchByGovernance`.
contract ResultsOracleBatchResolveTest is BatchFixture {
    function test_resolveBatch_upholdsWithDisputeThreshold() public {
        bytes32 root = _disputedRoot();
        vm.warp(T0 + 5);
        IResultsOracle.Batch memory b = _batch(root, 10);
        bytes memory bundle = _signBatchResolution(b, _firstK(4));
        vm.expectEmit(address(oracle));
        emit IResultsOracle.BatchResolved(root, true, false);
        oracle.resolveBatch(b, bundle);
        (IResultsOracle.Phase phase, uint64 finalAt, ) = oracle.batchOf(root);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
        assertEq(uint256(finalAt), uint256(T0 + 5));
    }

    function test_resolveBatch_refusesTheProposalSignatures() public {
        // A root proposed by all five attesters, more than disputeThreshold: a `Batch`, not a `BatchResolution`.
        IResultsOracle.Batch memory b = _batch(_merkleRoot(leaves), 10);
        bytes memory proposal = _signBatch(b, _firstK(5));
        oracle.proposeBatch(b, proposal);
        vm.prank(guardian);
        oracle.disputeBatch(b.root);
        vm.expectRevert(_mismatchOf(_batchResolutionDigest(b, address(oracle)), proposal));
        oracle.resolveBatch(b, proposal);
        assertEq(_batchPhase(b.root), uint256(IResultsOracle.Phase.Disputed));
        oracle.resolveBatch(b, _signBatchResolution(b, _firstK(4)));
        assertEq(_batchPhase(b.root), uint256(IResultsOracle.Phase.Final));
    }

    function test_resolveBatch_revertsBelowThresholdOrWhenNotDisputed() public {
        bytes32 root = _proposeRoot(leaves);
        IResultsOracle.Batch memory b = _batch(root, 10);
        bytes memory bundle = _signBatchResolution(b, _firstK(4));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputed.selector, root));
        oracle.resolveBatch(b, bundle);
        vm.prank(guardian);
        oracle.disputeBatch(root);
        bundle = _signBatchResolution(b, _firstK(3));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InsufficientSignatures.selector, 3, 4));
        oracle.resolveBatch(b, bundle);
    }

    function test_resolveBatch_revertsOnSignatureOfAnotherRoot() public {
        bytes32 root = _disputedRoot();
        IResultsOracle.Batch memory b = _batch(root, 10);
        bytes memory bundle = _signBatchResolution(_batch(keccak256("another root"), 10), _firstK(4));
        vm.expectRevert(_mismatchOf(_batchResolutionDigest(b, address(oracle)), bundle));
        oracle.resolveBatch(b, bundle);
        bundle = _signBatchResolution(b, _firstK(4));
        vm.expectRevert(_malformed());
        oracle.resolveBatch(b, bytes.concat(bundle, hex"00"));
    }

    function test_resolveBatch_revertsOnWrongEpochOrPause() public {
        bytes32 root = _disputedRoot();
        IResultsOracle.Batch memory b = _batch(root, 10);
        b.epoch = 3;
        bytes memory bundle = _signBatchResolution(b, _firstK(4));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.WrongEpoch.selector, 3, 1));
        oracle.resolveBatch(b, bundle);
        vm.prank(guardian);
        oracle.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        oracle.resolveBatch(b, bundle);
    }

    function test_resolveBatchByGovernance_upholds() public {
        bytes32 root = _disputedRoot();
        vm.expectEmit(address(oracle));
        emit IResultsOracle.BatchResolved(root, true, true);
        vm.prank(governance);
        oracle.resolveBatchByGovernance(root, true);
        assertEq(_batchPhase(root), uint256(IResultsOracle.Phase.Final));
    }

    function test_resolveBatchByGovernance_rejectsForever() public {
        bytes32 root = _disputedRoot();
        vm.prank(governance);
        oracle.resolveBatchByGovernance(root, false);
        (IResultsOracle.Phase phase, uint64 finalAt, uint32 epoch) = oracle.batchOf(root);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
        assertEq(uint256(finalAt), 0);
        assertEq(uint256(epoch), 0);
        // A rejected root can be neither re-proposed nor used.
        IResultsOracle.Batch memory b = _batch(root, 10);
        bytes memory bundle = _signBatch(b, _firstK(3));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.BatchAlreadyProposed.selector, root));
        oracle.proposeBatch(b, bundle);
        vm.warp(T0 + 10 * WINDOW);
        (IResultsOracle.Phase p, ) = oracle.verifyBatched(root, results[0], _merkleProof(leaves, 0));
        assertEq(uint256(p), uint256(IResultsOracle.Phase.None));
    }

    function test_resolveBatchByGovernance_reverts() public {
        bytes32 root = _proposeRoot(leaves);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        oracle.resolveBatchByGovernance(root, true);
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputed.selector, root));
        oracle.resolveBatchByGovernance(root, true);
        vm.stopPrank();
    }
}

/// @notice `verifyBatched`, `requireFinalBatched`.
contract ResultsOracleBatchReadTest is BatchFixture {
    function test_verifyBatched_reportsTheRecordsPhase() public {
        bytes32 root = _proposeRoot(leaves);
        bytes32[] memory proof = _merkleProof(leaves, 3);
        (IResultsOracle.Phase phase, uint64 finalAt) = oracle.verifyBatched(root, results[3], proof);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None), "not the record yet");
        assertEq(uint256(finalAt), 0);
        vm.warp(T0 + WINDOW);
        oracle.publishFromBatch(root, results[3], proof);
        (phase, finalAt) = oracle.verifyBatched(root, results[3], proof);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Proposed));
        assertEq(uint256(finalAt), uint256(T0 + 2 * WINDOW));
        vm.warp(T0 + 2 * WINDOW);
        (phase, ) = oracle.verifyBatched(root, results[3], proof);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
    }

    function test_verifyBatched_returnsNoneOnBadProofOrUnknownRoot() public {
        bytes32 root = _finalRoot();
        (IResultsOracle.Phase phase, uint64 finalAt) = oracle.verifyBatched(root, results[3], _merkleProof(leaves, 4));
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
        assertEq(uint256(finalAt), 0);
        IResultsOracle.BatchedResult memory forged = results[3];
        forged.values[0] += 1;
        (phase, ) = oracle.verifyBatched(root, forged, _merkleProof(leaves, 3));
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
        // A valid proof against a root nobody proposed.
        bytes32[] memory none = new bytes32[](0);
        (phase, ) = oracle.verifyBatched(leaves[0], results[0], none);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
    }

    function test_requireFinalBatched_passesOnlyForTheFinalStoredRecord() public {
        bytes32 root = _proposeRoot(leaves);
        bytes32[] memory proof = _merkleProof(leaves, 9);
        bytes32 id = results[9].eventId;
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.ResultNotStored.selector, id));
        oracle.requireFinalBatched(root, results[9], proof);
        vm.warp(T0 + WINDOW);
        // A final root alone does not make a leaf final: it must be its event's record.
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.ResultNotStored.selector, id));
        oracle.requireFinalBatched(root, results[9], proof);
        oracle.publishFromBatch(root, results[9], proof);
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.ResultNotFinal.selector, id, IResultsOracle.Phase.Proposed)
        );
        oracle.requireFinalBatched(root, results[9], proof);
        vm.warp(T0 + 2 * WINDOW);
        oracle.requireFinalBatched(root, results[9], proof);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidProof.selector, root));
        oracle.requireFinalBatched(root, results[8], proof);
    }
}

/// @notice `publishFromBatch`.
contract ResultsOraclePublishTest is BatchFixture {
    function test_publishFromBatch_storesFinalResult() public {
        bytes32 root = _finalRoot();
        IResultsOracle.BatchedResult memory r = results[6];
        uint64 due = uint64(block.timestamp) + WINDOW;
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ResultProposed(r.eventId, 1, r.status, r.values, r.endedAt, due);
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ResultPublishedFromBatch(r.eventId, root, 1);
        oracle.publishFromBatch(root, r, _merkleProof(leaves, 6));
        (IResultsOracle.Phase phase, , uint32 home, uint32 away, uint32 version, uint64 finalAt) = oracle.matchResult(
            r.eventId
        );
        // Proposed with a fresh window, as a direct proposal: a higher version may still supersede it.
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Proposed));
        assertEq(uint256(home), r.values[0]);
        assertEq(uint256(away), r.values[1]);
        assertEq(uint256(version), 1);
        assertEq(uint256(finalAt), due);
        vm.warp(due);
        assertTrue(oracle.isFinal(r.eventId));
    }

    function test_publishFromBatch_isIdempotent() public {
        bytes32 root = _finalRoot();
        bytes32[] memory proof = _merkleProof(leaves, 2);
        oracle.publishFromBatch(root, results[2], proof);
        vm.recordLogs();
        oracle.publishFromBatch(root, results[2], proof);
        assertEq(vm.getRecordedLogs().length, 0, "no event the second time");
    }

    function test_publishFromBatch_supersedesPendingProposalOnlyWithAHigherVersion() public {
        IResultsOracle.BatchedResult memory b = results[1];
        bytes32 root = _proposeRoot(leaves); // b at version 1
        vm.warp(T0 + 50);
        IResultsOracle.BatchedResult memory b2 = _batched(b.eventId, 4, 0, 2);
        bytes32[] memory ls = new bytes32[](2);
        (ls[0], ls[1]) = (_leaf(b2), leaves[0]);
        bytes32 root2 = _proposeRoot(ls);
        vm.warp(T0 + 100);
        _propose(_resultWith(b.eventId, IResultsOracle.ResultStatus.Completed, _values(9, 9), 1));
        vm.warp(T0 + WINDOW + 50); // both roots final, the direct v1 still pending
        // An equal version never replaces a pending proposal.
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, b.eventId, 1, 1));
        oracle.publishFromBatch(root, b, _merkleProof(leaves, 1));
        oracle.publishFromBatch(root2, b2, _merkleProof(ls, 0));
        (IResultsOracle.Phase phase, , uint32 home, , uint32 version, ) = oracle.matchResult(b.eventId);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Proposed));
        assertEq(uint256(home), 4);
        assertEq(uint256(version), 2);
        // The superseded leaf no longer reads through a proof.
        (phase, ) = oracle.verifyBatched(root, b, _merkleProof(leaves, 1));
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
    }

    function test_publishFromBatch_revertsWhenRootNotFinal() public {
        bytes32 root = _proposeRoot(leaves);
        bytes32[] memory proof = _merkleProof(leaves, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.BatchNotFinal.selector, root, IResultsOracle.Phase.Proposed)
        );
        oracle.publishFromBatch(root, results[0], proof);
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.BatchNotFinal.selector, unknown, IResultsOracle.Phase.None)
        );
        oracle.publishFromBatch(unknown, results[0], proof);
    }

    function test_publishFromBatch_revertsOnBadProof() public {
        bytes32 root = _finalRoot();
        bytes32[] memory proof = _merkleProof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidProof.selector, root));
        oracle.publishFromBatch(root, results[1], proof);
    }

    function test_publishFromBatch_revertsOnConflictWithFinalResult() public {
        IResultsOracle.BatchedResult memory b = results[4];
        _proposeMatch(b.eventId, 7, 7);
        bytes32 root = _finalRoot();
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.ResultAlreadyFinal.selector, b.eventId));
        oracle.publishFromBatch(root, b, _merkleProof(leaves, 4));
    }

    function test_publishFromBatch_revertsUnderAHigherPendingOrDisputedVersion() public {
        IResultsOracle.BatchedResult memory b = results[5];
        bytes32 root = _proposeRoot(leaves);
        vm.warp(T0 + WINDOW);
        IResultsOracle.Result memory newer = _resultWith(
            b.eventId,
            IResultsOracle.ResultStatus.Completed,
            _values(0, 0),
            2
        );
        _propose(newer);
        bytes32[] memory proof = _merkleProof(leaves, 5);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, b.eventId, 1, 2));
        oracle.publishFromBatch(root, b, proof);
        _dispute(b.eventId);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, b.eventId, 1, 2));
        oracle.publishFromBatch(root, b, proof);
    }

    function test_publishFromBatch_revertsOnInvalidOutcome() public {
        IResultsOracle.BatchedResult memory bad = _batched(keccak256("bad"), 1, 1, 1);
        bad.status = IResultsOracle.ResultStatus.Postponed; // values with a non-Completed status
        bytes32[] memory ls = new bytes32[](2);
        ls[0] = _leaf(bad);
        ls[1] = leaves[0];
        bytes32 root = _proposeRoot(ls);
        vm.warp(T0 + WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.InvalidOutcome.selector, IResultsOracle.ResultStatus.Postponed, 2)
        );
        oracle.publishFromBatch(root, bad, _merkleProof(ls, 0));
    }

    function test_publishFromBatch_storesLongOutcome() public {
        IResultsOracle.BatchedResult memory race = _batched(keccak256("race"), 0, 0, 1);
        race.values = new uint32[](6);
        for (uint256 i; i < 6; ++i) race.values[i] = uint32(6 - i);
        bytes32[] memory ls = new bytes32[](3);
        (ls[0], ls[1], ls[2]) = (leaves[0], _leaf(race), leaves[1]);
        bytes32 root = _proposeRoot(ls);
        vm.warp(T0 + WINDOW);
        oracle.publishFromBatch(root, race, _merkleProof(ls, 1));
        oracle.publishFromBatch(root, race, _merkleProof(ls, 1)); // idempotent with a commitment too
        vm.warp(T0 + 2 * WINDOW);
        (IResultsOracle.ResultStatus status, uint32 version) = oracle.finalResultWithValues(race.eventId, race.values);
        assertEq(uint256(status), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(version), 1);
    }

    function test_publishFromBatch_revertsWhenPaused() public {
        bytes32 root = _finalRoot();
        bytes32[] memory proof = _merkleProof(leaves, 0);
        vm.prank(guardian);
        oracle.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        oracle.publishFromBatch(root, results[0], proof);
    }
}
