// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "./Test.sol";
import {IResultsOracle} from "../../../contracts/interfaces/IResultsOracle.sol";
import {IParimutuelPool} from "../../../contracts/examples/IParimutuelPool.sol";
import {ParimutuelPool} from "../../../contracts/examples/ParimutuelPool.sol";
import {PoolOracleStub} from "../../../contracts/testing/PoolOracleStub.sol";
import {PoolTestToken} from "../../../contracts/testing/PoolTestToken.sol";
import {PoolFixtureDeployer} from "../../../contracts/testing/PoolFixtureDeployer.sol";

/**
 * @title PoolTestBase
 * @notice Shared fixture for the ParimutuelPool tests: a settable oracle stub, a test token, and helpers that
 * fund, stake and read balances the same way for a native pool and for an ERC-20 pool.
 */
abstract contract PoolTestBase is Test {
    bytes32 internal constant EVENT_ID = keccak256("verdict:event:PSG-OM:2026-11-22");
    uint64 internal constant START = 1_800_000_000;
    uint64 internal constant CLOSES_AT = START + 1 days;
    uint64 internal constant SETTLE_BY = CLOSES_AT + 30 days;
    uint16 internal constant FEE_BPS = 1_500; // 15 % takeout
    uint256 internal constant UNIT = 1e12; // the pool's "cent"

    IParimutuelPool.Selection internal constant HOME = IParimutuelPool.Selection.Home;
    IParimutuelPool.Selection internal constant DRAW = IParimutuelPool.Selection.Draw;
    IParimutuelPool.Selection internal constant AWAY = IParimutuelPool.Selection.Away;

    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal dave = makeAddr("dave");

    /// @dev alice 30 and bob 10 units on Home, carol 25 on Draw, dave 35 on Away: 100 units in all.
    function _stakeBook() internal {
        _stake(alice, HOME, 30 * UNIT);
        _stake(bob, HOME, 10 * UNIT);
        _stake(carol, DRAW, 25 * UNIT);
        _stake(dave, AWAY, 35 * UNIT);
    }

    function _expectNotSettleable(IResultsOracle.Phase phase, IResultsOracle.ResultStatus status) internal {
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.NotSettleable.selector, phase, status));
    }

    PoolOracleStub internal oracleStub;
    PoolTestToken internal token;
    ParimutuelPool internal pool;
    address internal feeRecipient;

    /// @dev Zero address for a native pool, the test token otherwise.
    address internal asset;

    function _setUpPool(bool native) internal {
        vm.warp(START);
        feeRecipient = makeAddr("feeRecipient");
        oracleStub = PoolFixtureDeployer.deployOracleStub();
        token = PoolFixtureDeployer.deployToken();
        asset = native ? address(0) : address(token);
        pool = _deploy(_params(FEE_BPS, UNIT));
    }

    function _params(uint16 feeBps, uint256 unit) internal view returns (IParimutuelPool.Params memory) {
        return
            IParimutuelPool.Params({
                oracle: IResultsOracle(address(oracleStub)),
                eventId: EVENT_ID,
                asset: asset,
                feeRecipient: feeRecipient,
                closesAt: CLOSES_AT,
                settleBy: SETTLE_BY,
                feeBps: feeBps,
                stakeUnit: unit
            });
    }

    function _deploy(IParimutuelPool.Params memory params) internal returns (ParimutuelPool) {
        return PoolFixtureDeployer.deployPool(params);
    }

    function _isNative() internal view returns (bool) {
        return asset == address(0);
    }

    /// @dev Gives `player` `amount` more of the asset and, for an ERC-20 pool, approves `target` for it.
    function _fund(address player, uint256 amount, address target) internal {
        if (_isNative()) {
            vm.deal(player, player.balance + amount);
        } else {
            token.mint(player, amount);
            uint256 allowance = token.allowance(player, target);
            vm.prank(player);
            token.approve(target, allowance + amount);
        }
    }

    /// @dev Funds `player` and stakes `amount` on `selection` of `pool`.
    function _stake(address player, IParimutuelPool.Selection selection, uint256 amount) internal {
        _stakeOn(pool, player, selection, amount);
    }

    function _stakeOn(
        ParimutuelPool target,
        address player,
        IParimutuelPool.Selection selection,
        uint256 amount
    ) internal {
        _fund(player, amount, address(target));
        vm.prank(player);
        target.stake{value: _isNative() ? amount : 0}(selection, amount);
    }

    function _balanceOf(address account) internal view returns (uint256) {
        return _isNative() ? account.balance : token.balanceOf(account);
    }

    /// @dev Makes the stub report a final result for the pool's event.
    function _final(IResultsOracle.ResultStatus status, uint32 home, uint32 away) internal {
        oracleStub.setResult(EVENT_ID, IResultsOracle.Phase.Final, status, home, away);
    }

    function _finalScore(uint32 home, uint32 away) internal {
        _final(IResultsOracle.ResultStatus.Completed, home, away);
    }

    /// @dev A score for which `selection` wins.
    function _scoreFor(IParimutuelPool.Selection selection) internal pure returns (uint32 home, uint32 away) {
        if (selection == IParimutuelPool.Selection.Home) return (2, 1);
        if (selection == IParimutuelPool.Selection.Draw) return (1, 1);
        return (0, 3);
    }

    function _claim(address player) internal returns (uint256) {
        vm.prank(player);
        return pool.claim();
    }
}
