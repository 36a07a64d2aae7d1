// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Errors} from "@openzeppelin/contracts/utils/Errors.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {PoolTestBase} from "./utils/PoolTestBase.sol";
import {IResultsOracle} from "../../contracts/interfaces/IResultsOracle.sol";
import {IParimutuelPool} from "../../contracts/examples/IParimutuelPool.sol";
import {ParimutuelPool} from "../../contracts/examples/ParimutuelPool.sol";

/// @dev A player contract that cannot receive the native currency.
contract NativeRejecter {
    function stake(ParimutuelPool pool, IParimutuelPool.Selection selection) external payable {
        pool.stake{value: msg.value}(selection, msg.value);
    }

    function claim(ParimutuelPool pool) external returns (uint256) {
        return pool.claim();
    }
}

/// @dev A player contract that re-enters `claim` when it receives the native currency.
contract ReentrantClaimer {
    ParimutuelPool private _pool;

    function stake(ParimutuelPool pool, IParimutuelPool.Selection selection) external payable {
        _pool = pool;
        pool.stake{value: msg.value}(selection, msg.value);
    }

    function claim() external returns (uint256) {
        return _pool.claim();
    }

    receive() external payable {
        _pool.claim();
    }
}

// The tests are split into groups, each run on a native pool and on an ERC-20 pool: a test contract must stay
// under the 24 KiB code size (solc warns above it, and warnings are errors here).

