import {
  ListReadySource,
  createWorld,
  makeRelayer,
  makeResult,
  mine,
  proposedCount,
  readyOf,
  sign,
  type OracleWorld,
} from '../chain/harness.js';

/**
 * Standby relayers holding their own keys: when the leader dies with a transaction in flight, the
 * standby never signs for the leader's nonce with its own key; it follows the leader's transaction to its
 * end (relaying its signed bytes if the node lost them) and publishes the rest from its own account.
 */
describe('a standby with another key takes over from a leader that died with a pending transaction', () => {
  let world: OracleWorld;
  beforeAll(async () => {
    world = await createWorld('standby_keys');
    await world.node.provider.send('evm_setAutomine', [false]); // transactions wait in the mempool
  });
  afterAll(async () => {
    await world.close();
  });

  const LEADER = 7;
  const STANDBY = 8;
  const nonceOf = (index: number) =>
    world.node.provider.getTransactionCount(world.node.wallet(index).address, 'latest');
  const rows = async (subject: string) =>
    (
      await world.pool.query<{ sender: string; nonce: string; state: string; pub_state: string }>(
        `select t.sender, t.nonce, t.state, p.state as pub_state from oracle_publications p
           left join oracle_transactions t on t.publication_id = p.id where p.subject = $1 order by t.id`,
        [subject],
      )
    ).rows;

  async function leaderSendsThenDies(key: string, source: ListReadySource): Promise<string> {
    const result = await makeResult(world, key);
    source.add(readyOf(world, result, await sign(world, result, [1, 2, 3])));
    const leader = makeRelayer(world, source, { walletIndex: LEADER });
    await leader.service.runOnce(); // sent; pending in the mempool (no automine)
    await leader.lock.release(); // the leader dies: its session, hence its lock, ends
    expect(await rows(result.eventId)).toEqual([
      expect.objectContaining({ sender: world.node.wallet(LEADER).address.toLowerCase(), pub_state: 'sent' }),
    ]);
    return result.eventId;
  }

  it("follows the leader's pending transaction to its receipt, never replacing it with its own key; publishes the rest from its own account", async () => {
    const source = new ListReadySource();
    const leaderBefore = await nonceOf(LEADER);
    const standbyBefore = await nonceOf(STANDBY);
    const first = await leaderSendsThenDies('standby-pending', source);

    let now = Date.now() + 5 * 60_000; // well past replaceAfterMs (60 s), before the foreign timeout (10 min)
    const standby = makeRelayer(world, source, { walletIndex: STANDBY, clock: () => now });
    try {
      await standby.service.runOnce(); // takes the lock; the leader's tx is not its nonce to replace
      await standby.service.runOnce();
      expect((await rows(first)).map((r) => r.sender)).toEqual([world.node.wallet(LEADER).address.toLowerCase()]);
      await mine(world); // the leader's transaction is mined
      await standby.service.runOnce();
      await mine(world);
      await standby.service.runOnce();
      expect(await rows(first)).toEqual([expect.objectContaining({ state: 'mined', pub_state: 'confirmed' })]);

      const result = await makeResult(world, 'standby-rest');
      source.add(readyOf(world, result, await sign(world, result, [2, 3, 4])));
      await standby.service.runOnce(); // its own account, its own nonce
      await mine(world);
      await standby.service.runOnce();
      await mine(world);
      now += 1_000;
      await standby.service.runOnce();
      expect(await rows(result.eventId)).toEqual([
        expect.objectContaining({
          sender: world.node.wallet(STANDBY).address.toLowerCase(),
          nonce: String(standbyBefore),
          pub_state: 'confirmed',
        }),
      ]);
    } finally {
      await standby.service.stop();
    }
    expect(await proposedCount(world, first)).toBe(1);
    expect(await nonceOf(LEADER)).toBe(leaderBefore + 1);
    expect(await nonceOf(STANDBY)).toBe(standbyBefore + 1);
  });

  it("relays the leader's signed bytes again when the node lost them", async () => {
    const source = new ListReadySource();
    const leaderBefore = await nonceOf(LEADER);
    const eventId = await leaderSendsThenDies('standby-dropped', source);
    const [sent] = (
      await world.pool.query<{ tx_hash: string }>(
        `select t.tx_hash from oracle_transactions t join oracle_publications p on p.id = t.publication_id
          where p.subject = $1`,
        [eventId],
      )
    ).rows;
    await world.node.provider.send('hardhat_dropTransaction', [sent!.tx_hash]);
    const standby = makeRelayer(world, source, { walletIndex: STANDBY });
    try {
      await standby.service.runOnce(); // the node does not know it: the same bytes again
      await mine(world);
      await standby.service.runOnce();
      await mine(world);
      await standby.service.runOnce();
    } finally {
      await standby.service.stop();
    }
    expect(await rows(eventId)).toEqual([
      expect.objectContaining({ sender: world.node.wallet(LEADER).address.toLowerCase(), pub_state: 'confirmed' }),
    ]);
    expect(await proposedCount(world, eventId)).toBe(1);
    expect(await nonceOf(LEADER)).toBe(leaderBefore + 1);
  });

  it('a leader transaction never mined within the foreign timeout is re-sent from the standby account, once', async () => {
    const source = new ListReadySource();
    const eventId = await leaderSendsThenDies('standby-abandoned', source);
    const [sent] = (
      await world.pool.query<{ tx_hash: string }>(
        `select t.tx_hash from oracle_transactions t join oracle_publications p on p.id = t.publication_id
          where p.subject = $1`,
        [eventId],
      )
    ).rows;
    let now = Date.now();
    const standby = makeRelayer(world, source, {
      walletIndex: STANDBY,
      clock: () => now,
      relayer: { foreignTimeoutMs: 60_000 },
    });
    try {
      await standby.service.runOnce();
      // The leader's transaction disappears for good (a node that will never mine it).
      await world.node.provider.send('hardhat_dropTransaction', [sent!.tx_hash]);
      now += 61_000;
      await standby.service.runOnce(); // gives up on it: re-queued and sent from the standby account
      await mine(world);
      await standby.service.runOnce();
      await mine(world);
      await standby.service.runOnce();
    } finally {
      await standby.service.stop();
    }
    const final = await rows(eventId);
    expect(final.map((r) => [r.sender, r.state])).toEqual([
      [world.node.wallet(LEADER).address.toLowerCase(), 'dropped'],
      [world.node.wallet(STANDBY).address.toLowerCase(), 'mined'],
    ]);
    expect(final[0]!.pub_state).toBe('confirmed');
    expect(await proposedCount(world, eventId)).toBe(1);
  });
});
