import type { AbstractProvider } from 'ethers';
import { FailoverProvider, createProvider } from '../../../oracle/chain/provider.js';
import type { ChainConfig } from '../../../oracle/config.js';
import { isOracleError } from '../../../oracle/errors.js';
import {
  ListReadySource,
  createWorld,
  makeRelayer,
  makeResult,
  proposedCount,
  readyOf,
  sign,
  type OracleWorld,
} from './harness.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/**
 * RPC failover through TCP proxies cut in front of a real `hardhat node`: the first URL refuses or
 * hangs, the second serves reads, sends and log queries; the first comes back into use once it recovers.
 */
describe('FailoverProvider over two URLs (TCP proxies in front of a hardhat node)', () => {
  let world: OracleWorld;
  let first: TcpProxy;
  let second: TcpProxy;
  const providers: AbstractProvider[] = [];

  beforeAll(async () => {
    world = await createWorld('failover');
  });
  beforeEach(async () => {
    const target = { host: '127.0.0.1', port: world.node.port };
    first = await startTcpProxy(target);
    second = await startTcpProxy(target);
  });
  afterEach(async () => {
    for (const p of providers.splice(0)) p.destroy();
    await first.close();
    await second.close();
  });
  afterAll(async () => {
    await world.close();
  });

  const config = (): ChainConfig => ({
    provider: { kind: 'rpc', urls: [first.url, second.url] },
    chainId: 31337n,
    timeoutMs: 1_500,
    stallTimeoutMs: 200,
    retries: 2,
    breakerFailures: 20,
    breakerHalfOpenMs: 500,
    oracleAddress: world.address,
    deploymentBlock: world.deploymentBlock,
  });
  const failover = (recoverAfterMs = 400): FailoverProvider => {
    const provider = createProvider(config(), { cacheTimeout: -1, recoverAfterMs }) as FailoverProvider;
    providers.push(provider);
    return provider;
  };

  async function publishThrough(provider: AbstractProvider, key: string): Promise<string> {
    const source = new ListReadySource();
    const result = await makeResult(world, key);
    source.add(readyOf(world, result, await sign(world, result, [1, 2, 3])));
    const { service } = makeRelayer(world, source, { provider });
    try {
      await service.runOnce(); // simulate, estimate, nonce, broadcast
      await service.runOnce(); // receipt → confirmed
    } finally {
      await service.stop();
    }
    const { rows } = await world.pool.query<{ state: string }>(
      'select state from oracle_publications where subject = $1',
      [result.eventId],
    );
    expect(rows).toEqual([{ state: 'confirmed' }]);
    expect(await proposedCount(world, result.eventId)).toBe(1);
    return result.eventId;
  }

  const logsOf = (provider: AbstractProvider) =>
    provider.getLogs({ address: world.address, fromBlock: world.deploymentBlock, toBlock: 'latest' });

  it('is an ethers AbstractProvider built for several URLs', () => {
    expect(failover()).toBeInstanceOf(FailoverProvider);
  });

  it('first URL refusing from start-up: reads, sends and log queries go to the second; it comes back when it recovers', async () => {
    await first.set('refuse');
    const provider = failover(300);
    expect(await provider.getBlockNumber()).toBeGreaterThan(0);
    const eventId = await publishThrough(provider, 'failover-refused');
    expect((await logsOf(provider)).some((log) => log.topics.includes(eventId))).toBe(true);
    expect(provider.health()[0]).toMatchObject({ healthy: false, lastError: 'ECONNREFUSED' });

    await first.set('forward');
    await new Promise((r) => setTimeout(r, 350));
    const before = first.connections;
    await provider.getBlockNumber();
    expect(first.connections).toBeGreaterThan(before); // the recovered URL is asked first again
    expect(provider.health()[0]).toMatchObject({ healthy: true, failures: 0 });
    await publishThrough(provider, 'failover-refused-recovered');
  });

  it('first URL hanging: the second serves after the stall timeout; sends and log queries too', async () => {
    const provider = failover(60_000);
    expect(await provider.getBlockNumber()).toBeGreaterThan(0); // both up: warms the first
    await first.set('hang');
    const before = second.connections;
    expect(await provider.getBlockNumber()).toBeGreaterThan(0); // raced by the second after the stall timeout
    expect(second.connections).toBeGreaterThan(before);
    expect(provider.health()[0]).toMatchObject({ healthy: false, lastError: 'STALLED' });
    const eventId = await publishThrough(provider, 'failover-hung');
    expect((await logsOf(provider)).some((log) => log.topics.includes(eventId))).toBe(true);
    expect(provider.health()[0]!.healthy).toBe(false);
  });

  it('first URL failing mid-run then recovering: traffic moves to the second and back', async () => {
    const provider = failover(300);
    await publishThrough(provider, 'failover-mid-1');
    await first.set('refuse');
    await publishThrough(provider, 'failover-mid-2');
    await first.set('forward');
    await new Promise((r) => setTimeout(r, 350));
    const before = { first: first.connections, second: second.connections };
    await publishThrough(provider, 'failover-mid-3');
    expect(first.connections).toBeGreaterThan(before.first);
    expect(provider.health().every((h) => h.healthy)).toBe(true);
  });

  it('an answer (a revert) is the answer: the next URL is not asked', async () => {
    const provider = failover();
    const before = second.connections;
    await expect(
      provider.call({
        to: world.address,
        data: world.oracle.interface.encodeFunctionData('rotateAttesters', [[], 1, 2]),
      }),
    ).rejects.toMatchObject({ code: 'CALL_EXCEPTION' });
    expect(second.connections).toBe(before);
  });

  it('every URL down: ORACLE_RPC_UNAVAILABLE (transient), then service resumes when one recovers', async () => {
    const provider = failover(200);
    await first.set('refuse');
    await second.set('refuse');
    const error: unknown = await provider.getBlockNumber().catch((e: unknown) => e);
    expect(isOracleError(error, 'ORACLE_RPC_UNAVAILABLE')).toBe(true);
    await second.set('forward');
    expect(await provider.getBlockNumber()).toBeGreaterThan(0);
  });
});
