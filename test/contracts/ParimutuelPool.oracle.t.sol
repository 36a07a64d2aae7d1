// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OracleTestBase} from "./utils/OracleTestBase.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";
import {IParimutuelPool} from "../../contracts/examples/IParimutuelPool.sol";
import {ParimutuelPool} from "../../contracts/examples/ParimutuelPool.sol";
import {PoolFixtureDeployer} from "../../contracts/testing/PoolFixtureDeployer.sol";
import {PoolTestToken} from "../../contracts/testing/PoolTestToken.sol";

/**
 * @title ParimutuelPool on the real ResultsOracle
 * @notice End to end: results signed by 3 of 5 attesters (EIP-712, compact ECDSA bundles), proposed to the real
 * oracle, final after the dispute window (or after a dispute is resolved), and settled by the pool (pull, and
 * push through `notifyConsumers`).
 */
contract ParimutuelPoolOracleTest is OracleTestBase {
    uint64 internal constant CLOSES_AT = T0 + 1 days;
    uint64 internal constant SETTLE_BY = CLOSES_AT + 30 days;
    uint256 internal constant UNIT = 1e12;

    ParimutuelPool internal pool;
    address internal feeRecipient = makeAddr("feeRecipient");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");

    function setUp() public override {
        super.setUp();
        pool = _deployPool(address(0));
        // alice 30 units on Home, bob 10 on Draw, carol 60 on Away: 100 units, 15 % fee.
        _stake(pool, alice, IParimutuelPool.Selection.Home, 30 * UNIT);
        _stake(pool, bob, IParimutuelPool.Selection.Draw, 10 * UNIT);
        _stake(pool, carol, IParimutuelPool.Selection.Away, 60 * UNIT);
        vm.warp(CLOSES_AT + 2 hours); // the match is over
    }

    function _deployPool(address asset) internal returns (ParimutuelPool) {
        return
            PoolFixtureDeployer.deployPool(
                IParimutuelPool.Params({
                    oracle: oracle,
                    eventId: EVENT_ID,
                    asset: asset,
                    feeRecipient: feeRecipient,
                    closesAt: CLOSES_AT,
                    settleBy: SETTLE_BY,
                    feeBps: 1_500,
                    stakeUnit: UNIT
                })
            );
    }

    function _stake(
        ParimutuelPool target,
        address player,
        IParimutuelPool.Selection selection,
        uint256 amount
    ) internal {
        address asset = target.asset();
        if (asset == address(0)) {
            vm.deal(player, amount);
        } else {
            PoolTestToken(asset).mint(player, amount);
            vm.prank(player);
            PoolTestToken(asset).approve(address(target), amount);
        }
        vm.prank(player);
        target.stake{value: asset == address(0) ? amount : 0}(selection, amount);
    }

    function _proposeStatus(IResultsOracle.ResultStatus status) internal {
        _propose(_resultWith(EVENT_ID, status, new uint32[](0), 1));
    }

    function _expectNotSettleable(IResultsOracle.Phase phase, IResultsOracle.ResultStatus status) internal {
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.NotSettleable.selector, phase, status));
    }

    function test_realOracle_settlesOnceTheQuorumSignedResultIsFinal() public {
        _proposeMatch(EVENT_ID, 0, 2);
        _expectNotSettleable(IResultsOracle.Phase.Proposed, IResultsOracle.ResultStatus.Completed);
        pool.settle();

        vm.warp(block.timestamp + WINDOW); // final with no further transaction
        // carol alone backed Away: the net pool (85 units) over her 60 units, rounded down per unit.
        uint256 winnings = ((85 * UNIT) / 60) * 60;
        vm.prank(carol);
        assertEq(pool.claim(), winnings);
        assertEq(carol.balance, winnings);
        assertEq(pool.claimFees(), 100 * UNIT - winnings); // the fee and the breakage
        assertEq(feeRecipient.balance, 100 * UNIT - winnings);
        assertEq(address(pool).balance, 0);
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.NothingToClaim.selector, alice));
        vm.prank(alice);
        pool.claim();
    }

    function test_realOracle_waitsWhileDisputedThenSettlesOnTheResolution() public {
        _proposeMatch(EVENT_ID, 3, 0);
        _dispute(EVENT_ID);
        vm.warp(block.timestamp + WINDOW + 1);
        _expectNotSettleable(IResultsOracle.Phase.Disputed, IResultsOracle.ResultStatus.Completed);
        pool.settle();

        // Governance replaces the disputed score: it was a draw.
        IResultsOracle.Result memory draw = _resultWith(
            EVENT_ID,
            IResultsOracle.ResultStatus.Completed,
            _values(1, 1),
            2
        );
        vm.prank(governance);
        oracle.resolveByGovernance(draw);
        assertEq(uint256(pool.settle()), uint256(IParimutuelPool.Status.Settled));
        assertEq(uint256(pool.winner()), uint256(IParimutuelPool.Selection.Draw));
        vm.prank(bob);
        assertEq(pool.claim(), 85 * UNIT);
    }

    function test_realOracle_refundsACancelledEvent() public {
        _proposeStatus(IResultsOracle.ResultStatus.Cancelled);
        vm.warp(block.timestamp + WINDOW);
        vm.prank(alice);
        assertEq(pool.claim(), 30 * UNIT);
        vm.prank(carol);
        assertEq(pool.claim(), 60 * UNIT);
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Refunding));
    }

    function test_realOracle_refundsAFinalPostponementFromSettleBy() public {
        _proposeStatus(IResultsOracle.ResultStatus.Postponed);
        vm.warp(block.timestamp + WINDOW);
        _expectNotSettleable(IResultsOracle.Phase.Final, IResultsOracle.ResultStatus.Postponed);
        pool.settle();
        vm.warp(SETTLE_BY);
        assertEq(uint256(pool.settle()), uint256(IParimutuelPool.Status.Refunding));
        vm.prank(bob);
        assertEq(pool.claim(), 10 * UNIT);
    }

    function test_realOracle_pushNotificationSettlesWithinTheStipend() public {
        pool.registerWithOracle();
        _proposeMatch(EVENT_ID, 2, 1);
        vm.warp(block.timestamp + WINDOW);
        vm.expectEmit(true, true, true, true, address(oracle));
        emit IResultsOracle.ConsumerNotified(EVENT_ID, address(pool), true);
        assertEq(oracle.notifyConsumers(EVENT_ID, 10), 1);
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Settled));
        assertEq(uint256(pool.winner()), uint256(IParimutuelPool.Selection.Home));
        vm.prank(alice);
        assertEq(pool.claim(), ((85 * UNIT) / 30) * 30);
    }

    function test_realOracle_erc20PoolSettlesToo() public {
        PoolTestToken token = PoolFixtureDeployer.deployToken();
        vm.warp(T0);
        ParimutuelPool tokenPool = _deployPool(address(token));
        _stake(tokenPool, alice, IParimutuelPool.Selection.Home, 3 * UNIT);
        _stake(tokenPool, bob, IParimutuelPool.Selection.Away, 4 * UNIT);
        vm.warp(CLOSES_AT + 2 hours);
        _proposeMatch(EVENT_ID, 1, 0);
        vm.warp(block.timestamp + WINDOW);
        vm.prank(alice);
        uint256 paid = tokenPool.claim();
        uint256 fees = tokenPool.claimFees();
        assertEq(paid + fees, 7 * UNIT); // winnings + fee + breakage = every stake
        assertEq(token.balanceOf(alice), paid);
        assertEq(token.balanceOf(address(tokenPool)), 0);
    }
}
