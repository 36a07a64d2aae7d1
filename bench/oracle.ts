/**
 * `npm run bench:oracle`: the oracle's chain side on loopback (a Hardhat node over JSON-RPC, the
 * machine's Postgres). Bounded: finishes by itself in well under a few minutes.
 *  1. attestations signed and verified per second (EIP-712 sign + recover, one core);
 *  2. time from quorum to proposed (confirmed receipt) and from the window's end to final in the
 *     indexer, with automine and with 1 s interval mining;
 *  3. indexer catch-up in events per second over BENCH_INDEX_RESULTS proposed results (default 10,000);
 *  4. on top of that history, the time from a deep reorg to the result final again (and to a retraction);
 *  5. relayer throughput with 1 s blocks, BENCH_THROUGHPUT_RESULTS results (default 64) ready at once:
 *     proposed one by one, and in batch mode (one root co-signed in-process, then every leaf written to
 *     storage with `publishFromBatch` once the root is final).
 * Writes the `## Oracle (npm run bench:oracle)` section of bench/RESULTS.md.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Wallet, verifyTypedData } from 'ethers';
import { oracleInterface } from '../oracle/chain/oracle-contract.js';
import { ResultIndexer } from '../oracle/indexer/result-indexer.js';
import { deploy } from '../test/support/chain.js';
import {
  BATCH_TYPES,
  RESULT_TYPES,
  eventIdOf,
  oracleDomain,
  packSignatures,
  resultMessage,
  type Result,
} from '../oracle/result.js';
import {
  ListReadySource,
  batchSignatureStore,
  createWorld,
  makeIndexer,
  makeRelayer,
  makeResult,
  readyOf,
  sign,
  DISPUTE_WINDOW,
  fastPolicy,
  type OracleWorld,
} from '../test/oracle/chain/harness.js';

const INDEX_RESULTS = Number(process.env.BENCH_INDEX_RESULTS ?? 10_000);
const THROUGHPUT_RESULTS = Number(process.env.BENCH_THROUGHPUT_RESULTS ?? 64);

async function signVerify(world: OracleWorld): Promise<{ signPerSec: number; verifyPerSec: number }> {
  const wallet = new Wallet(world.node.wallet(1).privateKey);
  const domain = oracleDomain(world.chainId, world.address);
  const base = await makeResult(world, 'bench-sign');
  const n = 1_000;
  const results = Array.from({ length: n }, (_, i) => ({ ...base, eventId: eventIdOf(`bench-sign-${i}`) }));
  let t = performance.now();
  const signatures: string[] = [];
  for (const r of results) signatures.push(await wallet.signTypedData(domain, RESULT_TYPES, resultMessage(r)));
  const signPerSec = n / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < n; i++) {
    if (verifyTypedData(domain, RESULT_TYPES, resultMessage(results[i]!), signatures[i]!) !== wallet.address) {
      throw new Error('verification failed');
    }
  }
  const verifyPerSec = n / ((performance.now() - t) / 1000);
  return { signPerSec, verifyPerSec };
}

async function until(check: () => Promise<boolean>, step: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    await step();
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('timed out');
}

async function latency(
  world: OracleWorld,
  label: string,
  runs: number,
  automine: boolean,
): Promise<{ proposedMs: number; finalMs: number }> {
  const proposed: number[] = [];
  const final: number[] = [];
  const source = new ListReadySource();
  const { service } = makeRelayer(world, source, { relayer: { confirmations: 1 } });
  const indexer = makeIndexer(world, 0);
  await indexer.tick();
  try {
    for (let i = 0; i < runs; i++) {
      const result = await makeResult(world, `bench-latency-${label}-${i}`);
      const ready = readyOf(world, result, await sign(world, result, [1, 2, 3]));
      const t0 = performance.now();
      source.add(ready); // quorum reached
      const state = async (): Promise<string | undefined> =>
        (
          await world.pool.query<{ state: string }>('select state from oracle_publications where subject = $1', [
            result.eventId,
          ])
        ).rows[0]?.state;
      await until(
        async () => (await state()) === 'confirmed',
        () => service.runOnce(),
      );
      proposed.push(performance.now() - t0);
      await world.node.provider.send('evm_increaseTime', [DISPUTE_WINDOW]);
      const t1 = performance.now(); // the window ends now (chain time)
      // Automine makes no block without a transaction: one block carries the new time (interval mining does it alone).
      if (automine) await world.node.provider.send('evm_mine', []);
      await until(
        async () =>
          (
            await world.pool.query("select 1 from oracle_results where event_id = $1 and phase = 'final'", [
              result.eventId,
            ])
          ).rowCount === 1,
        () => indexer.tick(),
      );
      final.push(performance.now() - t1);
    }
  } finally {
    await service.stop();
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { proposedMs: median(proposed), finalMs: median(final) };
}

/**
 * THROUGHPUT_RESULTS results ready at once, 1 s interval mining (set by the caller), relayer at 1
 * confirmation and 16 in flight. `single`: proposed one by one, timed until every publication is confirmed.
 * `batch`: one root (threshold 2), co-signed in-process by attesters 1, 3, 5 as soon as it is requested,
 * timed until the root is confirmed; then, after the window (chain time, not timed), until every leaf is
 * written to storage with `publishFromBatch` and confirmed.
 */
