// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OracleTestBase} from "./utils/OracleTestBase.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";

/// @notice Fuzz tests over signer sets, thresholds and signer subsets.
contract ResultsOracleQuorumFuzzTest is OracleTestBase {
    /// @dev Rotates to a fresh set of `n` attesters with a valid (threshold, disputeThreshold) pair.
    function _randomSet(uint256 nSeed, uint256 tSeed) internal returns (uint8 n, uint8 t, uint8 dt) {
        n = uint8(bound(nSeed, 1, 16));
        t = uint8(bound(tSeed, 1, n));
        dt = t == n ? t : uint8(bound(tSeed >> 8, t + 1, n));
        _newSigners(n);
        _rotateToSigners(t, dt);
    }

    function _popCount(uint256 x) internal pure returns (uint256 c) {
        for (; x != 0; x &= x - 1) ++c;
    }

    function testFuzz_propose_acceptsExactlyQuorumsOfTheCurrentSet(
        uint256 nSeed,
        uint256 tSeed,
        uint256 bitmapSeed
    ) public {
        (uint8 n, uint8 t, ) = _randomSet(nSeed, tSeed);
        uint256 bitmap = bitmapSeed & ((1 << n) - 1);
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 2);
        bytes memory bundle = _signResult(r, bitmap);
        uint256 signed = _popCount(bitmap);
        if (signed < t) {
            vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InsufficientSignatures.selector, signed, t));
            oracle.propose(r, bundle);
        } else {
            oracle.propose(r, bundle);
            _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
        }
    }

    function testFuzz_propose_rejectsOneForgedEntry(uint256 nSeed, uint256 tSeed, uint256 victimSeed) public {
        (uint8 n, , ) = _randomSet(nSeed, tSeed); // any threshold: a bad entry is never skipped
        uint256 bitmap = (1 << n) - 1; // everyone signs
        uint256 victim = bound(victimSeed, 0, n - 1);
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 2);
        bytes32 digest = oracle.resultDigest(r);
        (, uint256 outsiderKey) = makeAddrAndKey("outsider");
        signers[victim].key = outsiderKey; // the victim's entry is signed by a key outside the set
        bytes memory bundle = _bundle(digest, bitmap);
        address[] memory rebuilt = _setAddrs();
        rebuilt[victim] = vm.addr(outsiderKey);
        vm.expectRevert(_mismatch(rebuilt));
        oracle.propose(r, bundle);
    }

    function testFuzz_propose_entriesMustFollowBitmapOrder(uint256 nSeed, uint256 iSeed, uint256 jSeed) public {
        uint8 n = uint8(bound(nSeed, 2, 16));
        _newSigners(n);
        _rotateToSigners(1, 2);
        uint256 i = bound(iSeed, 0, n - 2);
        uint256 j = bound(jSeed, i + 1, n - 1);
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 2);
        bytes32 digest = oracle.resultDigest(r);
        bytes[] memory entries = new bytes[](2);
        // Swapped: entry j first, so the set rebuilt holds attester j at position i and attester i at j.
        (entries[0], entries[1]) = (_entry(signers[j], digest), _entry(signers[i], digest));
        bytes memory bundle = _assemble(_setAddrs(), (1 << i) | (1 << j), entries);
        address[] memory rebuilt = _setAddrs();
        (rebuilt[i], rebuilt[j]) = (rebuilt[j], rebuilt[i]);
        vm.expectRevert(_mismatch(rebuilt));
        oracle.propose(r, bundle);
    }

    function testFuzz_resolve_requiresDisputeThreshold(uint256 nSeed, uint256 tSeed, uint256 bitmapSeed) public {
        (uint8 n, , uint8 dt) = _randomSet(nSeed, tSeed);
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 2);
        bytes memory proposal = _signResult(r, (1 << n) - 1); // every attester: at least disputeThreshold
        oracle.propose(r, proposal);
        _dispute(EVENT_ID);
        // The proposal's own signatures never resolve its dispute.
        vm.expectRevert(_mismatchOf(_resolutionDigest(r, address(oracle)), proposal));
        oracle.resolve(r, proposal);
        uint256 bitmap = bitmapSeed & ((1 << n) - 1);
        bytes memory bundle = _signResolution(r, bitmap);
        uint256 signed = _popCount(bitmap);
        if (signed < dt) {
            vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InsufficientSignatures.selector, signed, dt));
            oracle.resolve(r, bundle);
        } else {
            oracle.resolve(r, bundle);
            assertTrue(oracle.isFinal(EVENT_ID));
        }
    }

    function testFuzz_rotateAttesters_enforcesRules(uint256 nSeed, uint8 t, uint8 dt) public {
        uint256 n = bound(nSeed, 0, 17);
        address[] memory set = new address[](n);
        for (uint256 i; i < n; ++i) set[i] = address(uint160(0x1000 + i));
        bool valid = t >= 1 && t <= dt && dt <= n && n <= 16 && (dt > t || t == n);
        vm.prank(governance);
        if (!valid) {
            vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidAttesterSet.selector, n, t, dt));
            oracle.rotateAttesters(set, t, dt);
        } else {
            oracle.rotateAttesters(set, t, dt);
            assertEq(oracle.attesters(), set);
            assertEq(_epoch(), 2);
        }
    }

    function testFuzz_propose_randomBundleNeverPasses(bytes calldata junk) public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 2);
        vm.expectRevert();
        oracle.propose(r, junk);
    }
}

