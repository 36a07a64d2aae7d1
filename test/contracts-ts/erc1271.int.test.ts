import type { Contract } from 'ethers';
import { eventIdOf } from '../../oracle/result.js';
import { deploy, startHardhatNode, type HardhatNode } from '../support/chain.js';
import {
  attach,
  deployOracle,
  eoaSigner,
  erc1271Signer,
  matchResult,
  read,
  revertData,
  send,
  signResult,
  type OracleDeployment,
  type Signer,
} from './fixture.js';

/** An attester that is a contract wallet (ERC-1271, like a Safe): its owner's key signs for it. */
describe('ResultsOracle with an ERC-1271 attester', () => {
  let node: HardhatNode;
  let d: OracleDeployment;
  let wallet: Contract;
  let signers: Signer[];

  beforeAll(async () => {
    node = await startHardhatNode();
    const owner = node.wallet(8);
    const deployed = await deploy(node.wallet(0), 'testing/Erc1271TestWallet.sol', 'Erc1271TestWallet', [
      owner.address,
    ]);
    wallet = await attach('testing/Erc1271TestWallet.sol', 'Erc1271TestWallet', await deployed.getAddress(), owner);
    const eoas = [1, 2, 3, 4].map((i) => node.wallet(i));
    // Set: EOA, EOA, contract wallet, EOA, EOA.
    signers = [
      eoaSigner(eoas[0]!),
      eoaSigner(eoas[1]!),
      erc1271Signer(await wallet.getAddress(), owner),
      eoaSigner(eoas[2]!),
      eoaSigner(eoas[3]!),
    ];
    d = await deployOracle(node.wallet(0), {
      attesters: signers.map((s) => s.address),
      threshold: 3,
      disputeThreshold: 4,
      guardian: node.wallet(6).address,
      governance: node.wallet(7).address,
    });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('accepts a quorum in which the contract wallet signs through isValidSignature', async () => {
    const result = matchResult(eventIdOf('erc1271/accepted'), 4, 4);
    const bundle = await signResult(d.domain, d.set, [signers[0]!, signers[2]!, signers[4]!], result);
    await send(d.oracle, 'propose', result, bundle);
    const [phase, status, home, away] = await read(d.oracle, 'matchResult', result.eventId);
    expect([phase, status, home, away]).toEqual([1n, 1n, 4n, 4n]);
  });

  it('refuses the wallet entry when the wallet refuses, or when another key signed for it', async () => {
    const result = matchResult(eventIdOf('erc1271/refused'), 0, 3);
    const walletAddress = await wallet.getAddress();
    const expected = { name: 'InvalidSignature', args: [walletAddress] };
    const decode = async (action: Promise<unknown>) => {
      const parsed = d.oracle.interface.parseError(await revertData(action));
      return { name: parsed?.name, args: parsed?.args.toArray() };
    };

    const impostor = erc1271Signer(walletAddress, node.wallet(9));
    const forged = await signResult(d.domain, d.set, [signers[0]!, impostor, signers[3]!], result);
    expect(await decode(d.oracle.getFunction('propose').staticCall(result, forged))).toEqual(expected);

    const genuine = await signResult(d.domain, d.set, [signers[0]!, signers[2]!, signers[3]!], result);
    await send(wallet, 'setRefusing', true);
    expect(await decode(d.oracle.getFunction('propose').staticCall(result, genuine))).toEqual(expected);
    await send(wallet, 'setRefusing', false);
    await send(d.oracle, 'propose', result, genuine);
    expect((await read(d.oracle, 'matchResult', result.eventId))[0]).toBe(1n);
  });
});
