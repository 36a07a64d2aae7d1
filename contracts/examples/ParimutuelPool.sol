// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IResultsOracle, IResultsConsumer} from "../interfaces/IResultsOracle.sol";
import {ResultsReader} from "../libraries/ResultsReader.sol";
import {IParimutuelPool} from "./IParimutuelPool.sol";

/**
 * @title ParimutuelPool
 * @notice Example consumer of the results oracle: a pari-mutuel pool on one event's match-winner market.
 * @dev Rules and NatSpec live in {IParimutuelPool}. Every external function that moves value is `nonReentrant`
 * and follows checks-effects-interactions.
 */
contract ParimutuelPool is IParimutuelPool, IResultsConsumer, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc IParimutuelPool
    uint16 public constant MAX_FEE_BPS = 3_000;
    uint16 private constant _BPS = 10_000;

    // STORAGE

    IResultsOracle private immutable _oracle;
    bytes32 private immutable _eventId;
    address private immutable _asset;
    address private immutable _feeRecipient;
    uint64 private immutable _closesAt;
    uint64 private immutable _settleBy;
    uint16 private immutable _feeBps;
    uint256 private immutable _stakeUnit;

    /**
     * @dev The whole settlement in one slot: written once, read by every claim. `status` is `Open` (0) while
     * unsettled. Both amounts are at most the total staked, below 3 × 2^112, so they fit in 120 bits.
     */
    struct Settlement {
        Status status;
        Selection winner;
        uint120 dividendPerUnit;
        uint120 feesOwed;
    }

    /// @dev Total staked per selection, indexed by `Selection`. uint112 amounts (as Uniswap v2's reserves) pack.
    uint112[3] private _totalOn;
    /// @dev What each player staked per selection and has not claimed; a claim clears what it pays.
    mapping(address player => uint112[3] stakes) private _stakes;
    Settlement private _settlement;

    /// @param params See {IParimutuelPool.Params}.
    constructor(Params memory params) {
        if (address(params.oracle) == address(0) || params.feeRecipient == address(0)) revert ZeroAddress();
        if (params.eventId == bytes32(0)) revert ZeroEventId();
        if (params.feeBps > MAX_FEE_BPS) revert FeeTooHigh(params.feeBps, MAX_FEE_BPS);
        uint64 now_ = _time();
        if (params.closesAt <= now_ || params.settleBy <= params.closesAt) {
            revert InvalidSchedule(params.closesAt, params.settleBy, now_);
        }
        if (params.stakeUnit == 0) revert ZeroStakeUnit();
        _oracle = params.oracle;
        _eventId = params.eventId;
        _asset = params.asset;
        _feeRecipient = params.feeRecipient;
        _closesAt = params.closesAt;
        _settleBy = params.settleBy;
        _feeBps = params.feeBps;
        _stakeUnit = params.stakeUnit;
    }

    // ACTIONS

    /// @inheritdoc IParimutuelPool
    function stake(Selection selection, uint256 amount) external payable nonReentrant {
        // A final result may settle the pool before `closesAt` (e.g. a cancellation): no stake after that.
        if (_settlement.status != Status.Open) revert AlreadySettled();
        uint64 now_ = _time();
        if (now_ >= _closesAt) revert StakingClosed(_closesAt, now_);
        if (amount == 0 || amount % _stakeUnit != 0) revert InvalidStakeAmount(amount, _stakeUnit);
        uint256 expectedValue;
        if (_asset == address(0)) expectedValue = amount; // native stakes come as the call's value
        if (msg.value != expectedValue) revert ValueMismatch(expectedValue, msg.value);
        // Any stored result (proposed, disputed or final) makes the outcome public: no stake on a known result.
        (IResultsOracle.Phase phase, IResultsOracle.ResultStatus resultStatus, , , , ) = ResultsReader.matchResult(
            _oracle,
            _eventId
        );
        if (phase != IResultsOracle.Phase.None) revert ResultKnown(phase, resultStatus);

        // Checked uint112 arithmetic: an amount or a total that does not fit reverts.
        uint112 amount112 = SafeCast.toUint112(amount);
        uint256 index = uint256(selection);
        _stakes[msg.sender][index] += amount112;
        _totalOn[index] += amount112;
        emit Staked(msg.sender, selection, amount);

        if (_asset != address(0)) IERC20(_asset).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IParimutuelPool
    function settle() external nonReentrant returns (Status) {
        if (_settlement.status != Status.Open) revert AlreadySettled();
        return _settleOrRevert();
    }

    /// @inheritdoc IParimutuelPool
    function claim() external nonReentrant returns (uint256 amount) {
        Settlement memory s = _settlement;
        if (s.status == Status.Open) {
            _settleOrRevert();
            s = _settlement;
        }
        uint112[3] storage stakes = _stakes[msg.sender];
        if (s.status == Status.Settled) {
            uint256 index = uint256(s.winner);
            uint256 winning = stakes[index];
            if (winning == 0) revert NothingToClaim(msg.sender);
            stakes[index] = 0;
            // Exact: every stake is a multiple of the unit.
            amount = (winning / _stakeUnit) * s.dividendPerUnit;
            emit WinningsClaimed(msg.sender, amount);
        } else {
            amount = uint256(stakes[0]) + stakes[1] + stakes[2];
            if (amount == 0) revert NothingToClaim(msg.sender);
            delete _stakes[msg.sender];
            emit StakeRefunded(msg.sender, amount);
        }
        // A winning unit's dividend may round down to zero (tiny pool, high fee): nothing to transfer then.
        if (amount != 0) _pay(msg.sender, amount);
    }

    /// @inheritdoc IParimutuelPool
    function claimFees() external nonReentrant returns (uint256 amount) {
        if (_settlement.status == Status.Open) _settleOrRevert();
        amount = _settlement.feesOwed;
        if (amount == 0) revert NothingToClaim(_feeRecipient);
        _settlement.feesOwed = 0;
        emit FeesClaimed(_feeRecipient, amount);
        _pay(_feeRecipient, amount);
    }

    /// @inheritdoc IParimutuelPool
    function registerWithOracle() external {
        _oracle.registerConsumer(_eventId);
    }

    /**
     * @inheritdoc IResultsConsumer
     * @dev Settles the pool by reading the oracle (the arguments are not trusted beyond the event id). Never
     * reverts for a result the pool cannot settle on (e.g. `Postponed`): the pool then waits, and claims still
     * settle by reading the oracle (pull). Only the oracle, only for this pool's event. Settling costs about
     * 45,000 gas, within the oracle's stipend.
     */
    function onResultFinal(bytes32 eventId_, IResultsOracle.ResultStatus, uint32) external nonReentrant {
        if (msg.sender != address(_oracle)) revert NotOracle(msg.sender);
        if (eventId_ != _eventId) revert WrongEvent(eventId_);
        if (_settlement.status == Status.Open) _trySettle();
    }

    // READS

    /// @inheritdoc IParimutuelPool
    function oracle() external view returns (IResultsOracle) {
        return _oracle;
    }

    /// @inheritdoc IParimutuelPool
    function eventId() external view returns (bytes32) {
        return _eventId;
    }

    /// @inheritdoc IParimutuelPool
    function asset() external view returns (address) {
        return _asset;
    }

    /// @inheritdoc IParimutuelPool
    function feeRecipient() external view returns (address) {
        return _feeRecipient;
    }

    /// @inheritdoc IParimutuelPool
    function closesAt() external view returns (uint64) {
        return _closesAt;
    }

    /// @inheritdoc IParimutuelPool
    function settleBy() external view returns (uint64) {
        return _settleBy;
    }

    /// @inheritdoc IParimutuelPool
    function feeBps() external view returns (uint16) {
        return _feeBps;
    }

    /// @inheritdoc IParimutuelPool
    function stakeUnit() external view returns (uint256) {
        return _stakeUnit;
    }

    /// @inheritdoc IParimutuelPool
    function status() external view returns (Status) {
        Status stored = _settlement.status;
        if (stored != Status.Open) return stored;
        if (_time() < _closesAt) return Status.Open;
        return Status.Closed;
    }

    /// @inheritdoc IParimutuelPool
    function winner() external view returns (Selection) {
        return _settlement.winner;
    }

    /// @inheritdoc IParimutuelPool
    function dividendPerUnit() external view returns (uint256) {
        return _settlement.dividendPerUnit;
    }

    /// @inheritdoc IParimutuelPool
    function feesOwed() external view returns (uint256) {
        return _settlement.feesOwed;
    }

    /// @inheritdoc IParimutuelPool
    function totalStakedOn(Selection selection) external view returns (uint256) {
        return _totalOn[uint256(selection)];
    }

    /// @inheritdoc IParimutuelPool
    function totalStaked() external view returns (uint256) {
        return _totalStaked();
    }

    /// @inheritdoc IParimutuelPool
    function stakeOf(address player, Selection selection) external view returns (uint256) {
        return _stakes[player][uint256(selection)];
    }

    /// @inheritdoc IParimutuelPool
    function claimable(address player) external view returns (uint256) {
        Settlement memory s = _settlement;
        uint112[3] storage stakes = _stakes[player];
        if (s.status == Status.Settled) return (stakes[uint256(s.winner)] / _stakeUnit) * s.dividendPerUnit;
        if (s.status == Status.Refunding) return uint256(stakes[0]) + stakes[1] + stakes[2];
        return 0;
    }

    // INTERNAL

    /// @dev Current time; overridable in tests.
    function _time() internal view virtual returns (uint64) {
        return uint64(block.timestamp);
    }

    function _settleOrRevert() private returns (Status) {
        (bool settled, IResultsOracle.Phase phase, IResultsOracle.ResultStatus resultStatus) = _trySettle();
        if (!settled) revert NotSettleable(phase, resultStatus);
        return _settlement.status;
    }

    /**
     * @dev Settles from the oracle's final result when it allows it, otherwise refunds from `settleBy` on.
     * Caller checked that the pool is unsettled. The oracle is read through {ResultsReader} (one raw
     * `resultWord` call decoded here, value count included: about 1,200 gas less than the typed `matchResult`),
     * which gives the same answers and never reverts for a working oracle.
     */
    function _trySettle()
        private
        returns (bool settled, IResultsOracle.Phase phase, IResultsOracle.ResultStatus resultStatus)
    {
        uint256 word = ResultsReader.resultWord(_oracle, _eventId);
        phase = ResultsReader.phaseOf(word);
        resultStatus = IResultsOracle.ResultStatus(uint8(word >> 8));
        if (phase == IResultsOracle.Phase.Final) {
            if (resultStatus == IResultsOracle.ResultStatus.Completed) {
                // A match score has exactly two values; anything else is terminal and not this market's.
                if (uint8(word >> 16) != 2) {
                    _void(RefundReason.NotAMatchScore);
                    return (true, phase, resultStatus);
                }
                uint32 home = uint32(word >> 120);
                uint32 away = uint32(word >> 152);
                Selection winning = Selection.Draw;
                if (home > away) winning = Selection.Home;
                else if (home < away) winning = Selection.Away;
                _settleOn(winning);
                return (true, phase, resultStatus);
            }
            if (
                resultStatus == IResultsOracle.ResultStatus.Cancelled ||
                resultStatus == IResultsOracle.ResultStatus.Abandoned ||
                resultStatus == IResultsOracle.ResultStatus.Void
            ) {
                _void(RefundReason.VoidResult);
                return (true, phase, resultStatus);
            }
            // Postponed: wait for a later result (or `settleBy`).
        }
        if (_time() >= _settleBy) {
            _void(RefundReason.NoResultInTime);
            return (true, phase, resultStatus);
        }
        return (false, phase, resultStatus);
    }

    function _settleOn(Selection winning) private {
        uint256 winningStake = _totalOn[uint256(winning)];
        if (winningStake == 0) {
            _void(RefundReason.NoWinningStake);
            return;
        }
        uint256 total = _totalStaked();
        uint256 netPool = total - (total * _feeBps) / _BPS;
        uint256 winningUnits = winningStake / _stakeUnit;
        uint256 dividend = netPool / winningUnits;
        // Fee plus breakage: whatever the winners' exact payouts (winningUnits × dividend) leave.
        uint256 feeAmount = total - winningUnits * dividend;
        _settlement = Settlement({
            status: Status.Settled,
            winner: winning,
            dividendPerUnit: uint120(dividend),
            feesOwed: uint120(feeAmount)
        });
        emit Settled(winning, dividend, feeAmount, total);
    }

    function _void(RefundReason reason) private {
        _settlement.status = Status.Refunding;
        emit Voided(reason, _totalStaked());
    }

    function _totalStaked() private view returns (uint256) {
        return uint256(_totalOn[0]) + _totalOn[1] + _totalOn[2];
    }

    function _pay(address to, uint256 amount) private {
        if (_asset == address(0)) Address.sendValue(payable(to), amount);
        else IERC20(_asset).safeTransfer(to, amount);
    }
}