/// @notice Constructor, stake and views.
abstract contract ParimutuelPoolDeployStakeTests is PoolTestBase {
    // CONSTRUCTOR

    function test_constructor_setsParameters() public view {
        assertEq(address(pool.oracle()), address(oracleStub));
        assertEq(pool.eventId(), EVENT_ID);
        assertEq(pool.asset(), asset);
        assertEq(pool.feeRecipient(), feeRecipient);
        assertEq(uint256(pool.closesAt()), uint256(CLOSES_AT));
        assertEq(uint256(pool.settleBy()), uint256(SETTLE_BY));
        assertEq(uint256(pool.feeBps()), uint256(FEE_BPS));
        assertEq(pool.stakeUnit(), UNIT);
        assertEq(uint256(pool.MAX_FEE_BPS()), 3_000);
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Open));
        assertEq(pool.totalStaked(), 0);
        assertEq(pool.feesOwed(), 0);
        assertEq(pool.dividendPerUnit(), 0);
    }

    function test_constructor_revertsOnZeroOracle() public {
        IParimutuelPool.Params memory p = _params(FEE_BPS, UNIT);
        p.oracle = IResultsOracle(address(0));
        vm.expectRevert(IParimutuelPool.ZeroAddress.selector);
        _deploy(p);
    }

    function test_constructor_revertsOnZeroFeeRecipient() public {
        IParimutuelPool.Params memory p = _params(FEE_BPS, UNIT);
        p.feeRecipient = address(0);
        vm.expectRevert(IParimutuelPool.ZeroAddress.selector);
        _deploy(p);
    }

    function test_constructor_revertsOnZeroEventId() public {
        IParimutuelPool.Params memory p = _params(FEE_BPS, UNIT);
        p.eventId = bytes32(0);
        vm.expectRevert(IParimutuelPool.ZeroEventId.selector);
        _deploy(p);
    }

    function test_constructor_revertsOnFeeAboveCap() public {
        IParimutuelPool.Params memory p = _params(3_001, UNIT);
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.FeeTooHigh.selector, uint16(3_001), uint16(3_000)));
        _deploy(p);
    }

    function test_constructor_acceptsFeeAtCapAndZeroFee() public {
        assertEq(uint256(_deploy(_params(3_000, UNIT)).feeBps()), 3_000);
        assertEq(uint256(_deploy(_params(0, UNIT)).feeBps()), 0);
    }

    function test_constructor_revertsWhenClosesAtIsNotInTheFuture() public {
        IParimutuelPool.Params memory p = _params(FEE_BPS, UNIT);
        p.closesAt = START;
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.InvalidSchedule.selector, START, SETTLE_BY, START));
        _deploy(p);
    }

    function test_constructor_revertsWhenSettleByIsNotAfterClose() public {
        IParimutuelPool.Params memory p = _params(FEE_BPS, UNIT);
        p.settleBy = CLOSES_AT;
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.InvalidSchedule.selector, CLOSES_AT, CLOSES_AT, START));
        _deploy(p);
    }

    function test_constructor_revertsOnZeroStakeUnit() public {
        IParimutuelPool.Params memory p = _params(FEE_BPS, 0);
        vm.expectRevert(IParimutuelPool.ZeroStakeUnit.selector);
        _deploy(p);
    }

    // STAKE

    function test_stake_recordsTheStakeAndEmits() public {
        _fund(alice, 3 * UNIT, address(pool));
        uint256 aliceBefore = _balanceOf(alice);
        vm.expectEmit(true, true, true, true, address(pool));
        emit IParimutuelPool.Staked(alice, DRAW, 3 * UNIT);
        vm.prank(alice);
        pool.stake{value: _isNative() ? 3 * UNIT : 0}(DRAW, 3 * UNIT);

        assertEq(pool.stakeOf(alice, DRAW), 3 * UNIT);
        assertEq(pool.stakeOf(alice, HOME), 0);
        assertEq(pool.totalStakedOn(DRAW), 3 * UNIT);
        assertEq(pool.totalStaked(), 3 * UNIT);
        assertEq(_balanceOf(address(pool)), 3 * UNIT);
        assertEq(aliceBefore - _balanceOf(alice), 3 * UNIT);
    }

    function test_stake_accumulatesPerPlayerAndSelection() public {
        _stakeBook();
        _stake(alice, HOME, 5 * UNIT);
        _stake(alice, AWAY, 1 * UNIT);
        assertEq(pool.stakeOf(alice, HOME), 35 * UNIT);
        assertEq(pool.stakeOf(alice, AWAY), UNIT);
        assertEq(pool.totalStakedOn(HOME), 45 * UNIT);
        assertEq(pool.totalStakedOn(DRAW), 25 * UNIT);
        assertEq(pool.totalStakedOn(AWAY), 36 * UNIT);
        assertEq(pool.totalStaked(), 106 * UNIT);
        assertEq(_balanceOf(address(pool)), 106 * UNIT);
    }

    function test_stake_acceptsTheLastSecondBeforeClose() public {
        vm.warp(CLOSES_AT - 1);
        _stake(alice, HOME, UNIT);
        assertEq(pool.totalStaked(), UNIT);
    }

    function test_stake_revertsAtCloseTime() public {
        _fund(alice, UNIT, address(pool));
        vm.warp(CLOSES_AT);
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.StakingClosed.selector, CLOSES_AT, CLOSES_AT));
        vm.prank(alice);
        pool.stake{value: _isNative() ? UNIT : 0}(HOME, UNIT);
    }

    function test_stake_revertsOnceSettledBeforeClose() public {
        _stake(alice, HOME, UNIT);
        _final(IResultsOracle.ResultStatus.Cancelled, 0, 0);
        pool.settle();
        _fund(bob, UNIT, address(pool));
        vm.expectRevert(IParimutuelPool.AlreadySettled.selector);
        vm.prank(bob);
        pool.stake{value: _isNative() ? UNIT : 0}(HOME, UNIT);
    }

    function test_stake_revertsOnceAResultIsProposed() public {
        _stake(alice, HOME, UNIT);
        oracleStub.setResult(EVENT_ID, IResultsOracle.Phase.Proposed, IResultsOracle.ResultStatus.Completed, 2, 1);
        _expectResultKnown(IResultsOracle.Phase.Proposed, IResultsOracle.ResultStatus.Completed);
    }

    function test_stake_revertsWhileAResultIsDisputed() public {
        oracleStub.setResult(EVENT_ID, IResultsOracle.Phase.Disputed, IResultsOracle.ResultStatus.Completed, 0, 1);
        _expectResultKnown(IResultsOracle.Phase.Disputed, IResultsOracle.ResultStatus.Completed);
    }

    function test_stake_revertsOnAFinalResultBeforeAnyoneSettled() public {
        _final(IResultsOracle.ResultStatus.Completed, 1, 0);
        _expectResultKnown(IResultsOracle.Phase.Final, IResultsOracle.ResultStatus.Completed);
    }

    function test_stake_revertsOnAPostponedResult() public {
        _final(IResultsOracle.ResultStatus.Postponed, 0, 0);
        _expectResultKnown(IResultsOracle.Phase.Final, IResultsOracle.ResultStatus.Postponed);
    }

    function _expectResultKnown(IResultsOracle.Phase phase, IResultsOracle.ResultStatus status) private {
        _fund(bob, UNIT, address(pool));
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.ResultKnown.selector, phase, status));
        vm.prank(bob);
        pool.stake{value: _isNative() ? UNIT : 0}(HOME, UNIT);
    }

    function test_settle_refundsACompletedResultThatIsNotAMatchScore() public {
        _stakeBook();
        uint256 total = pool.totalStaked();
        // Three values (a finishing order) and one value: neither is a home and away score.
        oracleStub.setFinalCompletedWithCount(EVENT_ID, 3, 2, 1);
        vm.expectEmit(address(pool));
        emit IParimutuelPool.Voided(IParimutuelPool.RefundReason.NotAMatchScore, total);
        assertEq(uint256(pool.settle()), uint256(IParimutuelPool.Status.Refunding));
        assertEq(pool.feesOwed(), 0);
    }

    function test_settle_refundsASingleValueResult() public {
        _stakeBook();
        oracleStub.setFinalCompletedWithCount(EVENT_ID, 1, 2, 0);
        vm.expectEmit(address(pool));
        emit IParimutuelPool.Voided(IParimutuelPool.RefundReason.NotAMatchScore, pool.totalStaked());
        pool.settle();
    }

    function test_stake_revertsOnZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.InvalidStakeAmount.selector, 0, UNIT));
        vm.prank(alice);
        pool.stake(HOME, 0);
    }

    function test_stake_revertsOnAmountNotAMultipleOfTheUnit() public {
        uint256 amount = UNIT + 1;
        _fund(alice, amount, address(pool));
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.InvalidStakeAmount.selector, amount, UNIT));
        vm.prank(alice);
        pool.stake{value: _isNative() ? amount : 0}(HOME, amount);
    }

    function test_stake_revertsOnAmountAboveUint112() public {
        ParimutuelPool onePool = _deploy(_params(FEE_BPS, 1));
        uint256 amount = uint256(type(uint112).max) + 1;
        _fund(alice, amount, address(onePool));
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 112, amount));
        vm.prank(alice);
        onePool.stake{value: _isNative() ? amount : 0}(HOME, amount);
    }

    function test_stake_revertsWhenASelectionTotalOverflows() public {
        ParimutuelPool onePool = _deploy(_params(FEE_BPS, 1));
        uint256 amount = type(uint112).max;
        _stakeOn(onePool, alice, HOME, amount);
        _fund(bob, 1, address(onePool));
        vm.expectRevert(); // checked uint112 addition: Panic(0x11)
        vm.prank(bob);
        onePool.stake{value: _isNative() ? 1 : 0}(HOME, 1);
    }

    // VIEWS

    function test_status_followsTheLifecycle() public {
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Open));
        vm.warp(CLOSES_AT);
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Closed));
        _finalScore(1, 0);
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Closed)); // not settled yet
        pool.settle();
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Refunding)); // empty pool
    }

    function test_claimable_previewsWhatClaimPays() public {
        _stakeBook();
        _finalScore(2, 0);
        assertEq(pool.claimable(alice), 0); // unsettled
        pool.settle();
        assertEq(pool.claimable(alice), (6_375 * UNIT) / 100);
        assertEq(pool.claimable(carol), 0);
        _claim(alice);
        assertEq(pool.claimable(alice), 0);
    }

    function test_claimable_previewsRefunds() public {
        _stakeBook();
        _stake(alice, AWAY, UNIT);
        _final(IResultsOracle.ResultStatus.Void, 0, 0);
        pool.settle();
        assertEq(pool.claimable(alice), 31 * UNIT);
        assertEq(pool.claimable(carol), 25 * UNIT);
    }
}

