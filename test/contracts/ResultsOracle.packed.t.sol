// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Vm} from "./utils/Test.sol";
import {OracleTestBase} from "./utils/OracleTestBase.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";
import {MockERC1271Wallet} from "./mocks/MockERC1271Wallet.sol";

/**
 * @notice Shared checks: the packed entry points must behave exactly as the typed ones (same revert data, same
 * logs, same storage), which {_assertAgree} checks by running both from the same state.
 */
abstract contract PackedFixture is OracleTestBase {
    /// @dev What one call did: success, return or revert data, logs and a digest of the state it left.
    struct Outcome {
        bool ok;
        bytes ret;
        bytes32 logs;
        bytes32 state;
    }

    function _packedResult(IResultsOracle.Result memory r, bytes memory bundle) internal pure returns (bytes memory) {
        return bytes.concat(_packResult(r), bundle);
    }

    function _packedBatch(IResultsOracle.Batch memory b, bytes memory bundle) internal pure returns (bytes memory) {
        return bytes.concat(_packBatch(b), bundle);
    }

    /// @dev Expects `err` from `propose(r, bundle)` and from `proposePacked` of the same.
    function _expectBoth(IResultsOracle.Result memory r, bytes memory bundle, bytes memory err) internal {
        vm.expectRevert(err);
        oracle.propose(r, bundle);
        _expectPackedRevert(_packedResult(r, bundle), err);
    }

    /// @dev Expects `err` from `proposeBatch(b, bundle)` and from `proposeBatchPacked` of the same.
    function _expectBothBatch(IResultsOracle.Batch memory b, bytes memory bundle, bytes memory err) internal {
        vm.expectRevert(err);
        oracle.proposeBatch(b, bundle);
        _expectBatchPackedRevert(_packedBatch(b, bundle), err);
    }

    function _resultState(bytes32 eventId) internal view returns (bytes32) {
        IResultsOracle.ResultView memory v = oracle.resultOf(eventId);
        (
            IResultsOracle.Phase phase,
            IResultsOracle.ResultStatus status,
            uint32 home,
            uint32 away,
            uint32 version,
            uint64 finalAt
        ) = oracle.matchResult(eventId);
        return
            keccak256(
                abi.encode(oracle.resultWord(eventId), v, abi.encode(phase, status, home, away, version, finalAt))
            );
    }

    function _batchState(bytes32 root) internal view returns (bytes32) {
        (IResultsOracle.Phase phase, uint64 finalAt, uint32 epoch) = oracle.batchOf(root);
        return keccak256(abi.encode(oracle.batchWord(root), phase, finalAt, epoch));
    }

    function _run(bytes memory call_, bytes32 subject, bool isBatch) internal returns (Outcome memory o) {
        vm.recordLogs();
        // solhint-disable-next-line avoid-low-level-calls
        (o.ok, o.ret) = address(oracle).call(call_);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        o.logs = keccak256(abi.encode(logs));
        o.state = isBatch ? _batchState(subject) : _resultState(subject);
    }

    /// @dev Runs `typedCall` and `packedCall` from the same state; asserts the same outcome; keeps the packed one.
    function _assertAgree(
        bytes memory typedCall,
        bytes memory packedCall,
        bytes32 subject,
        bool isBatch
    ) internal returns (Outcome memory packed) {
        uint256 snapshot = vm.snapshotState();
        Outcome memory typed = _run(typedCall, subject, isBatch);
        vm.revertToState(snapshot);
        packed = _run(packedCall, subject, isBatch);
        assertEq(packed.ok, typed.ok, "success differs");
        assertEq(packed.ret, typed.ret, "return or revert data differs");
        assertEq(packed.logs, typed.logs, "logs differ");
        assertEq(packed.state, typed.state, "state differs");
    }

    function _agreeResult(IResultsOracle.Result memory r, bytes memory bundle) internal returns (Outcome memory) {
        return
            _assertAgree(
                abi.encodeCall(IResultsOracle.propose, (r, bundle)),
                _packedCall(IResultsOracle.proposePacked.selector, _packedResult(r, bundle)),
                r.eventId,
                false
            );
    }

    function _agreeBatch(IResultsOracle.Batch memory b, bytes memory bundle) internal returns (Outcome memory) {
        return
            _assertAgree(
                abi.encodeCall(IResultsOracle.proposeBatch, (b, bundle)),
                _packedCall(IResultsOracle.proposeBatchPacked.selector, _packedBatch(b, bundle)),
                b.root,
                true
            );
    }

    function _assertProposed(Outcome memory o) internal pure {
        assertTrue(o.ok, "expected the proposal to pass");
    }
}

