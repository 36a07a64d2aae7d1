// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OracleTestBase} from "../utils/OracleTestBase.sol";
import {IResultsOracle} from "../../../contracts/interfaces/IResultsOracle.sol";
import {ResultsOracle} from "../../../contracts/ResultsOracle.sol";

/**
 * @title OneTruthHandler
 * @notice Publishes results of two events through every path at random: direct proposals, roots of two leaves
 * (sometimes both for the same event, at any version, `Postponed` and `Cancelled` included), leaves published
 * from final roots, disputes of results and roots, governance resolutions, time. Keeps the leaves it signed so
 * that the invariant test can read each of them through the proof paths, and ghost state: the highest version
 * each event ever accepted, and the first terminal final result seen.
 */
contract OneTruthHandler is OracleTestBase {
    uint256 internal constant EVENTS = 2;

    struct Leaf {
        bytes32 root;
        IResultsOracle.BatchedResult result;
        bytes32[] proof;
    }

    Leaf[] internal _leaves;
    bytes32[] internal _roots;

    /// @notice Highest version accepted for an event by any path (the stored record must carry it).
    mapping(bytes32 eventId => uint32) public highestAccepted;
    /// @notice keccak256(version, status, valuesHash) of the first final result seen that is not `Postponed`.
    mapping(bytes32 eventId => bytes32) public terminalSnapshot;

    uint256 public calls;
    /// @notice Accepted state changes by path: direct, root, publication, dispute, resolution.
    uint256 public directs;
    uint256 public roots;
    uint256 public publications;
    uint256 public disputes;
    uint256 public resolutions;

    constructor() {
        setUp();
    }

    function target() external view returns (ResultsOracle) {
        return oracle;
    }

    function eventIdAt(uint256 i) public pure returns (bytes32) {
        return keccak256(abi.encode("one-truth-event", i));
    }

    function leafCount() external view returns (uint256) {
        return _leaves.length;
    }

    function leafAt(uint256 i) external view returns (bytes32, IResultsOracle.BatchedResult memory, bytes32[] memory) {
        Leaf storage l = _leaves[i];
        return (l.root, l.result, l.proof);
    }

    /// @notice keccak256(version, status, valuesHash) of the stored record of `eventId`.
    function recordKey(bytes32 eventId) public view returns (bytes32) {
        IResultsOracle.ResultView memory v = oracle.resultOf(eventId);
        return keccak256(abi.encode(v.version, v.status, v.valuesHash));
    }

    function effects() external view returns (uint256) {
        return directs + roots + publications + disputes + resolutions;
    }

    // ACTIONS

    function propose(uint256 eventSeed, uint8 bump, uint8 statusSeed, uint32 home, uint32 away) external {
        bytes32 id = eventIdAt(eventSeed % EVENTS);
        IResultsOracle.Result memory r = _resultWith(
            id,
            _status(statusSeed),
            _valuesFor(statusSeed, home, away),
            oracle.resultOf(id).version + (bump % 3)
        );
        try oracle.propose(r, _signResult(r, _firstK(3))) {
            _accepted(id, r.version);
            ++directs;
        } catch {}
        _observe();
    }

    function proposeRoot(uint256 seedA, uint256 seedB, uint8 bumps, uint8 statuses, uint32 home) external {
        IResultsOracle.BatchedResult[2] memory pair;
        pair[0] = _leafResult(eventIdAt(seedA % EVENTS), bumps % 3, statuses, home);
        // Now and then the same event twice in one root, at another or the same version.
        pair[1] = _leafResult(eventIdAt(seedB % EVENTS), (bumps / 3) % 3, statuses / 7, home / 3 + 1);
        bytes32[] memory ls = new bytes32[](2);
        ls[0] = _leaf(pair[0]);
        ls[1] = _leaf(pair[1]);
        if (ls[0] == ls[1]) return;
        bytes32 root = _merkleRoot(ls);
        IResultsOracle.Batch memory b = _batch(root, 2);
        try oracle.proposeBatch(b, _signBatch(b, _firstK(3))) {
            ++roots;
            _roots.push(root);
            for (uint256 i; i < 2; ++i) {
                Leaf storage l = _leaves.push();
                l.root = root;
                l.result = pair[i];
                l.proof = _merkleProof(ls, i);
            }
        } catch {}
        _observe();
    }

    function publish(uint256 leafSeed) external {
        if (_leaves.length == 0) return;
        Leaf storage l = _leaves[leafSeed % _leaves.length];
        bytes32 before = recordKey(l.result.eventId);
        try oracle.publishFromBatch(l.root, l.result, l.proof) {
            if (recordKey(l.result.eventId) != before) {
                _accepted(l.result.eventId, l.result.version);
                ++publications;
            }
        } catch {}
        _observe();
    }

    function dispute(uint256 eventSeed, bool byGuardian) external {
        vm.prank(byGuardian ? guardian : signers[eventSeed % signers.length].addr);
        try oracle.dispute(eventIdAt(eventSeed % EVENTS)) {
            ++disputes;
        } catch {}
        _observe();
    }

    function disputeRoot(uint256 rootSeed) external {
        if (_roots.length == 0) return;
        vm.prank(guardian);
        try oracle.disputeBatch(_roots[rootSeed % _roots.length]) {
            ++disputes;
        } catch {}
        _observe();
    }

    function resolveByGovernance(uint256 eventSeed, uint8 statusSeed, uint32 home) external {
        bytes32 id = eventIdAt(eventSeed % EVENTS);
        IResultsOracle.Result memory r = _resultWith(
            id,
            _status(statusSeed),
            _valuesFor(statusSeed, home, 0),
            oracle.resultOf(id).version + (statusSeed % 2)
        );
        vm.prank(governance);
        try oracle.resolveByGovernance(r) {
            _accepted(id, r.version);
            ++resolutions;
        } catch {}
        _observe();
    }

    function warp(uint256 secs) external {
        // Mostly within a window, now and then past a dispute's lapse.
        uint256 span = secs % 5 == 0 ? 4 days : 2 * WINDOW;
        vm.warp(block.timestamp + bound(secs, 1, span));
        _observe();
    }

    // INTERNAL

    function _leafResult(
        bytes32 id,
        uint256 bump,
        uint256 statusSeed,
        uint32 home
    ) internal view returns (IResultsOracle.BatchedResult memory r) {
        r.eventId = id;
        r.status = _status(uint8(statusSeed));
        r.values = _valuesFor(uint8(statusSeed), home, home / 2);
        r.endedAt = uint64(block.timestamp) - 600;
        r.version = oracle.resultOf(id).version + uint32(bump);
    }

    /// @dev Completed most often, then Postponed and Cancelled.
    function _status(uint8 seed) internal pure returns (IResultsOracle.ResultStatus) {
        uint8 k = seed % 4;
        if (k == 2) return IResultsOracle.ResultStatus.Postponed;
        if (k == 3) return IResultsOracle.ResultStatus.Cancelled;
        return IResultsOracle.ResultStatus.Completed;
    }

    function _valuesFor(uint8 seed, uint32 home, uint32 away) internal pure returns (uint32[] memory) {
        if (seed % 4 >= 2) return new uint32[](0);
        return _values(home % 4, away % 4);
    }

    function _accepted(bytes32 id, uint32 version) internal {
        if (version > highestAccepted[id]) highestAccepted[id] = version;
    }

    function _observe() internal {
        ++calls;
        for (uint256 i; i < EVENTS; ++i) {
            bytes32 id = eventIdAt(i);
            if (terminalSnapshot[id] != 0 || !oracle.isFinal(id)) continue;
            if (oracle.resultOf(id).status != IResultsOracle.ResultStatus.Postponed) {
                terminalSnapshot[id] = recordKey(id);
            }
        }
    }
}