/// @notice Settlement from every oracle phase and status.
abstract contract ParimutuelPoolSettleTests is PoolTestBase {
    // SETTLE

    function test_settle_paysHomeWhenHomeScoresMore() public {
        _stakeBook();
        _finalScore(2, 1);
        vm.expectEmit(true, true, true, true, address(pool));
        // 100 units, 15 fee, 85 net over 40 Home units: 2.125 units each, no breakage.
        emit IParimutuelPool.Settled(HOME, (2_125 * UNIT) / 1_000, 15 * UNIT, 100 * UNIT);
        assertEq(uint256(pool.settle()), uint256(IParimutuelPool.Status.Settled));
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Settled));
        assertEq(uint256(pool.winner()), uint256(HOME));
        assertEq(pool.dividendPerUnit(), (2_125 * UNIT) / 1_000);
        assertEq(pool.feesOwed(), 15 * UNIT);
    }

    function test_settle_paysDrawOnLevelScores() public {
        _stakeBook();
        _finalScore(1, 1);
        pool.settle();
        assertEq(uint256(pool.winner()), uint256(DRAW));
        // 85 net over 25 Draw units: 3.4 units each.
        assertEq(pool.dividendPerUnit(), (34 * UNIT) / 10);
    }

    function test_settle_paysAwayWhenAwayScoresMore() public {
        _stakeBook();
        _finalScore(0, 3);
        pool.settle();
        assertEq(uint256(pool.winner()), uint256(AWAY));
        // 85 net over 35 Away units, rounded down; the breakage goes with the fee.
        uint256 dividend = (85 * UNIT) / 35;
        assertEq(pool.dividendPerUnit(), dividend);
        assertEq(pool.feesOwed(), 100 * UNIT - 35 * dividend);
        assertGt(pool.feesOwed(), 15 * UNIT);
    }

    function test_settle_sendsTheBreakageToTheFeeRecipient() public {
        // 3 units on Home, 4 on Draw: 7 in all, fee 1.05, net 5.95 over 3 units = 1.98333... units.
        _stake(alice, HOME, 3 * UNIT);
        _stake(bob, DRAW, 4 * UNIT);
        _finalScore(1, 0);
        pool.settle();
        uint256 dividend = (595 * UNIT) / 300;
        assertEq(pool.dividendPerUnit(), dividend);
        uint256 fee = (7 * UNIT * FEE_BPS) / 10_000;
        uint256 breakage = 7 * UNIT - fee - 3 * dividend;
        assertGt(breakage, 0);
        assertEq(pool.feesOwed(), fee + breakage);
    }

    function test_settle_refundsOnCancelled() public {
        _assertVoidedBy(IResultsOracle.ResultStatus.Cancelled);
    }

    function test_settle_refundsOnAbandoned() public {
        _assertVoidedBy(IResultsOracle.ResultStatus.Abandoned);
    }

    function test_settle_refundsOnVoid() public {
        _assertVoidedBy(IResultsOracle.ResultStatus.Void);
    }

    function _assertVoidedBy(IResultsOracle.ResultStatus resultStatus) internal {
        _stakeBook();
        vm.warp(CLOSES_AT + 1 hours);
        _final(resultStatus, 0, 0);
        vm.expectEmit(true, true, true, true, address(pool));
        emit IParimutuelPool.Voided(IParimutuelPool.RefundReason.VoidResult, 100 * UNIT);
        assertEq(uint256(pool.settle()), uint256(IParimutuelPool.Status.Refunding));
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Refunding));
        assertEq(pool.feesOwed(), 0);
    }

    function test_settle_refundsWhenNobodyBackedTheWinner() public {
        _stake(alice, HOME, 5 * UNIT);
        _stake(bob, AWAY, 5 * UNIT);
        _finalScore(2, 2);
        vm.expectEmit(true, true, true, true, address(pool));
        emit IParimutuelPool.Voided(IParimutuelPool.RefundReason.NoWinningStake, 10 * UNIT);
        assertEq(uint256(pool.settle()), uint256(IParimutuelPool.Status.Refunding));
    }

    function test_settle_refundsAnEmptyPool() public {
        _finalScore(1, 0);
        assertEq(uint256(pool.settle()), uint256(IParimutuelPool.Status.Refunding));
    }

    function test_settle_revertsWithoutAResult() public {
        _expectNotSettleable(IResultsOracle.Phase.None, IResultsOracle.ResultStatus.None);
        pool.settle();
    }

    function test_settle_revertsWhileProposed() public {
        oracleStub.setResult(EVENT_ID, IResultsOracle.Phase.Proposed, IResultsOracle.ResultStatus.Completed, 1, 0);
        _expectNotSettleable(IResultsOracle.Phase.Proposed, IResultsOracle.ResultStatus.Completed);
        pool.settle();
    }

    function test_settle_revertsWhileDisputed() public {
        oracleStub.setResult(EVENT_ID, IResultsOracle.Phase.Disputed, IResultsOracle.ResultStatus.Cancelled, 0, 0);
        _expectNotSettleable(IResultsOracle.Phase.Disputed, IResultsOracle.ResultStatus.Cancelled);
        pool.settle();
    }

    function test_settle_readsAProposalAsFinalOnceItsWindowHasPassed() public {
        _stakeBook();
        // The pool reads the oracle's raw word (ResultsReader): a stored Proposed is Final from `finalAt` on.
        oracleStub.setProposed(EVENT_ID, IResultsOracle.ResultStatus.Completed, 2, 1, CLOSES_AT + 1 hours);
        vm.warp(CLOSES_AT + 1 hours - 1);
        _expectNotSettleable(IResultsOracle.Phase.Proposed, IResultsOracle.ResultStatus.Completed);
        pool.settle();
        vm.warp(CLOSES_AT + 1 hours);
        assertEq(uint256(pool.settle()), uint256(IParimutuelPool.Status.Settled));
        assertEq(uint256(pool.winner()), uint256(HOME));
    }

    function test_settle_stubWordAgreesWithItsMatchResult() public {
        oracleStub.setProposed(EVENT_ID, IResultsOracle.ResultStatus.Completed, 3, 4, START + 10);
        (IResultsOracle.Phase phase, , uint32 home, uint32 away, uint32 version, uint64 finalAt) = oracleStub
            .matchResult(EVENT_ID);
        uint256 word = oracleStub.resultWord(EVENT_ID);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Proposed));
        assertEq(word & 0xff, uint256(IResultsOracle.Phase.Proposed));
        assertEq((word >> 8) & 0xff, uint256(IResultsOracle.ResultStatus.Completed));
        assertEq((word >> 16) & 0xff, 2);
        assertEq(uint32(word >> 24), version);
        assertEq(uint64(word >> 56), finalAt);
        assertEq(uint32(word >> 120), home);
        assertEq(uint32(word >> 152), away);
        vm.warp(START + 10);
        (phase, , , , , ) = oracleStub.matchResult(EVENT_ID);
        assertEq(uint256(phase), uint256(IResultsOracle.Phase.Final));
    }

    function test_settle_waitsOnPostponed() public {
        _stakeBook();
        vm.warp(CLOSES_AT + 1);
        _final(IResultsOracle.ResultStatus.Postponed, 0, 0);
        _expectNotSettleable(IResultsOracle.Phase.Final, IResultsOracle.ResultStatus.Postponed);
        pool.settle();
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Closed));

        // The rescheduled match is played: a later final result settles the pool.
        _finalScore(0, 1);
        pool.settle();
        assertEq(uint256(pool.winner()), uint256(AWAY));
    }

    function test_settle_refundsPostponedFromSettleBy() public {
        _stakeBook();
        _final(IResultsOracle.ResultStatus.Postponed, 0, 0);
        vm.warp(SETTLE_BY - 1);
        _expectNotSettleable(IResultsOracle.Phase.Final, IResultsOracle.ResultStatus.Postponed);
        pool.settle();
        vm.warp(SETTLE_BY);
        vm.expectEmit(true, true, true, true, address(pool));
        emit IParimutuelPool.Voided(IParimutuelPool.RefundReason.NoResultInTime, 100 * UNIT);
        pool.settle();
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Refunding));
    }

    function test_settle_refundsWithoutAResultFromSettleBy() public {
        _stakeBook();
        vm.warp(SETTLE_BY);
        assertEq(uint256(pool.settle()), uint256(IParimutuelPool.Status.Refunding));
    }

    function test_settle_prefersAFinalResultAfterSettleBy() public {
        _stakeBook();
        _finalScore(3, 0);
        vm.warp(SETTLE_BY + 365 days);
        assertEq(uint256(pool.settle()), uint256(IParimutuelPool.Status.Settled));
        assertEq(uint256(pool.winner()), uint256(HOME));
    }

    function test_settle_revertsWhenAlreadySettled() public {
        _stakeBook();
        _finalScore(1, 0);
        pool.settle();
        vm.expectRevert(IParimutuelPool.AlreadySettled.selector);
        pool.settle();
    }

    function test_settle_neverChangesOnceSettled() public {
        _stakeBook();
        _finalScore(1, 0);
        pool.settle();
        // Whatever the oracle (stub) says afterwards, the pool keeps its settlement.
        _final(IResultsOracle.ResultStatus.Cancelled, 0, 0);
        _claim(alice);
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Settled));
        assertEq(uint256(pool.winner()), uint256(HOME));
    }
}

