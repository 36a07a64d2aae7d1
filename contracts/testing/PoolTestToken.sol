// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title PoolTestToken
 * @notice A plain ERC-20 that anyone can mint, for the ParimutuelPool tests. Never deployed.
 */
contract PoolTestToken is ERC20 {
    constructor() ERC20("Pool Test Token", "PTT") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
