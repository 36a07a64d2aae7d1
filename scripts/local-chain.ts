/**
 * `npm run chain:mine -- [blocks]` and `npm run chain:advance -- <seconds> [blocks]`: move a local
 * development node (Hardhat / EDR, anvil) forward. A bare node (`npm run node`) mines only when a
 * transaction arrives, so without this nothing reaches the relayer's or the indexer's confirmation depth,
 * nor the end of a dispute window. `npm start`'s chain also mines a block a second in wall-clock time:
 * there `chain:advance` only skips the wait for the end of the window (docs/local-stack.md).
 *
 *   npm run chain:mine -- 6            mine 6 empty blocks (INDEXER_CONFIRMATIONS' default)
 *   npm run chain:advance -- 3600      advance chain time by an hour, then mine a block (the window ends)
 *   npm run chain:advance -- 3600 7    … then mine 7 blocks (past the window AND at the indexer's depth)
 *
 * The node is `--rpc-url`, else the first of `ORACLE_RPC_URLS`, else http://127.0.0.1:8545. It must be a
 * loopback URL: these methods exist only on development nodes. Prints the new head as JSON.
 * Exit codes: 0 done, 2 bad input (the message names the argument), 1 the node refused or is not there.
 */
import { JsonRpcProvider } from 'ethers';
import { UsageError, parseCli, runCli } from './cli.js';

const usage = `usage: npm run chain:mine -- [blocks] [--rpc-url <url>]
       npm run chain:advance -- <seconds> [blocks] [--rpc-url <url>]`;

function count(text: string | undefined, name: string, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > 1_000_000) {
    throw new UsageError(`${name}: a whole number from ${min} to 1000000, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function parse(argv: string[], env: NodeJS.ProcessEnv) {
  const parsed = parseCli(argv, { 'rpc-url': { type: 'string' } }, true);
  const [command, ...rest] = parsed.positionals;
  const url = parsed.values['rpc-url'] ?? env.ORACLE_RPC_URLS?.split(',')[0]?.trim() ?? 'http://127.0.0.1:8545';
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    throw new UsageError('--rpc-url: not an http(s) URL');
  const host = new URL(url).hostname;
  if (!(host === 'localhost' || host.startsWith('127.') || host === '[::1]')) {
    throw new UsageError('--rpc-url: a loopback URL only (mining and time travel exist on development nodes)');
  }
  if (command === 'mine') {
    if (rest.length > 1) throw new UsageError('mine: at most one argument (blocks)');
    return { url, seconds: 0, blocks: count(rest[0], 'blocks', 1, 1) };
  }
  if (command === 'advance') {
    if (rest.length < 1 || rest.length > 2) throw new UsageError('advance: <seconds> [blocks]');
    return { url, seconds: count(rest[0], 'seconds', 0, 1), blocks: count(rest[1], 'blocks', 1, 1) };
  }
  throw new UsageError(`unknown command ${JSON.stringify(command ?? '')}: mine or advance`);
}

async function main(): Promise<number> {
  const { url, seconds, blocks } = parse(process.argv.slice(2), process.env);
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: false });
  try {
    if (seconds > 0) await provider.send('evm_increaseTime', [seconds]);
    for (let i = 0; i < blocks; i++) await provider.send('evm_mine', []);
    const head = await provider.getBlock('latest');
    console.log(
      JSON.stringify({ block: head!.number, timestamp: head!.timestamp, time: new Date(head!.timestamp * 1000) }),
    );
    return 0;
  } finally {
    provider.destroy();
  }
}

await runCli({ name: 'local-chain', usage, main });
