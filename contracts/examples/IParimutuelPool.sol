// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IResultsOracle} from "../interfaces/IResultsOracle.sol";

/**
 * @title IParimutuelPool
 * @notice A pari-mutuel (tote) pool on the match-winner (1X2) market of one event, settled from the
 * {IResultsOracle}. An example of a contract that consumes the oracle's results, void and refunds included.
 *
 * ## Rules
 * - Players stake the pool's asset (native currency when `asset` is the zero address, otherwise one ERC-20)
 *   on `Home`, `Draw` or `Away` while the pool is open (before `closesAt`). A stake is a non-zero multiple of
 *   `stakeUnit`, the pool's "cent".
 * - The pool settles once, from the oracle's *final* result of `eventId` (read with `ResultsReader.matchResult`,
 *   the same answers as {IResultsOracle.matchResult} for less gas): by anyone calling {settle}, by the first {claim} or {claimFees}, or by the
 *   oracle's push notification ({IResultsConsumer.onResultFinal}) when the pool registered for it. A final
 *   result settles the pool even before `closesAt` (e.g. a cancellation).
 * - Staking stops at `closesAt`, and earlier as soon as the oracle holds any result for the event (proposed,
 *   disputed or final, whatever its status, `Postponed` included): a late player must never stake on an outcome
 *   that is already public ({ResultKnown}). A postponed match therefore takes no more stakes in this pool; it
 *   settles from the later version (the played result or a cancellation), or refunds at `settleBy`.
 * - The event must be a match: a `Completed` result settles the pool only when it carries exactly two outcome
 *   values, the home and away scores. A final `Completed` result with another number of values (a race's
 *   finishing order published for this event id) is terminal in the oracle (only `Postponed` is ever
 *   superseded), so waiting for `settleBy` would only lock the stakes: the pool refunds every stake at once
 *   (`RefundReason.NotAMatchScore`) instead of reading a winner from it.
 *   - `Completed`: the winning selection is `Home` when home > away, `Away` when away > home, `Draw` otherwise.
 *     The fee is `totalStaked × feeBps / 10 000` (rounded down); the net pool is split over the winning
 *     units (`winningStake / stakeUnit`): each winning unit gets `dividendPerUnit = netPool / winningUnits`
 *     (rounded down). The breakage `netPool − winningUnits × dividendPerUnit` goes to the fee recipient with
 *     the fee, so the payouts and the fee recipient's amount add up to exactly `totalStaked`.
 *   - `Cancelled`, `Abandoned`, `Void`, or `Completed` with no stake on the winning selection: every stake is
 *     refunded in full and no fee is taken.
 *   - `Postponed`, or no final result yet: the pool waits (staking stays closed after `closesAt`).
 *   - No settling result by `settleBy`: every stake is refunded, so funds are never stuck behind an oracle
 *     that never publishes (a final result is still preferred whenever it is there at settlement time).
 * - Winners and refunded players {claim} (pull). The fee recipient's amount is paid once by {claimFees}.
 *
 * ## Assets
 * Plain ERC-20 tokens only: fee-on-transfer and rebasing tokens are not supported (the pool accounts the
 * amounts it asked for, not balance deltas). Amounts are packed as uint112 (as Uniswap v2's reserves): a stake
 * that would take a selection's total above 2^112 − 1 base units reverts.
 */
interface IParimutuelPool {
    // TYPES

    /// @notice A selection of the match-winner (1X2) market.
    enum Selection {
        Home, // "1": the home side wins
        Draw, // "X": a draw
        Away // "2": the away side wins
    }

    /// @notice Where the pool stands. `Open` and `Closed` are derived from the time while the pool is unsettled.
    enum Status {
        Open, // unsettled, staking open
        Closed, // unsettled, staking closed: waiting for a final result
        Settled, // a winning selection was paid out: winners claim, the fee recipient claims the fee
        Refunding // void: every stake is refunded
    }

    /// @notice Why a pool refunds every stake.
    enum RefundReason {
        VoidResult, // the final result is Cancelled, Abandoned or Void
        NoWinningStake, // nobody staked on the winning selection
        NoResultInTime, // no settling result by `settleBy`
        NotAMatchScore // the final result is `Completed` with a value count other than two: not a match score
    }

    /**
     * @notice Deployment parameters.
     * @param oracle The results oracle.
     * @param eventId The event whose match result settles the pool.
     * @param asset The staked asset: the zero address for the native currency, otherwise an ERC-20.
     * @param feeRecipient Receives the fee and the breakage.
     * @param closesAt Staking is open strictly before this time.
     * @param settleBy Time from which an unsettled pool refunds every stake (after `closesAt`).
     * @param feeBps Takeout in basis points (at most {MAX_FEE_BPS}).
     * @param stakeUnit Stakes are non-zero multiples of this amount (the pool's "cent"; at least 1).
     */
    struct Params {
        IResultsOracle oracle;
        bytes32 eventId;
        address asset;
        address feeRecipient;
        uint64 closesAt;
        uint64 settleBy;
        uint16 feeBps;
        uint256 stakeUnit;
    }

    // ERRORS

