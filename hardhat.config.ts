import { createRequire } from 'node:module';
import { defineConfig, configVariable } from 'hardhat/config';
import type { HardhatPlugin } from 'hardhat/types/plugins';
import hardhatEthers from '@nomicfoundation/hardhat-ethers';
import hardhatIgnitionEthers from '@nomicfoundation/hardhat-ignition-ethers';
import hardhatKeystore from '@nomicfoundation/hardhat-keystore';
import hardhatNetworkHelpers from '@nomicfoundation/hardhat-network-helpers';
import { warningsAsErrors } from './scripts/hardhat/warnings-as-errors.js';

const require = createRequire(import.meta.url);
/** The solc compiler shipped by the `solc` npm package: nothing is downloaded at build time. */
const SOLC_VERSION = '0.8.30';
const soljsonPath = require.resolve('solc/soljson.js');

const compilerSettings = {
  evmVersion: 'prague',
  optimizer: { enabled: true, runs: 10_000 },
  viaIR: false,
  metadata: { bytecodeHash: 'none' },
};

const plugins: HardhatPlugin[] = [
  hardhatEthers,
  hardhatNetworkHelpers,
  hardhatIgnitionEthers,
  hardhatKeystore,
  warningsAsErrors,
];

export default defineConfig({
  plugins,
  solidity: {
    profiles: {
      default: { version: SOLC_VERSION, path: soljsonPath, settings: compilerSettings },
      production: { version: SOLC_VERSION, path: soljsonPath, settings: compilerSettings },
    },
  },
  paths: {
    sources: './contracts',
    tests: { solidity: './test/contracts' },
  },
  test: {
    solidity: {
      fuzz: { runs: Number(process.env.FUZZ_RUNS ?? 256), seed: '0x5eed' },
      invariant: { runs: Number(process.env.INVARIANT_RUNS ?? 64), depth: 32, failOnRevert: false },
    },
  },
  networks: {
    hardhatMainnet: { type: 'edr-simulated', chainType: 'l1' },
    localhost: { type: 'http', chainType: 'l1', url: 'http://127.0.0.1:8545' },
    sepolia: {
      type: 'http',
      chainType: 'l1',
      url: configVariable('SEPOLIA_RPC_URL'),
      accounts: [configVariable('DEPLOYER_PRIVATE_KEY')],
    },
    mainnet: {
      type: 'http',
      chainType: 'l1',
      url: configVariable('MAINNET_RPC_URL'),
      accounts: [configVariable('DEPLOYER_PRIVATE_KEY')],
    },
  },
});