async function throughput(
  world: OracleWorld,
  mode: 'single' | 'batch',
): Promise<{ seconds: number; perSec: number; leafSeconds?: number; leavesPerSec?: number }> {
  const source = new ListReadySource();
  const store = batchSignatureStore(world);
  const handle = makeRelayer(world, source, {
    relayer: { confirmations: 1, maxInFlight: 16, ...(mode === 'batch' ? { batchThreshold: 2 } : {}) },
    ...(mode === 'batch' ? { batchSignatures: store } : {}),
  });
  const keys = Array.from({ length: THROUGHPUT_RESULTS }, (_, i) => `bench-throughput-${mode}-${i}`);
  const results = await Promise.all(keys.map((k) => makeResult(world, k)));
  const ready = await Promise.all(results.map(async (r) => readyOf(world, r, await sign(world, r, [1, 2, 3]))));
  const subjects = results.map((r) => r.eventId);
  const count = async (kind: string, states: string[], subject?: string[]): Promise<number> =>
    (
      await world.pool.query<{ n: number }>(
        `select count(*)::int as n from oracle_publications p
          where p.kind = $1 and p.state = any($2::text[])
            and (p.subject = any($3::text[]) or p.subject in (select root from oracle_batch_items where event_id = any($3::text[])))`,
        [kind, states, subject ?? subjects],
      )
    ).rows[0]!.n;
  const cosign = async (): Promise<void> => {
    const domain = oracleDomain(world.chainId, world.address);
    for (const request of await store.openRequests()) {
      for (const i of [1, 3, 5]) {
        const wallet = new Wallet(world.node.wallet(i).privateKey);
        const signature = await wallet.signTypedData(domain, BATCH_TYPES, { ...request.batch });
        await store.addSignature(request.batch.root, { attester: wallet.address, signature });
      }
    }
  };
  try {
    const t0 = performance.now();
    source.add(...ready);
    if (mode === 'single') {
      await until(
        async () => (await count('propose', ['confirmed'])) === results.length,
        () => handle.service.runOnce(),
      );
      const seconds = (performance.now() - t0) / 1000;
      return { seconds, perSec: results.length / seconds };
    }
    await until(
      async () => (await count('batch', ['confirmed'])) === 1,
      async () => {
        await handle.service.runOnce();
        await cosign();
      },
    );
    const seconds = (performance.now() - t0) / 1000;
    await world.node.provider.send('evm_increaseTime', [DISPUTE_WINDOW + 1]);
    const t1 = performance.now();
    await until(
      async () => (await count('leaf', ['confirmed'])) === results.length,
      () => handle.service.runOnce(),
    );
    const leafSeconds = (performance.now() - t1) / 1000;
    return { seconds, perSec: results.length / seconds, leafSeconds, leavesPerSec: results.length / leafSeconds };
  } finally {
    await handle.service.stop();
  }
}

/**
 * Fills a second oracle (a 1-of-1 set: catch-up speed does not depend on the threshold, and one
 * signature per result keeps the set-up short) with INDEX_RESULTS proposals, then times an indexer
 * that starts from its deployment block.
 */