/// @notice `proposePacked` and `proposeBatchPacked` against `propose` and `proposeBatch`.
contract ResultsOraclePackedTest is PackedFixture {
    // ENCODING

    function test_packResult_isTheDocumentedLayout() public view {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory p = _packResult(r);
        assertEq(p.length, 32 + 1 + 1 + 2 * 4 + 8 + 4 + 8 + 8 + 4);
        assertEq(
            p,
            abi.encodePacked(
                r.eventId,
                uint8(1),
                uint8(2),
                uint32(2),
                uint32(1),
                r.endedAt,
                r.version,
                r.notBefore,
                r.deadline,
                r.epoch
            )
        );
        assertEq(_packBatch(_batch(EVENT_ID, 7)).length, 32 + 4 + 8 + 8 + 4);
    }

    // SAME EFFECTS AS THE TYPED PATH

    function test_proposePacked_matchResultEqualsTyped() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        _assertProposed(_agreeResult(r, bundle));
        (
            IResultsOracle.Phase phase,
            IResultsOracle.ResultStatus status,
            uint32 home,
            uint32 away,
            uint32 version,
            uint64 finalAt
        ) = oracle.matchResult(EVENT_ID);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Proposed));
        assertEq(uint256(status), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(home) * 10 + away, 21);
        assertEq(uint256(version), 1);
        assertEq(uint256(finalAt), uint256(T0 + WINDOW));
    }

    function test_proposePacked_emitsResultProposed() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 3, 0);
        bytes memory data = _packedResult(r, _signResult(r, _firstK(3)));
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ResultProposed(EVENT_ID, 1, r.status, r.values, r.endedAt, T0 + WINDOW);
        _proposePacked(data);
    }

    function test_proposePacked_raceOfTenRunnersEqualsTyped() public {
        uint32[] memory order = new uint32[](10);
        for (uint256 i; i < 10; ++i) order[i] = uint32((i * 7 + 3) % 10) + 1;
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, order, 1);
        _assertProposed(_agreeResult(r, _signResult(r, _firstK(3))));
        IResultsOracle.ResultView memory v = oracle.resultOf(EVENT_ID);
        assertEq(uint256(v.valueCount), 10);
        assertEq(v.valuesHash, keccak256(abi.encodePacked(order)));
        vm.warp(T0 + WINDOW);
        (IResultsOracle.ResultStatus s, uint32 version) = oracle.finalResultWithValues(EVENT_ID, order);
        assertEq(uint256(s), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(version), 1);
    }

    function test_proposePacked_oneAnd255ValuesEqualTyped() public {
        uint32[] memory one = new uint32[](1);
        one[0] = 9;
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, one, 1);
        _assertProposed(_agreeResult(r, _signResult(r, _firstK(3))));
        uint32[] memory many = new uint32[](255);
        for (uint256 i; i < 255; ++i) many[i] = uint32(i * 0x01010101);
        r = _resultWith(keccak256("race"), IResultsOracle.ResultStatus.Completed, many, 1);
        _assertProposed(_agreeResult(r, _signResult(r, _firstK(3))));
        assertEq(uint256(oracle.resultOf(keccak256("race")).valueCount), 255);
    }

    function test_proposePacked_everyStatusWithoutValuesEqualsTyped() public {
        for (uint8 s = 2; s <= 5; ++s) {
            bytes32 id = keccak256(abi.encode("status", s));
            IResultsOracle.Result memory r = _resultWith(id, IResultsOracle.ResultStatus(s), new uint32[](0), 1);
            _assertProposed(_agreeResult(r, _signResult(r, _firstK(3))));
            assertEq(uint256(oracle.resultOf(id).status), s);
        }
    }

    function test_proposePacked_correctionWithHigherVersionEqualsTyped() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        _proposePacked(_packedResult(r, _signResult(r, _firstK(3))));
        vm.warp(T0 + 100);
        r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Postponed, new uint32[](0), 7);
        _assertProposed(_agreeResult(r, _signResult(r, 0x1c)));
        (, IResultsOracle.ResultStatus status, , , uint32 version, uint64 finalAt) = oracle.matchResult(EVENT_ID);
        assertEq(uint256(status), uint256(IResultsOracle.ResultStatus.Postponed));
        assertEq(uint256(version), 7);
        assertEq(uint256(finalAt), uint256(T0 + 100 + WINDOW));
    }

    function test_proposePacked_acceptsMixedEoaAndErc1271Signers() public {
        _newSigners(6);
        _makeWallet(1);
        _makeWallet(4);
        _rotateToSigners(4, 5);
        IResultsOracle.Result memory r = _result(EVENT_ID, 0, 0);
        // 0 (EOA), 1 (wallet), 3 (EOA), 4 (wallet) sign; 2 (EOA) and 5 (EOA) are given by address.
        _assertProposed(_agreeResult(r, _signResult(r, 0x1b)));
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
    }

    function test_proposePacked_acceptsEveryShapeOfSixteen() public {
        _newSigners(16);
        _makeWallet(15);
        _rotateToSigners(8, 9);
        uint256[4] memory bitmaps = [uint256(0xffff), 0xaaaa, 0x5555, 0xff00];
        for (uint256 i; i < bitmaps.length; ++i) {
            IResultsOracle.Result memory r = _result(keccak256(abi.encode("sixteen", i)), 1, 2);
            _assertProposed(_agreeResult(r, _signResult(r, bitmaps[i])));
        }
    }

    function test_proposePacked_acceptsSingleAttester() public {
        _newSigners(1);
        _rotateToSigners(1, 1);
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = _signResult(r, 1);
        assertEq(bundle.length, 3 + 65);
        _assertProposed(_agreeResult(r, bundle));
    }

    function test_proposeBatchPacked_equalsTyped() public {
        (, bytes32[] memory leaves) = _batchOf(10, "packed");
        bytes32 root = _merkleRoot(leaves);
        IResultsOracle.Batch memory b = _batch(root, 10);
        bytes memory bundle = _signBatch(b, 0x19);
        _assertProposed(_agreeBatch(b, bundle));
        (IResultsOracle.Phase phase, uint64 finalAt, uint32 epoch) = oracle.batchOf(root);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Proposed));
        assertEq(uint256(finalAt), uint256(T0 + WINDOW));
        assertEq(uint256(epoch), 1);
    }

    function test_proposeBatchPacked_emitsBatchProposed() public {
        IResultsOracle.Batch memory b = _batch(keccak256("root"), 42);
        bytes memory data = _packedBatch(b, _signBatch(b, _firstK(3)));
        vm.expectEmit(address(oracle));
        emit IResultsOracle.BatchProposed(b.root, 42, T0 + WINDOW, 1);
        _proposeBatchPacked(data);
    }

    // EVERY REVERT OF THE TYPED PATH

    function test_proposePacked_revertsWhenPaused() public {
        vm.prank(guardian);
        oracle.pause();
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        _expectBoth(r, _signResult(r, _firstK(3)), abi.encodeWithSelector(Pausable.EnforcedPause.selector));
    }

    function test_proposePacked_revertsOnWrongEpoch() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        r.epoch = 2;
        _expectBoth(r, _signResult(r, _firstK(3)), abi.encodeWithSelector(IResultsOracle.WrongEpoch.selector, 2, 1));
    }

    function test_proposePacked_revertsAfterDeadline() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        vm.warp(r.deadline + 1);
        _expectBoth(
            r,
            bundle,
            abi.encodeWithSelector(IResultsOracle.SignatureExpired.selector, r.deadline, r.deadline + 1)
        );
    }

    function test_proposePacked_revertsBeforeNotBefore() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        r.notBefore = T0 + 10;
        _expectBoth(
            r,
            _signResult(r, _firstK(3)),
            abi.encodeWithSelector(IResultsOracle.SignatureNotYetValid.selector, T0 + 10, T0)
        );
    }

    function test_proposePacked_revertsOnInvalidOutcome() public {
        IResultsOracle.ResultStatus none = IResultsOracle.ResultStatus.None;
        IResultsOracle.ResultStatus completed = IResultsOracle.ResultStatus.Completed;
        IResultsOracle.ResultStatus cancelled = IResultsOracle.ResultStatus.Cancelled;
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, none, new uint32[](0), 1);
        _expectBoth(
            r,
            _signResult(r, _firstK(3)),
            abi.encodeWithSelector(IResultsOracle.InvalidOutcome.selector, none, 0)
        );
        r = _resultWith(EVENT_ID, completed, new uint32[](0), 1);
        _expectBoth(
            r,
            _signResult(r, _firstK(3)),
            abi.encodeWithSelector(IResultsOracle.InvalidOutcome.selector, completed, 0)
        );
        r = _resultWith(EVENT_ID, cancelled, _values(1, 0), 1);
        _expectBoth(
            r,
            _signResult(r, _firstK(3)),
            abi.encodeWithSelector(IResultsOracle.InvalidOutcome.selector, cancelled, 2)
        );
    }

    function test_proposePacked_revertsOnStatusBeyondTheEnum() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory data = _packedResult(r, _signResult(r, _firstK(3)));
        data[32] = 0x06; // no such status: the ABI decoder of `propose` would refuse it too
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = address(oracle).call(_packedCall(IResultsOracle.proposePacked.selector, data));
        assertFalse(ok, "status 6 accepted");
        assertEq(oracle.resultWord(EVENT_ID), 0);
    }

    function test_propose_revertsOnDirtyAbiWords() public {
        // A typed call whose uint64 `endedAt` word carries bits above 64: the ABI decoder would refuse it; the
        // contract, which copies the head as is, must refuse it too rather than sign-check a truncated value.
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory callData = abi.encodeCall(IResultsOracle.propose, (r, _signResult(r, _firstK(3))));
        // Head of the tuple: selector, offset of `result`, offset of `signatures`; `endedAt` is its 4th word.
        uint256 at = 4 + 0x40 + 3 * 32;
        callData[at] = 0x01;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = address(oracle).call(callData);
        assertFalse(ok, "dirty endedAt accepted");
        assertEq(ret, abi.encodeWithSelector(IResultsOracle.MalformedPayload.selector));
        assertEq(oracle.resultWord(EVENT_ID), 0);
    }

    function test_proposeBatch_revertsOnDirtyAbiWords() public {
        // The typed batch is static, so its fields sit in the head: root, count, notBefore, deadline, epoch. A
        // dirty word of any of the last four is a malformed payload, not a signature problem.
        IResultsOracle.Batch memory b = _batch(keccak256("dirty-root"), 4);
        bytes memory clean = abi.encodeCall(IResultsOracle.proposeBatch, (b, _signBatch(b, _firstK(3))));
        for (uint256 field = 1; field < 5; ++field) {
            bytes memory callData = bytes.concat(clean);
            callData[4 + field * 32] = 0x01; // the word's highest byte
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = address(oracle).call(callData);
            assertFalse(ok, "dirty batch word accepted");
            assertEq(ret, abi.encodeWithSelector(IResultsOracle.MalformedPayload.selector));
        }
        // solhint-disable-next-line avoid-low-level-calls
        (bool accepted, ) = address(oracle).call(clean);
        assertTrue(accepted, "the clean call is accepted");
    }

    function test_proposePacked_revertsWhenFinal() public {
        _proposeMatch(EVENT_ID, 2, 1);
        vm.warp(T0 + WINDOW);
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Void, new uint32[](0), 2);
        _expectBoth(
            r,
            _signResult(r, _firstK(3)),
            abi.encodeWithSelector(IResultsOracle.ResultAlreadyFinal.selector, EVENT_ID)
        );
    }

    function test_proposePacked_revertsWhenDisputedUnlessHigher() public {
        _proposeMatch(EVENT_ID, 2, 1);
        _dispute(EVENT_ID);
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, _values(1, 2), 1);
        _expectBoth(
            r,
            _signResult(r, _firstK(3)),
            abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, EVENT_ID, 1, 1)
        );
        r.version = 2;
        _proposePacked(_packedResult(r, _signResult(r, _firstK(3))));
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
    }

    function test_proposePacked_revertsWhenVersionNotHigher() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        r.version = 3;
        _propose(r);
        bytes memory err = abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, EVENT_ID, 3, 3);
        _expectBoth(r, _signResult(r, _firstK(3)), err);
        r.version = 2;
        err = abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, EVENT_ID, 2, 3);
        _expectBoth(r, _signResult(r, _firstK(3)), err);
        r = _result(keccak256("fresh"), 1, 1);
        r.version = 0;
        err = abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, r.eventId, 0, 0);
        _expectBoth(r, _signResult(r, _firstK(3)), err);
    }

    function test_proposePacked_revertsOnSignatureProblems() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        _expectBoth(
            r,
            _signResult(r, _firstK(2)),
            abi.encodeWithSelector(IResultsOracle.InsufficientSignatures.selector, 2, 3)
        );
        bytes memory bundle = _signResult(r, _firstK(3));
        r.endedAt += 1; // another payload than the one signed
        _expectBoth(r, bundle, _mismatchOf(oracle.resultDigest(r), bundle));
        r.endedAt -= 1;
        _expectBoth(r, "", _malformed());
        _expectBoth(r, bytes.concat(bundle, hex"00"), _malformed());
    }

    function test_proposePacked_signatureDoesNotReplayOnAnotherChain() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        vm.chainId(block.chainid + 1);
        _expectBoth(r, bundle, _mismatchOf(oracle.resultDigest(r), bundle));
    }

    function test_proposePacked_signatureDoesNotReplayAcrossEntryPoints() public {
        // A bundle signed for a result does not prove a batch whose root is the event id (another type hash).
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        IResultsOracle.Batch memory b = _batch(EVENT_ID, 2);
        _expectBothBatch(b, bundle, _mismatchOf(oracle.batchDigest(b), bundle));
    }

    function test_proposeBatchPacked_revertsLikeTyped() public {
        IResultsOracle.Batch memory b = _batch(keccak256("root"), 3);
        bytes memory bundle = _signBatch(b, _firstK(3));
        _expectBothBatch(
            b,
            _signBatch(b, _firstK(2)),
            abi.encodeWithSelector(IResultsOracle.InsufficientSignatures.selector, 2, 3)
        );
        IResultsOracle.Batch memory other = _batch(keccak256("root"), 4);
        _expectBothBatch(other, bundle, _mismatchOf(oracle.batchDigest(other), bundle));
        _expectBothBatch(b, "", _malformed());

        IResultsOracle.Batch memory wrongEpoch = _batch(keccak256("root"), 3);
        wrongEpoch.epoch = 5;
        _expectBothBatch(
            wrongEpoch,
            _signBatch(wrongEpoch, _firstK(3)),
            abi.encodeWithSelector(IResultsOracle.WrongEpoch.selector, 5, 1)
        );
        IResultsOracle.Batch memory early = _batch(keccak256("root"), 3);
        early.notBefore = T0 + 1;
        _expectBothBatch(
            early,
            _signBatch(early, _firstK(3)),
            abi.encodeWithSelector(IResultsOracle.SignatureNotYetValid.selector, T0 + 1, T0)
        );

        _proposeBatchPacked(_packedBatch(b, bundle));
        _expectBothBatch(b, bundle, abi.encodeWithSelector(IResultsOracle.BatchAlreadyProposed.selector, b.root));

        vm.warp(b.deadline + 1);
        IResultsOracle.Batch memory late = _batch(keccak256("late"), 3);
        late.deadline = b.deadline;
        _expectBothBatch(
            late,
            _signBatch(late, _firstK(3)),
            abi.encodeWithSelector(IResultsOracle.SignatureExpired.selector, b.deadline, b.deadline + 1)
        );

        vm.prank(guardian);
        oracle.pause();
        IResultsOracle.Batch memory paused = _batch(keccak256("paused"), 3);
        _expectBothBatch(
            paused,
            _signBatch(paused, _firstK(3)),
            abi.encodeWithSelector(Pausable.EnforcedPause.selector)
        );
    }

    // MALFORMED PACKED PAYLOADS

    function test_proposePacked_revertsOnEveryTruncatedPayload() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory payload = _packResult(r);
        bytes memory err = abi.encodeWithSelector(IResultsOracle.MalformedPayload.selector);
        for (uint256 len; len < payload.length; ++len) {
            _expectPackedRevert(_prefix(payload, len), err);
        }
        // The whole payload and no bundle: the payload is complete, the (empty) bundle is not.
        _expectPackedRevert(payload, _malformed());
    }

    function test_proposePacked_revertsWhenCountAnnouncesMoreThanSent() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory data = _packResult(r);
        data[33] = 0xff; // 255 values announced: 1,020 bytes, far more than the whole call
        bytes memory err = abi.encodeWithSelector(IResultsOracle.MalformedPayload.selector);
        _expectPackedRevert(data, err);
        _expectPackedRevert(bytes.concat(data, _signResult(r, _firstK(3))), err);
    }

    function test_proposeBatchPacked_revertsOnEveryTruncatedPayload() public {
        IResultsOracle.Batch memory b = _batch(keccak256("root"), 3);
        bytes memory payload = _packBatch(b);
        bytes memory err = abi.encodeWithSelector(IResultsOracle.MalformedPayload.selector);
        for (uint256 len; len < payload.length; ++len) {
            _expectBatchPackedRevert(_prefix(payload, len), err);
        }
        _expectBatchPackedRevert(payload, _malformed());
    }
}

