// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OracleTestBase} from "./utils/OracleTestBase.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";
import {ResultsReader} from "../../contracts/libraries/ResultsReader.sol";

/// @notice Exposes the library's calldata functions (and its reverts) as external calls.
contract ResultsReaderHarness {
    function matchResult(
        IResultsOracle oracle,
        bytes32 eventId
    ) external view returns (IResultsOracle.Phase, IResultsOracle.ResultStatus, uint32, uint32, uint32, uint64) {
        return ResultsReader.matchResult(oracle, eventId);
    }

    function finalMatchResult(
        IResultsOracle oracle,
        bytes32 eventId
    ) external view returns (IResultsOracle.ResultStatus, uint32, uint32) {
        return ResultsReader.finalMatchResult(oracle, eventId);
    }

    function isFinal(IResultsOracle oracle, bytes32 eventId) external view returns (bool) {
        return ResultsReader.isFinal(oracle, eventId);
    }

    function batchOf(IResultsOracle oracle, bytes32 root) external view returns (IResultsOracle.Phase, uint64, uint32) {
        return ResultsReader.batchOf(oracle, root);
    }

    function verifyBatched(
        IResultsOracle oracle,
        bytes32 root,
        IResultsOracle.BatchedResult calldata result,
        bytes32[] calldata proof
    ) external view returns (IResultsOracle.Phase, uint64) {
        return ResultsReader.verifyBatched(oracle, root, result, proof);
    }

    function requireFinalBatched(
        IResultsOracle oracle,
        bytes32 root,
        IResultsOracle.BatchedResult calldata result,
        bytes32[] calldata proof
    ) external view {
        ResultsReader.requireFinalBatched(oracle, root, result, proof);
    }
}

/// @notice Reverts every call with `Broken(42)`.
contract RevertingOracle {
    error Broken(uint256 code);

    fallback() external {
        revert Broken(42);
    }
}

/// @notice Answers every call with 16 bytes (less than a word), or reverts without data.
contract ShortAnswerOracle {
    bool public silentRevert;

    function setSilentRevert(bool value) external {
        silentRevert = value;
    }

    // solhint-disable-next-line no-complex-fallback
    fallback() external {
        bool silent = silentRevert;
        assembly ("memory-safe") {
            if silent {
                revert(0, 0)
            }
            mstore(0x00, 0xff)
            return(0x10, 0x10)
        }
    }
}

