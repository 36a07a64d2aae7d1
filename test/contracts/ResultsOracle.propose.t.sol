// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {OracleTestBase} from "./utils/OracleTestBase.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";
import {ResultsOracle} from "../../contracts/ResultsOracle.sol";
import {MockERC1271Wallet} from "./mocks/MockERC1271Wallet.sol";

/// @notice `propose`: storage, events, lifecycle and payload checks.
contract ResultsOracleProposeTest is OracleTestBase {
    function _expectProposeRevert(IResultsOracle.Result memory r, bytes memory bundle, bytes memory err) internal {
        vm.expectRevert(err);
        oracle.propose(r, bundle);
    }

    // HAPPY PATHS

    function test_propose_storesProposedMatchResult() public {
        _proposeMatch(EVENT_ID, 2, 1);
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
        assertEq(uint256(home), 2);
        assertEq(uint256(away), 1);
        assertEq(uint256(version), 1);
        assertEq(uint256(finalAt), uint256(T0 + WINDOW));
        assertFalse(oracle.isFinal(EVENT_ID));
    }

    function test_propose_emitsResultProposed() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 3, 0);
        bytes memory bundle = _signResult(r, _firstK(3));
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ResultProposed(EVENT_ID, 1, r.status, r.values, r.endedAt, T0 + WINDOW);
        oracle.propose(r, bundle);
    }

    function test_propose_readsFinalOnceWindowPassed() public {
        _proposeMatch(EVENT_ID, 2, 1);
        vm.warp(T0 + WINDOW - 1);
        assertFalse(oracle.isFinal(EVENT_ID));
        vm.warp(T0 + WINDOW);
        assertTrue(oracle.isFinal(EVENT_ID));
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Final);
    }

    function test_propose_acceptsMoreThanThreshold() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 1);
        oracle.propose(r, _signResult(r, _firstK(5)));
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
    }

    function test_propose_acceptsAnySubsetOfSigners() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 1);
        oracle.propose(r, _signResult(r, 0x1a)); // attesters 1, 3, 4
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
    }

    function test_propose_correctionWithHigherVersionRestartsWindow() public {
        _proposeMatch(EVENT_ID, 2, 1);
        vm.warp(T0 + 100);
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, _values(2, 2), 2);
        _propose(r);
        (, , uint32 home, uint32 away, uint32 version, uint64 finalAt) = oracle.matchResult(EVENT_ID);
        assertEq(uint256(home), 2);
        assertEq(uint256(away), 2);
        assertEq(uint256(version), 2);
        assertEq(uint256(finalAt), uint256(T0 + 100 + WINDOW));
    }

    function test_propose_storesLongOutcomeAsCommitment() public {
        uint32[] memory order = new uint32[](5);
        (order[0], order[1], order[2], order[3], order[4]) = (7, 3, 1, 5, 2);
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, order, 1);
        _propose(r);
        IResultsOracle.ResultView memory v = oracle.resultOf(EVENT_ID);
        assertEq(uint256(v.valueCount), 5);
        assertEq(v.values.length, 0);
        assertEq(v.valuesHash, keccak256(abi.encodePacked(order)));
        (, , uint32 home, uint32 away, , ) = oracle.matchResult(EVENT_ID);
        assertEq(uint256(home), 7, "first value kept");
        assertEq(uint256(away), 3, "second value kept");
    }

    function test_propose_acceptsEveryStatusWithoutValues() public {
        for (uint8 s = 2; s <= 5; ++s) {
            bytes32 id = keccak256(abi.encode("status", s));
            _propose(_resultWith(id, IResultsOracle.ResultStatus(s), new uint32[](0), 1));
            IResultsOracle.ResultView memory v = oracle.resultOf(id);
            assertEq(uint256(v.status), s);
            assertEq(uint256(v.valueCount), 0);
            assertEq(v.valuesHash, keccak256(""));
        }
    }

    function test_propose_acceptsSingleValueAnd255Values() public {
        uint32[] memory one = new uint32[](1);
        one[0] = 9;
        _propose(_resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, one, 1));
        IResultsOracle.ResultView memory v = oracle.resultOf(EVENT_ID);
        assertEq(v.values.length, 1);
        assertEq(uint256(v.values[0]), 9);

        uint32[] memory many = new uint32[](255);
        bytes32 id = keccak256("race");
        _propose(_resultWith(id, IResultsOracle.ResultStatus.Completed, many, 1));
        assertEq(uint256(oracle.resultOf(id).valueCount), 255);
    }

    function test_propose_acceptsSignatureAtNotBeforeAndDeadline() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        r.notBefore = T0;
        r.deadline = T0;
        _propose(r);
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
    }

    // LIFECYCLE REVERTS

    function test_propose_revertsWhenSameVersionAgain() public {
        IResultsOracle.Result memory r = _proposeMatch(EVENT_ID, 2, 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(
            r,
            bundle,
            abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, EVENT_ID, 1, 1)
        );
    }

    function test_propose_revertsOnVersionZero() public {
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, _values(1, 0), 0);
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(
            r,
            bundle,
            abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, EVENT_ID, 0, 0)
        );
    }

    function test_propose_revertsWhenFinal() public {
        _proposeMatch(EVENT_ID, 2, 1);
        vm.warp(T0 + WINDOW);
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Void, new uint32[](0), 2);
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(r, bundle, abi.encodeWithSelector(IResultsOracle.ResultAlreadyFinal.selector, EVENT_ID));
    }

    function test_propose_revertsWhenResolvedFinal() public {
        IResultsOracle.Result memory r = _proposeMatch(EVENT_ID, 2, 1);
        _dispute(EVENT_ID);
        vm.prank(governance);
        oracle.resolveByGovernance(r);
        r.version = 2;
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(r, bundle, abi.encodeWithSelector(IResultsOracle.ResultAlreadyFinal.selector, EVENT_ID));
    }

    function test_propose_correctsADisputedResultWithAHigherVersionOnly() public {
        _proposeMatch(EVENT_ID, 2, 1);
        _dispute(EVENT_ID);
        IResultsOracle.Result memory same = _resultWith(
            EVENT_ID,
            IResultsOracle.ResultStatus.Completed,
            _values(1, 2),
            1
        );
        _expectProposeRevert(
            same,
            _signResult(same, _firstK(3)),
            abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, EVENT_ID, 1, 1)
        );
        // A fresh quorum with a higher version ends the dispute: proposed again, with a fresh window.
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, _values(1, 2), 2);
        _propose(r);
        IResultsOracle.ResultView memory v = oracle.resultOf(EVENT_ID);
        assertEq(uint256(v.phase), uint256(IResultsOracle.Phase.Proposed));
        assertEq(uint256(v.version), 2);
        assertEq(uint256(v.finalAt), block.timestamp + WINDOW);
    }

    function test_propose_revertsWhenPaused() public {
        vm.prank(guardian);
        oracle.pause();
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(r, bundle, abi.encodeWithSelector(Pausable.EnforcedPause.selector));
    }

    function test_propose_revertsOnWrongEpoch() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        r.epoch = 2;
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(r, bundle, abi.encodeWithSelector(IResultsOracle.WrongEpoch.selector, 2, 1));
    }

    function test_propose_revertsAfterDeadline() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        vm.warp(r.deadline + 1);
        _expectProposeRevert(
            r,
            bundle,
            abi.encodeWithSelector(IResultsOracle.SignatureExpired.selector, r.deadline, r.deadline + 1)
        );
    }

    function test_propose_revertsBeforeNotBefore() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        r.notBefore = T0 + 10;
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(
            r,
            bundle,
            abi.encodeWithSelector(IResultsOracle.SignatureNotYetValid.selector, T0 + 10, T0)
        );
    }

    function test_propose_revertsOnStatusNone() public {
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.None, new uint32[](0), 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(
            r,
            bundle,
            abi.encodeWithSelector(IResultsOracle.InvalidOutcome.selector, IResultsOracle.ResultStatus.None, 0)
        );
    }

    function test_propose_revertsOnCompletedWithoutValues() public {
        IResultsOracle.ResultStatus s = IResultsOracle.ResultStatus.Completed;
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, s, new uint32[](0), 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(r, bundle, abi.encodeWithSelector(IResultsOracle.InvalidOutcome.selector, s, 0));
    }

    function test_propose_revertsOnMoreThan255Values() public {
        IResultsOracle.ResultStatus s = IResultsOracle.ResultStatus.Completed;
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, s, new uint32[](256), 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(r, bundle, abi.encodeWithSelector(IResultsOracle.InvalidOutcome.selector, s, 256));
    }

    function test_propose_revertsOnValuesWithoutCompleted() public {
        IResultsOracle.ResultStatus s = IResultsOracle.ResultStatus.Cancelled;
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, s, _values(1, 0), 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(r, bundle, abi.encodeWithSelector(IResultsOracle.InvalidOutcome.selector, s, 2));
    }
}