/// @notice Claims of winners, refunds and fees.
abstract contract ParimutuelPoolClaimTests is PoolTestBase {
    // CLAIM

    function test_claim_paysEachWinnerItsShare() public {
        _stakeBook();
        _finalScore(2, 0);
        uint256 aliceBefore = _balanceOf(alice);
        uint256 bobBefore = _balanceOf(bob);

        vm.expectEmit(true, true, true, true, address(pool));
        emit IParimutuelPool.WinningsClaimed(alice, (6_375 * UNIT) / 100);
        assertEq(_claim(alice), (6_375 * UNIT) / 100); // 30 × 2.125
        assertEq(_claim(bob), (2_125 * UNIT) / 100); // 10 × 2.125
        assertEq(_balanceOf(alice) - aliceBefore, (6_375 * UNIT) / 100);
        assertEq(_balanceOf(bob) - bobBefore, (2_125 * UNIT) / 100);
        assertEq(pool.stakeOf(alice, HOME), 0);
        assertEq(_balanceOf(address(pool)), 15 * UNIT); // the fee is left
    }

    function test_claim_settlesThePoolOnTheFirstClaim() public {
        _stakeBook();
        _finalScore(0, 0);
        vm.expectEmit(true, true, true, true, address(pool));
        emit IParimutuelPool.Settled(DRAW, (34 * UNIT) / 10, 15 * UNIT, 100 * UNIT);
        vm.expectEmit(true, true, true, true, address(pool));
        emit IParimutuelPool.WinningsClaimed(carol, 85 * UNIT);
        assertEq(_claim(carol), 85 * UNIT);
    }

    function test_claim_revertsForALoser() public {
        _stakeBook();
        _finalScore(2, 0);
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.NothingToClaim.selector, carol));
        _claim(carol);
    }

    function test_claim_revertsForAStranger() public {
        _stakeBook();
        _final(IResultsOracle.ResultStatus.Void, 0, 0);
        address stranger = makeAddr("stranger");
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.NothingToClaim.selector, stranger));
        _claim(stranger);
    }

    function test_claim_revertsOnASecondClaim() public {
        _stakeBook();
        _finalScore(2, 0);
        _claim(alice);
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.NothingToClaim.selector, alice));
        _claim(alice);
    }

    function test_claim_paysOnlyTheWinningSelectionOfAPlayer() public {
        _stake(alice, HOME, 10 * UNIT);
        _stake(alice, AWAY, 10 * UNIT);
        _stake(bob, AWAY, 10 * UNIT);
        _finalScore(0, 1);
        // 30 units, fee 4.5, net 25.5 over 20 Away units: 1.275 each.
        assertEq(_claim(alice), (1_275 * UNIT) / 100);
        assertEq(pool.stakeOf(alice, HOME), 10 * UNIT); // the lost stake stays recorded
    }

    function test_claim_refundsEveryStakeOfAPlayerWhenVoid() public {
        _stakeBook();
        _stake(alice, DRAW, 2 * UNIT);
        _stake(alice, AWAY, 3 * UNIT);
        _final(IResultsOracle.ResultStatus.Abandoned, 1, 0);
        uint256 before = _balanceOf(alice);
        vm.expectEmit(true, true, true, true, address(pool));
        emit IParimutuelPool.StakeRefunded(alice, 35 * UNIT);
        assertEq(_claim(alice), 35 * UNIT);
        assertEq(_balanceOf(alice) - before, 35 * UNIT);
        assertEq(pool.stakeOf(alice, HOME), 0);
        assertEq(pool.stakeOf(alice, DRAW), 0);
        assertEq(pool.stakeOf(alice, AWAY), 0);
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.NothingToClaim.selector, alice));
        _claim(alice);
    }

    function test_claim_refundsEveryStakeExactlyWhenNobodyBackedTheWinner() public {
        _stake(alice, HOME, 7 * UNIT);
        _stake(bob, AWAY, 9 * UNIT);
        _finalScore(1, 1);
        assertEq(_claim(alice), 7 * UNIT);
        assertEq(_claim(bob), 9 * UNIT);
        assertEq(_balanceOf(address(pool)), 0);
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.NothingToClaim.selector, feeRecipient));
        pool.claimFees();
    }

    function test_claim_revertsWhenNotSettleable() public {
        _stakeBook();
        _expectNotSettleable(IResultsOracle.Phase.None, IResultsOracle.ResultStatus.None);
        _claim(alice);
    }

    function test_claim_paysNothingWhenTheDividendRoundsToZero() public {
        // Unit of 1: 10 winning units, fee 30 %, net 7 < 10 units: each unit gets 0, the house all.
        ParimutuelPool tiny = _deploy(_params(3_000, 1));
        _stakeOn(tiny, alice, HOME, 10);
        oracleStub.setResult(EVENT_ID, IResultsOracle.Phase.Final, IResultsOracle.ResultStatus.Completed, 1, 0);
        uint256 before = _balanceOf(alice);
        vm.prank(alice);
        assertEq(tiny.claim(), 0);
        assertEq(_balanceOf(alice), before);
        assertEq(tiny.stakeOf(alice, HOME), 0);
        assertEq(tiny.claimFees(), 10);
        assertEq(_balanceOf(feeRecipient), 10);
    }

    // CLAIM FEES

    function test_claimFees_paysTheFeeAndBreakageOnce() public {
        _stake(alice, HOME, 3 * UNIT);
        _stake(bob, DRAW, 4 * UNIT);
        _finalScore(1, 0);
        pool.settle();
        uint256 owed = pool.feesOwed();
        vm.expectEmit(true, true, true, true, address(pool));
        emit IParimutuelPool.FeesClaimed(feeRecipient, owed);
        vm.prank(bob); // anyone may trigger it; the fee recipient is paid
        assertEq(pool.claimFees(), owed);
        assertEq(_balanceOf(feeRecipient), owed);
        assertEq(pool.feesOwed(), 0);
        _claim(alice);
        assertEq(_balanceOf(address(pool)), 0); // fee + breakage + winnings = every stake
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.NothingToClaim.selector, feeRecipient));
        pool.claimFees();
    }

    function test_claimFees_settlesThePoolFirst() public {
        _stakeBook();
        _finalScore(1, 0);
        assertEq(pool.claimFees(), 15 * UNIT);
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Settled));
    }

    function test_claimFees_revertsWhenRefunding() public {
        _stakeBook();
        _final(IResultsOracle.ResultStatus.Cancelled, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.NothingToClaim.selector, feeRecipient));
        pool.claimFees();
    }

    function test_claimFees_revertsWithNoFeeAndNoBreakage() public {
        ParimutuelPool free = _deploy(_params(0, UNIT));
        _stakeOn(free, alice, HOME, 2 * UNIT);
        _stakeOn(free, bob, AWAY, 2 * UNIT);
        _finalScore(1, 0);
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.NothingToClaim.selector, feeRecipient));
        free.claimFees();
        vm.prank(alice);
        assertEq(free.claim(), 4 * UNIT);
    }

    function test_claimFees_revertsWhenNotSettleable() public {
        _stakeBook();
        _expectNotSettleable(IResultsOracle.Phase.None, IResultsOracle.ResultStatus.None);
        pool.claimFees();
    }
}