/// @notice Shared assertions: the library's answers equal the oracle's typed reads, reverts included.
abstract contract ReaderFixture is OracleTestBase {
    ResultsReaderHarness internal harness;

    function setUp() public virtual override {
        super.setUp();
        harness = new ResultsReaderHarness();
    }

    /// @dev Every stored-result read of the library agrees with the oracle's for `eventId`, now.
    function _assertSameResult(bytes32 eventId) internal view {
        assertEq(keccak256(_libraryMatchResult(eventId)), keccak256(_oracleMatchResult(eventId)), "matchResult");
        assertEq(ResultsReader.isFinal(oracle, eventId), oracle.isFinal(eventId), "isFinal");
        assertEq(ResultsReader.resultWord(oracle, eventId), oracle.resultWord(eventId), "word");
        _assertSameFinalRead(eventId);
    }

    function _oracleMatchResult(bytes32 eventId) private view returns (bytes memory) {
        (
            IResultsOracle.Phase phase,
            IResultsOracle.ResultStatus status,
            uint32 home,
            uint32 away,
            uint32 version,
            uint64 finalAt
        ) = oracle.matchResult(eventId);
        return abi.encode(phase, status, home, away, version, finalAt);
    }

    function _libraryMatchResult(bytes32 eventId) private view returns (bytes memory) {
        (
            IResultsOracle.Phase phase,
            IResultsOracle.ResultStatus status,
            uint32 home,
            uint32 away,
            uint32 version,
            uint64 finalAt
        ) = ResultsReader.matchResult(oracle, eventId);
        return abi.encode(phase, status, home, away, version, finalAt);
    }

    /// @dev `finalMatchResult`: same values, or the same revert data.
    function _assertSameFinalRead(bytes32 eventId) internal view {
        (bool ok, bytes memory expected) = address(oracle).staticcall(
            abi.encodeCall(IResultsOracle.finalMatchResult, (eventId))
        );
        (bool lOk, bytes memory actual) = address(harness).staticcall(
            abi.encodeCall(ResultsReaderHarness.finalMatchResult, (oracle, eventId))
        );
        assertEq(lOk, ok, "finalMatchResult success");
        assertEq(keccak256(actual), keccak256(expected), "finalMatchResult answer or revert data");
    }

    /// @dev `batchOf`, `verifyBatched` and `requireFinalBatched` agree (answers and revert data).
    function _assertSameBatched(
        bytes32 root,
        IResultsOracle.BatchedResult memory result,
        bytes32[] memory proof
    ) internal view {
        _assertSameCall(
            abi.encodeCall(IResultsOracle.batchOf, (root)),
            abi.encodeCall(ResultsReaderHarness.batchOf, (oracle, root)),
            "batchOf"
        );
        _assertSameCall(
            abi.encodeCall(IResultsOracle.verifyBatched, (root, result, proof)),
            abi.encodeCall(ResultsReaderHarness.verifyBatched, (oracle, root, result, proof)),
            "verifyBatched"
        );
        _assertSameCall(
            abi.encodeCall(IResultsOracle.requireFinalBatched, (root, result, proof)),
            abi.encodeCall(ResultsReaderHarness.requireFinalBatched, (oracle, root, result, proof)),
            "requireFinalBatched"
        );
    }

    function _assertSameCall(bytes memory oracleCall, bytes memory harnessCall, string memory what) internal view {
        (bool ok, bytes memory expected) = address(oracle).staticcall(oracleCall);
        (bool lOk, bytes memory actual) = address(harness).staticcall(harnessCall);
        assertEq(lOk, ok, string.concat(what, ": success"));
        assertEq(keccak256(actual), keccak256(expected), string.concat(what, ": answer or revert data"));
    }

    function _expectNotFinal(bytes32 eventId, IResultsOracle.Phase phase) internal {
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.ResultNotFinal.selector, eventId, phase));
    }

    function _phaseOf(bytes32 eventId) internal view returns (uint256) {
        (IResultsOracle.Phase phase, , , , , ) = ResultsReader.matchResult(oracle, eventId);
        return uint256(phase);
    }
}