async function catchUp(world: OracleWorld): Promise<{
  events: number;
  seconds: number;
  perSec: number;
  setupSeconds: number;
  target: ReorgTarget;
}> {
  const setupStarted = performance.now();
  const attester = new Wallet(world.node.wallet(1).privateKey);
  const governance = world.node.wallet(0);
  const deployed = await deploy(governance, 'ResultsOracle.sol', 'ResultsOracle', [
    [attester.address],
    1,
    1,
    DISPUTE_WINDOW,
    world.node.wallet(6).address,
    governance.address,
  ]);
  const address = await deployed.getAddress();
  const deploymentBlock = (await deployed.deploymentTransaction()!.wait())!.blockNumber;
  const domain = oracleDomain(world.chainId, address);
  const base = await makeResult(world, 'bench-index');
  const sender = new Wallet(world.node.wallet(9).privateKey);
  const iface = oracleInterface();
  const fee = await world.node.provider.getFeeData();
  await world.node.provider.send('evm_setAutomine', [false]);
  let nonce = await world.node.provider.getTransactionCount(sender.address, 'pending');
  let batch: Promise<unknown>[] = [];
  for (let i = 0; i < INDEX_RESULTS; i++) {
    const r: Result = { ...base, eventId: eventIdOf(`bench-index-${i}`), values: [i % 7, i % 3] };
    const signature = await attester.signTypedData(domain, RESULT_TYPES, resultMessage(r));
    const raw = await sender.signTransaction({
      type: 2,
      chainId: world.chainId,
      nonce: nonce++,
      to: address,
      data: iface.encodeFunctionData('propose', [
        resultMessage(r),
        packSignatures([attester.address], [{ attester: attester.address, signature }]),
      ]),
      gasLimit: 150_000,
      maxFeePerGas: (fee.maxFeePerGas ?? 10_000_000_000n) * 2n,
      maxPriorityFeePerGas: fee.maxPriorityFeePerGas ?? 1_000_000_000n,
    });
    batch.push(world.node.provider.send('eth_sendRawTransaction', [raw]));
    if (batch.length >= 25) {
      await Promise.all(batch);
      batch = [];
    }
    if ((i + 1) % 250 === 0) {
      await Promise.all(batch);
      batch = [];
      await world.node.provider.send('evm_mine', []);
    }
  }
  await Promise.all(batch);
  await world.node.provider.send('evm_mine', []);
  await world.node.provider.send('evm_setAutomine', [true]);
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  const indexer = new ResultIndexer({
    pool: world.pool,
    provider: world.node.provider,
    oracleAddress: address,
    chainId: world.chainId,
    policy: fastPolicy(),
    options: { confirmations: 0, blockRange: 2_000, deploymentBlock },
  });
  const t = performance.now();
  let events = 0;
  for (;;) {
    const report = await indexer.tick();
    events += report.events;
    if (report.events === 0) break;
  }
  const seconds = (performance.now() - t) / 1000;
  return {
    events,
    seconds,
    perSec: events / seconds,
    setupSeconds,
    target: { address, attester, indexer, history: events },
  };
}

/** The catch-up oracle, its 1-of-1 attester and its indexer (caught up over the whole history). */
interface ReorgTarget {
  readonly address: string;
  readonly attester: Wallet;
  readonly indexer: ResultIndexer;
  readonly history: number;
}

/**
 * Deep reorgs (evm_snapshot / evm_revert, deeper than the indexer's depth 0) on top of the catch-up history:
 *  a. only the block that made a result final leaves the chain (the proposal stays): time from the reorg to
 *     the result final again in the indexer (rewind + re-finalization; the feed keeps its row, no retraction);
 *  b. the proposal itself leaves the chain: time from the reorg to the retraction row, then from the
 *     re-proposal of the same payload (what a relayer does) to a new final row, the window's chain time excluded.
 */
