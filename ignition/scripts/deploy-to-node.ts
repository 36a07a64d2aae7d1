/**
 * Deploys the ResultsOracle Ignition module to a node given by URL, without a network entry in
 * hardhat.config.ts: `IGNITION_RPC_URL=http://127.0.0.1:8546 tsx ignition/scripts/deploy-to-node.ts`.
 * It connects through Hardhat's `localhost` network with its URL overridden and deploys with the
 * node's first unlocked account. Options (environment):
 * - `IGNITION_RPC_URL` (required): the node's JSON-RPC URL;
 * - `IGNITION_PARAMETERS`: parameters file (default `ignition/parameters/local.json`);
 * - `IGNITION_DEPLOYMENT_ID`: Ignition deployment id (journal folder under ignition/deployments/).
 * Prints `{"oracle":"0x…"}` on its last line. Used by `test/contracts-ts/ignition.int.test.ts`.
 */
import hre from 'hardhat';
import ResultsOracleModule from '../modules/ResultsOracle.js';

const url = process.env.IGNITION_RPC_URL;
if (!url) throw new Error('IGNITION_RPC_URL is required');
const connection = await hre.network.create({ network: 'localhost', override: { url } });
try {
  const { oracle } = await connection.ignition.deploy(ResultsOracleModule, {
    parameters: process.env.IGNITION_PARAMETERS ?? 'ignition/parameters/local.json',
    deploymentId: process.env.IGNITION_DEPLOYMENT_ID,
    displayUi: false,
  });
  console.log(JSON.stringify({ oracle: await oracle.getAddress() }));
} finally {
  await connection.close();
}