/// @notice Bundle v2 shapes, through both entry points.
contract ResultsOraclePackedBundleTest is PackedFixture {
    MockERC1271Wallet internal wallet;

    function setUp() public override {
        super.setUp();
        _newSigners(5);
        wallet = _makeWallet(2);
        _rotateToSigners(3, 4);
    }

    function test_bundle_everyTruncationIsMalformed() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        // 0 (EOA) signs, 1 by address, 2 (wallet) and 3 (EOA) sign, 4 by address: every kind of boundary.
        bytes memory bundle = _signResult(r, 0x0d);
        bytes memory payload = _packResult(r);
        for (uint256 len; len < bundle.length; ++len) {
            bytes memory cut = _prefix(bundle, len);
            vm.expectRevert(_malformed());
            oracle.propose(r, cut);
            _expectPackedRevert(bytes.concat(payload, cut), _malformed());
        }
        _proposePacked(bytes.concat(payload, bundle));
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
    }

    function test_bundle_trailingByteIsMalformed() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = bytes.concat(_signResult(r, 0x0d), hex"00");
        _expectBoth(r, bundle, _malformed());
        bundle = bytes.concat(_signResult(r, _firstK(5)), hex"ff");
        _expectBoth(r, bundle, _malformed());
    }

    function test_bundle_nonSignersInterleavedAndAllSign() public {
        uint256[4] memory bitmaps = [uint256(0x15), 0x0e, 0x1c, 0x1f];
        for (uint256 i; i < bitmaps.length; ++i) {
            IResultsOracle.Result memory r = _result(keccak256(abi.encode("shape", i)), 1, 0);
            _assertProposed(_agreeResult(r, _signResult(r, bitmaps[i])));
        }
    }

    function test_bundle_wrongNonSignerAddressMismatches() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        signers[4].addr = makeAddr("not an attester"); // given by address, not signing
        bytes memory bundle = _signResult(r, _firstK(4));
        _expectBoth(r, bundle, _mismatch(_setAddrs()));
    }

    function test_bundle_walletGivenByAddressWhereAnEoaSits() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        address[] memory set = _setAddrs();
        (set[1], set[4]) = (set[4], set[1]); // two non-signers swapped
        bytes32 digest = oracle.resultDigest(r);
        bytes[] memory entries = new bytes[](3);
        (entries[0], entries[1], entries[2]) = (
            _entry(signers[0], digest),
            _entry(signers[2], digest),
            _entry(signers[3], digest)
        );
        _expectBoth(r, _assemble(set, 0x0d, entries), _mismatch(set));
    }

    function test_bundle_eoaSignerEntryInWalletSlotMismatches() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        signers[2].isContract = false; // the wallet owner's key as an ECDSA entry: recovers the owner
        bytes memory bundle = _signResult(r, 0x0d);
        address[] memory rebuilt = _setAddrs();
        rebuilt[2] = vm.addr(signers[2].key);
        _expectBoth(r, bundle, _mismatch(rebuilt));
    }

    function test_bundle_erc1271EntryNamingAnEoaIsInvalid() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        signers[0].isContract = true;
        _expectBoth(
            r,
            _signResult(r, 0x0d),
            abi.encodeWithSelector(IResultsOracle.InvalidSignature.selector, signers[0].addr)
        );
    }

    function test_bundle_refusingWalletIsInvalid() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = _signResult(r, 0x0d);
        wallet.setMode(MockERC1271Wallet.Mode.Refuse);
        _expectBoth(r, bundle, abi.encodeWithSelector(IResultsOracle.InvalidSignature.selector, address(wallet)));
        // A refusing wallet that does not sign does not matter.
        _assertProposed(_agreeResult(r, _signResult(r, 0x0b)));
    }

    function test_bundle_headerShapesAreMalformed() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = _signResult(r, 0x0d);
        bytes memory zero = bytes.concat(hex"00", _slice(bundle, 1, bundle.length - 1));
        _expectBoth(r, zero, _malformed());
        bytes memory seventeen = bytes.concat(hex"11", _slice(bundle, 1, bundle.length - 1));
        _expectBoth(r, seventeen, _malformed());
        bytes memory beyond = _slice(bundle, 0, bundle.length);
        beyond[1] = 0x01; // bit 8 of a 5-attester set
        _expectBoth(r, beyond, _malformed());
    }

    function test_bundle_smallerOrLargerNMismatches() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes32 digest = oracle.resultDigest(r);
        bytes[] memory entries = new bytes[](3);
        (entries[0], entries[1], entries[2]) = (
            _entry(signers[0], digest),
            _entry(signers[2], digest),
            _entry(signers[3], digest)
        );
        address[] memory four = new address[](4);
        for (uint256 i; i < 4; ++i) four[i] = signers[i].addr;
        _expectBoth(r, _assemble(four, 0x0d, entries), _mismatch(four));
        address[] memory six = new address[](6);
        for (uint256 i; i < 5; ++i) six[i] = signers[i].addr;
        six[5] = makeAddr("sixth");
        _expectBoth(r, _assemble(six, 0x0d, entries), _mismatch(six));
    }
}

