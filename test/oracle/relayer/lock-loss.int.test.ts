import { JsonRpcProvider, type TransactionRequest } from 'ethers';
import { isOracleError } from '../../../oracle/errors.js';
import type { RelayerLock } from '../../../oracle/relayer/relayer-lock.js';
import {
  ListReadySource,
  createWorld,
  makeRelayer,
  makeResult,
  proposedCount,
  readyOf,
  sign,
  type OracleWorld,
} from '../chain/harness.js';

/**
 * The fencing of the relayer lock: every outbox write of the leader goes through the session that holds
 * the advisory lock, and a transaction is recorded before it is broadcast — so a relayer whose session is
 * gone (killed by Postgres, network cut) never sends, even in the middle of a tick.
 */
describe('a relayer that lost its lock never sends', () => {
  let world: OracleWorld;
  beforeAll(async () => {
    world = await createWorld('lock_loss');
  });
  afterAll(async () => {
    await world.close();
  });

  const nonceOf = (index: number) =>
    world.node.provider.getTransactionCount(world.node.wallet(index).address, 'pending');
  const terminate = async (pid: number) => {
    await world.pool.query('select pg_terminate_backend($1)', [pid]);
  };
  const pidOf = async (lock: RelayerLock): Promise<number> =>
    (await lock.session.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;

  it('lost between ticks: the next tick fails with ORACLE_LOCK_LOST before any RPC send; the standby publishes once', async () => {
    const source = new ListReadySource();
    const a = makeRelayer(world, source, { walletIndex: 7 });
    const b = makeRelayer(world, source, { walletIndex: 8 });
    try {
      expect(await a.service.runOnce()).not.toBe('standby');
      expect(await b.service.runOnce()).toBe('standby');
      const before = await nonceOf(7);
      await terminate(await pidOf(a.lock));
      await new Promise((r) => setTimeout(r, 200)); // the 'error'/'end' event reaches the client
      const result = await makeResult(world, 'lock-lost-between');
      source.add(readyOf(world, result, await sign(world, result, [1, 2, 3])));
      // A tick already scheduled runs anyway: it must not sign-and-send.
      const error: unknown = await a.relayer.tick().catch((e: unknown) => e);
      expect(isOracleError(error, 'ORACLE_LOCK_LOST')).toBe(true);
      expect(a.lock.held).toBe(false);
      expect(await nonceOf(7)).toBe(before);

      expect(await b.service.runOnce()).not.toBe('standby'); // takes over
      expect(await a.service.runOnce()).toBe('standby');
      await b.service.runOnce();
      expect(await proposedCount(world, result.eventId)).toBe(1);
      expect(await nonceOf(7)).toBe(before);
    } finally {
      await a.service.stop();
      await b.service.stop();
    }
  });

  it('lost in the middle of a tick (after the simulation, before recording): nothing is broadcast', async () => {
    let kill: (() => Promise<void>) | undefined;
    let broadcasts = 0;
    /** The node as the relayer sees it; the lock session dies while the gas estimate is in flight. */
    class CutProvider extends JsonRpcProvider {
      override async estimateGas(tx: TransactionRequest): Promise<bigint> {
        const gas = await super.estimateGas(tx);
        if (kill) {
          await kill();
          kill = undefined;
        }
        return gas;
      }
      override async broadcastTransaction(raw: string): ReturnType<JsonRpcProvider['broadcastTransaction']> {
        broadcasts++;
        return super.broadcastTransaction(raw);
      }
    }
    const provider = new CutProvider(world.node.url, 31337, { staticNetwork: true, cacheTimeout: -1 });
    const source = new ListReadySource();
    const a = makeRelayer(world, source, { walletIndex: 7, provider });
    const b = makeRelayer(world, source, { walletIndex: 8 });
    try {
      expect(await a.service.runOnce()).not.toBe('standby');
      const pid = await pidOf(a.lock);
      kill = async () => {
        await terminate(pid);
        await new Promise((r) => setTimeout(r, 200));
      };
      const result = await makeResult(world, 'lock-lost-mid-tick');
      source.add(readyOf(world, result, await sign(world, result, [2, 3, 4])));
      const before = await nonceOf(7);
      await expect(a.service.runOnce()).rejects.toThrow();
      expect(broadcasts).toBe(0);
      expect(await nonceOf(7)).toBe(before);
      const { rows } = await world.pool.query(
        `select t.id from oracle_transactions t join oracle_publications p on p.id = t.publication_id where p.subject = $1`,
        [result.eventId],
      );
      expect(rows).toEqual([]); // nothing recorded, hence nothing to resend by anyone

      expect(await b.service.runOnce()).not.toBe('standby');
      await b.service.runOnce();
      expect(await proposedCount(world, result.eventId)).toBe(1);
      expect(await nonceOf(7)).toBe(before);
    } finally {
      await a.service.stop();
      await b.service.stop();
      provider.destroy();
    }
  });
});
