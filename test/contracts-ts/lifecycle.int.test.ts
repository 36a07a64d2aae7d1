import { recoverAddress, type Contract, type Wallet } from 'ethers';
import {
  Phase,
  RESULT_TYPES,
  ResultStatus,
  attesterSetHash,
  eventIdOf,
  packSignatures,
  resultDigest,
  resultMessage,
  type AttesterSignature,
  type Result,
} from '../../oracle/result.js';
import { startHardhatNode, type HardhatNode } from '../support/chain.js';
import {
  WINDOW,
  advanceTime,
  deployOracle,
  eoaSigner,
  matchResult,
  read,
  revertData,
  send,
  signResolution,
  signResult,
  type OracleDeployment,
  type Signer,
} from './fixture.js';

/** A 3-of-5 oracle (dispute threshold 4) driven end to end with ethers v6 over JSON-RPC. */
describe('ResultsOracle 3-of-5 lifecycle (ethers v6, Hardhat node)', () => {
  let node: HardhatNode;
  let d: OracleDeployment;
  let attesters: Wallet[];
  let signers: Signer[];
  let relayer: Wallet;
  let guardian: Wallet;
  let governance: Wallet;

  /** Decodes the custom error of a reverting call or transaction with the oracle's ABI. */
  async function oracleError(action: Promise<unknown>): Promise<{ name: string; args: unknown[] }> {
    const parsed = d.oracle.interface.parseError(await revertData(action));
    if (!parsed) throw new Error('revert data is not an oracle error');
    return { name: parsed.name, args: parsed.args.toArray() };
  }
  const as = (wallet: Wallet): Contract => d.oracle.connect(wallet) as Contract;
  const sign = (result: Result, indices: number[]): Promise<string> =>
    signResult(
      d.domain,
      d.set,
      indices.map((i) => signers[i]!),
      result,
    );

  beforeAll(async () => {
    node = await startHardhatNode();
    attesters = [1, 2, 3, 4, 5].map((i) => node.wallet(i));
    signers = attesters.map(eoaSigner);
    guardian = node.wallet(6);
    governance = node.wallet(7);
    relayer = node.wallet(9);
    d = await deployOracle(node.wallet(0), {
      attesters: attesters.map((w) => w.address),
      threshold: 3,
      disputeThreshold: 4,
      guardian: guardian.address,
      governance: governance.address,
    });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('relays 3 of 5 signatures, reads Proposed, then Final after the window with no further transaction', async () => {
    const result = matchResult(eventIdOf('e2e/psg-om'), 2, 1);
    // Attesters 4, 0 and 2 sign, in any order: the bundle orders them by the set.
    const receipt = await send(as(relayer), 'propose', result, await sign(result, [4, 0, 2]));

    const proposed = receipt.logs
      .map((log) => d.oracle.interface.parseLog(log))
      .find((e) => e?.name === 'ResultProposed');
    expect(proposed?.args.toArray()).toEqual([result.eventId, 1n, 1n, [2n, 1n], result.endedAt, expect.any(BigInt)]);
    const finalAt = proposed!.args.getValue('finalAt') as bigint;
    const block = await node.provider.getBlock(receipt.blockNumber);
    expect(finalAt).toBe(BigInt(block!.timestamp + WINDOW));

    expect(await read(d.oracle, 'matchResult', result.eventId)).toEqual([
      BigInt(Phase.Proposed),
      BigInt(ResultStatus.Completed),
      2n,
      1n,
      1n,
      finalAt,
    ]);
    expect(await oracleError(read(d.oracle, 'finalMatchResult', result.eventId))).toEqual({
      name: 'ResultNotFinal',
      args: [result.eventId, BigInt(Phase.Proposed)],
    });

    // Time passes; nobody sends a transaction.
    const nonces = await Promise.all([relayer, ...attesters].map((w) => node.provider.getTransactionCount(w.address)));
    const blockBefore = await node.provider.getBlockNumber();
    await advanceTime(node, WINDOW);
    expect(await node.provider.getBlockNumber()).toBe(blockBefore + 1); // the empty block of evm_mine
    expect((await node.provider.getBlock('latest'))!.transactions).toHaveLength(0);

    expect(await read(d.oracle, 'finalMatchResult', result.eventId)).toEqual([1n, 2n, 1n]);
    expect((await read(d.oracle, 'matchResult', result.eventId))[0]).toBe(BigInt(Phase.Final));
    expect(await read(d.oracle, 'isFinal', result.eventId)).toEqual([true]);
    expect(await Promise.all([relayer, ...attesters].map((w) => node.provider.getTransactionCount(w.address)))).toEqual(
      nonces,
    );

    // A final result never changes: a correction is refused.
    const correction = { ...result, values: [2, 2], version: 2 };
    expect(
      await oracleError(
        as(relayer)
          .getFunction('propose')
          .staticCall(correction, await sign(correction, [0, 1, 2])),
      ),
    ).toEqual({ name: 'ResultAlreadyFinal', args: [result.eventId] });
  });

  it('refuses fewer than 3 signatures, a foreign signature and a bundle for another set (custom errors decoded)', async () => {
    const result = matchResult(eventIdOf('e2e/refusals'), 0, 0);
    expect(
      await oracleError(
        as(relayer)
          .getFunction('propose')
          .send(result, await sign(result, [0, 3])),
      ),
    ).toEqual({
      name: 'InsufficientSignatures',
      args: [2n, 3n],
    });

    // Attester 1 signed another payload: its signature recovers another address in position 1, so the
    // rebuilt set is not the stored one (bundle v2 does not send a signer's address).
    const other = { ...result, values: [1, 0] };
    const { bundle: mixed, foreign } = await mixedBundle(result, other);
    const recovered = recoverAddress(resultDigest(d.domain, result), foreign.signature);
    expect(recovered).not.toBe(attesters[1]!.address);
    expect(await oracleError(as(relayer).getFunction('propose').staticCall(result, mixed))).toEqual({
      name: 'AttesterSetMismatch',
      args: [attesterSetHash(d.set.map((a, i) => (i === 1 ? recovered : a))), attesterSetHash(d.set)],
    });

    const otherSet = await signResult(
      d.domain,
      [...d.set].reverse(),
      [0, 1, 2].map((i) => signers[i]!),
      result,
    );
    const error = await oracleError(as(relayer).getFunction('propose').staticCall(result, otherSet));
    expect(error.name).toBe('AttesterSetMismatch');

    const stale = { ...result, epoch: 2 };
    expect(
      await oracleError(
        as(relayer)
          .getFunction('propose')
          .staticCall(stale, await sign(stale, [0, 1, 2])),
      ),
    ).toEqual({ name: 'WrongEpoch', args: [2n, 1n] });

    const now = BigInt((await node.provider.getBlock('latest'))!.timestamp);
    const expired = { ...result, deadline: now - 1n };
    const expiredError = await oracleError(
      as(relayer)
        .getFunction('propose')
        .send(expired, await sign(expired, [0, 1, 2])),
    );
    expect(expiredError.name).toBe('SignatureExpired');
  });

  it('corrects before finality with a higher version, and refuses the same version again', async () => {
    const result = matchResult(eventIdOf('e2e/correction'), 1, 1);
    await send(as(relayer), 'propose', result, await sign(result, [0, 1, 2]));
    expect(
      await oracleError(
        as(relayer)
          .getFunction('propose')
          .staticCall(result, await sign(result, [2, 3, 4])),
      ),
    ).toEqual({ name: 'VersionNotHigher', args: [result.eventId, 1n, 1n] });
    const correction = { ...result, values: [1, 2], version: 2 };
    await send(as(relayer), 'propose', correction, await sign(correction, [2, 3, 4]));
    const [phase, status, home, away, version] = await read(d.oracle, 'matchResult', result.eventId);
    expect([phase, status, home, away, version]).toEqual([BigInt(Phase.Proposed), 1n, 1n, 2n, 2n]);
  });

  it('disputes inside the window, then resolves with 4 of 5 Resolution signatures (final at once)', async () => {
    const result = matchResult(eventIdOf('e2e/dispute'), 3, 0);
    // Relayed with every attester's signature: more than the dispute threshold.
    const proposal = await sign(result, [0, 1, 2, 3, 4]);
    await send(as(relayer), 'propose', result, proposal);
    expect(await oracleError(as(relayer).getFunction('dispute').staticCall(result.eventId))).toEqual({
      name: 'NotAttesterOrGuardian',
      args: [relayer.address],
    });
    await send(as(attesters[3]!), 'dispute', result.eventId);
    expect((await read(d.oracle, 'matchResult', result.eventId))[0]).toBe(BigInt(Phase.Disputed));

    // The proposal's signatures are a `Result`: they never overturn the dispute, however many.
    expect((await oracleError(as(relayer).getFunction('resolve').staticCall(result, proposal))).name).toBe(
      'AttesterSetMismatch',
    );
    const resolve = (r: Result, indices: number[]): Promise<string> =>
      signResolution(
        d.domain,
        d.set,
        indices.map((i) => signers[i]!),
        r,
      );
    const replacement = { ...result, values: [3, 1] };
    expect(
      await oracleError(
        as(relayer)
          .getFunction('resolve')
          .staticCall(replacement, await resolve(replacement, [0, 1, 2])),
      ),
    ).toEqual({ name: 'InsufficientSignatures', args: [3n, 4n] });
    await send(as(relayer), 'resolve', replacement, await resolve(replacement, [0, 1, 3, 4]));
    expect(await read(d.oracle, 'finalMatchResult', result.eventId)).toEqual([1n, 3n, 1n]);
  });

  it('lets governance resolve a dispute opened by the guardian', async () => {
    const result = matchResult(eventIdOf('e2e/governance'), 0, 1);
    await send(as(relayer), 'propose', result, await sign(result, [1, 2, 3]));
    await send(as(guardian), 'dispute', result.eventId);
    const voided: Result = { ...result, status: ResultStatus.Void, values: [] };
    await send(as(governance), 'resolveByGovernance', voided);
    expect(await read(d.oracle, 'finalMatchResult', result.eventId)).toEqual([BigInt(ResultStatus.Void), 0n, 0n]);
  });

  /** Attesters 0 and 2 sign `result`, attester 1 signs `other` (`foreign`): one bundle. */
  async function mixedBundle(result: Result, other: Result): Promise<{ bundle: string; foreign: AttesterSignature }> {
    const foreign = await signers[1]!.sign(d.domain, RESULT_TYPES, resultMessage(other));
    const bundle = packSignatures(d.set, [
      await signers[0]!.sign(d.domain, RESULT_TYPES, resultMessage(result)),
      foreign,
      await signers[2]!.sign(d.domain, RESULT_TYPES, resultMessage(result)),
    ]);
    return { bundle, foreign };
  }
});
