// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/**
 * @title Erc1271TestWallet
 * @notice Test helper (never deployed outside tests): a minimal smart-contract wallet that attests like a
 * one-owner Safe. It accepts a hash when the signature is the owner's 65-byte ECDSA signature over that hash
 * (for the oracle: the EIP-712 digest), and refuses everything while `refusing` is set.
 */
contract Erc1271TestWallet is IERC1271 {
    /// @notice The only key whose signatures the wallet accepts.
    address public immutable owner;
    /// @notice When true, every signature is refused.
    bool public refusing;

    /// @notice The caller is not the owner.
    error NotOwner(address caller);

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Makes the wallet refuse (or accept again) every signature.
    function setRefusing(bool refusing_) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        refusing = refusing_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (refusing) return 0xffffffff;
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        return
            err == ECDSA.RecoverError.NoError && recovered == owner
                ? IERC1271.isValidSignature.selector
                : bytes4(0xffffffff);
    }
}