/// @notice Push notification and fuzz properties.
abstract contract ParimutuelPoolPushFuzzTests is PoolTestBase {
    // PUSH NOTIFICATION

    function test_registerWithOracle_registersThePool() public {
        pool.registerWithOracle();
        address[] memory consumers = oracleStub.consumers(EVENT_ID);
        assertEq(consumers.length, 1);
        assertEq(consumers[0], address(pool));
    }

    function test_onResultFinal_settlesWithinAStipend() public {
        _stakeBook();
        _finalScore(1, 0);
        assertTrue(oracleStub.notify(address(pool), EVENT_ID, 100_000));
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Settled));
        assertEq(pool.feesOwed(), 15 * UNIT);
    }

    function test_onResultFinal_voidsOnCancellation() public {
        _stakeBook();
        _final(IResultsOracle.ResultStatus.Cancelled, 0, 0);
        assertTrue(oracleStub.notify(address(pool), EVENT_ID, 100_000));
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Refunding));
    }

    function test_onResultFinal_waitsOnPostponed() public {
        _stakeBook();
        _final(IResultsOracle.ResultStatus.Postponed, 0, 0);
        assertTrue(oracleStub.notify(address(pool), EVENT_ID, 100_000));
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Open));
    }

    function test_onResultFinal_doesNothingOnceSettled() public {
        _stakeBook();
        _finalScore(1, 0);
        pool.settle();
        _final(IResultsOracle.ResultStatus.Void, 0, 0);
        assertTrue(oracleStub.notify(address(pool), EVENT_ID, 100_000));
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Settled));
    }

    function test_onResultFinal_outOfGasLeavesThePullPath() public {
        _stakeBook();
        _finalScore(1, 0);
        assertFalse(oracleStub.notify(address(pool), EVENT_ID, 5_000));
        assertEq(uint256(pool.status()), uint256(IParimutuelPool.Status.Open));
        assertEq(_claim(alice), (6_375 * UNIT) / 100);
    }

    function test_onResultFinal_revertsForAnyoneButTheOracle() public {
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.NotOracle.selector, alice));
        vm.prank(alice);
        pool.onResultFinal(EVENT_ID, IResultsOracle.ResultStatus.Completed, 1);
    }

    function test_onResultFinal_revertsForAnotherEvent() public {
        bytes32 other = keccak256("other");
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.WrongEvent.selector, other));
        vm.prank(address(oracleStub));
        pool.onResultFinal(other, IResultsOracle.ResultStatus.Completed, 1);
    }

    // FUZZ

    /// @dev Any book, any score, any fee: winnings + fee recipient = total staked, to the unit of account.
    function testFuzz_settle_paysOutExactlyWhatWasStaked(
        uint64[4] memory units,
        uint8[4] memory selections,
        uint32 home,
        uint32 away,
        uint16 feeBps,
        uint256 unit
    ) public {
        feeBps = uint16(bound(feeBps, 0, 3_000));
        unit = bound(unit, 1, 1e18);
        ParimutuelPool fuzzPool = _deploy(_params(feeBps, unit));
        address[4] memory players = [alice, bob, carol, dave];
        uint256 total;
        for (uint256 i; i < 4; ++i) {
            uint256 amount = bound(units[i], 1, 1e9) * unit;
            _stakeOn(fuzzPool, players[i], IParimutuelPool.Selection(selections[i] % 3), amount);
            total += amount;
        }
        _finalScore(home, away);
        IParimutuelPool.Status settled = fuzzPool.settle();
        IParimutuelPool.Selection winning = home > away ? HOME : (home < away ? AWAY : DRAW);

        uint256 paid;
        for (uint256 i; i < 4; ++i) {
            bool backedWinner = IParimutuelPool.Selection(selections[i] % 3) == winning;
            if (settled == IParimutuelPool.Status.Refunding || backedWinner) {
                vm.prank(players[i]);
                paid += fuzzPool.claim();
            }
        }
        if (settled == IParimutuelPool.Status.Settled) {
            assertEq(uint256(fuzzPool.winner()), uint256(winning));
            uint256 fees = fuzzPool.feesOwed();
            // The fee recipient gets at least the takeout, and the breakage is below one dividend per winning unit.
            assertGe(fees, (total * feeBps) / 10_000);
            assertLt(fees - (total * feeBps) / 10_000, fuzzPool.totalStakedOn(winning) / unit);
            if (fees != 0) fuzzPool.claimFees();
            paid += fees;
            assertEq(paid, total);
        } else {
            assertEq(fuzzPool.totalStakedOn(winning), 0);
            assertEq(paid, total);
        }
        assertEq(_balanceOf(address(fuzzPool)), 0);
    }

    /// @dev A void result refunds every player exactly what it staked, on every selection.
    function testFuzz_claim_voidRefundsEveryStakeExactly(uint64[3] memory units, uint8 voidKind) public {
        IResultsOracle.ResultStatus[3] memory voids = [
            IResultsOracle.ResultStatus.Cancelled,
            IResultsOracle.ResultStatus.Abandoned,
            IResultsOracle.ResultStatus.Void
        ];
        uint256 total;
        for (uint256 i; i < 3; ++i) {
            uint256 amount = bound(units[i], 1, 1e12) * UNIT;
            _stake(alice, IParimutuelPool.Selection(i), amount);
            _stake(bob, IParimutuelPool.Selection(2 - i), amount + UNIT);
            total += amount;
        }
        _final(voids[voidKind % 3], 0, 0);
        uint256 aliceBefore = _balanceOf(alice);
        uint256 bobBefore = _balanceOf(bob);
        assertEq(_claim(alice), total);
        assertEq(_claim(bob), total + 3 * UNIT);
        assertEq(_balanceOf(alice) - aliceBefore, total);
        assertEq(_balanceOf(bob) - bobBefore, total + 3 * UNIT);
        assertEq(_balanceOf(address(pool)), 0);
    }

    /// @dev The winner is derived from the score alone.
    function testFuzz_settle_winnerFollowsTheScore(uint32 home, uint32 away) public {
        _stakeBook();
        _finalScore(home, away);
        pool.settle();
        if (home > away) assertEq(uint256(pool.winner()), uint256(HOME));
        else if (home < away) assertEq(uint256(pool.winner()), uint256(AWAY));
        else assertEq(uint256(pool.winner()), uint256(DRAW));
    }

    /// @dev Staking is open exactly before `closesAt`.
    function testFuzz_stake_openOnlyBeforeClose(uint64 at) public {
        at = uint64(bound(at, START, SETTLE_BY));
        _fund(alice, UNIT, address(pool));
        vm.warp(at);
        if (at >= CLOSES_AT) {
            vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.StakingClosed.selector, CLOSES_AT, at));
        }
        vm.prank(alice);
        pool.stake{value: _isNative() ? UNIT : 0}(HOME, UNIT);
    }
}

