// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PoolTestBase} from "../utils/PoolTestBase.sol";
import {IParimutuelPool} from "../../../contracts/examples/IParimutuelPool.sol";
import {ParimutuelPoolHandler} from "./ParimutuelPoolHandler.sol";
import {ParimutuelPool} from "../../../contracts/examples/ParimutuelPool.sol";
import {PoolOracleStub} from "../../../contracts/testing/PoolOracleStub.sol";
import {PoolTestToken} from "../../../contracts/testing/PoolTestToken.sol";

/**
 * @notice The handler as an artifact of this root file, deployed with `deployCode`: the runner only calls target
 * contracts whose ABI it knows from a test file's artifacts. Created with `new` from the imported file, the handler
 * was never called at all, and every invariant held over an untouched pool.
 */
contract ParimutuelPoolInvariantHandler is ParimutuelPoolHandler {
    constructor(
        ParimutuelPool pool_,
        PoolOracleStub oracleStub_,
        PoolTestToken token_
    ) ParimutuelPoolHandler(pool_, oracleStub_, token_) {}
}

/**
 * @title ParimutuelPoolInvariants
 * @notice Invariants of the pari-mutuel pool under random stakes, oracle results, time, settlements, push
 * notifications and claims (see {ParimutuelPoolHandler}); run on a native pool and on an ERC-20 pool.
 */
abstract contract ParimutuelPoolInvariants is PoolTestBase {
    ParimutuelPoolHandler internal handler;

    function _setUpInvariants(bool native) internal {
        _setUpPool(native);
        // A shorter schedule than the unit tests' so that runs reach close time and `settleBy`.
        IParimutuelPool.Params memory params = _params(FEE_BPS, UNIT);
        params.settleBy = CLOSES_AT + 2 days;
        pool = _deploy(params);
        handler = ParimutuelPoolHandler(
            deployCode(
                "ParimutuelPool.invariant.t.sol:ParimutuelPoolInvariantHandler",
                abi.encode(pool, oracleStub, token)
            )
        );

        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = ParimutuelPoolHandler.stake.selector;
        selectors[1] = ParimutuelPoolHandler.setResult.selector;
        selectors[2] = ParimutuelPoolHandler.warp.selector;
        selectors[3] = ParimutuelPoolHandler.settle.selector;
        selectors[4] = ParimutuelPoolHandler.notify.selector;
        selectors[5] = ParimutuelPoolHandler.claim.selector;
        selectors[6] = ParimutuelPoolHandler.claimFees.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @dev After each run: the handler was called and not every action reverted (stakes among them), so the
    /// invariants above held over a pool that was actually driven.
    function afterInvariant() public view {
        assertGt(handler.totalCalls(), 0, "no handler action went through in this run");
    }

    /// @dev Total paid out + fees + refunds never exceed the total staked.
    function invariant_paidOutPlusFeesPlusRefundsNeverExceedStaked() public view {
        uint256 out = handler.ghostPaidOut() + handler.ghostFeesPaid() + handler.ghostRefunded();
        assertLe(out, handler.ghostStaked(), "paid out more than staked");
        assertEq(pool.totalStaked(), handler.ghostStaked(), "total staked drifted");
    }

    /// @dev The pool's balance is exactly what went in minus what went out, and covers every outstanding claim.
    function invariant_balanceCoversOutstandingClaims() public view {
        uint256 out = handler.ghostPaidOut() + handler.ghostFeesPaid() + handler.ghostRefunded();
        uint256 balance = _balanceOf(address(pool));
        assertEq(balance, handler.ghostStaked() - out, "balance differs from the books");
        address[4] memory players = handler.actors();
        uint256 outstanding = pool.feesOwed();
        for (uint256 i; i < players.length; ++i) outstanding += pool.claimable(players[i]);
        assertGe(balance, outstanding, "insolvent");
    }

    /// @dev A void pool refunds every stake exactly, takes no fee and pays no winnings.
    function invariant_voidPoolRefundsEveryStakeExactly() public view {
        assertEq(handler.ghostMismatches(), 0, "a payment differed from its amount or a refund from its stakes");
        if (pool.status() != IParimutuelPool.Status.Refunding) return;
        assertEq(handler.ghostPaidOut(), 0, "winnings paid by a void pool");
        assertEq(handler.ghostFeesPaid() + pool.feesOwed(), 0, "fee taken by a void pool");
        address[4] memory players = handler.actors();
        for (uint256 i; i < players.length; ++i) {
            uint256 returned = handler.receivedBy(players[i]) + pool.claimable(players[i]);
            assertEq(returned, handler.stakedBy(players[i]), "refund differs from the stakes");
        }
    }

    /// @dev A settled pool splits exactly the total staked between the winners and the fee recipient.
    function invariant_settledPoolPaysOutExactlyTheTotal() public view {
        if (pool.status() != IParimutuelPool.Status.Settled) return;
        assertEq(handler.ghostRefunded(), 0, "refund paid by a settled pool");
        address[4] memory players = handler.actors();
        uint256 due = handler.ghostFeesPaid() + pool.feesOwed();
        for (uint256 i; i < players.length; ++i) due += handler.receivedBy(players[i]) + pool.claimable(players[i]);
        assertEq(due, handler.ghostStaked(), "winnings + fees differ from the total staked");
        assertGe(handler.ghostFeesPaid() + pool.feesOwed(), (handler.ghostStaked() * FEE_BPS) / 10_000, "fee");
    }
}

/// @notice The invariants on a pool of the native currency.
contract ParimutuelPoolNativeInvariantTest is ParimutuelPoolInvariants {
    function setUp() public {
        _setUpInvariants(true);
    }
}

/// @notice The invariants on a pool of an ERC-20.
contract ParimutuelPoolTokenInvariantTest is ParimutuelPoolInvariants {
    function setUp() public {
        _setUpInvariants(false);
    }
}
