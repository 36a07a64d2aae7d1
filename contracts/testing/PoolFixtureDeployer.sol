// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParimutuelPool} from "../examples/IParimutuelPool.sol";
import {ParimutuelPool} from "../examples/ParimutuelPool.sol";
import {PoolOracleStub} from "./PoolOracleStub.sol";
import {PoolTestToken} from "./PoolTestToken.sol";

/**
 * @title PoolFixtureDeployer
 * @notice Deploys the fixture's contracts. An external library (linked by the test runner) keeps their creation
 * code out of every test contract, which must stay under the 24 KiB code size (solc warns above it, and
 * warnings are errors). Called by DELEGATECALL, so the test contract is the deployer.
 * Hardhat links against built artifacts: on a fresh checkout, run `npx hardhat build` before running a single
 * test file (`npx hardhat test solidity` without arguments builds everything first).
 */
library PoolFixtureDeployer {
    /// @notice Deploys a pool with `params`; bubbles the constructor's revert.
    function deployPool(IParimutuelPool.Params memory params) external returns (ParimutuelPool) {
        return new ParimutuelPool(params);
    }

    /// @notice Deploys a settable oracle stub.
    function deployOracleStub() external returns (PoolOracleStub) {
        return new PoolOracleStub();
    }

    /// @notice Deploys a mintable test token.
    function deployToken() external returns (PoolTestToken) {
        return new PoolTestToken();
    }
}