/// @notice Constructor, stake and views. On a pool of the native currency.
contract ParimutuelPoolDeployStakeNativeTest is ParimutuelPoolDeployStakeTests {
    function setUp() public {
        _setUpPool(true);
    }

    function test_stake_revertsWhenTheValueDiffersFromTheAmount() public {
        vm.deal(alice, 2 * UNIT);
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.ValueMismatch.selector, UNIT, 2 * UNIT));
        vm.prank(alice);
        pool.stake{value: 2 * UNIT}(HOME, UNIT);
    }
}

/// @notice Constructor, stake and views. On a pool of an ERC-20.
contract ParimutuelPoolDeployStakeTokenTest is ParimutuelPoolDeployStakeTests {
    function setUp() public {
        _setUpPool(false);
    }

    function test_stake_revertsWhenValueIsSentToATokenPool() public {
        _fund(alice, UNIT, address(pool));
        vm.deal(alice, UNIT);
        vm.expectRevert(abi.encodeWithSelector(IParimutuelPool.ValueMismatch.selector, 0, UNIT));
        vm.prank(alice);
        pool.stake{value: UNIT}(HOME, UNIT);
    }

    function test_stake_revertsWithoutAllowance() public {
        token.mint(alice, UNIT);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(pool), 0, UNIT)
        );
        vm.prank(alice);
        pool.stake(HOME, UNIT);
    }

    function test_stake_revertsWithoutBalance() public {
        vm.prank(alice);
        token.approve(address(pool), UNIT);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, 0, UNIT));
        vm.prank(alice);
        pool.stake(HOME, UNIT);
    }
}

