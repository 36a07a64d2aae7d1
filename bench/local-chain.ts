/**
 * `npm run bench:local-chain`: what the local chain's journal costs. Builds a history on an in-process
 * chain (automine only): BLOCKS_TX transfers, each in its own block, with EMPTY_PER_TX empty one-second
 * blocks after each (what interval mining adds while nothing happens), closes the chain (the journal is
 * written), then times a restart that mines the journal again. Prints one JSON line.
 *   BENCH_TX_BLOCKS=300 BENCH_EMPTY_PER_TX=12 npm run bench:local-chain
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, Wallet, toQuantity } from 'ethers';
import { DEV_KEYS } from '../test/support/chain.js';
import { startLocalChain } from '../stack/local-chain.js';

const txBlocks = Number(process.env.BENCH_TX_BLOCKS ?? 300);
const emptyPerTx = Number(process.env.BENCH_EMPTY_PER_TX ?? 12);
const dataDir = await mkdtemp(join(tmpdir(), 'verdict-bench-chain-'));
try {
  let t = performance.now();
  const chain = await startLocalChain({ dataDir, port: 0, blockIntervalMs: 0 });
  const freshStartMs = performance.now() - t;
  const provider = new JsonRpcProvider(chain.url, chain.chainId, {
    staticNetwork: true,
    cacheTimeout: -1,
    batchMaxCount: 1,
  });
  const wallet = new Wallet(DEV_KEYS[9], provider);
  let nonce = await provider.getTransactionCount(wallet.address);
  const to = Wallet.createRandom().address;
  t = performance.now();
  for (let i = 0; i < txBlocks; i++) {
    await (await wallet.sendTransaction({ to, value: 1n, nonce: nonce++ })).wait();
    if (emptyPerTx > 0) await provider.send('hardhat_mine', [toQuantity(emptyPerTx), toQuantity(1)]);
  }
  const buildMs = performance.now() - t;
  const head = await provider.getBlockNumber();
  const headHash = (await provider.getBlock(head))!.hash;
  provider.destroy();
  t = performance.now();
  await chain.close();
  const closeMs = performance.now() - t;
  const journalBytes = (await stat(join(dataDir, 'journal.ndjson'))).size;

  t = performance.now();
  const again = await startLocalChain({ dataDir, port: 0, blockIntervalMs: 0 });
  const restartMs = performance.now() - t;
  const check = new JsonRpcProvider(again.url, again.chainId, {
    staticNetwork: true,
    cacheTimeout: -1,
    batchMaxCount: 1,
  });
  const same = (await check.getBlock(head))!.hash === headHash;
  check.destroy();
  await again.close();
  console.log(
    JSON.stringify({
      txBlocks,
      emptyBlocks: txBlocks * emptyPerTx,
      head,
      journalBytes,
      freshStartMs: Math.round(freshStartMs),
      buildMs: Math.round(buildMs),
      closeAndJournalMs: Math.round(closeMs),
      restartReplayMs: Math.round(restartMs),
      replayedBlocks: again.replayedBlocks,
      sameHeadHash: same,
    }),
  );
  if (!same) process.exitCode = 1;
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