/// @notice Fuzz: the packed entry points agree with the typed ones on any payload and any signer subset.
contract ResultsOraclePackedFuzzTest is PackedFixture {
    function _randomSet(uint256 nSeed, uint256 tSeed, uint256 walletSeed) internal returns (uint256 n) {
        n = bound(nSeed, 1, 16);
        uint8 t = uint8(bound(tSeed, 1, n));
        uint8 dt = t == uint8(n) ? t : t + 1;
        _newSigners(n);
        for (uint256 i; i < n; ++i) if ((walletSeed >> i) & 1 == 1 && i % 3 == 0) _makeWallet(i);
        _rotateToSigners(t, dt);
    }

    function testFuzz_proposePacked_agreesWithPropose(
        uint256 setSeed,
        uint256 bitmapSeed,
        bytes32 eventId,
        uint256 payloadSeed,
        uint64 endedAt,
        bool existing
    ) public {
        uint256 n = _randomSet(setSeed, setSeed >> 8, setSeed >> 16);
        if (existing) _propose2(eventId);
        IResultsOracle.Result memory r = _randomResult(eventId, payloadSeed);
        r.endedAt = endedAt;
        _assertNotMalformedPayload(_agreeResult(r, _signResult(r, bitmapSeed & ((1 << n) - 1))));
    }

    /// @dev A well-formed payload never reverts with {MalformedPayload} (the contract's fallback when its fast
    /// precondition check and its precise one disagree).
    function _assertNotMalformedPayload(Outcome memory o) internal pure {
        if (o.ok) return;
        bytes4 selector = bytes4(o.ret);
        assertNotEq(bytes32(selector), bytes32(IResultsOracle.MalformedPayload.selector), "MalformedPayload");
        assertGe(o.ret.length, 4, "revert without data");
    }

    /// @dev Any status (None included), 0..12 values, version 0..4, sometimes expired, early or of another epoch.
    function _randomResult(bytes32 eventId, uint256 seed) internal view returns (IResultsOracle.Result memory r) {
        uint32[] memory values = new uint32[](bound(seed & 0xff, 0, 12));
        for (uint256 i; i < values.length; ++i) values[i] = uint32(uint256(keccak256(abi.encode(seed, i))));
        IResultsOracle.ResultStatus status = IResultsOracle.ResultStatus(bound((seed >> 8) & 0xff, 0, 5));
        r = _resultWith(eventId, status, values, uint32(bound((seed >> 16) & 0xff, 0, 4)));
        uint256 t = (seed >> 24) % 8;
        if (t == 0) r.deadline = uint64(block.timestamp) - 1;
        if (t == 1) r.notBefore = uint64(block.timestamp) + 1;
        if (t == 2) r.epoch += 1;
    }

    function testFuzz_proposeBatchPacked_agreesWithProposeBatch(
        uint256 nSeed,
        uint256 tSeed,
        uint256 bitmapSeed,
        uint256 walletSeed,
        bytes32 root,
        uint32 count,
        uint256 timeSeed,
        bool existing
    ) public {
        uint256 n = _randomSet(nSeed, tSeed, walletSeed);
        IResultsOracle.Batch memory b = _batch(root, count);
        if (existing) oracle.proposeBatch(b, _signBatch(b, (1 << n) - 1));
        uint256 t = timeSeed % 8;
        if (t == 0) b.deadline = uint64(block.timestamp) - 1;
        if (t == 1) b.notBefore = uint64(block.timestamp) + 1;
        if (t == 2) b.epoch += 1;
        bytes memory bundle = _signBatch(b, bitmapSeed & ((1 << n) - 1));
        _assertNotMalformedPayload(_agreeBatch(b, bundle));
    }

    function testFuzz_proposePacked_tamperedBundleAgrees(uint256 bitmapSeed, uint256 at, uint8 xor) public {
        _newSigners(5);
        _makeWallet(3);
        _rotateToSigners(2, 3);
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = _signResult(r, bitmapSeed & 0x1f);
        at = bound(at, 0, bundle.length - 1);
        bundle[at] = bundle[at] ^ bytes1(xor);
        _agreeResult(r, bundle);
    }

    /// @dev A first proposal (version 2) of `eventId` by every attester.
    function _propose2(bytes32 eventId) internal {
        IResultsOracle.Result memory first = _result(eventId, 1, 1);
        first.version = 2;
        oracle.propose(first, _signResult(first, (1 << signers.length) - 1));
    }
}
