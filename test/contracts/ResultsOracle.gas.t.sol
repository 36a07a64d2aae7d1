// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// solhint-disable no-console, gas-custom-errors, avoid-low-level-calls

import {console} from "hardhat/console.sol";
import {OracleTestBase} from "./utils/OracleTestBase.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";
import {GasProbe} from "../../contracts/testing/GasProbe.sol";
import {ResultsOracle} from "../../contracts/ResultsOracle.sol";

/// @notice Converts an in-call measurement into what a transaction's receipt would show.
abstract contract GasFixture is OracleTestBase {
    /// @dev CALL to a warm account; a transaction pays no CALL at all.
    uint256 internal constant WARM_CALL = 100;

    /// @dev The probe `npm run bench:gas` measures with, so both figures come from the same consumer code.
    GasProbe internal reader;

    function setUp() public virtual override {
        super.setUp();
        reader = new GasProbe(oracle);
    }

    /// @dev Skips the test under `--coverage`, whose instrumented bytecode costs more (and is over 24 KiB).
    modifier notUnderCoverage() {
        if (type(ResultsOracle).creationCode.length > 30_000) vm.skip(true);
        _;
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

    /**
     * @dev Receipt-equivalent gas of a transaction sending `data` to `target` from `sender`: execution (gasleft
     * delta around a call to the warmed account, whose slots are cooled) + 21,000 + calldata (EIP-2028, or the
     * EIP-7623 floor when higher). The test must not have touched `target`'s storage before (setUp runs in its
     * own transaction).
     */
    function _txGas(address sender, address target, bytes memory data) internal returns (uint256) {
        require(target.code.length > 0, "no code"); // warms the account (a transaction's `to` is warm)
        vm.cool(target); // storage slots cold again
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
        uint256 total = 21_000 + standard + (used - WARM_CALL);
        uint256 floor_ = 21_000 + 10 * floorTokens;
        return total > floor_ ? total : floor_;
    }
}

/**
 * @title ResultsOracleGasTest
 * @notice Gas guide figures (`npm run bench:gas` measures real transactions and is authoritative). Limits: the
 * issue's goals where they are met; otherwise the figure measured when the test was written (+~0.5 %), so that
 * a regression fails. A first 3-of-5 propose cannot go below ~65,400 whatever the code (21,000 intrinsic +
 * ~7,300 calldata + 2,100 config read + 3 × 3,100 ecrecover + 22,100 new result slot + ~3,550 for the
 * ResultProposed log), so the 66,000 goal leaves ~600 gas for all logic.
 */
contract ResultsOracleGasTest is GasFixture {
    uint256 internal constant PROPOSE_3_OF_5 = 74_550; // goal 66,000; measured 74,175
    uint256 internal constant BATCH_ROOT = 68_700; // goal 66,000; measured 68,349
    uint256 internal constant ROTATION = 60_000; // goal; measured 59,431

    bytes internal proposeData;
    bytes internal proposeAllData;
    bytes internal batchData;
    bytes internal rotationData;

    function setUp() public override {
        super.setUp();
        IResultsOracle.Result memory r = _result(EVENT_ID, 2, 1);
        proposeData = abi.encodeCall(oracle.propose, (r, _signResult(r, _firstK(3))));
        r.eventId = keccak256("another event");
        proposeAllData = abi.encodeCall(oracle.propose, (r, _signResult(r, _firstK(5))));
        IResultsOracle.Batch memory b = _batch(keccak256("root"), 256);
        batchData = abi.encodeCall(oracle.proposeBatch, (b, _signBatch(b, _firstK(3))));
        rotationData = abi.encodeCall(oracle.rotateAttesters, (_newSigners(5), 3, 4));
    }

    function test_gas_propose3of5() public notUnderCoverage {
        uint256 gas = _txGas(address(this), address(oracle), proposeData);
        console.log("propose 3-of-5 (match, v1):", gas);
        assertLe(gas, PROPOSE_3_OF_5, "propose 3-of-5 regressed");
    }

    function test_gas_propose5of5() public notUnderCoverage {
        console.log("propose 5-of-5 (match, v1):", _txGas(address(this), address(oracle), proposeAllData));
    }

    function test_gas_proposeBatch() public notUnderCoverage {
        uint256 gas = _txGas(address(this), address(oracle), batchData);
        console.log("proposeBatch 3-of-5:", gas);
        assertLe(gas, BATCH_ROOT, "batch root regressed");
    }

    function test_gas_rotation() public notUnderCoverage {
        uint256 gas = _txGas(governance, address(oracle), rotationData);
        console.log("rotation 5->5 in place:", gas);
        assertLe(gas, ROTATION, "rotation regressed");
    }
}

/// @notice Dispute and in-call reads, with the state prepared in setUp (so that the test starts cold).
contract ResultsOracleReadGasTest is GasFixture {
    uint256 internal constant DISPUTE = 50_000; // goal; measured 43,707
    /// @dev Typed calls (`oracle.matchResult(...)`): regression bounds only, the goals are met through the library.
    uint256 internal constant STORED_READ = 6_600; // measured 6,548 (matchResult), 6,160 (finalMatchResult)
    uint256 internal constant PROOF_READ_DEPTH_8 = 12_000; // regression bound; the record read is a second cold slot
    /// @dev The issue's goals, met by reading through `libraries/ResultsReader.sol`: one raw `resultWord` or
    /// `batchWord` call (the oracle's side alone is ~5,165 with the 4,700 floor), the proof verified in-call.
    uint256 internal constant READER_STORED_READ = 5_500; // goal; measured 5,494 (matchResult), 5,484 (final)
    uint256 internal constant READER_PROOF_READ_DEPTH_8 = 8_500; // goal; measured 7,212 (verifyBatched)

    bytes32 internal constant PENDING = keccak256("pending");
    bytes32 internal root;
    IResultsOracle.BatchedResult internal batched;
    bytes32[] internal proof;

    function setUp() public override {
        super.setUp();
        _proposeMatch(EVENT_ID, 2, 1);
        (IResultsOracle.BatchedResult[] memory results, bytes32[] memory leaves) = _batchOf(256, "gas");
        root = _proposeRoot(leaves);
        batched = results[77];
        proof = _merkleProof(leaves, 77);
        vm.warp(block.timestamp + WINDOW);
        oracle.publishFromBatch(root, batched, proof); // a proof read answers for the stored record only
        vm.warp(block.timestamp + WINDOW);
        _proposeMatch(PENDING, 1, 1);
    }

    function test_gas_dispute() public notUnderCoverage {
        // The last attester of the set: the longest scan.
        uint256 gas = _txGas(signers[4].addr, address(oracle), abi.encodeCall(oracle.dispute, (PENDING)));
        console.log("dispute (5th attester):", gas);
        assertLe(gas, DISPUTE, "dispute budget");
    }

    function test_gas_matchResultInCall() public notUnderCoverage {
        (uint256 gas, , uint32 home, ) = reader.probeMatchResult(EVENT_ID);
        assertEq(uint256(home), 2);
        console.log("matchResult in-call:", gas);
        assertLe(gas, STORED_READ, "stored read regressed");
    }

    function test_gas_finalMatchResultInCall() public notUnderCoverage {
        (uint256 gas, , , ) = reader.probeFinalMatchResult(EVENT_ID);
        console.log("finalMatchResult in-call:", gas);
        assertLe(gas, STORED_READ, "stored read regressed");
    }

    function test_gas_verifyBatchedDepth8() public notUnderCoverage {
        assertEq(proof.length, 8);
        (uint256 gas, IResultsOracle.Phase phase) = reader.probeVerifyBatched(root, batched, proof);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
        console.log("verifyBatched depth 8 in-call:", gas);
        assertLe(gas, PROOF_READ_DEPTH_8, "proof read regressed");
    }

    function test_gas_requireFinalBatchedDepth8() public notUnderCoverage {
        uint256 gas = reader.probeRequireFinalBatched(root, batched, proof);
        console.log("requireFinalBatched depth 8 in-call:", gas);
        assertLe(gas, PROOF_READ_DEPTH_8, "proof read regressed");
    }

    // Through the ResultsReader library: one raw word read, the proof verified in the consumer.

    function test_gas_readerMatchResultInCall() public notUnderCoverage {
        (uint256 gas, IResultsOracle.Phase phase, uint32 home, uint32 away) = reader.probeReaderMatchResult(EVENT_ID);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
        assertEq(uint256(home), 2);
        assertEq(uint256(away), 1);
        console.log("ResultsReader.matchResult in-call:", gas);
        assertLe(gas, READER_STORED_READ, "stored read goal (ResultsReader)");
    }

    function test_gas_readerFinalMatchResultInCall() public notUnderCoverage {
        (uint256 gas, IResultsOracle.ResultStatus status, uint32 home, ) = reader.probeReaderFinalMatchResult(EVENT_ID);
        assertEq(uint256(status), uint256(IResultsOracle.ResultStatus.Completed));
        assertEq(uint256(home), 2);
        console.log("ResultsReader.finalMatchResult in-call:", gas);
        assertLe(gas, READER_STORED_READ, "stored read goal (ResultsReader)");
    }

    function test_gas_readerVerifyBatchedDepth8() public notUnderCoverage {
        assertEq(proof.length, 8);
        (uint256 gas, IResultsOracle.Phase phase) = reader.probeReaderVerifyBatched(root, batched, proof);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
        console.log("ResultsReader.verifyBatched depth 8 in-call:", gas);
        assertLe(gas, READER_PROOF_READ_DEPTH_8, "proof read goal (ResultsReader)");
    }

    function test_gas_readerRequireFinalBatchedDepth8() public notUnderCoverage {
        uint256 gas = reader.probeReaderRequireFinalBatched(root, batched, proof);
        console.log("ResultsReader.requireFinalBatched depth 8 in-call:", gas);
        assertLe(gas, READER_PROOF_READ_DEPTH_8, "proof read goal (ResultsReader)");
    }
}
