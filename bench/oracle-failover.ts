/**
 * `npm run bench:oracle-failover`: relayer throughput with RPC failover active. BENCH_FAILOVER_RESULTS
 * results (default 64) become ready at once; the relayer proposes them one by one (`proposePacked`,
 * at most 16 in flight, 1 confirmation) against a hardhat node mining a block every second, through:
 *  1. one URL, straight to the node (reference);
 *  2. two URLs (FailoverProvider), both up;
 *  3. two URLs, the first refusing connections (down from the start);
 *  4. two URLs, the first accepting connections and never answering (hung).
 * The URLs are TCP proxies on loopback in front of the node (test/oracle/chain/tcp-proxy.ts). Timeouts are
 * the production defaults of oracle/config.ts (request 10 s, stall 1.5 s, a failed URL retried after 10 s).
 * Writes the `## Oracle failover (npm run bench:oracle-failover)` section of bench/RESULTS.md.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import type { AbstractProvider } from 'ethers';
import { createProvider } from '../oracle/chain/provider.js';
import type { ChainConfig } from '../oracle/config.js';
import {
  ListReadySource,
  createWorld,
  makeRelayer,
  makeResult,
  readyOf,
  sign,
  type OracleWorld,
} from '../test/oracle/chain/harness.js';
import { startTcpProxy, type ProxyMode } from '../test/oracle/chain/tcp-proxy.js';

const RESULTS = Number(process.env.BENCH_FAILOVER_RESULTS ?? 64);

function chainConfig(world: OracleWorld, urls: string[]): ChainConfig {
  return {
    provider: { kind: 'rpc', urls },
    chainId: world.chainId,
    timeoutMs: 10_000,
    stallTimeoutMs: 1_500,
    retries: 4,
    breakerFailures: 8,
    breakerHalfOpenMs: 10_000,
    oracleAddress: world.address,
    deploymentBlock: world.deploymentBlock,
  };
}

interface Run {
  readonly label: string;
  readonly seconds: number;
  readonly perSec: number;
}

async function throughput(
  world: OracleWorld,
  label: string,
  provider: AbstractProvider,
  tag: string,
): Promise<Omit<Run, 'label'>> {
  const source = new ListReadySource();
  const results = await Promise.all(Array.from({ length: RESULTS }, (_, i) => makeResult(world, `${tag}-${i}`)));
  const ready = await Promise.all(results.map(async (r) => readyOf(world, r, await sign(world, r, [1, 2, 3]))));
  const { service } = makeRelayer(world, source, { provider, relayer: { confirmations: 1, maxInFlight: 16 } });
  const subjects = results.map((r) => r.eventId);
  const confirmed = async (): Promise<number> =>
    (
      await world.pool.query<{ n: number }>(
        `select count(*)::int as n from oracle_publications where subject = any($1::text[]) and state = 'confirmed'`,
        [subjects],
      )
    ).rows[0]!.n;
  const started = performance.now();
  source.add(...ready); // every quorum reached at once
  try {
    for (let i = 0; ; i++) {
      await service.runOnce();
      if ((await confirmed()) === RESULTS) break;
      if (i > 5_000) throw new Error(`${label}: not all confirmed`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await service.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, perSec: RESULTS / seconds };
}

async function main(): Promise<void> {
  const world = await createWorld('bench_failover');
  const runs: Run[] = [];
  try {
    await world.node.provider.send('evm_setAutomine', [false]);
    await world.node.provider.send('evm_setIntervalMining', [1000]);
    const target = { host: '127.0.0.1', port: world.node.port };
    const scenarios: { label: string; first: ProxyMode | 'direct' }[] = [
      { label: 'one URL (reference)', first: 'direct' },
      { label: 'two URLs, both up', first: 'forward' },
      { label: 'two URLs, the first refusing connections', first: 'refuse' },
      { label: 'two URLs, the first hung (accepts, never answers)', first: 'hang' },
    ];
    for (const [i, scenario] of scenarios.entries()) {
      const first = await startTcpProxy(target, scenario.first === 'direct' ? 'forward' : scenario.first);
      const second = await startTcpProxy(target);
      const urls = scenario.first === 'direct' ? [world.node.url] : [first.url, second.url];
      const provider = createProvider(chainConfig(world, urls), { cacheTimeout: -1 });
      try {
        const run = await throughput(world, scenario.label, provider, `bench-failover-${i}`);
        runs.push({ label: scenario.label, ...run });
        console.log(
          `${scenario.label}: ${RESULTS} results in ${run.seconds.toFixed(1)} s = ${run.perSec.toFixed(2)}/s`,
        );
      } finally {
        provider.destroy();
        await first.close();
        await second.close();
      }
    }
  } finally {
    await world.node.provider.send('evm_setIntervalMining', [0]).catch(() => undefined);
    await world.close();
  }

  const section = [
    '## Oracle failover (npm run bench:oracle-failover)',
    '',
    `\`npm run bench:oracle-failover\` (\`bench/oracle-failover.ts\`), ${new Date().toISOString().slice(0, 10)}, load average`,
    `${loadavg()[0]!.toFixed(1)} on 2 shared cores. ${RESULTS} results ready at once, proposed one by one`,
    '(`proposePacked`, 16 in flight, 1 confirmation), hardhat node mining one block per second, RPC URLs',
    'through TCP proxies on loopback; production timeouts (request 10 s, stall 1.5 s, failed URL retried after 10 s).',
    '',
    '| RPC URLs | time to confirm all | results/s |',
    '| --- | ---: | ---: |',
    ...runs.map((r) => `| ${r.label} | ${r.seconds.toFixed(1)} s | ${r.perSec.toFixed(2)} |`),
    '',
    'Refused: each request to the first URL fails at once and the next URL answers; the first is passed over',
    'for 10 s, then tried again. Hung: the first request after each 10 s waits the 1.5 s stall timeout before',
    'the second URL is raced; sends go to every healthy URL at once.',
    '',
  ].join('\n');
  const path = new URL('./RESULTS.md', import.meta.url);
  let text = await readFile(path, 'utf8');
  const heading = '## Oracle failover (npm run bench:oracle-failover)';
  const start = text.indexOf(heading);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + 1);
    text = text.slice(0, start) + (next >= 0 ? text.slice(next + 1) : '');
  }
  text = `${text.trimEnd()}\n\n${section}`;
  await writeFile(path, text);
}

await main();