/// @notice Stored results: the library agrees with `matchResult`, `finalMatchResult`, `isFinal` in every phase.
contract ResultsReaderStoredTest is ReaderFixture {
    function test_none_readsEmpty() public {
        _assertSameResult(EVENT_ID);
        assertEq(_phaseOf(EVENT_ID), uint256(IResultsOracle.Phase.None));
        assertFalse(ResultsReader.isFinal(oracle, EVENT_ID));
        _expectNotFinal(EVENT_ID, IResultsOracle.Phase.None);
        harness.finalMatchResult(oracle, EVENT_ID);
    }

    function test_proposed_readsProposedUntilTheWindowEnds() public {
        _proposeMatch(EVENT_ID, 4, 2);
        _assertSameResult(EVENT_ID);
        (
            IResultsOracle.Phase phase,
            IResultsOracle.ResultStatus status,
            uint32 home,
            uint32 away,
            uint32 version,
            uint64 finalAt
        ) = ResultsReader.matchResult(oracle, EVENT_ID);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Proposed));
        assertEq(uint256(status), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(home), 4);
        assertEq(uint256(away), 2);
        assertEq(uint256(version), 1);
        assertEq(uint256(finalAt), uint256(T0 + WINDOW));
        _expectNotFinal(EVENT_ID, IResultsOracle.Phase.Proposed);
        harness.finalMatchResult(oracle, EVENT_ID);

        vm.warp(T0 + WINDOW - 1); // last second of the window
        _assertSameResult(EVENT_ID);
        assertEq(_phaseOf(EVENT_ID), uint256(IResultsOracle.Phase.Proposed));
    }

    function test_finalByTime_readsFinalFromFinalAt() public {
        _proposeMatch(EVENT_ID, 4, 2);
        vm.warp(T0 + WINDOW); // finalAt itself
        _assertSameResult(EVENT_ID);
        assertEq(_phaseOf(EVENT_ID), uint256(IResultsOracle.Phase.Final));
        assertTrue(ResultsReader.isFinal(oracle, EVENT_ID));
        (IResultsOracle.ResultStatus status, uint32 home, uint32 away) = harness.finalMatchResult(oracle, EVENT_ID);
        assertEq(uint256(status), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(home), 4);
        assertEq(uint256(away), 2);
        vm.warp(T0 + 365 days);
        _assertSameResult(EVENT_ID);
    }

    function test_correction_readsTheLaterVersion() public {
        _proposeMatch(EVENT_ID, 0, 0);
        vm.warp(T0 + 60);
        _propose(_resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, _values(1, 0), 2));
        _assertSameResult(EVENT_ID);
        (, , uint32 home, , uint32 version, uint64 finalAt) = ResultsReader.matchResult(oracle, EVENT_ID);
        assertEq(uint256(home), 1);
        assertEq(uint256(version), 2);
        assertEq(uint256(finalAt), uint256(T0 + 60 + WINDOW));
    }

    function test_disputed_readsDisputedUntilTheDisputeLapses() public {
        _proposeMatch(EVENT_ID, 4, 2);
        _dispute(EVENT_ID);
        _assertSameResult(EVENT_ID);
        (IResultsOracle.Phase phase, , , , , uint64 finalAt) = ResultsReader.matchResult(oracle, EVENT_ID);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Disputed));
        assertEq(uint256(finalAt), block.timestamp + oracle.DISPUTE_PERIOD());
        vm.warp(finalAt - 1);
        _assertSameResult(EVENT_ID);
        _expectNotFinal(EVENT_ID, IResultsOracle.Phase.Disputed);
        harness.finalMatchResult(oracle, EVENT_ID);
        vm.warp(finalAt); // lapsed: final, on every path
        _assertSameResult(EVENT_ID);
        assertEq(_phaseOf(EVENT_ID), uint256(IResultsOracle.Phase.Final));
        assertTrue(ResultsReader.isFinal(oracle, EVENT_ID));
    }

    function test_finalByResolution_signatures() public {
        IResultsOracle.Result memory r = _proposeMatch(EVENT_ID, 4, 2);
        _dispute(EVENT_ID);
        vm.warp(T0 + 5);
        r.values = _values(3, 2);
        oracle.resolve(r, _signResolution(r, _firstK(4)));
        _assertSameResult(EVENT_ID);
        (IResultsOracle.ResultStatus status, uint32 home, uint32 away) = harness.finalMatchResult(oracle, EVENT_ID);
        assertEq(uint256(status), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(home), 3);
        assertEq(uint256(away), 2);
    }

    function test_finalByResolution_governance() public {
        IResultsOracle.Result memory r = _proposeMatch(EVENT_ID, 4, 2);
        _dispute(EVENT_ID);
        r.status = IResultsOracle.ResultStatus.Abandoned;
        r.values = new uint32[](0);
        vm.prank(governance);
        oracle.resolveByGovernance(r);
        _assertSameResult(EVENT_ID);
        (IResultsOracle.ResultStatus status, uint32 home, uint32 away) = harness.finalMatchResult(oracle, EVENT_ID);
        assertEq(uint256(status), uint256(IResultsOracle.ResultStatus.Abandoned));
        assertEq(uint256(home) + away, 0);
    }

    function test_everyStatus_andLongOutcomes() public {
        for (uint256 s = 1; s <= uint256(type(IResultsOracle.ResultStatus).max); ++s) {
            IResultsOracle.ResultStatus status = IResultsOracle.ResultStatus(s);
            bytes32 id = keccak256(abi.encode("status", s));
            uint32[] memory values = status == IResultsOracle.ResultStatus.Completed ? _values(2, 2) : new uint32[](0);
            _propose(_resultWith(id, status, values, uint32(s)));
        }
        // A race: six values, the first two read as home and away.
        uint32[] memory order = new uint32[](6);
        for (uint256 i; i < 6; ++i) order[i] = uint32(6 - i);
        _propose(_resultWith(keccak256("race"), IResultsOracle.ResultStatus.Completed, order, 1));
        for (uint256 pass; pass < 2; ++pass) {
            for (uint256 s = 1; s <= uint256(type(IResultsOracle.ResultStatus).max); ++s) {
                _assertSameResult(keccak256(abi.encode("status", s)));
            }
            _assertSameResult(keccak256("race"));
            vm.warp(T0 + WINDOW);
        }
    }

    function test_publishedFromBatch_readsFinal() public {
        (IResultsOracle.BatchedResult[] memory results, bytes32[] memory leaves) = _batchOf(6, "pub");
        bytes32 root = _proposeRoot(leaves);
        vm.warp(T0 + WINDOW);
        oracle.publishFromBatch(root, results[2], _merkleProof(leaves, 2));
        _assertSameResult(results[2].eventId);
        assertEq(_phaseOf(results[2].eventId), uint256(IResultsOracle.Phase.Proposed), "a fresh window");
        vm.warp(T0 + 2 * WINDOW);
        _assertSameResult(results[2].eventId);
        assertEq(_phaseOf(results[2].eventId), uint256(IResultsOracle.Phase.Final));
        (, , uint32 home, uint32 away, , uint64 finalAt) = ResultsReader.matchResult(oracle, results[2].eventId);
        assertEq(uint256(home), uint256(results[2].values[0]));
        assertEq(uint256(away), uint256(results[2].values[1]));
        assertEq(uint256(finalAt), uint256(T0 + 2 * WINDOW));
    }

    function test_rawWord_followsTheDocumentedLayout() public {
        _proposeMatch(EVENT_ID, 7, 3);
        uint256 word = ResultsReader.resultWord(oracle, EVENT_ID);
        uint256 expected =
            uint256(IResultsOracle.Phase.Proposed) |
                (uint256(IResultsOracle.ResultStatus.Completed) << 8) |
                (2 << 16) |
                (1 << 24) |
                (uint256(T0 + WINDOW) << 56) |
                (uint256(7) << 120) |
                (uint256(3) << 152);
        assertEq(word, expected);
    }

    /// @dev The raw read writes scratch space only: the free memory pointer and allocated memory are untouched.
    function test_read_leavesMemoryAlone() public {
        _proposeMatch(EVENT_ID, 4, 2);
        bytes memory before = abi.encode(uint256(0x1234), keccak256("x"));
        uint256 freeBefore;
        assembly ("memory-safe") {
            freeBefore := mload(0x40)
        }
        ResultsReader.matchResult(oracle, EVENT_ID);
        uint256 freeAfter;
        assembly ("memory-safe") {
            freeAfter := mload(0x40)
        }
        assertEq(freeAfter, freeBefore, "free memory pointer");
        assertEq(keccak256(before), keccak256(abi.encode(uint256(0x1234), keccak256("x"))), "allocated memory");
    }
}