/// @notice Settlement from every oracle phase and status. On a pool of the native currency.
contract ParimutuelPoolSettleNativeTest is ParimutuelPoolSettleTests {
    function setUp() public {
        _setUpPool(true);
    }
}

/// @notice Settlement from every oracle phase and status. On a pool of an ERC-20.
contract ParimutuelPoolSettleTokenTest is ParimutuelPoolSettleTests {
    function setUp() public {
        _setUpPool(false);
    }
}

/// @notice Claims of winners, refunds and fees. On a pool of the native currency.
contract ParimutuelPoolClaimNativeTest is ParimutuelPoolClaimTests {
    function setUp() public {
        _setUpPool(true);
    }

    function test_claim_revertsWhenThePlayerRejectsTheNativeCurrency() public {
        NativeRejecter rejecter = new NativeRejecter();
        vm.deal(address(this), UNIT);
        rejecter.stake{value: UNIT}(pool, HOME);
        _finalScore(1, 0);
        vm.expectRevert(Errors.FailedCall.selector);
        rejecter.claim(pool);
        // Nothing moved: the stake is still claimable once the player can receive.
        assertEq(pool.stakeOf(address(rejecter), HOME), UNIT);
    }

    function test_claim_blocksReentrancy() public {
        ReentrantClaimer attacker = new ReentrantClaimer();
        vm.deal(address(this), UNIT);
        attacker.stake{value: UNIT}(pool, HOME);
        _stake(alice, HOME, UNIT);
        _final(IResultsOracle.ResultStatus.Cancelled, 0, 0);
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        attacker.claim();
        assertEq(_balanceOf(address(pool)), 2 * UNIT);
    }
}

/// @notice Claims of winners, refunds and fees. On a pool of an ERC-20.
contract ParimutuelPoolClaimTokenTest is ParimutuelPoolClaimTests {
    function setUp() public {
        _setUpPool(false);
    }
}

/// @notice Push notification and fuzz properties. On a pool of the native currency.
contract ParimutuelPoolPushFuzzNativeTest is ParimutuelPoolPushFuzzTests {
    function setUp() public {
        _setUpPool(true);
    }
}

/// @notice Push notification and fuzz properties. On a pool of an ERC-20.
contract ParimutuelPoolPushFuzzTokenTest is ParimutuelPoolPushFuzzTests {
    function setUp() public {
        _setUpPool(false);
    }
}
