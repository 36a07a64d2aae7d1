// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "../utils/Test.sol";
import {IResultsOracle} from "../../../contracts/interfaces/IResultsOracle.sol";
import {ResultsOracle} from "../../../contracts/ResultsOracle.sol";
import {ResultsReader} from "../../../contracts/libraries/ResultsReader.sol";
import {OneTruthHandler} from "./OneTruthHandler.sol";

/// @notice The handler as an artifact of this root file (deployed with `deployCode`, known to the runner).
contract OneTruthInvariantHandler is OneTruthHandler {}

/// @notice The library's proof reads as external calls (they take calldata).
contract OneTruthReader {
    function verifyBatched(
        IResultsOracle oracle,
        bytes32 root,
        IResultsOracle.BatchedResult calldata result,
        bytes32[] calldata proof
    ) external view returns (IResultsOracle.Phase, uint64) {
        return ResultsReader.verifyBatched(oracle, root, result, proof);
    }
}

/**
 * @notice One truth per event, over mixed direct and batched publication: at most one final (event, version,
 * status, values) at any time, every read path agrees on it, and a higher version accepted before finality
 * supersedes a lower one on every path.
 */
contract ResultsOracleOneTruthInvariantTest is Test {
    OneTruthHandler internal handler;
    OneTruthReader internal reader;

    function setUp() public {
        handler = OneTruthHandler(deployCode("ResultsOracle.oneTruth.t.sol:OneTruthInvariantHandler", ""));
        reader = new OneTruthReader();
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = OneTruthHandler.propose.selector;
        selectors[1] = OneTruthHandler.proposeRoot.selector;
        selectors[2] = OneTruthHandler.publish.selector;
        selectors[3] = OneTruthHandler.dispute.selector;
        selectors[4] = OneTruthHandler.disputeRoot.selector;
        selectors[5] = OneTruthHandler.resolveByGovernance.selector;
        selectors[6] = OneTruthHandler.warp.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice After each run: the handler ran, and the oracle accepted some of its actions.
    function afterInvariant() public view {
        assertGt(handler.calls(), 0, "the handler was never called in this run");
        assertGt(handler.effects(), 0, "every action of this run was refused");
    }

    /// @notice Every leaf ever signed reads, through the oracle and the library, as its event's stored record or
    /// not at all; so no two finals for one event, whatever the roots carry.
    function invariant_proofReadsDeferToTheStoredRecord() public view {
        ResultsOracle oracle = handler.target();
        uint256 n = handler.leafCount();
        for (uint256 i; i < n; ++i) {
            (bytes32 root, IResultsOracle.BatchedResult memory r, bytes32[] memory proof) = handler.leafAt(i);
            (IResultsOracle.Phase phase, uint64 finalAt) = oracle.verifyBatched(root, r, proof);
            (IResultsOracle.Phase libPhase, uint64 libFinalAt) = reader.verifyBatched(oracle, root, r, proof);
            assertEq(uint256(libPhase), uint256(phase), "library and oracle disagree on a leaf");
            assertEq(uint256(libFinalAt), uint256(finalAt), "library and oracle disagree on finalAt");
            if (phase == IResultsOracle.Phase.None) continue;
            IResultsOracle.ResultView memory v = oracle.resultOf(r.eventId);
            assertEq(uint256(phase), uint256(v.phase), "a leaf reads another phase than the record");
            assertEq(
                keccak256(abi.encode(r.version, r.status, keccak256(abi.encodePacked(r.values)))),
                handler.recordKey(r.eventId),
                "a leaf that is not the record reads"
            );
        }
    }

    /// @notice Stored reads agree with each other, the stored version is the highest accepted one (a higher
    /// version before finality superseded every lower one), and a terminal final result never changes.
    function invariant_oneRecordPerEvent() public view {
        ResultsOracle oracle = handler.target();
        for (uint256 i; i < 2; ++i) {
            bytes32 id = handler.eventIdAt(i);
            IResultsOracle.ResultView memory v = oracle.resultOf(id);
            (IResultsOracle.Phase phase, IResultsOracle.ResultStatus status, , , uint32 version, ) = ResultsReader
                .matchResult(oracle, id);
            assertEq(uint256(phase), uint256(v.phase), "library and oracle disagree on the phase");
            assertEq(uint256(status), uint256(v.status), "status");
            assertEq(uint256(version), uint256(v.version), "version");
            assertEq(ResultsReader.isFinal(oracle, id), oracle.isFinal(id), "isFinal");
            assertEq(uint256(v.version), uint256(handler.highestAccepted(id)), "a higher version was lost");
            bytes32 snapshot = handler.terminalSnapshot(id);
            if (snapshot == 0) continue;
            assertTrue(oracle.isFinal(id), "a terminal final result is no longer final");
            assertEq(handler.recordKey(id), snapshot, "a terminal final result changed");
        }
    }
}