/// @notice Batched results: the library agrees with `batchOf`, `verifyBatched`, `requireFinalBatched`.
contract ResultsReaderBatchTest is ReaderFixture {
    IResultsOracle.BatchedResult[] internal results;
    bytes32[] internal leaves;

    function setUp() public override {
        super.setUp();
        (IResultsOracle.BatchedResult[] memory rs, bytes32[] memory ls) = _batchOf(10, "reader");
        for (uint256 i; i < rs.length; ++i) results.push(rs[i]);
        leaves = ls;
    }

    function _assertAllSame(bytes32 root) internal view {
        for (uint256 i; i < leaves.length; i += 3) _assertSameBatched(root, results[i], _merkleProof(leaves, i));
    }

    function _verify(bytes32 root, uint256 i) internal view returns (IResultsOracle.Phase phase, uint64 finalAt) {
        return harness.verifyBatched(oracle, root, results[i], _merkleProof(leaves, i));
    }

    function test_unknownRoot_readsNone() public view {
        bytes32 root = _merkleRoot(leaves);
        _assertAllSame(root);
        (IResultsOracle.Phase phase, uint64 finalAt) = _verify(root, 3);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
        assertEq(uint256(finalAt), 0);
    }

    function test_leafReadsOnlyOnceItIsTheStoredRecord() public {
        bytes32 root = _proposeRoot(leaves);
        bytes32 id = results[3].eventId;
        _assertAllSame(root);
        (IResultsOracle.Phase phase, uint64 finalAt) = _verify(root, 3);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None), "unpublished");
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.ResultNotStored.selector, id));
        harness.requireFinalBatched(oracle, root, results[3], _merkleProof(leaves, 3));

        vm.warp(T0 + WINDOW); // a final root alone does not make its leaves final
        _assertAllSame(root);
        (phase, ) = _verify(root, 3);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
        oracle.publishFromBatch(root, results[3], _merkleProof(leaves, 3));
        _assertAllSame(root);
        (phase, finalAt) = _verify(root, 3);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Proposed));
        assertEq(uint256(finalAt), uint256(T0 + 2 * WINDOW));
        vm.expectRevert(
            abi.encodeWithSelector(IResultsOracle.ResultNotFinal.selector, id, IResultsOracle.Phase.Proposed)
        );
        harness.requireFinalBatched(oracle, root, results[3], _merkleProof(leaves, 3));

        vm.warp(T0 + 2 * WINDOW);
        _assertAllSame(root);
        (phase, ) = _verify(root, 3);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
        harness.requireFinalBatched(oracle, root, results[3], _merkleProof(leaves, 3));
        (IResultsOracle.Phase p, uint64 at, uint32 epoch) = harness.batchOf(oracle, root);
        assertEq(uint256(p), uint256(IResultsOracle.Phase.Final));
        assertEq(uint256(at), uint256(T0 + WINDOW));
        assertEq(uint256(epoch), uint256(_epoch()));
    }

    function test_leafThatDisagreesWithADirectProposalNeverReads() public {
        bytes32 root = _proposeRoot(leaves);
        IResultsOracle.BatchedResult memory b = results[0];
        _propose(_resultWith(b.eventId, IResultsOracle.ResultStatus.Completed, _values(9, 9), b.version));
        vm.warp(T0 + 2 * WINDOW);
        _assertAllSame(root);
        (IResultsOracle.Phase phase, ) = _verify(root, 0);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.ResultNotStored.selector, b.eventId));
        harness.requireFinalBatched(oracle, root, b, _merkleProof(leaves, 0));
        assertTrue(ResultsReader.isFinal(oracle, b.eventId), "the direct proposal is the one final result");
    }

    function test_disputedRoot_lapsesOrIsUpheld() public {
        bytes32 root = _proposeRoot(leaves);
        vm.prank(guardian);
        oracle.disputeBatch(root);
        (IResultsOracle.Phase p, uint64 at, ) = harness.batchOf(oracle, root);
        assertEq(uint256(p), uint256(IResultsOracle.Phase.Disputed));
        assertEq(uint256(at), uint256(T0 + oracle.DISPUTE_PERIOD()));
        vm.warp(T0 + oracle.DISPUTE_PERIOD());
        (p, , ) = harness.batchOf(oracle, root);
        assertEq(uint256(p), uint256(IResultsOracle.Phase.Final), "lapsed");
        oracle.publishFromBatch(root, results[0], _merkleProof(leaves, 0));
        _assertAllSame(root);
    }

    function test_rejectedRoot_readsNoneForever() public {
        bytes32 root = _proposeRoot(leaves);
        vm.prank(guardian);
        oracle.disputeBatch(root);
        vm.prank(governance);
        oracle.resolveBatchByGovernance(root, false);
        vm.warp(T0 + 10 * WINDOW);
        _assertAllSame(root);
        (IResultsOracle.Phase phase, uint64 finalAt) = _verify(root, 5);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
        assertEq(uint256(finalAt), 0);
        (IResultsOracle.Phase p, uint64 at, uint32 epoch) = harness.batchOf(oracle, root);
        assertEq(uint256(p) + at + epoch, 0);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.BatchNotFinal.selector, root, IResultsOracle.Phase.None));
        oracle.publishFromBatch(root, results[5], _merkleProof(leaves, 5));
    }

    function test_badProof_readsNoneAndRevertsInTheOraclesOrder() public {
        bytes32 root = _proposeRoot(leaves);
        vm.warp(T0 + WINDOW);
        oracle.publishFromBatch(root, results[3], _merkleProof(leaves, 3));
        vm.warp(T0 + 2 * WINDOW);
        IResultsOracle.BatchedResult memory forged = results[3];
        forged.values[0] += 1;
        bytes32[] memory proof = _merkleProof(leaves, 3);
        bytes32[] memory wrongProof = _merkleProof(leaves, 4);
        bytes32[] memory shortProof = new bytes32[](proof.length - 1);
        for (uint256 i; i < shortProof.length; ++i) shortProof[i] = proof[i];

        _assertSameBatched(root, forged, proof);
        _assertSameBatched(root, results[3], wrongProof);
        _assertSameBatched(root, results[3], shortProof);
        (IResultsOracle.Phase phase, uint64 finalAt) = harness.verifyBatched(oracle, root, forged, proof);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
        assertEq(uint256(finalAt), 0);
        (phase, ) = harness.verifyBatched(oracle, root, results[3], wrongProof);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidProof.selector, root));
        harness.requireFinalBatched(oracle, root, forged, proof);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidProof.selector, root));
        harness.requireFinalBatched(oracle, root, results[3], wrongProof);
        harness.requireFinalBatched(oracle, root, results[3], proof);

        // Every other field of the leaf matters too.
        IResultsOracle.BatchedResult memory other = results[3];
        other.version = 2;
        _assertSameBatched(root, other, proof);
        other = results[3];
        other.endedAt += 1;
        _assertSameBatched(root, other, proof);
        other = results[3];
        other.status = IResultsOracle.ResultStatus.Void;
        _assertSameBatched(root, other, proof);
        other = results[3];
        other.eventId = keccak256("another event");
        _assertSameBatched(root, other, proof);
    }

    function test_singleLeafRoot_emptyProof() public {
        bytes32[] memory one = new bytes32[](1);
        one[0] = leaves[4];
        bytes32 root = _proposeRoot(one);
        assertEq(root, leaves[4]);
        vm.warp(T0 + WINDOW);
        bytes32[] memory none = new bytes32[](0);
        oracle.publishFromBatch(root, results[4], none);
        vm.warp(T0 + 2 * WINDOW);
        _assertSameBatched(root, results[4], none);
        (IResultsOracle.Phase phase, ) = harness.verifyBatched(oracle, root, results[4], none);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
        harness.requireFinalBatched(oracle, root, results[4], none);
    }

    function test_longOutcomeLeaf() public {
        IResultsOracle.BatchedResult memory race = _batched(keccak256("race"), 0, 0, 1);
        race.values = new uint32[](9);
        for (uint256 i; i < 9; ++i) race.values[i] = uint32(100 + i);
        bytes32[] memory ls = new bytes32[](3);
        (ls[0], ls[1], ls[2]) = (leaves[0], _leaf(race), leaves[1]);
        bytes32 root = _proposeRoot(ls);
        vm.warp(T0 + WINDOW);
        oracle.publishFromBatch(root, race, _merkleProof(ls, 1));
        vm.warp(T0 + 2 * WINDOW);
        _assertSameBatched(root, race, _merkleProof(ls, 1));
        (IResultsOracle.Phase phase, ) = harness.verifyBatched(oracle, root, race, _merkleProof(ls, 1));
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
        // Same first two values, another tail: not the record.
        race.values[8] = 1;
        (phase, ) = harness.verifyBatched(oracle, root, race, _merkleProof(ls, 1));
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
    }
}

