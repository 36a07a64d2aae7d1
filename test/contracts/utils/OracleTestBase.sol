// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "./Test.sol";
import {IResultsOracle} from "../../../contracts/interfaces/IResultsOracle.sol";
import {ResultsOracle} from "../../../contracts/ResultsOracle.sol";
import {MockERC1271Wallet} from "../mocks/MockERC1271Wallet.sol";

/**
 * @title OracleTestBase
 * @notice Shared fixture for the ResultsOracle tests: a 3-of-5 oracle (dispute threshold 4), attester keys, and
 * helpers that sign payloads and pack signature bundles exactly as the relayer does (see IResultsOracle).
 */
abstract contract OracleTestBase is Test {
    uint64 internal constant T0 = 1_800_000_000;
    uint32 internal constant WINDOW = 1 hours;
    bytes32 internal constant EVENT_ID = keccak256("verdict:event:PSG-OM:2026-11-22");

    uint8 internal constant ENTRY_ECDSA = 0x00;
    uint8 internal constant ENTRY_ERC1271 = 0x01;

    /// @notice One attester of the current set as the tests know it.
    struct Signer {
        address addr;
        uint256 key; // EOA key, or the key of the wallet's owner
        bool isContract; // ERC-1271 wallet
    }

    ResultsOracle internal oracle;
    address internal guardian;
    address internal governance;
    Signer[] internal signers;
    uint256 private _keyNonce;

    function setUp() public virtual {
        vm.warp(T0);
        guardian = makeAddr("guardian");
        governance = makeAddr("governance");
        address[] memory set = _newSigners(5);
        oracle = _deployOracle(set, 3, 4, WINDOW, guardian, governance);
        vm.label(address(oracle), "oracle");
    }

    /// @dev `new` (not `deployCode`): coverage only sees the instrumented bytecode that `new` embeds.
    function _deployOracle(
        address[] memory set,
        uint8 threshold,
        uint8 disputeThreshold,
        uint32 window,
        address guardian_,
        address governance_
    ) internal returns (ResultsOracle) {
        return new ResultsOracle(set, threshold, disputeThreshold, window, guardian_, governance_);
    }

    // ATTESTERS

    /// @dev Replaces `signers` with `n` fresh EOA keys; returns their addresses.
    function _newSigners(uint256 n) internal returns (address[] memory set) {
        delete signers;
        set = new address[](n);
        for (uint256 i; i < n; ++i) {
            _keyNonce += 1;
            (address a, uint256 k) = makeAddrAndKey(string.concat("attester-", vm.toString(_keyNonce)));
            signers.push(Signer({addr: a, key: k, isContract: false}));
            set[i] = a;
        }
    }

    /// @dev Makes attester `i` of the next set an ERC-1271 wallet owned by a fresh key; returns the wallet.
    function _makeWallet(uint256 i) internal returns (MockERC1271Wallet wallet) {
        _keyNonce += 1;
        (address owner, uint256 k) = makeAddrAndKey(string.concat("wallet-owner-", vm.toString(_keyNonce)));
        wallet = new MockERC1271Wallet(owner);
        signers[i] = Signer({addr: address(wallet), key: k, isContract: true});
    }

    function _setAddrs() internal view returns (address[] memory set) {
        set = new address[](signers.length);
        for (uint256 i; i < set.length; ++i) set[i] = signers[i].addr;
    }

    /// @dev Rotates the oracle to the current `signers` as governance.
    function _rotateToSigners(uint8 threshold, uint8 disputeThreshold) internal {
        vm.prank(governance);
        oracle.rotateAttesters(_setAddrs(), threshold, disputeThreshold);
    }

    function _epoch() internal view returns (uint32 epoch) {
        (epoch, , , , ) = oracle.attesterConfig();
    }

    function _setHash(address[] memory set) internal pure returns (bytes20) {
        return bytes20(keccak256(abi.encodePacked(set)));
    }

    // PAYLOADS

    function _values(uint32 home, uint32 away) internal pure returns (uint32[] memory v) {
        v = new uint32[](2);
        v[0] = home;
        v[1] = away;
    }

    function _result(bytes32 eventId, uint32 home, uint32 away) internal view returns (IResultsOracle.Result memory) {
        return _resultWith(eventId, IResultsOracle.ResultStatus.Completed, _values(home, away), 1);
    }

    function _resultWith(
        bytes32 eventId,
        IResultsOracle.ResultStatus status,
        uint32[] memory values,
        uint32 version
    ) internal view returns (IResultsOracle.Result memory) {
        uint64 now_ = uint64(block.timestamp);
        return
            IResultsOracle.Result({
                eventId: eventId,
                status: status,
                values: values,
                endedAt: now_ - 600,
                version: version,
                notBefore: now_ - 60,
                deadline: now_ + 1 days,
                epoch: _epoch()
            });
    }

    function _batch(bytes32 root, uint32 count) internal view returns (IResultsOracle.Batch memory) {
        uint64 now_ = uint64(block.timestamp);
        return
            IResultsOracle.Batch({
                root: root,
                count: count,
                notBefore: now_ - 60,
                deadline: now_ + 1 days,
                epoch: _epoch()
            });
    }

    // SIGNATURES (bundle v2: n ‖ bitmap ‖ per position: non-signer address or signer entry)

    uint256 internal constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @dev Bitmap of the first `k` attesters.
    function _firstK(uint256 k) internal pure returns (uint256) {
        return (1 << k) - 1;
    }

    /// @dev One signer entry: `0x00 ‖ r ‖ yParityAndS` for an EOA (its address is not sent: the contract
    /// recovers it), `0x01 ‖ wallet ‖ len ‖ 65-byte owner signature` for an ERC-1271 wallet.
    function _entry(Signer memory s, bytes32 digest) internal pure returns (bytes memory) {
        if (s.isContract) return _erc1271Entry(s.addr, _sig65(s.key, digest));
        return _ecdsaEntry(s.key, digest);
    }

    /// @dev EIP-2098 compact entry of `key` over `digest`.
    function _ecdsaEntry(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (bytes32 r, bytes32 vs) = vm.signCompact(key, digest);
        return abi.encodePacked(ENTRY_ECDSA, r, vs);
    }

    /// @dev ERC-1271 entry naming `wallet`, carrying `sig`.
    function _erc1271Entry(address wallet, bytes memory sig) internal pure returns (bytes memory) {
        return abi.encodePacked(ENTRY_ERC1271, wallet, uint16(sig.length), sig);
    }

    /// @dev 65-byte `r ‖ s ‖ v` signature of `key` over `digest`.
    function _sig65(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Header: n (uint8) ‖ bitmap (uint16, big-endian).
    function _header(uint256 n, uint256 bitmap) internal pure returns (bytes memory) {
        return abi.encodePacked(uint8(n), uint16(bitmap));
    }

    /**
     * @dev Assembles a bundle by hand: `header(set.length, bitmap)`, then for each position the non-signer's
     * address (bit clear) or the next of `entries` (bit set), in order.
     */
    function _assemble(
        address[] memory set,
        uint256 bitmap,
        bytes[] memory entries
    ) internal pure returns (bytes memory bundle) {
        bundle = _header(set.length, bitmap);
        uint256 e;
        for (uint256 i; i < set.length; ++i) {
            if (bitmap & (1 << i) != 0) bundle = bytes.concat(bundle, entries[e++]);
            else bundle = bytes.concat(bundle, bytes20(set[i]));
        }
    }

    /// @dev Bundle where the attesters of `bitmap` (current `signers`) sign `digest`.
    function _bundle(bytes32 digest, uint256 bitmap) internal view returns (bytes memory bundle) {
        bundle = _header(signers.length, bitmap);
        for (uint256 i; i < signers.length; ++i) {
            if (bitmap & (1 << i) != 0) bundle = bytes.concat(bundle, _entry(signers[i], digest));
            else bundle = bytes.concat(bundle, bytes20(signers[i].addr));
        }
    }

    /**
     * @dev Reference decoder (independent of the contract): the set that a well-formed bundle rebuilds for
     * `digest` (an ECDSA entry stands for the address it recovers, zero when it does not recover or its `s` is
     * high; an ERC-1271 entry for the address it names).
     */
    function _rebuiltSet(bytes32 digest, bytes memory bundle) internal pure returns (address[] memory set) {
        uint256 n = uint8(bundle[0]);
        uint256 bitmap = (uint256(uint8(bundle[1])) << 8) | uint8(bundle[2]);
        set = new address[](n);
        uint256 c = 3;
        for (uint256 i; i < n; ++i) {
            if (bitmap & (1 << i) == 0) {
                set[i] = address(bytes20(_slice(bundle, c, 20)));
                c += 20;
            } else if (uint8(bundle[c]) == ENTRY_ECDSA) {
                bytes32 r = bytes32(_slice(bundle, c + 1, 32));
                bytes32 vs = bytes32(_slice(bundle, c + 33, 32));
                set[i] = _recoverCompact(digest, r, vs);
                c += 65;
            } else {
                set[i] = address(bytes20(_slice(bundle, c + 1, 20)));
                uint256 len = (uint256(uint8(bundle[c + 21])) << 8) | uint8(bundle[c + 22]);
                c += 23 + len;
            }
        }
    }

    /// @dev `ecrecover` of an EIP-2098 signature; zero for a high `s` or when it does not recover.
    function _recoverCompact(bytes32 digest, bytes32 r, bytes32 vs) internal pure returns (address) {
        uint256 s = uint256(vs) & ((1 << 255) - 1);
        if (s > HALF_ORDER) return address(0);
        return ecrecover(digest, uint8(27 + (uint256(vs) >> 255)), r, bytes32(s));
    }

    /// @dev `data[from : from + len]`.
    function _slice(bytes memory data, uint256 from, uint256 len) internal pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 i; i < len; ++i) out[i] = data[from + i];
    }

    /// @dev The first `len` bytes of `data`.
    function _prefix(bytes memory data, uint256 len) internal pure returns (bytes memory) {
        return _slice(data, 0, len);
    }

    /// @dev The {IResultsOracle-AttesterSetMismatch} error for a rebuilt `set` against the current commitment.
    function _mismatch(address[] memory set) internal view returns (bytes memory) {
        (, , , , bytes20 expected) = oracle.attesterConfig();
        return abi.encodeWithSelector(IResultsOracle.AttesterSetMismatch.selector, _setHash(set), expected);
    }

    /// @dev The mismatch error that `bundle` raises for `digest` (see {_rebuiltSet}).
    function _mismatchOf(bytes32 digest, bytes memory bundle) internal view returns (bytes memory) {
        return _mismatch(_rebuiltSet(digest, bundle));
    }

    function _malformed() internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IResultsOracle.MalformedSignatures.selector);
    }

    // PACKED CALLDATA

    /// @dev Result payload of {IResultsOracle-proposePacked}: eventId ‖ status ‖ count ‖ values ‖ endedAt ‖
    /// version ‖ notBefore ‖ deadline ‖ epoch (values tightly packed: `abi.encodePacked` pads array elements).
    function _packResult(IResultsOracle.Result memory r) internal pure returns (bytes memory packed) {
        packed = abi.encodePacked(r.eventId, uint8(r.status), uint8(r.values.length));
        for (uint256 i; i < r.values.length; ++i) packed = bytes.concat(packed, bytes4(r.values[i]));
        packed = bytes.concat(packed, abi.encodePacked(r.endedAt, r.version, r.notBefore, r.deadline, r.epoch));
    }

    /// @dev Batch payload of {IResultsOracle-proposeBatchPacked}: root ‖ count ‖ notBefore ‖ deadline ‖ epoch.
    function _packBatch(IResultsOracle.Batch memory b) internal pure returns (bytes memory) {
        return abi.encodePacked(b.root, b.count, b.notBefore, b.deadline, b.epoch);
    }

    /// @dev Calldata of a packed entry point: the selector, then `data` (packed payload ‖ bundle), no ABI head.
    function _packedCall(bytes4 selector, bytes memory data) internal pure returns (bytes memory) {
        return bytes.concat(selector, data);
    }

    /// @dev `target.proposePacked` with `data` after the selector; bubbles a revert.
    function _proposePackedOn(address target, bytes memory data) internal {
        _callOrBubble(target, _packedCall(IResultsOracle.proposePacked.selector, data));
    }

    /// @dev `oracle.proposePacked` with `data` after the selector; bubbles a revert.
    function _proposePacked(bytes memory data) internal {
        _proposePackedOn(address(oracle), data);
    }

    /// @dev `oracle.proposeBatchPacked` with `data` after the selector; bubbles a revert.
    function _proposeBatchPacked(bytes memory data) internal {
        _callOrBubble(address(oracle), _packedCall(IResultsOracle.proposeBatchPacked.selector, data));
    }

    /// @dev Asserts that `oracle.proposePacked` with `data` reverts with exactly `err`.
    function _expectPackedRevert(bytes memory data, bytes memory err) internal {
        _expectCallRevert(_packedCall(IResultsOracle.proposePacked.selector, data), err);
    }

    /// @dev Asserts that `oracle.proposeBatchPacked` with `data` reverts with exactly `err`.
    function _expectBatchPackedRevert(bytes memory data, bytes memory err) internal {
        _expectCallRevert(_packedCall(IResultsOracle.proposeBatchPacked.selector, data), err);
    }

    function _expectCallRevert(bytes memory callData, bytes memory err) private {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = address(oracle).call(callData);
        assertFalse(ok, "expected a revert");
        assertEq(ret, err, "revert data");
    }

    function _callOrBubble(address target, bytes memory callData) private {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = target.call(callData);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    function _signResult(IResultsOracle.Result memory r, uint256 bitmap) internal view returns (bytes memory) {
        return _bundle(oracle.resultDigest(r), bitmap);
    }

    function _signBatch(IResultsOracle.Batch memory b, uint256 bitmap) internal view returns (bytes memory) {
        return _bundle(oracle.batchDigest(b), bitmap);
    }

    /// @dev A bundle over the `Resolution` of `r` (what `resolve` verifies), digest computed independently.
    function _signResolution(IResultsOracle.Result memory r, uint256 bitmap) internal view returns (bytes memory) {
        return _bundle(_resolutionDigest(r, address(oracle)), bitmap);
    }

    /// @dev A bundle over the `BatchResolution` of `b` (what `resolveBatch` verifies).
    function _signBatchResolution(IResultsOracle.Batch memory b, uint256 bitmap) internal view returns (bytes memory) {
        return _bundle(_batchResolutionDigest(b, address(oracle)), bitmap);
    }

    function _propose(IResultsOracle.Result memory r) internal {
        oracle.propose(r, _signResult(r, _firstK(3)));
    }

    function _proposeMatch(
        bytes32 eventId,
        uint32 home,
        uint32 away
    ) internal returns (IResultsOracle.Result memory r) {
        r = _result(eventId, home, away);
        _propose(r);
    }

    function _dispute(bytes32 eventId) internal {
        vm.prank(guardian);
        oracle.dispute(eventId);
    }

    // EIP-712 computed independently of the contract (catches type-string drift)

    function _domainSeparator(address verifyingContract) internal view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256("Verdict ResultsOracle"),
                    keccak256("1"),
                    block.chainid,
                    verifyingContract
                )
            );
    }

    function _resultDigest(IResultsOracle.Result memory r, address verifyingContract) internal view returns (bytes32) {
        return
            _resultTypedDigest(
                "Result(bytes32 eventId,uint8 status,uint32[] values,uint64 endedAt,uint32 version,uint64 notBefore,uint64 deadline,uint32 epoch)",
                r,
                verifyingContract
            );
    }

    function _resolutionDigest(
        IResultsOracle.Result memory r,
        address verifyingContract
    ) internal view returns (bytes32) {
        return
            _resultTypedDigest(
                "Resolution(bytes32 eventId,uint8 status,uint32[] values,uint64 endedAt,uint32 version,uint64 notBefore,uint64 deadline,uint32 epoch)",
                r,
                verifyingContract
            );
    }

    /// @dev EIP-712 digest of `r`'s fields under the type string `typeString` (Result or Resolution).
    function _resultTypedDigest(
        string memory typeString,
        IResultsOracle.Result memory r,
        address verifyingContract
    ) private view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(bytes(typeString)),
                r.eventId,
                uint8(r.status),
                keccak256(abi.encodePacked(r.values)),
                r.endedAt,
                r.version,
                r.notBefore,
                r.deadline,
                r.epoch
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(verifyingContract), structHash));
    }

    function _batchDigest(IResultsOracle.Batch memory b, address verifyingContract) internal view returns (bytes32) {
        return
            _batchTypedDigest(
                "Batch(bytes32 root,uint32 count,uint64 notBefore,uint64 deadline,uint32 epoch)",
                b,
                verifyingContract
            );
    }

    function _batchResolutionDigest(
        IResultsOracle.Batch memory b,
        address verifyingContract
    ) internal view returns (bytes32) {
        return
            _batchTypedDigest(
                "BatchResolution(bytes32 root,uint32 count,uint64 notBefore,uint64 deadline,uint32 epoch)",
                b,
                verifyingContract
            );
    }

    /// @dev EIP-712 digest of `b`'s fields under the type string `typeString` (Batch or BatchResolution).
    function _batchTypedDigest(
        string memory typeString,
        IResultsOracle.Batch memory b,
        address verifyingContract
    ) private view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(keccak256(bytes(typeString)), b.root, b.count, b.notBefore, b.deadline, b.epoch)
        );
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(verifyingContract), structHash));
    }

    // MERKLE (sorted-pair hashing, as OpenZeppelin's MerkleProof expects)

    function _leaf(IResultsOracle.BatchedResult memory r) internal pure returns (bytes32) {
        return
            keccak256(bytes.concat(keccak256(abi.encode(r.eventId, uint8(r.status), r.values, r.endedAt, r.version))));
    }

    function _hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    /// @dev Root of `leaves` (a lone last node is carried up a level).
    function _merkleRoot(bytes32[] memory leaves) internal pure returns (bytes32) {
        bytes32[] memory layer = leaves;
        while (layer.length > 1) layer = _nextLayer(layer);
        return layer[0];
    }

    /// @dev Proof of `leaves[index]` for {_merkleRoot}.
    function _merkleProof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory proof) {
        bytes32[] memory path = new bytes32[](256);
        uint256 depth;
        bytes32[] memory layer = leaves;
        while (layer.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < layer.length) path[depth++] = layer[sibling];
            layer = _nextLayer(layer);
            index /= 2;
        }
        proof = new bytes32[](depth);
        for (uint256 i; i < depth; ++i) proof[i] = path[i];
    }

    function _nextLayer(bytes32[] memory layer) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((layer.length + 1) / 2);
        for (uint256 i; i < next.length; ++i) {
            next[i] = 2 * i + 1 < layer.length ? _hashPair(layer[2 * i], layer[2 * i + 1]) : layer[2 * i];
        }
    }

    function _batched(
        bytes32 eventId,
        uint32 home,
        uint32 away,
        uint32 version
    ) internal view returns (IResultsOracle.BatchedResult memory) {
        return
            IResultsOracle.BatchedResult({
                eventId: eventId,
                status: IResultsOracle.ResultStatus.Completed,
                values: _values(home, away),
                endedAt: uint64(block.timestamp) - 600,
                version: version
            });
    }

    /// @dev `n` batched match results for events `keccak256(seed, i)`; returns them and their leaves.
    function _batchOf(
        uint256 n,
        bytes32 seed
    ) internal view returns (IResultsOracle.BatchedResult[] memory results, bytes32[] memory leaves) {
        results = new IResultsOracle.BatchedResult[](n);
        leaves = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            results[i] = _batched(keccak256(abi.encode(seed, i)), uint32(i % 7), uint32(i % 5), 1);
            leaves[i] = _leaf(results[i]);
        }
    }

    /// @dev Proposes a root over `leaves` with a 3-signature quorum.
    function _proposeRoot(bytes32[] memory leaves) internal returns (bytes32 root) {
        root = _merkleRoot(leaves);
        IResultsOracle.Batch memory b = _batch(root, uint32(leaves.length));
        oracle.proposeBatch(b, _signBatch(b, _firstK(3)));
    }

    // ASSERTIONS ON ENUMS

    function _assertPhase(bytes32 eventId, IResultsOracle.Phase expected) internal view {
        assertEq(uint256(oracle.resultOf(eventId).phase), uint256(expected), "phase");
    }
}