/// @notice The signature bundle (v2), ERC-1271 attesters, digests and replay protection.
contract ResultsOracleBundleTest is OracleTestBase {
    uint256 internal constant HALF_ORDER_PLUS_ONE = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A1;

    function _expectProposeRevert(IResultsOracle.Result memory r, bytes memory bundle, bytes memory err) internal {
        vm.expectRevert(err);
        oracle.propose(r, bundle);
    }

    /// @dev The current set with position `i` replaced by `a`.
    function _setWith(uint256 i, address a) internal view returns (address[] memory set) {
        set = _setAddrs();
        set[i] = a;
    }

    /// @dev Entries of attesters 1 and 2 over `digest`, after `first` (bitmap 7 by hand).
    function _withFirst(bytes memory first, bytes32 digest) internal view returns (bytes[] memory entries) {
        entries = new bytes[](3);
        entries[0] = first;
        entries[1] = _entry(signers[1], digest);
        entries[2] = _entry(signers[2], digest);
    }

    // SIGNATURE BUNDLE: SHAPE

    function test_propose_revertsOnEmptyBundle() public {
        _expectProposeRevert(_result(EVENT_ID, 1, 0), "", _malformed());
    }

    function test_propose_revertsOnZeroOrTooManyAttestersInBundle() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        _expectProposeRevert(r, abi.encodePacked(uint8(0), uint16(0)), _malformed());
        bytes memory tooMany = abi.encodePacked(uint8(17), uint16(0), new bytes(17 * 20));
        _expectProposeRevert(r, tooMany, _malformed());
    }

    function test_propose_revertsOnTruncatedHeader() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory header = _header(5, 7);
        _expectProposeRevert(r, _prefix(header, 1), _malformed());
        _expectProposeRevert(r, _prefix(header, 2), _malformed());
    }

    function test_propose_revertsOnBitBeyondTheSet() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = _signResult(r, _firstK(3));
        bundle[1] = 0x00;
        bundle[2] = bytes1(uint8((1 << 5) | 7)); // bit 5 of a 5-attester set
        _expectProposeRevert(r, bundle, _malformed());
        bundle[1] = 0x80; // bit 15
        bundle[2] = 0x07;
        _expectProposeRevert(r, bundle, _malformed());
    }

    function test_propose_revertsOnInsufficientSignatures() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = _signResult(r, _firstK(2));
        _expectProposeRevert(r, bundle, abi.encodeWithSelector(IResultsOracle.InsufficientSignatures.selector, 2, 3));
        // Counted once the walk has checked the bundle's shape: a header alone is malformed first.
        _expectProposeRevert(r, _header(5, 3), _malformed());
    }

    function test_propose_revertsOnMissingEntry() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes32 digest = oracle.resultDigest(r);
        bytes memory bundle = bytes.concat(_header(5, 7), _entry(signers[0], digest), _entry(signers[1], digest));
        _expectProposeRevert(r, bundle, _malformed());
    }

    function test_propose_revertsOnTruncatedEcdsaEntry() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = _signResult(r, _firstK(5)); // ends with an ECDSA entry
        _expectProposeRevert(r, _prefix(bundle, bundle.length - 1), _malformed());
        _expectProposeRevert(r, _prefix(bundle, bundle.length - 64), _malformed()); // kind byte only
    }

    function test_propose_revertsOnTruncatedNonSignerAddress() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = _signResult(r, _firstK(3)); // ends with attester 4's address
        _expectProposeRevert(r, _prefix(bundle, bundle.length - 1), _malformed());
        _expectProposeRevert(r, _prefix(bundle, bundle.length - 19), _malformed());
    }

    function test_propose_revertsOnUnknownEntryKind() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = _signResult(r, _firstK(3));
        bundle[3] = 0x02;
        _expectProposeRevert(r, bundle, _malformed());
        bundle[3] = 0xff;
        _expectProposeRevert(r, bundle, _malformed());
    }

    function test_propose_revertsOnTrailingBytes() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = bytes.concat(_signResult(r, _firstK(3)), hex"00");
        _expectProposeRevert(r, bundle, _malformed());
    }

    // SIGNATURE BUNDLE: THE REBUILT SET

    function test_propose_revertsOnAttesterSetMismatch() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes32 digest = oracle.resultDigest(r);
        // Same attesters, another order: two signers swapped.
        address[] memory set = _setAddrs();
        (set[0], set[1]) = (set[1], set[0]);
        bytes[] memory entries = new bytes[](3);
        (entries[0], entries[1], entries[2]) = (
            _entry(signers[1], digest),
            _entry(signers[0], digest),
            _entry(signers[2], digest)
        );
        _expectProposeRevert(r, _assemble(set, 7, entries), _mismatch(set));
        // Two non-signers swapped.
        set = _setAddrs();
        (set[3], set[4]) = (set[4], set[3]);
        entries[0] = _entry(signers[0], digest);
        entries[1] = _entry(signers[1], digest);
        _expectProposeRevert(r, _assemble(set, 7, entries), _mismatch(set));
    }

    function test_propose_revertsOnWrongNonSignerAddress() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = _signResult(r, _firstK(3));
        address outsider = makeAddr("outsider");
        bytes memory wrong = bytes.concat(_prefix(bundle, bundle.length - 20), bytes20(outsider));
        _expectProposeRevert(r, wrong, _mismatch(_setWith(4, outsider)));
    }

    function test_propose_revertsOnSubsetOfTheSet() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes32 digest = oracle.resultDigest(r);
        address[] memory set = new address[](4);
        for (uint256 i; i < 4; ++i) set[i] = signers[i].addr;
        bytes[] memory entries = new bytes[](3);
        for (uint256 i; i < 3; ++i) entries[i] = _entry(signers[i], digest);
        _expectProposeRevert(r, _assemble(set, 7, entries), _mismatch(set));
    }

    function test_propose_revertsOnSignatureOfAnotherAttester() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes32 digest = oracle.resultDigest(r);
        // Attester 3 signs in slot 2: the set rebuilt holds attester 3 twice and misses attester 2.
        bytes[] memory entries = _withFirst(_entry(signers[0], digest), digest);
        entries[2] = _entry(signers[3], digest);
        bytes memory bundle = _assemble(_setAddrs(), 7, entries);
        _expectProposeRevert(r, bundle, _mismatch(_setWith(2, signers[3].addr)));
    }

    function test_propose_revertsOnSignatureByNonAttester() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes32 digest = oracle.resultDigest(r);
        (address outsider, uint256 key) = makeAddrAndKey("outsider");
        bytes memory bundle = _assemble(_setAddrs(), 7, _withFirst(_ecdsaEntry(key, digest), digest));
        _expectProposeRevert(r, bundle, _mismatch(_setWith(0, outsider)));
    }

    function test_propose_revertsOnSignerAddressSentAsIfNonSigner() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes32 digest = oracle.resultDigest(r);
        // Bit 0 set, but attester 0's address where its entry belongs: its first byte is read as the entry kind.
        bytes memory bundle = _assemble(_setAddrs(), 7, _withFirst(abi.encodePacked(signers[0].addr), digest));
        if (uint8(bytes20(signers[0].addr)[0]) > ENTRY_ERC1271) {
            _expectProposeRevert(r, bundle, _malformed()); // unknown entry kind
        } else {
            vm.expectRevert(); // read as an entry of that kind: malformed, mismatch or refused
            oracle.propose(r, bundle);
        }
        // Bit 0 clear (address given) plus an entry for it: one signature short, but the entries no longer line
        // up with the set, and the shape is checked before the count.
        bytes memory extra = bytes.concat(_header(5, 6), bytes20(signers[0].addr), _entry(signers[0], digest));
        _expectProposeRevert(r, extra, _malformed());
        // Bit 0 set with an ERC-1271 entry naming the EOA: it has no code to ask.
        bytes memory named = _assemble(
            _setAddrs(),
            7,
            _withFirst(_erc1271Entry(signers[0].addr, _sig65(signers[0].key, digest)), digest)
        );
        _expectProposeRevert(
            r,
            named,
            abi.encodeWithSelector(IResultsOracle.InvalidSignature.selector, signers[0].addr)
        );
    }

    function test_propose_revertsOnDuplicateEntryForAnotherSlot() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes32 digest = oracle.resultDigest(r);
        // The bitmap makes signers distinct: one attester's signature cannot count twice.
        bytes memory sig0 = _entry(signers[0], digest);
        bytes[] memory entries = new bytes[](3);
        (entries[0], entries[1], entries[2]) = (sig0, sig0, sig0);
        address[] memory rebuilt = _setAddrs();
        (rebuilt[1], rebuilt[2]) = (signers[0].addr, signers[0].addr);
        _expectProposeRevert(r, _assemble(_setAddrs(), 7, entries), _mismatch(rebuilt));
    }

    function test_propose_revertsOnSignatureOfAnotherPayload() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = _signResult(r, _firstK(3));
        r.values[0] = 2;
        bytes memory err = _mismatchOf(oracle.resultDigest(r), bundle);
        assertNotEq(_rebuiltSet(oracle.resultDigest(r), bundle)[0], signers[0].addr);
        _expectProposeRevert(r, bundle, err);
    }

    function test_propose_revertsOnMalleableTwin() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes32 digest = oracle.resultDigest(r);
        (bytes32 sr, bytes32 vs) = vm.signCompact(signers[0].key, digest);
        // The malleable twin (n - s, flipped parity) of a 65-byte signature; in compact form its high bit collides
        // with the parity bit, so it can never pass as the attester's signature.
        uint256 s = uint256(vs) & ((1 << 255) - 1);
        uint256 parity = uint256(vs) >> 255;
        uint256 highS = SECP256K1_ORDER - s;
        assertGe(highS, HALF_ORDER_PLUS_ONE);
        bytes32 twin = bytes32(((1 - parity) << 255) | highS);
        bytes memory bundle = _assemble(_setAddrs(), 7, _withFirst(abi.encodePacked(ENTRY_ECDSA, sr, twin), digest));
        assertNotEq(_rebuiltSet(digest, bundle)[0], signers[0].addr);
        _expectProposeRevert(r, bundle, _mismatchOf(digest, bundle));
    }

    function test_propose_revertsOnHighSInCompactForm() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes32 digest = oracle.resultDigest(r);
        (bytes32 sr, ) = vm.signCompact(signers[0].key, digest);
        // An s just above n/2 (still below 2^255, so expressible in EIP-2098 form) is refused, never normalised.
        bytes memory highS = abi.encodePacked(ENTRY_ECDSA, sr, bytes32(HALF_ORDER_PLUS_ONE));
        bytes memory bundle = _assemble(_setAddrs(), 7, _withFirst(highS, digest));
        _expectProposeRevert(r, bundle, _mismatch(_setWith(0, address(0))));
    }

    function test_propose_revertsOnUnrecoverableSignature() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes32 digest = oracle.resultDigest(r);
        bytes memory bad = abi.encodePacked(ENTRY_ECDSA, bytes32(0), bytes32(uint256(1)));
        bytes memory bundle = _assemble(_setAddrs(), 7, _withFirst(bad, digest));
        _expectProposeRevert(r, bundle, _mismatch(_setWith(0, address(0))));
    }

    function test_propose_acceptsNonSignersInterleaved() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        oracle.propose(r, _signResult(r, 0x15)); // attesters 0, 2, 4 sign; 1 and 3 by address
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
    }

    // ERC-1271 ATTESTERS

    function _walletSetUp() internal returns (MockERC1271Wallet wallet) {
        _newSigners(5);
        wallet = _makeWallet(1);
        _rotateToSigners(3, 4);
    }

    function test_propose_acceptsErc1271Attester() public {
        _walletSetUp();
        IResultsOracle.Result memory r = _result(EVENT_ID, 4, 4);
        oracle.propose(r, _signResult(r, _firstK(3)));
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
    }

    function test_propose_acceptsErc1271AttesterAsNonSigner() public {
        _walletSetUp();
        IResultsOracle.Result memory r = _result(EVENT_ID, 4, 4);
        oracle.propose(r, _signResult(r, 0x0d)); // 0, 2, 3 sign; the wallet (1) is given by address
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
    }

    function test_propose_revertsWhenErc1271AttesterRefuses() public {
        MockERC1271Wallet wallet = _walletSetUp();
        wallet.setMode(MockERC1271Wallet.Mode.Refuse);
        IResultsOracle.Result memory r = _result(EVENT_ID, 4, 4);
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(
            r,
            bundle,
            abi.encodeWithSelector(IResultsOracle.InvalidSignature.selector, address(wallet))
        );
    }

    function test_propose_revertsWhenErc1271AttesterRevertsOrAnswersNothing() public {
        MockERC1271Wallet wallet = _walletSetUp();
        IResultsOracle.Result memory r = _result(EVENT_ID, 4, 4);
        bytes memory bundle = _signResult(r, _firstK(3));
        bytes memory err = abi.encodeWithSelector(IResultsOracle.InvalidSignature.selector, address(wallet));
        wallet.setMode(MockERC1271Wallet.Mode.Revert);
        _expectProposeRevert(r, bundle, err);
        wallet.setMode(MockERC1271Wallet.Mode.ShortReturn);
        _expectProposeRevert(r, bundle, err);
    }

    function test_propose_revertsOnErc1271SignatureOfAnotherKey() public {
        MockERC1271Wallet wallet = _walletSetUp();
        IResultsOracle.Result memory r = _result(EVENT_ID, 4, 4);
        signers[1].key = signers[0].key; // signs with a key the wallet does not accept
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(
            r,
            bundle,
            abi.encodeWithSelector(IResultsOracle.InvalidSignature.selector, address(wallet))
        );
    }

    function test_propose_revertsOnEcdsaEntryForContractAttester() public {
        _walletSetUp();
        IResultsOracle.Result memory r = _result(EVENT_ID, 4, 4);
        signers[1].isContract = false; // the wallet's owner key, as a plain ECDSA entry: recovers the owner
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(r, bundle, _mismatch(_setWith(1, vm.addr(signers[1].key))));
    }

    function test_propose_revertsOnErc1271EntryForEoa() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 4, 4);
        signers[0].isContract = true; // an EOA has no code to ask
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(
            r,
            bundle,
            abi.encodeWithSelector(IResultsOracle.InvalidSignature.selector, signers[0].addr)
        );
    }

    function test_propose_revertsOnErc1271EntryNamingAnotherWallet() public {
        _walletSetUp();
        IResultsOracle.Result memory r = _result(EVENT_ID, 4, 4);
        // A wallet outside the set, owned by the same key: it accepts, but it is not attester 1.
        MockERC1271Wallet impostor = new MockERC1271Wallet(vm.addr(signers[1].key));
        signers[1].addr = address(impostor);
        bytes memory bundle = _signResult(r, _firstK(3));
        _expectProposeRevert(r, bundle, _mismatch(_setWith(1, address(impostor))));
    }

    function test_propose_revertsOnTruncatedErc1271Entry() public {
        MockERC1271Wallet wallet = _walletSetUp(); // attester 1 is the wallet
        IResultsOracle.Result memory r = _result(EVENT_ID, 4, 4);
        bytes memory head = bytes.concat(_header(5, 7), _entry(signers[0], oracle.resultDigest(r)));
        // Kind byte and part of the address.
        _expectProposeRevert(r, bytes.concat(head, hex"01", bytes10(bytes20(address(wallet)))), _malformed());
        // Kind byte, address and one length byte only.
        _expectProposeRevert(r, bytes.concat(head, hex"01", bytes20(address(wallet)), hex"00"), _malformed());
        // Declared length longer than what follows.
        _expectProposeRevert(
            r,
            bytes.concat(head, hex"01", bytes20(address(wallet)), hex"0041", new bytes(64)),
            _malformed()
        );
    }
}

