// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "hardhat/console.sol";
import {OracleTestBase} from "./utils/OracleTestBase.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";
import {ReadingConsumer} from "./mocks/MockConsumers.sol";

/**
 * @title ResultsOracleGasTest
 * @notice Gas guide figures measured in-call and converted to what a transaction's receipt would show:
 * execution (gasleft delta around a low-level call, minus the cold CALL itself) + 21,000 + calldata
 * (EIP-2028 16/4 gas per byte, or the EIP-7623 floor when higher). The authoritative figures come from
 * real transactions (`npm run bench:gas`); these are a guard against regressions while developing.
 */
contract ResultsOracleGasTest is OracleTestBase {
    uint256 internal constant COLD_CALL = 2_600;

    // Limits: the issue's goals where they are met; otherwise the figure measured when the test was written
    // (plus ~0.5 %), so that a regression fails. Propose and rotation miss their goals (66,000 and 60,000): a
    // first 3-of-5 propose cannot go below ~65,400 (21,000 intrinsic + ~7,300 calldata + 2,100 config read +
    // 3 x 3,100 ecrecover + 22,100 new result slot + ~3,550 for the ResultProposed log) before any logic.
    uint256 internal constant PROPOSE_3_OF_5 = 72_100; // goal 66,000; measured 71,697
    uint256 internal constant BATCH_ROOT = 66_000; // goal; measured 65,867
    uint256 internal constant DISPUTE = 50_000; // goal; measured 41,228 (last attester of 5)
    uint256 internal constant ROTATION = 60_900; // goal 60,000; measured 60,541
    uint256 internal constant STORED_READ = 5_500; // goal; measured 4,572
    uint256 internal constant PROOF_READ_DEPTH_8 = 8_500; // goal; measured 7,658

    ReadingConsumer internal reader;

    function setUp() public override {
        super.setUp();
        reader = new ReadingConsumer(oracle);
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 standard, uint256 floorTokens) {
        for (uint256 i; i < data.length; ++i) {
            if (data[i] == 0) {
                standard += 4;
                floorTokens += 1;
            } else {
                standard += 16;
                floorTokens += 4;
            }
        }
    }

    /// @dev Receipt-equivalent gas of a transaction sending `data` to `target` from `sender`.
    function _txGas(address sender, address target, bytes memory data) internal returns (uint256) {
        vm.cool(target);
        vm.prank(sender);
        uint256 before = gasleft();
        (bool ok, bytes memory ret) = target.call(data);
        uint256 used = before - gasleft();
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        (uint256 standard, uint256 floorTokens) = _calldataGas(data);
        uint256 execution = used - COLD_CALL;
        uint256 total = 21_000 + standard + execution;
        uint256 floor_ = 21_000 + 10 * floorTokens;
        return total > floor_ ? total : floor_;
    }

    function _proposeGas(uint256 k) internal returns (uint256) {
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        bytes memory data = abi.encodeCall(oracle.propose, (r, _signResult(r, _firstK(k))));
        return _txGas(address(this), address(oracle), data);
    }

    function test_gas_propose3of5() public {
        uint256 gas = _proposeGas(3);
        console.log("propose 3-of-5 (match, v1):", gas);
        assertLe(gas, PROPOSE_3_OF_5, "propose 3-of-5 regressed");
    }

    function test_gas_propose1and5of5() public {
        _rotateToSigners(1, 2);
        console.log("propose 1-of-5:", _proposeGas(1));
        vm.warp(block.timestamp + 1);
        IResultsOracle.Result memory r = _resultWith(EVENT_ID, IResultsOracle.ResultStatus.Completed, _values(0, 0), 2);
        bytes memory data = abi.encodeCall(oracle.propose, (r, _signResult(r, _firstK(5))));
        console.log("propose 5-of-5 (correction):", _txGas(address(this), address(oracle), data));
    }

    function test_gas_proposeBatch() public {
        IResultsOracle.Batch memory b = _batch(keccak256("root"), 256);
        bytes memory data = abi.encodeCall(oracle.proposeBatch, (b, _signBatch(b, _firstK(3))));
        uint256 gas = _txGas(address(this), address(oracle), data);
        console.log("proposeBatch 3-of-5:", gas);
        assertLe(gas, BATCH_ROOT, "batch root budget");
    }

    function test_gas_dispute() public {
        _proposeMatch(EVENT_ID, 2, 1);
        // The last attester of the set: the longest scan.
        uint256 gas = _txGas(signers[4].addr, address(oracle), abi.encodeCall(oracle.dispute, (EVENT_ID)));
        console.log("dispute (5th attester):", gas);
        assertLe(gas, DISPUTE, "dispute budget");
    }

    function test_gas_rotation() public {
        address[] memory next = _newSigners(5);
        bytes memory data = abi.encodeCall(oracle.rotateAttesters, (next, 3, 4));
        uint256 gas = _txGas(governance, address(oracle), data);
        console.log("rotation 5->5 in place:", gas);
        assertLe(gas, ROTATION, "rotation regressed");
    }

    function test_gas_matchResultInCall() public {
        _proposeMatch(EVENT_ID, 2, 1);
        vm.warp(block.timestamp + WINDOW);
        vm.cool(address(oracle));
        (uint256 gas, uint32 home, ) = reader.readMatch(EVENT_ID);
        assertEq(uint256(home), 2);
        console.log("matchResult in-call:", gas);
        assertLe(gas, STORED_READ, "stored read budget");
        vm.cool(address(oracle));
        (gas, , ) = reader.readFinalMatch(EVENT_ID);
        console.log("finalMatchResult in-call:", gas);
    }

    function test_gas_verifyBatchedDepth8() public {
        (IResultsOracle.BatchedResult[] memory results, bytes32[] memory leaves) = _batchOf(256, "gas");
        bytes32 root = _proposeRoot(leaves);
        vm.warp(block.timestamp + WINDOW);
        bytes32[] memory proof = _merkleProof(leaves, 77);
        assertEq(proof.length, 8);
        vm.cool(address(oracle));
        (uint256 gas, IResultsOracle.Phase phase) = reader.readBatched(root, results[77], proof);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
        console.log("verifyBatched depth 8 in-call:", gas);
        assertLe(gas, PROOF_READ_DEPTH_8, "proof read budget");
        vm.cool(address(oracle));
        gas = reader.requireBatched(root, results[77], proof);
        console.log("requireFinalBatched depth 8 in-call:", gas);
    }
}
