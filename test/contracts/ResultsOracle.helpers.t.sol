// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OracleTestBase} from "./utils/OracleTestBase.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";
import {GasProbe} from "../../contracts/testing/GasProbe.sol";
import {Erc1271TestWallet} from "../../contracts/testing/Erc1271TestWallet.sol";

/// @notice The test helpers of `contracts/testing` used by the TypeScript tests and the bench, on a real oracle.
contract ResultsOracleTestingHelpersTest is OracleTestBase {
    function test_gasProbe_probesEveryRead() public {
        GasProbe probe = new GasProbe(oracle);
        assertEq(address(probe.oracle()), address(oracle));
        _proposeMatch(EVENT_ID, 3, 2);
        (IResultsOracle.BatchedResult[] memory results, bytes32[] memory leaves) = _batchOf(4, "probe");
        bytes32 root = _proposeRoot(leaves);
        vm.warp(T0 + WINDOW);
        bytes32[] memory proof = _merkleProof(leaves, 1);
        oracle.publishFromBatch(root, results[1], proof);
        vm.warp(T0 + 2 * WINDOW);

        (uint256 gas, uint32 window) = probe.probeDisputeWindow();
        assertGt(gas, 0);
        assertEq(uint256(window), WINDOW);
        bool ok;
        (gas, ok) = probe.probeRawCall(abi.encodeCall(oracle.matchResult, (EVENT_ID)));
        assertTrue(ok);
        (, IResultsOracle.Phase phase, uint32 home, uint32 away) = probe.probeMatchResult(EVENT_ID);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
        assertEq(uint256(home) * 10 + away, 32);
        (, IResultsOracle.ResultStatus status, , ) = probe.probeFinalMatchResult(EVENT_ID);
        assertEq(uint256(status), uint256(IResultsOracle.ResultStatus.Completed));
        (, phase) = probe.probeVerifyBatched(root, results[1], proof);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
        assertGt(probe.probeRequireFinalBatched(root, results[1], proof), 0);
    }

    function test_erc1271TestWallet_attestsUnlessRefusing() public {
        _newSigners(5);
        (address owner, uint256 key) = makeAddrAndKey("test wallet owner");
        Erc1271TestWallet wallet = new Erc1271TestWallet(owner);
        signers[2] = Signer({addr: address(wallet), key: key, isContract: true});
        _rotateToSigners(3, 4);
        IResultsOracle.Result memory r = _result(EVENT_ID, 1, 1);
        bytes memory bundle = _signResult(r, _firstK(3));

        vm.expectRevert(abi.encodeWithSelector(Erc1271TestWallet.NotOwner.selector, address(this)));
        wallet.setRefusing(true);
        vm.prank(owner);
        wallet.setRefusing(true);
        vm.expectRevert(abi.encodeWithSelector(IResultsOracle.InvalidSignature.selector, address(wallet)));
        oracle.propose(r, bundle);
        vm.prank(owner);
        wallet.setRefusing(false);
        oracle.propose(r, bundle);
        _assertPhase(EVENT_ID, IResultsOracle.Phase.Proposed);
    }
}