    /// @notice The zero address where an account or contract is required.
    error ZeroAddress();
    /// @notice The event id is zero.
    error ZeroEventId();
    /// @notice The fee is above the cap.
    error FeeTooHigh(uint16 feeBps, uint16 maxFeeBps);
    /// @notice The schedule is invalid: `closesAt` must be in the future and `settleBy` after it.
    error InvalidSchedule(uint64 closesAt, uint64 settleBy, uint64 now);
    /// @notice The stake unit is zero.
    error ZeroStakeUnit();
    /// @notice Staking is closed: the close time has passed.
    error StakingClosed(uint64 closesAt, uint64 now);
    /// @notice Staking is closed: the oracle already holds a result for the event (in `phase`, with `status`).
    error ResultKnown(IResultsOracle.Phase phase, IResultsOracle.ResultStatus status);
    /// @notice The pool is already settled (or refunding).
    error AlreadySettled();
    /// @notice The amount is zero or not a multiple of the stake unit.
    error InvalidStakeAmount(uint256 amount, uint256 stakeUnit);
    /// @notice The native value sent is not the one expected (the amount for a native pool, zero for an ERC-20 pool).
    error ValueMismatch(uint256 expected, uint256 sent);
    /// @notice The pool cannot settle yet: the oracle's result is in `phase` with `status`, and `settleBy` has not passed.
    error NotSettleable(IResultsOracle.Phase phase, IResultsOracle.ResultStatus status);
    /// @notice `account` has nothing to claim.
    error NothingToClaim(address account);
    /// @notice The caller is not the oracle.
    error NotOracle(address caller);
    /// @notice A notification is about another event.
    error WrongEvent(bytes32 eventId);

    // EVENTS

    /// @notice `player` staked `amount` on `selection`.
    event Staked(address indexed player, Selection indexed selection, uint256 amount);
    /**
     * @notice The pool settled on a winning selection.
     * @param winner The winning selection.
     * @param dividendPerUnit Amount paid per winning `stakeUnit` staked.
     * @param feeAmount Fee plus breakage owed to the fee recipient.
     * @param totalStaked Total staked on every selection.
     */
    event Settled(Selection indexed winner, uint256 dividendPerUnit, uint256 feeAmount, uint256 totalStaked);
    /// @notice The pool refunds every stake, for `reason`.
    event Voided(RefundReason reason, uint256 totalStaked);
    /// @notice `player` claimed `amount` of winnings.
    event WinningsClaimed(address indexed player, uint256 amount);
    /// @notice `player` was refunded `amount`.
    event StakeRefunded(address indexed player, uint256 amount);
    /// @notice The fee recipient was paid `amount` (fee plus breakage).
    event FeesClaimed(address indexed recipient, uint256 amount);

    // ACTIONS

    /**
     * @notice Stakes `amount` on `selection` for the caller.
     * @dev Native pool: send `amount` as value. ERC-20 pool: approve the pool first and send no value.
     * Reverts with {AlreadySettled} once settled, {StakingClosed} from `closesAt`, {InvalidStakeAmount} unless
     * `amount` is a non-zero multiple of `stakeUnit`, {ValueMismatch} on a wrong value, and {ResultKnown} as soon
     * as the oracle holds any result for the event (one raw read of the oracle, about 5,000 gas).
     */
    function stake(Selection selection, uint256 amount) external payable;

    /**
     * @notice Settles the pool from the oracle's final result (or refunds after `settleBy`). Anyone may call.
     * @dev Reverts with {AlreadySettled} when settled and {NotSettleable} when there is nothing to settle on yet.
     * @return status `Settled` or `Refunding`.
     */
    function settle() external returns (Status status);

    /**
     * @notice Pays the caller's winnings (settled pool) or refunds every stake of the caller (refunding pool),
     * settling the pool first when needed.
     * @dev Reverts with {NotSettleable} when the pool cannot settle yet and {NothingToClaim} when the caller has
     * no winning (or, when refunding, no) stake left.
     * @return amount The amount paid.
     */
    function claim() external returns (uint256 amount);

    /**
     * @notice Pays the fee and breakage to the fee recipient, once, settling the pool first when needed.
     * Anyone may call.
     * @dev Reverts with {NothingToClaim} when refunding, when already paid, or when the amount is zero.
     * @return amount The amount paid.
     */
    function claimFees() external returns (uint256 amount);

    /// @notice Registers the pool with the oracle for a push notification once the result is final. Anyone may call.
    function registerWithOracle() external;

    // READS

    /// @notice Highest fee, in basis points.
    function MAX_FEE_BPS() external view returns (uint16);

    /// @notice The results oracle.
    function oracle() external view returns (IResultsOracle);

    /// @notice The event whose match result settles the pool.
    function eventId() external view returns (bytes32);

    /// @notice The staked asset (zero address: native currency).
    function asset() external view returns (address);

    /// @notice Receives the fee and the breakage.
    function feeRecipient() external view returns (address);

    /// @notice Staking is open strictly before this time.
    function closesAt() external view returns (uint64);

    /// @notice Time from which an unsettled pool refunds every stake.
    function settleBy() external view returns (uint64);

    /// @notice Takeout in basis points.
    function feeBps() external view returns (uint16);

    /// @notice Stakes are non-zero multiples of this amount.
    function stakeUnit() external view returns (uint256);

    /// @notice Where the pool stands.
    function status() external view returns (Status);

    /// @notice The winning selection (meaningful only when `Settled`).
    function winner() external view returns (Selection);

    /// @notice Amount paid per winning `stakeUnit` (0 until `Settled`).
    function dividendPerUnit() external view returns (uint256);

    /// @notice Fee plus breakage still owed to the fee recipient (0 until `Settled`, and once paid).
    function feesOwed() external view returns (uint256);

    /// @notice Total staked on `selection`.
    function totalStakedOn(Selection selection) external view returns (uint256);

    /// @notice Total staked on every selection.
    function totalStaked() external view returns (uint256);

    /// @notice What `player` has staked on `selection` and not claimed yet (a claim clears what it pays).
    function stakeOf(address player, Selection selection) external view returns (uint256);

    /// @notice What {claim} would pay `player` now (0 while unsettled).
    function claimable(address player) external view returns (uint256);
}