/// @notice The raw call: a failing or non-oracle address reverts clearly.
contract ResultsReaderCallTest is ReaderFixture {
    function test_noCode_revertsOracleReadFailed() public {
        IResultsOracle nobody = IResultsOracle(makeAddr("nobody"));
        vm.expectRevert(abi.encodeWithSelector(ResultsReader.OracleReadFailed.selector, address(nobody)));
        harness.matchResult(nobody, EVENT_ID);
        vm.expectRevert(abi.encodeWithSelector(ResultsReader.OracleReadFailed.selector, address(nobody)));
        harness.batchOf(nobody, EVENT_ID);
    }

    function test_revertingOracle_bubblesItsRevertData() public {
        IResultsOracle broken = IResultsOracle(address(new RevertingOracle()));
        vm.expectRevert(abi.encodeWithSelector(RevertingOracle.Broken.selector, 42));
        harness.finalMatchResult(broken, EVENT_ID);
        vm.expectRevert(abi.encodeWithSelector(RevertingOracle.Broken.selector, 42));
        harness.isFinal(broken, EVENT_ID);
    }

    function test_shortAnswerOrSilentRevert_revertsOracleReadFailed() public {
        ShortAnswerOracle short = new ShortAnswerOracle();
        IResultsOracle target = IResultsOracle(address(short));
        vm.expectRevert(abi.encodeWithSelector(ResultsReader.OracleReadFailed.selector, address(short)));
        harness.matchResult(target, EVENT_ID);
        short.setSilentRevert(true);
        vm.expectRevert(abi.encodeWithSelector(ResultsReader.OracleReadFailed.selector, address(short)));
        harness.matchResult(target, EVENT_ID);
    }

    function test_callsTheDocumentedSelectors() public {
        _proposeMatch(EVENT_ID, 1, 0);
        vm.expectCall(address(oracle), abi.encodeCall(IResultsOracle.resultWord, (EVENT_ID)));
        harness.matchResult(oracle, EVENT_ID);
        vm.expectCall(address(oracle), abi.encodeCall(IResultsOracle.batchWord, (EVENT_ID)));
        harness.batchOf(oracle, EVENT_ID);
    }
}

