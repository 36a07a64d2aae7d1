// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OracleTestBase} from "../utils/OracleTestBase.sol";
import {IResultsOracle} from "../../../contracts/interfaces/IResultsOracle.sol";
import {ResultsOracle} from "../../../contracts/ResultsOracle.sol";

/**
 * @title ResultsOracleHandler
 * @notice Drives the oracle through random sequences of valid and invalid actions for the invariant tests, and
 * keeps ghost state: what was legitimately accepted, a snapshot of every result first seen final, and flags set
 * when a forged or replayed signature bundle was ever accepted.
 */
contract ResultsOracleHandler is OracleTestBase {
    uint256 internal constant EVENTS = 3;

    /// @notice Second oracle with the same set: signatures must not cross contracts.
    ResultsOracle public other;

    /// @notice keccak256(status, values) of each (event, version) accepted through a legitimate path.
    mapping(bytes32 eventId => mapping(uint32 version => bytes32)) public accepted;
    /// @notice Snapshot of a result the first time it was observed final (0 before).
    mapping(bytes32 eventId => bytes32) public finalSnapshot;

    bool public forgedAccepted;
    bool public replayAccepted;
    /// @notice Handler actions run, and those that changed the oracle (an accepted proposal, dispute, resolution
    /// or rotation): the invariant test asserts both are non-zero after every run.
    uint256 public calls;
    uint256 public effects;

    /// @dev The last legitimately accepted proposal and its bundle, for replays.
    IResultsOracle.Result internal lastResult;
    bytes internal lastBundle;
    bool internal hasLast;

    constructor() {
        setUp();
        other = _deployOracle(_setAddrs(), 3, 4, WINDOW, guardian, governance);
    }

    /// @notice The oracle under test.
    function target() external view returns (ResultsOracle) {
        return oracle;
    }

    function eventIdAt(uint256 i) public pure returns (bytes32) {
        return keccak256(abi.encode("invariant-event", i));
    }

    /// @notice Snapshot key of a stored result: status, version and values commitment.
    function snapshotOf(bytes32 eventId) public view returns (bytes32) {
        IResultsOracle.ResultView memory v = oracle.resultOf(eventId);
        return keccak256(abi.encode(v.status, v.version, v.valuesHash));
    }

    function _threshold(bool forDispute) internal view returns (uint256) {
        (, uint8 t, uint8 dt, , ) = oracle.attesterConfig();
        return forDispute ? dt : t;
    }

    function _quorumBitmap(uint256 seed, uint256 required) internal view returns (uint256 bitmap) {
        uint256 n = signers.length;
        bitmap = seed & ((1 << n) - 1);
        // Top up to the required count from the lowest free bits.
        uint256 count;
        for (uint256 x = bitmap; x != 0; x &= x - 1) ++count;
        for (uint256 i; count < required && i < n; ++i) {
            if (bitmap & (1 << i) == 0) {
                bitmap |= 1 << i;
                ++count;
            }
        }
    }

    function _observe() internal {
        ++calls;
        for (uint256 i; i < EVENTS; ++i) {
            bytes32 id = eventIdAt(i);
            if (finalSnapshot[id] == 0 && oracle.isFinal(id)) finalSnapshot[id] = snapshotOf(id);
        }
    }

    function _payloadKey(IResultsOracle.Result memory r) internal pure returns (bytes32) {
        return keccak256(abi.encode(r.status, keccak256(abi.encodePacked(r.values))));
    }

    function _next(
        bytes32 id,
        uint32 home,
        uint32 away,
        bool bump
    ) internal view returns (IResultsOracle.Result memory) {
        uint32 current = oracle.resultOf(id).version;
        // Version 0 is never valid: an event without a result always gets version 1 (a wasted call otherwise).
        uint32 version = current + (bump || current == 0 ? 1 : 0);
        return _resultWith(id, IResultsOracle.ResultStatus.Completed, _values(home % 10, away % 10), version);
    }

    /// @dev `oracle_.propose(r, bundle)`, or `proposePacked` with the same payload when `packed`; true if accepted.
    function _tryPropose(
        ResultsOracle oracle_,
        IResultsOracle.Result memory r,
        bytes memory bundle,
        bool packed
    ) internal returns (bool ok) {
        if (packed) {
            bytes memory data = bytes.concat(_packResult(r), bundle);
            // solhint-disable-next-line avoid-low-level-calls
            (ok, ) = address(oracle_).call(_packedCall(IResultsOracle.proposePacked.selector, data));
        } else {
            try oracle_.propose(r, bundle) {
                ok = true;
            } catch {}
        }
    }

    // ACTIONS

    function propose(uint256 eventSeed, uint256 bitmapSeed, uint32 home, uint32 away, bool bump, bool packed) external {
        bytes32 id = eventIdAt(eventSeed % EVENTS);
        IResultsOracle.Result memory r = _next(id, home, away, bump);
        bytes memory bundle = _signResult(r, _quorumBitmap(bitmapSeed, _threshold(false)));
        if (_tryPropose(oracle, r, bundle, packed)) {
            accepted[id][r.version] = _payloadKey(r);
            ++effects;
            lastResult = r;
            lastBundle = bundle;
            hasLast = true;
        }
        _observe();
    }

    function proposeForged(uint256 eventSeed, uint256 kind, uint256 bitmapSeed, bool packed) external {
        bytes32 id = eventIdAt(eventSeed % EVENTS);
        IResultsOracle.Result memory r = _next(id, 1, 1, true);
        bytes32 digest = oracle.resultDigest(r);
        uint256 threshold = _threshold(false);
        bytes memory bundle;
        if (kind % 4 == 0) {
            // One attester short of the threshold.
            bundle = _bundle(digest, _quorumBitmap(0, threshold - 1));
        } else if (kind % 4 == 1) {
            // A full quorum of outsiders' keys posing as the set.
            Signer[] memory saved = signers;
            for (uint256 i; i < signers.length; ++i) {
                (, signers[i].key) = makeAddrAndKey(string.concat("outsider-", vm.toString(i)));
            }
            bundle = _bundle(digest, _quorumBitmap(bitmapSeed, threshold));
            for (uint256 i; i < saved.length; ++i) signers[i] = saved[i];
        } else if (kind % 4 == 2) {
            // One attester's signature repeated in the slots of others.
            if (signers.length < 2) return;
            uint256 bitmap = _quorumBitmap(bitmapSeed | 3, threshold);
            bytes[] memory entries = new bytes[](signers.length);
            for (uint256 i; i < entries.length; ++i) entries[i] = _entry(signers[0], digest);
            bundle = _assemble(_setAddrs(), bitmap, entries);
        } else {
            // A quorum where one signer's entry is by an outsider, its address given as the attester's.
            uint256 bitmap = _quorumBitmap(bitmapSeed, threshold);
            uint256 victim = bitmapSeed % signers.length;
            bitmap |= 1 << victim;
            Signer memory saved = signers[victim];
            (, signers[victim].key) = makeAddrAndKey("outsider-victim");
            signers[victim].isContract = false;
            bundle = _bundle(digest, bitmap);
            signers[victim] = saved;
        }
        if (_tryPropose(oracle, r, bundle, packed)) forgedAccepted = true;
        _observe();
    }

    function replay(uint256 kind) external {
        if (!hasLast) return;
        IResultsOracle.Result memory r = lastResult;
        bytes memory bundle = lastBundle;
        bool packed = (kind / 6) % 2 == 1; // through the typed or the packed entry point
        kind %= 6;
        bool ok;
        if (kind == 0) {
            // Another contract with the same set and epoch.
            ok = _tryPropose(other, r, bundle, packed);
        } else if (kind == 1) {
            // Another chain.
            uint256 chain = block.chainid;
            vm.chainId(chain + 1);
            r.version += 1; // so that only the signature can stop it
            ok = _tryPropose(oracle, r, bundle, packed);
            vm.chainId(chain);
        } else if (kind == 2) {
            // Another version.
            r.version += 1;
            ok = _tryPropose(oracle, r, bundle, packed);
        } else if (kind == 3) {
            // Another epoch: relabel the payload with the current epoch.
            if (r.epoch == _epoch()) return;
            r.epoch = _epoch();
            r.version = oracle.resultOf(r.eventId).version + 1;
            ok = _tryPropose(oracle, r, bundle, packed);
        } else if (kind == 4) {
            // A proposal's signatures, as many as disputeThreshold, offered as the resolution of its dispute.
            if (oracle.resultOf(r.eventId).phase == IResultsOracle.Phase.Proposed) {
                vm.prank(guardian);
                try oracle.dispute(r.eventId) {} catch {}
            }
            bytes memory asProposal = _signResult(r, _quorumBitmap(0, _threshold(true)));
            try oracle.resolve(r, asProposal) {
                ok = true;
            } catch {}
        } else {
            // After the deadline: a fresh quorum whose deadline has passed.
            IResultsOracle.Result memory fresh = _next(r.eventId, 3, 3, true);
            fresh.deadline = uint64(block.timestamp) - 1;
            fresh.notBefore = 0;
            bytes memory expired = _signResult(fresh, _quorumBitmap(0, _threshold(false)));
            ok = _tryPropose(oracle, fresh, expired, packed);
        }
        if (ok) replayAccepted = true;
        _observe();
    }

    function dispute(uint256 eventSeed, uint256 callerSeed) external {
        bytes32 id = eventIdAt(eventSeed % EVENTS);
        address caller = callerSeed % 2 == 0 ? guardian : signers[callerSeed % signers.length].addr;
        vm.prank(caller);
        try oracle.dispute(id) {
            ++effects;
        } catch {}
        _observe();
    }

    function resolve(uint256 eventSeed, uint256 bitmapSeed, uint32 home, bool bump) external {
        bytes32 id = eventIdAt(eventSeed % EVENTS);
        IResultsOracle.Result memory r = _next(id, home, 0, bump);
        bytes memory bundle = _signResolution(r, _quorumBitmap(bitmapSeed, _threshold(true)));
        try oracle.resolve(r, bundle) {
            accepted[id][r.version] = _payloadKey(r);
            ++effects;
        } catch {}
        _observe();
    }

    function resolveByGovernance(uint256 eventSeed, uint32 away) external {
        bytes32 id = eventIdAt(eventSeed % EVENTS);
        IResultsOracle.Result memory r = _next(id, 0, away, false);
        vm.prank(governance);
        try oracle.resolveByGovernance(r) {
            accepted[id][r.version] = _payloadKey(r);
            ++effects;
        } catch {}
        _observe();
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 2 * WINDOW));
        _observe();
    }

    function rotate(uint256 nSeed, uint256 tSeed) external {
        uint8 n = uint8(bound(nSeed, 1, 6));
        uint8 t = uint8(bound(tSeed, 1, n));
        uint8 dt = t == n ? t : t + 1;
        address[] memory set = _newSigners(n);
        vm.startPrank(governance);
        oracle.rotateAttesters(set, t, dt);
        other.rotateAttesters(set, t, dt);
        vm.stopPrank();
        ++effects;
        _observe();
    }
}