async function deepReorg(
  world: OracleWorld,
  target: ReorgTarget,
): Promise<{ finalAgainMs: number; replayed: number; retractMs: number; refinalMs: number }> {
  const send = world.node.provider.send.bind(world.node.provider);
  const proposer = world.node.wallet(8);
  const propose = async (r: Result): Promise<void> => {
    const domain = oracleDomain(world.chainId, target.address);
    const signature = await target.attester.signTypedData(domain, RESULT_TYPES, resultMessage(r));
    const tx = await proposer.sendTransaction({
      to: target.address,
      data: oracleInterface().encodeFunctionData('propose', [
        resultMessage(r),
        packSignatures([target.attester.address], [{ attester: target.attester.address, signature }]),
      ]),
    });
    await tx.wait();
  };
  const feedHead = async (eventId: string): Promise<string | undefined> =>
    (
      await world.pool.query<{ kind: string }>(
        'select kind from oracle_final_results where stream = $1 and event_id = $2 order by id desc limit 1',
        [target.indexer.streamName, eventId],
      )
    ).rows[0]?.kind;
  const finalDerived = async (eventId: string): Promise<boolean> =>
    (
      await world.pool.query("select 1 from oracle_results where stream = $1 and event_id = $2 and phase = 'final'", [
        target.indexer.streamName,
        eventId,
      ])
    ).rowCount === 1;
  const tickUntil = async (check: () => Promise<boolean>): Promise<{ replayed: number }> => {
    let replayed = 0;
    for (let i = 0; i < 1_000; i++) {
      const report = await target.indexer.tick();
      replayed += report.replayed ?? 0;
      if (await check()) return { replayed };
    }
    throw new Error('timed out');
  };

  // The history becomes final far below what the reorgs touch (as it would be on a live chain).
  await send('evm_increaseTime', [DISPUTE_WINDOW + 1]);
  await send('evm_mine', []);
  await target.indexer.tick();
  await send('hardhat_mine', ['0x20']);
  await target.indexer.tick();

  // a. The finality block leaves the chain, the proposal stays.
  const a = await makeResult(world, 'bench-reorg-a');
  await propose(a);
  await target.indexer.tick();
  const snapA = (await send('evm_snapshot', [])) as string;
  await send('evm_increaseTime', [DISPUTE_WINDOW + 1]);
  await send('evm_mine', []);
  await tickUntil(async () => (await feedHead(a.eventId)) === 'final');
  await send('evm_revert', [snapA]);
  const t0 = performance.now();
  await send('evm_increaseTime', [DISPUTE_WINDOW + 5]);
  await send('evm_mine', []); // another block at that height: the reorg
  const { replayed } = await tickUntil(() => finalDerived(a.eventId));
  const finalAgainMs = performance.now() - t0;
  if ((await feedHead(a.eventId)) !== 'final') throw new Error('the feed lost a result that stayed final');

  // b. The proposal leaves the chain: retraction, then the same payload proposed again and final again.
  const snapB = (await send('evm_snapshot', [])) as string;
  const b = await makeResult(world, 'bench-reorg-b');
  await propose(b);
  await send('evm_increaseTime', [DISPUTE_WINDOW + 1]);
  await send('evm_mine', []);
  await tickUntil(async () => (await feedHead(b.eventId)) === 'final');
  await send('evm_revert', [snapB]);
  const t1 = performance.now();
  await send('evm_mine', []);
  await tickUntil(async () => (await feedHead(b.eventId)) === 'retracted');
  const retractMs = performance.now() - t1;
  const t2 = performance.now();
  await propose(b);
  await send('evm_increaseTime', [DISPUTE_WINDOW + 1]); // chain time: the window is not what is measured
  await send('evm_mine', []);
  await tickUntil(async () => (await feedHead(b.eventId)) === 'final');
  const refinalMs = performance.now() - t2;
  return { finalAgainMs, replayed, retractMs, refinalMs };
}