/// @notice Random results, histories and times: the library and the oracle always agree.
contract ResultsReaderFuzzTest is ReaderFixture {
    function testFuzz_storedResult_libraryEqualsOracle(
        uint32 home,
        uint32 away,
        uint8 statusSeed,
        uint32 versionSeed,
        uint8 historySeed,
        uint32 elapsed
    ) public {
        IResultsOracle.ResultStatus status = IResultsOracle.ResultStatus(bound(statusSeed, 1, 5));
        uint32 version = uint32(bound(versionSeed, 1, type(uint32).max));
        uint32[] memory values =
            status == IResultsOracle.ResultStatus.Completed ? _values(home, away) : new uint32[](0);
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, status, values, version);
        _propose(r);
        uint256 history = historySeed % 4; // 0 proposed, 1 disputed, 2 resolved by signatures, 3 by governance
        if (history >= 1) _dispute(EVENT_ID);
        if (history == 2) oracle.resolve(r, _signResolution(r, _firstK(4)));
        if (history == 3) {
            vm.prank(governance);
            oracle.resolveByGovernance(r);
        }
        _assertSameResult(EVENT_ID);
        vm.warp(block.timestamp + bound(elapsed, 0, 3 * WINDOW));
        _assertSameResult(EVENT_ID);
    }

    function testFuzz_batchedResult_libraryEqualsOracle(
        uint256 indexSeed,
        uint8 historySeed,
        uint32 elapsed,
        bool tamper
    ) public {
        (IResultsOracle.BatchedResult[] memory results, bytes32[] memory leaves) = _batchOf(13, "fuzz");
        bytes32 root = _proposeRoot(leaves);
        uint256 index = bound(indexSeed, 0, 12);
        uint256 history = historySeed % 4; // 0 proposed, 1 disputed, 2 upheld, 3 rejected
        if (history >= 1) {
            vm.prank(guardian);
            oracle.disputeBatch(root);
        }
        if (history >= 2) {
            vm.prank(governance);
            oracle.resolveBatchByGovernance(root, history == 2);
        }
        IResultsOracle.BatchedResult memory result = results[index];
        if (tamper) result.values[1] += 1;
        bytes32[] memory proof = _merkleProof(leaves, index);
        _assertSameBatched(root, result, proof);
        vm.warp(block.timestamp + bound(elapsed, 0, 3 * WINDOW));
        _assertSameBatched(root, result, proof);
    }
}
