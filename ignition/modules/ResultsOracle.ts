import { buildModule } from '@nomicfoundation/hardhat-ignition/modules';

/**
 * Deploys `ResultsOracle` (no proxy: the contract is not upgradeable; rotation and configuration
 * are governed in place). Every constructor argument is a module parameter, so one module serves
 * the local node (`ignition/parameters/local.json`), Sepolia and mainnet (a parameters file per
 * network, see docs/deploy.md).
 *
 * Parameters (module id `ResultsOracle`):
 * - `attesters`: the initial attester set (epoch 1), 1..16 distinct non-zero addresses (EOAs or ERC-1271 wallets);
 * - `threshold`: signatures needed to propose;
 * - `disputeThreshold`: signatures needed to resolve a dispute (> threshold unless threshold == set size);
 * - `disputeWindow`: seconds a proposal stays disputable (60 s .. 30 days; default 1 hour);
 * - `guardian`: may pause and dispute;
 * - `governance`: owner (two-step transfer): rotates, configures, resolves, unpauses.
 */
export default buildModule('ResultsOracle', (m) => {
  const attesters = m.getParameter<string[]>('attesters');
  const threshold = m.getParameter<number>('threshold');
  const disputeThreshold = m.getParameter<number>('disputeThreshold');
  const disputeWindow = m.getParameter<number>('disputeWindow', 3_600);
  const guardian = m.getParameter<string>('guardian');
  const governance = m.getParameter<string>('governance');

  const oracle = m.contract('ResultsOracle', [
    attesters,
    threshold,
    disputeThreshold,
    disputeWindow,
    guardian,
    governance,
  ]);
  return { oracle };
});
