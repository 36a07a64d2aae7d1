// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "../utils/Test.sol";
import {IResultsOracle} from "../../../contracts/interfaces/IResultsOracle.sol";
import {IParimutuelPool} from "../../../contracts/examples/IParimutuelPool.sol";
import {ParimutuelPool} from "../../../contracts/examples/ParimutuelPool.sol";
import {PoolOracleStub} from "../../../contracts/testing/PoolOracleStub.sol";
import {PoolTestToken} from "../../../contracts/testing/PoolTestToken.sol";

/**
 * @title ParimutuelPoolHandler
 * @notice Drives one ParimutuelPool through random stakes, oracle results (every phase and status), time,
 * settlements, push notifications and claims, and keeps ghost totals of what went in and out.
 * @dev Standalone (not a `Test`) to stay small: the invariant test contract embeds its creation code and must
 * stay under the 24 KiB code size.
 */
contract ParimutuelPoolHandler {
    // solhint-disable-next-line const-name-snakecase
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint256 internal constant ACTORS = 4;

    ParimutuelPool internal immutable pool;
    PoolOracleStub internal immutable oracleStub;
    PoolTestToken internal immutable token;
    bool internal immutable native;
    address internal immutable feeRecipient;
    bytes32 internal immutable eventId;

    address[ACTORS] internal _actors;

    // GHOSTS

    uint256 public ghostStaked;
    uint256 public ghostPaidOut;
    uint256 public ghostRefunded;
    uint256 public ghostFeesPaid;
    /// @notice Payments that differed from what the pool reported, and refunds that differed from the stakes (must stay 0).
    uint256 public ghostMismatches;
    mapping(address actor => uint256 amount) public stakedBy;
    mapping(address actor => uint256 amount) public receivedBy;
    /// @notice Actions that went through (a reverted action leaves no count), per handler selector.
    mapping(bytes4 selector => uint256 count) public calls;

    constructor(ParimutuelPool pool_, PoolOracleStub oracleStub_, PoolTestToken token_) {
        pool = pool_;
        oracleStub = oracleStub_;
        token = token_;
        native = pool_.asset() == address(0);
        feeRecipient = pool_.feeRecipient();
        eventId = pool_.eventId();
        for (uint256 i; i < ACTORS; ++i) _actors[i] = address(uint160(0xA11CE0 + i));
    }

    /// @notice Actions that went through, every selector together.
    function totalCalls() external view returns (uint256 total) {
        bytes4[7] memory selectors = [
            this.stake.selector,
            this.setResult.selector,
            this.warp.selector,
            this.settle.selector,
            this.notify.selector,
            this.claim.selector,
            this.claimFees.selector
        ];
        for (uint256 i; i < selectors.length; ++i) total += calls[selectors[i]];
    }

    /// @notice The players.
    function actors() external view returns (address[ACTORS] memory) {
        return _actors;
    }

    // ACTIONS

    function stake(uint256 actorSeed, uint8 selection, uint256 units) external {
        address actor = _actor(actorSeed);
        uint256 amount = (1 + (units % 1_000)) * pool.stakeUnit();
        if (native) {
            vm.deal(actor, actor.balance + amount);
        } else {
            token.mint(actor, amount);
            vm.prank(actor);
            token.approve(address(pool), amount);
        }
        vm.prank(actor);
        pool.stake{value: native ? amount : 0}(IParimutuelPool.Selection(selection % 3), amount);
        ghostStaked += amount;
        stakedBy[actor] += amount;
        ++calls[this.stake.selector];
    }

    function setResult(uint8 phase, uint8 status, uint32 home, uint32 away) external {
        // No result in most runs' first calls (stakes stop at the first one), final results twice as often as the
        // other phases afterwards, so that pools settle within a run; now and then a `Completed` result that is
        // not a match score (three values).
        if (calls[this.stake.selector] == 0 && phase % 4 != 0) return;
        IResultsOracle.Phase p = phase % 5 >= 3 ? IResultsOracle.Phase.Final : IResultsOracle.Phase(phase % 3);
        IResultsOracle.ResultStatus s = IResultsOracle.ResultStatus(status % 6);
        if (p == IResultsOracle.Phase.Final && s == IResultsOracle.ResultStatus.Completed && status % 7 == 0) {
            oracleStub.setFinalCompletedWithCount(eventId, 3, home % 5, away % 5);
        } else {
            oracleStub.setResult(eventId, p, s, home % 5, away % 5);
        }
        ++calls[this.setResult.selector];
    }

    function warp(uint256 secondsForward) external {
        vm.warp(block.timestamp + (secondsForward % 36 hours));
        ++calls[this.warp.selector];
    }

    function settle() external {
        pool.settle();
        ++calls[this.settle.selector];
    }

    function notify(uint256 gasLimit) external {
        oracleStub.notify(address(pool), eventId, gasLimit % 200_000);
        ++calls[this.notify.selector];
    }

    function claim(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        uint256 before = _balanceOf(actor);
        vm.prank(actor);
        uint256 amount = pool.claim();
        // What the pool says it paid is what the player received.
        if (_balanceOf(actor) - before != amount) ++ghostMismatches;
        receivedBy[actor] += amount;
        if (pool.status() == IParimutuelPool.Status.Refunding) {
            ghostRefunded += amount;
            // A refund returns everything the player staked, at once.
            if (amount != stakedBy[actor]) ++ghostMismatches;
        } else {
            ghostPaidOut += amount;
        }
        ++calls[this.claim.selector];
    }

    function claimFees() external {
        uint256 before = _balanceOf(feeRecipient);
        uint256 amount = pool.claimFees();
        if (_balanceOf(feeRecipient) - before != amount) ++ghostMismatches;
        ghostFeesPaid += amount;
        ++calls[this.claimFees.selector];
    }

    function _balanceOf(address account) internal view returns (uint256) {
        return native ? account.balance : token.balanceOf(account);
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % ACTORS];
    }
}