async function main(): Promise<void> {
  const world = await createWorld('bench_oracle');
  try {
    const sv = await signVerify(world);
    console.log(`sign ${sv.signPerSec.toFixed(0)}/s, verify ${sv.verifyPerSec.toFixed(0)}/s`);
    const auto = await latency(world, 'auto', 5, true);
    console.log(
      `automine: quorum→proposed ${auto.proposedMs.toFixed(0)} ms, window end→final ${auto.finalMs.toFixed(0)} ms`,
    );
    await world.node.provider.send('evm_setAutomine', [false]);
    await world.node.provider.send('evm_setIntervalMining', [1000]);
    const interval = await latency(world, 'interval', 3, false);
    await world.node.provider.send('evm_setIntervalMining', [0]);
    await world.node.provider.send('evm_setAutomine', [true]);
    console.log(
      `interval 1 s: quorum→proposed ${interval.proposedMs.toFixed(0)} ms, window end→final ${interval.finalMs.toFixed(0)} ms`,
    );
    await world.node.provider.send('evm_setAutomine', [false]);
    await world.node.provider.send('evm_setIntervalMining', [1000]);
    const single = await throughput(world, 'single');
    const batched = await throughput(world, 'batch');
    await world.node.provider.send('evm_setIntervalMining', [0]);
    await world.node.provider.send('evm_setAutomine', [true]);
    console.log(
      `throughput, 1 s blocks: one by one ${single.perSec.toFixed(1)} results/s; batch ${batched.perSec.toFixed(1)} results/s proposed, leaves written ${batched.leavesPerSec!.toFixed(1)}/s`,
    );
    const cu = await catchUp(world);
    console.log(
      `indexer catch-up: ${cu.events} events in ${cu.seconds.toFixed(2)} s = ${cu.perSec.toFixed(0)} events/s`,
    );
    const reorg = await deepReorg(world, cu.target);
    console.log(
      `deep reorg over ${cu.target.history} events: final again ${reorg.finalAgainMs.toFixed(0)} ms (${reorg.replayed} events replayed), retraction ${reorg.retractMs.toFixed(0)} ms, re-proposed → final ${reorg.refinalMs.toFixed(0)} ms`,
    );

    const section = [
      '## Oracle (npm run bench:oracle)',
      '',
      `Loopback Hardhat node (JSON-RPC over HTTP) and the machine's Postgres; ${new Date().toISOString().slice(0, 10)}.`,
      '',
      '| measure | value |',
      '| --- | --- |',
      `| EIP-712 attestations signed per second (ethers Wallet, one core) | ${sv.signPerSec.toFixed(0)} |`,
      `| EIP-712 attestations verified (recovered) per second | ${sv.verifyPerSec.toFixed(0)} |`,
      `| quorum → proposed (receipt, 1 confirmation), automine, median of 5 | ${auto.proposedMs.toFixed(0)} ms |`,
      `| window end → final in the indexer (confirmations 0), automine | ${auto.finalMs.toFixed(0)} ms |`,
      `| quorum → proposed, 1 s interval mining, median of 3 | ${interval.proposedMs.toFixed(0)} ms |`,
      `| window end → final in the indexer, 1 s interval mining | ${interval.finalMs.toFixed(0)} ms |`,
      `| results/s proposing one by one, 1 s blocks (${THROUGHPUT_RESULTS} ready at once, 16 in flight, 1 confirmation) | ${single.perSec.toFixed(1)} (${single.seconds.toFixed(1)} s) |`,
      `| results/s in batch mode, 1 s blocks (one root co-signed in-process, to the root confirmed) | ${batched.perSec.toFixed(1)} (${batched.seconds.toFixed(1)} s) |`,
      `| leaves of that root written to storage with publishFromBatch after its window (to all confirmed) | ${batched.leavesPerSec!.toFixed(1)}/s (${batched.leafSeconds!.toFixed(1)} s) |`,
      `| indexer catch-up from the deployment block (${cu.events} oracle events, 2,000-block ranges, one transaction per range) | ${cu.perSec.toFixed(0)} events/s (${cu.seconds.toFixed(1)} s) |`,
      `| deep reorg (finality block gone, proposal kept) → final again in the indexer, over ${cu.target.history} events of history | ${reorg.finalAgainMs.toFixed(0)} ms (${reorg.replayed} events replayed) |`,
      `| deep reorg (proposal gone) → retraction row in the feed | ${reorg.retractMs.toFixed(0)} ms |`,
      `| same payload proposed again → new final row (window's chain time excluded) | ${reorg.refinalMs.toFixed(0)} ms |`,
      '',
      'Latencies include the relayer tick (simulate, estimate, sign, record in the outbox, broadcast, receipt).',
      'The dispute window itself (60 s here, chain time moved with `evm_increaseTime`) is not included in "final".',
      'Deep reorgs: evm_snapshot / evm_revert on top of the catch-up history (made final first, far below), deeper than the indexer\'s depth (0); "events replayed" is what the rewind re-applied.',
      `Catch-up: ${INDEX_RESULTS} results proposed to a second, 1-of-1 oracle (set-up ${cu.setupSeconds.toFixed(0)} s, not timed), 250 per block; the indexer decodes, stores raw events, derives results and checkpoints.`,
      '',
    ].join('\n');
    const path = new URL('./RESULTS.md', import.meta.url);
    let text = await readFile(path, 'utf8').catch(() => '# Benchmarks\n\n');
    const start = text.indexOf('## Oracle (npm run bench:oracle)');
    if (start >= 0) {
      const next = text.indexOf('\n## ', start + 1);
      text = text.slice(0, start) + (next >= 0 ? text.slice(next + 1) : '');
    }
    text = `${text.trimEnd()}\n\n${section}`;
    await writeFile(path, text);
  } finally {
    await world.close();
  }
}

await main();