/// @notice Fuzz tests over payloads and times.
contract ResultsOraclePayloadFuzzTest is OracleTestBase {
    function testFuzz_propose_storesAnyValidPayload(
        bytes32 eventId,
        uint8 statusSeed,
        uint32[] memory values,
        uint64 endedAt,
        uint32 version
    ) public {
        vm.assume(version > 0);
        IResultsOracle.ResultStatus status = IResultsOracle.ResultStatus(bound(statusSeed, 1, 5));
        if (status != IResultsOracle.ResultStatus.Completed) values = new uint32[](0);
        vm.assume(status != IResultsOracle.ResultStatus.Completed || (values.length > 0 && values.length < 256));
        IResultsOracle.Result memory r = _resultWith(eventId, status, values, version);
        r.endedAt = endedAt;
        vm.expectEmit(address(oracle));
        emit IResultsOracle.ResultProposed(eventId, version, status, values, endedAt, T0 + WINDOW);
        _propose(r);
        IResultsOracle.ResultView memory v = oracle.resultOf(eventId);
        assertEq(uint256(v.status), uint256(status));
        assertEq(uint256(v.version), version);
        assertEq(uint256(v.valueCount), values.length);
        assertEq(v.valuesHash, keccak256(abi.encodePacked(values)));
        (, , uint32 home, uint32 away, , ) = oracle.matchResult(eventId);
        assertEq(uint256(home), values.length > 0 ? values[0] : 0);
        assertEq(uint256(away), values.length > 1 ? values[1] : 0);
        vm.warp(T0 + WINDOW);
        (IResultsOracle.ResultStatus s, uint32 ver) = oracle.finalResultWithValues(eventId, values);
        assertEq(uint256(s), uint256(status));
        assertEq(uint256(ver), version);
    }

    function testFuzz_propose_acceptsOnlyInsideValidity(uint64 notBefore, uint64 deadline, uint64 now_) public {
        now_ = uint64(bound(now_, 1, type(uint64).max - WINDOW));
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        r.notBefore = notBefore;
        r.deadline = deadline;
        bytes memory bundle = _signResult(r, _firstK(3));
        vm.warp(now_);
        if (now_ > deadline) {
            vm.expectRevert(abi.encodeWithSelector(IResultsOracle.SignatureExpired.selector, deadline, now_));
        } else if (now_ < notBefore) {
            vm.expectRevert(abi.encodeWithSelector(IResultsOracle.SignatureNotYetValid.selector, notBefore, now_));
        }
        oracle.propose(r, bundle);
    }

    function testFuzz_propose_tamperedFieldIsRejected(uint256 field, uint256 delta) public {
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 0);
        bytes memory bundle = _signResult(r, _firstK(3));
        delta = bound(delta, 1, type(uint16).max);
        field = bound(field, 0, 5);
        if (field == 0) r.eventId = bytes32(uint256(r.eventId) ^ delta);
        else if (field == 1) r.values[1] += uint32(delta);
        else if (field == 2) r.endedAt -= uint64(delta);
        else if (field == 3) r.version += uint32(delta);
        else if (field == 4) r.notBefore -= uint64(delta);
        else r.deadline += uint64(delta);
        vm.expectRevert(_mismatchOf(oracle.resultDigest(r), bundle));
        oracle.propose(r, bundle);
    }

    function testFuzz_dispute_onlyInsideWindow(uint32 elapsed) public {
        _proposeMatch(EVENT_ID, 1, 1);
        vm.warp(T0 + uint64(elapsed));
        if (elapsed >= WINDOW) vm.expectRevert(abi.encodeWithSelector(IResultsOracle.NotDisputable.selector, EVENT_ID));
        _dispute(EVENT_ID);
        assertEq(oracle.isFinal(EVENT_ID), elapsed >= WINDOW);
    }

    function testFuzz_propose_correctionOnlyBeforeFinality(uint32 elapsed, uint32 version) public {
        _proposeMatch(EVENT_ID, 1, 1);
        vm.warp(T0 + (uint64(elapsed) % (2 * WINDOW)));
        elapsed = uint32(block.timestamp - T0);
        IResultsOracle.Result memory r = _resultWith(
            EVENT_ID,
            IResultsOracle.ResultStatus.Completed,
            _values(2, 2),
            version
        );
        bytes memory bundle = _signResult(r, _firstK(3));
        if (elapsed >= WINDOW) {
            vm.expectRevert(abi.encodeWithSelector(IResultsOracle.ResultAlreadyFinal.selector, EVENT_ID));
        } else if (version <= 1) {
            vm.expectRevert(abi.encodeWithSelector(IResultsOracle.VersionNotHigher.selector, EVENT_ID, version, 1));
        }
        oracle.propose(r, bundle);
    }

    function testFuzz_verifyBatched_provesEveryLeaf(uint256 nSeed, uint256 indexSeed, bytes32 seed) public {
        uint256 n = bound(nSeed, 1, 64);
        uint256 index = bound(indexSeed, 0, n - 1);
        (IResultsOracle.BatchedResult[] memory rs, bytes32[] memory ls) = _batchOf(n, seed);
        bytes32 root = _proposeRoot(ls);
        vm.warp(T0 + WINDOW);
        bytes32[] memory proof = _merkleProof(ls, index);
        (IResultsOracle.Phase phase, ) = oracle.verifyBatched(root, rs[index], proof);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None), "unpublished");
        oracle.publishFromBatch(root, rs[index], proof);
        vm.warp(T0 + 2 * WINDOW);
        (phase, ) = oracle.verifyBatched(root, rs[index], proof);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
        oracle.requireFinalBatched(root, rs[index], proof);
        assertTrue(oracle.isFinal(rs[index].eventId));
        rs[index].version += 1;
        (phase, ) = oracle.verifyBatched(root, rs[index], proof);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.None));
    }
}