/// @notice Digests and replay protection.
contract ResultsOracleReplayTest is OracleTestBase {
    function _expectProposeRevert(IResultsOracle.Result memory r, bytes memory bundle, bytes memory err) internal {
        vm.expectRevert(err);
        oracle.propose(r, bundle);
    }

    // DIGESTS AND REPLAY

    function test_resultDigest_matchesIndependentEip712() public view {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        assertEq(oracle.resultDigest(r), _resultDigest(r, address(oracle)));
    }

    function test_batchDigest_matchesIndependentEip712() public view {
        IResultsOracle.Batch memory b = _batch(keccak256("root"), 9);
        assertEq(oracle.batchDigest(b), _batchDigest(b, address(oracle)));
    }

    function test_propose_signatureDoesNotReplayOnAnotherContract() public {
        ResultsOracle other = _deployOracle(_setAddrs(), 3, 4, WINDOW, guardian, governance);
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory bundle = _signResult(r, _firstK(3)); // signed for `oracle`
        // Same set, same commitment: the signers recovered for `other`'s digest are not the attesters.
        vm.expectRevert(_mismatchOf(other.resultDigest(r), bundle));
        other.propose(r, bundle);
    }

    function test_propose_signatureDoesNotReplayOnAnotherChain() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        vm.chainId(block.chainid + 1);
        assertNotEq(oracle.resultDigest(r), _resultDigest(r, address(0)));
        _expectProposeRevert(r, bundle, _mismatchOf(oracle.resultDigest(r), bundle));
    }

    function test_propose_acceptsSignaturesForTheNewChainIdAfterAFork() public {
        // The hot path takes the separator from an immutable only on the deployment chain id; on a fork it
        // must rebuild it with the new chain id, so that attesters there can go on publishing.
        vm.chainId(block.chainid + 1);
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes32 digest = _resultDigest(r, address(oracle));
        assertEq(oracle.resultDigest(r), digest);
        oracle.propose(r, _bundle(digest, _firstK(3)));
        (IResultsOracle.Phase phase, , , , , ) = oracle.matchResult(EVENT_ID);
        assertEq(uint8(phase), uint8(IResultsOracle.Phase.Proposed));
    }

    function test_propose_signatureDoesNotReplayAfterRotation() public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        _rotateToSigners(3, 4); // same attesters, epoch 2
        _expectProposeRevert(r, bundle, abi.encodeWithSelector(IResultsOracle.WrongEpoch.selector, 1, 2));
        r.epoch = 2; // relabelled: the epoch is signed
        _expectProposeRevert(r, bundle, _mismatchOf(oracle.resultDigest(r), bundle));
    }

    function test_propose_signatureDoesNotReplayOnAnotherVersion() public {
        IResultsOracle.Result memory r = _proposeMatch(EVENT_ID, 2, 1);
        bytes memory bundle = _signResult(r, _firstK(3));
        r.version = 2;
        _expectProposeRevert(r, bundle, _mismatchOf(oracle.resultDigest(r), bundle));
    }
}
