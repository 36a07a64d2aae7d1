// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/**
 * @title MockERC1271Wallet
 * @notice Test wallet attesting like a one-owner Safe: accepts a digest signed by `owner` (64-byte compact or
 * 65-byte signature) unless set to refuse, to revert, or to answer with a malformed value.
 */
contract MockERC1271Wallet is IERC1271 {
    enum Mode {
        Accept, // valid owner signature => magic value
        Refuse, // always 0xffffffff
        Revert, // always reverts
        ShortReturn // returns nothing
    }

    address public immutable owner;
    Mode public mode;

    constructor(address owner_) {
        owner = owner_;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        Mode m = mode;
        if (m == Mode.Refuse) return 0xffffffff;
        if (m == Mode.Revert) revert("refused");
        if (m == Mode.ShortReturn) {
            assembly {
                return(0, 0)
            }
        }
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == owner ? IERC1271.isValidSignature.selector : bytes4(0);
    }
}
