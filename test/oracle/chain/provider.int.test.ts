import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BrokenCircuitError } from 'cockatiel';
import { createProvider } from '../../../oracle/chain/provider.js';
import type { ChainConfig } from '../../../oracle/config.js';
import { freePort } from '../../support/chain.js';
import {
  ListReadySource,
  createWorld,
  fastPolicy,
  makeRelayer,
  makeResult,
  proposedCount,
  readyOf,
  sign,
  type OracleWorld,
} from './harness.js';

/** A loopback JSON-RPC proxy that answers 503 to the first `failures` requests, then forwards. */
async function flakyProxy(
  target: string,
  failures: number,
): Promise<{ url: string; seen: () => number; close(): Promise<void> }> {
  let seen = 0;
  const server: Server = createServer((req, res) => {
    seen++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (seen <= failures) {
        res.writeHead(503).end('unavailable');
        return;
      }
      const body = Buffer.concat(chunks);
      const upstream = httpRequest(
        target,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, { 'content-type': 'application/json' });
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen: () => seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function rpcConfig(world: OracleWorld, urls: string[]): ChainConfig {
  return {
    provider: { kind: 'rpc', urls },
    chainId: 31337n,
    timeoutMs: 2_000,
    stallTimeoutMs: 300,
    retries: 3,
    breakerFailures: 5,
    breakerHalfOpenMs: 500,
    oracleAddress: world.address,
    deploymentBlock: world.deploymentBlock,
  };
}

describe('provider from configuration, with retries and a circuit breaker', () => {
  let world: OracleWorld;
  beforeAll(async () => {
    world = await createWorld('provider');
  });
  afterAll(async () => {
    await world.close();
  });

  it('first RPC URL down → the second one serves, and the relayer publishes through it', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const provider = createProvider(rpcConfig(world, [dead, world.node.url]), { cacheTimeout: -1 });
    try {
      expect(await provider.getBlockNumber()).toBeGreaterThan(0);
      const source = new ListReadySource();
      const result = await makeResult(world, 'fallback');
      source.add(readyOf(world, result, await sign(world, result, [1, 2, 3])));
      const { service } = makeRelayer(world, source, { provider });
      try {
        await service.runOnce();
        await service.runOnce();
      } finally {
        await service.stop();
      }
      expect(await proposedCount(world, result.eventId)).toBe(1);
    } finally {
      provider.destroy();
    }
  });

  it('provider errors → retried with backoff, then recovery', async () => {
    const proxy = await flakyProxy(world.node.url, 2);
    const provider = createProvider(rpcConfig(world, [proxy.url]), { cacheTimeout: -1 });
    try {
      const policy = fastPolicy({ retries: 4, initialDelayMs: 50 });
      const retries: number[] = [];
      policy.onRetry((attempt) => retries.push(attempt));
      const started = Date.now();
      expect(await policy.execute(() => provider.getBlockNumber())).toBeGreaterThan(0);
      expect(retries).toEqual([1, 2]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(50); // backed off before retrying
      expect(proxy.seen()).toBe(3);
    } finally {
      provider.destroy();
      await proxy.close();
    }
  });

  it('consecutive failures open the breaker (calls fail fast), then a trial call closes it', async () => {
    const proxy = await flakyProxy(world.node.url, 3);
    const provider = createProvider(rpcConfig(world, [proxy.url]), { cacheTimeout: -1 });
    try {
      const policy = fastPolicy({ retries: 0, breakerFailures: 3, breakerHalfOpenMs: 300 });
      for (let i = 0; i < 3; i++) await expect(policy.execute(() => provider.getBlockNumber())).rejects.toThrow();
      expect(policy.state).toBe('open');
      await expect(policy.execute(() => provider.getBlockNumber())).rejects.toBeInstanceOf(BrokenCircuitError);
      expect(proxy.seen()).toBe(3); // the open breaker did not touch the provider
      await new Promise((r) => setTimeout(r, 350));
      expect(await policy.execute(() => provider.getBlockNumber())).toBeGreaterThan(0);
      expect(policy.state).toBe('closed');
    } finally {
      provider.destroy();
      await proxy.close();
    }
  });
});
