// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// solhint-disable no-console

import {console} from "hardhat/console.sol";
import {PoolTestBase} from "./utils/PoolTestBase.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";

/**
 * @title ParimutuelPool gas
 * @notice Execution gas of `stake`, `settle` and `claim`, measured with `gasleft()` around one call whose
 * storage is cold (prepared in `setUp`, a separate transaction). Figures exclude the 21,000 intrinsic gas, the
 * calldata and the end-of-transaction refunds (4,800 per cleared stake slot); they include the call from the test
 * contract (cold account access, value transfer). Players keep a balance (no empty-account surcharge). The
 * bounds fail the test when a change makes the pool noticeably more expensive; the receipts-based benchmark
 * is `npm run bench:gas`.
 */
abstract contract ParimutuelPoolGasBase is PoolTestBase {
    address internal erin = makeAddr("erin");

    /// @dev Leaves every account with a balance, as real players (who pay gas) have: no empty-account surcharge.
    function _fundEveryone() internal {
        _fund(alice, UNIT, address(pool));
        _fund(bob, UNIT, address(pool));
        _fund(carol, UNIT, address(pool));
        _fund(dave, UNIT, address(pool));
        _fund(erin, UNIT, address(pool));
        _fund(feeRecipient, UNIT, address(pool));
    }

    /// @dev Skips the test under `--coverage`, whose instrumented bytecode (runtime above the normal 8.7 KB) costs more.
    modifier notUnderCoverage() {
        if (address(pool).code.length > 9_500) vm.skip(true);
        _;
    }

    function _logGas(string memory what, uint256 gasUsed) internal view {
        console.log(string.concat(_isNative() ? "[native] " : "[erc20]  ", what), gasUsed);
    }
}

/// @notice Staking into an open pool.
abstract contract ParimutuelPoolGasStakeTests is ParimutuelPoolGasBase {
    function _setUpGas(bool native) internal {
        _setUpPool(native);
        _stakeBook();
        _fundEveryone();
    }

    function test_gas_stake_firstStakeOfAPlayer() public notUnderCoverage {
        uint256 value = _isNative() ? UNIT : 0;
        vm.prank(erin);
        uint256 before = gasleft();
        pool.stake{value: value}(HOME, UNIT);
        uint256 used = before - gasleft();
        _logGas("stake (new player)", used);
        assertLt(used, _isNative() ? 50_000 : 66_000, "stake too expensive");
    }

    function test_gas_stake_topUpOfAStake() public notUnderCoverage {
        uint256 value = _isNative() ? UNIT : 0;
        vm.prank(alice);
        uint256 before = gasleft();
        pool.stake{value: value}(HOME, UNIT);
        uint256 used = before - gasleft();
        _logGas("stake (top-up)", used);
        assertLt(used, _isNative() ? 31_000 : 47_000, "stake too expensive");
    }
}

/// @notice Settling, and the claim that settles the pool.
abstract contract ParimutuelPoolGasSettleTests is ParimutuelPoolGasBase {
    function _setUpGas(bool native) internal {
        _setUpPool(native);
        _stakeBook();
        _fundEveryone();
        _finalScore(2, 1);
    }

    function test_gas_settle() public notUnderCoverage {
        uint256 before = gasleft();
        pool.settle();
        uint256 used = before - gasleft();
        _logGas("settle", used);
        assertLt(used, 48_000, "settle too expensive");
    }

    function test_gas_claim_firstClaimSettlesThePool() public notUnderCoverage {
        vm.prank(alice);
        uint256 before = gasleft();
        pool.claim();
        uint256 used = before - gasleft();
        _logGas("claim (first, settles)", used);
        assertLt(used, _isNative() ? 65_000 : 75_000, "claim too expensive");
    }
}

/// @notice Claims from a settled or refunding pool.
abstract contract ParimutuelPoolGasClaimTests is ParimutuelPoolGasBase {
    function _setUpGas(bool native) internal {
        _setUpPool(native);
        _stakeBook();
        _fundEveryone();
        _finalScore(2, 1);
        pool.settle();
    }

    function test_gas_claim_winnerOfASettledPool() public notUnderCoverage {
        vm.prank(bob);
        uint256 before = gasleft();
        pool.claim();
        uint256 used = before - gasleft();
        _logGas("claim (winner)", used);
        assertLt(used, _isNative() ? 26_000 : 35_000, "claim too expensive");
    }

    function test_gas_claimFees() public notUnderCoverage {
        uint256 before = gasleft();
        pool.claimFees();
        uint256 used = before - gasleft();
        _logGas("claimFees", used);
        assertLt(used, _isNative() ? 25_000 : 32_000, "claimFees too expensive");
    }
}

/// @notice A refund claim from a void pool.
abstract contract ParimutuelPoolGasRefundTests is ParimutuelPoolGasBase {
    function _setUpGas(bool native) internal {
        _setUpPool(native);
        _stakeBook();
        _fundEveryone();
        _final(IResultsOracle.ResultStatus.Cancelled, 0, 0);
        pool.settle();
    }

    function test_gas_claim_refund() public notUnderCoverage {
        vm.prank(carol);
        uint256 before = gasleft();
        pool.claim();
        uint256 used = before - gasleft();
        _logGas("claim (refund)", used);
        assertLt(used, _isNative() ? 28_000 : 37_000, "refund too expensive");
    }
}

contract ParimutuelPoolGasStakeNativeTest is ParimutuelPoolGasStakeTests {
    function setUp() public {
        _setUpGas(true);
    }
}

contract ParimutuelPoolGasStakeTokenTest is ParimutuelPoolGasStakeTests {
    function setUp() public {
        _setUpGas(false);
    }
}

contract ParimutuelPoolGasSettleNativeTest is ParimutuelPoolGasSettleTests {
    function setUp() public {
        _setUpGas(true);
    }
}

contract ParimutuelPoolGasSettleTokenTest is ParimutuelPoolGasSettleTests {
    function setUp() public {
        _setUpGas(false);
    }
}

contract ParimutuelPoolGasClaimNativeTest is ParimutuelPoolGasClaimTests {
    function setUp() public {
        _setUpGas(true);
    }
}

contract ParimutuelPoolGasClaimTokenTest is ParimutuelPoolGasClaimTests {
    function setUp() public {
        _setUpGas(false);
    }
}

contract ParimutuelPoolGasRefundNativeTest is ParimutuelPoolGasRefundTests {
    function setUp() public {
        _setUpGas(true);
    }
}

contract ParimutuelPoolGasRefundTokenTest is ParimutuelPoolGasRefundTests {
    function setUp() public {
        _setUpGas(false);
    }
}
