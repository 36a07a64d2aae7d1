import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Contract, JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { DEV_KEYS } from '../../oracle/keys/dev-keys.js';
import { ChainReplayError, startLocalChain, type LocalChain } from '../../stack/local-chain.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('local chain (in-process EDR over JSON-RPC, journal replayed on restart)', () => {
  let dataDir: string;
  let chain: LocalChain | undefined;
  const providers: JsonRpcProvider[] = [];
  const connect = (c: LocalChain) => {
    const p = new JsonRpcProvider(c.url, c.chainId, { staticNetwork: true, cacheTimeout: -1 });
    providers.push(p);
    return p;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'verdict-chain-'));
  });
  afterAll(async () => {
    for (const p of providers) p.destroy();
    await chain?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('deploys ResultsOracle with the short dispute window and five attesters, and mines interval blocks', async () => {
    chain = await startLocalChain({ dataDir, port: 0, disputeWindowSeconds: 120 });
    expect(chain.resumed).toBe(false);
    const provider = connect(chain);
    const { abi } = JSON.parse(
      await readFile(join(process.cwd(), 'artifacts/contracts/ResultsOracle.sol/ResultsOracle.json'), 'utf8'),
    ) as { abi: [] };
    const oracle = new Contract(chain.deployment.oracleAddress, abi, provider);
    expect(await oracle.getFunction('disputeWindow')()).toBe(120n);
    expect(chain.deployment.attesters.map((a) => a.adminId)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
    expect(chain.deployment.attesters.map((a) => a.address)).toEqual(
      DEV_KEYS.slice(1, 6).map((k) => new Wallet(k).address),
    );
    const before = await provider.getBlockNumber();
    await sleep(2_300);
    expect(await provider.getBlockNumber()).toBeGreaterThanOrEqual(before + 2);
  });

  it('a restart mines the same chain again (same hashes, balances, nonces, code) and goes on in real time', async () => {
    const provider = connect(chain!);
    const sender = new Wallet(DEV_KEYS[9], provider);
    const to = Wallet.createRandom().address;
    const receipt = await (await sender.sendTransaction({ to, value: parseEther('1.5') })).wait();
    await sleep(1_200);
    const height = await provider.getBlockNumber();
    const hashes = await Promise.all(
      [receipt!.blockNumber, height].map(async (n) => (await provider.getBlock(n))!.hash),
    );
    const nonce = await provider.getTransactionCount(sender.address);
    const code = await provider.getCode(chain!.deployment.oracleAddress);
    await chain!.close();
    chain = undefined;

    chain = await startLocalChain({ dataDir, port: 0 });
    expect(chain.resumed).toBe(true);
    expect(chain.replayedBlocks).toBeGreaterThanOrEqual(height);
    const again = connect(chain);
    expect(await Promise.all([receipt!.blockNumber, height].map(async (n) => (await again.getBlock(n))!.hash))).toEqual(
      hashes,
    );
    expect(await again.getBalance(to)).toBe(parseEther('1.5'));
    expect(await again.getTransactionCount(sender.address)).toBe(nonce);
    expect(await again.getCode(chain.deployment.oracleAddress)).toBe(code);
    expect((await again.getTransactionReceipt(receipt!.hash))?.blockHash).toBe(receipt!.blockHash);
    // New blocks follow, stamped with the wall clock again.
    const tx = await new Wallet(DEV_KEYS[9], again).sendTransaction({ to, value: 1n });
    const mined = await tx.wait();
    const block = await again.getBlock(mined!.blockNumber);
    expect(Math.abs(block!.timestamp - Date.now() / 1000)).toBeLessThan(30);

    // A third start replays the blocks of the second one too.
    const head = await again.getBlockNumber();
    const headHash = (await again.getBlock(head))!.hash;
    await chain.close();
    chain = await startLocalChain({ dataDir, port: 0 });
    const third = connect(chain);
    expect((await third.getBlock(head))!.hash).toBe(headHash);
    expect(await third.getBalance(to)).toBe(parseEther('1.5') + 1n);
  });

  it('refuses a journal that does not mine the recorded chain, and drops a torn last line', async () => {
    const head = await connect(chain!).getBlockNumber();
    await chain!.close();
    chain = undefined;
    const journal = join(dataDir, 'journal.ndjson');
    const copy = await mkdtemp(join(tmpdir(), 'verdict-chain-bad-'));
    try {
      // A crash mid-write leaves half a line: the start ignores it and resumes.
      await cp(dataDir, copy, { recursive: true });
      await appendFile(join(copy, 'journal.ndjson'), '{"kind":"block","n":');
      const resumed = await startLocalChain({ dataDir: copy, port: 0 });
      expect(await connect(resumed).getBlockNumber()).toBeGreaterThanOrEqual(head);
      await resumed.close();
      // …and what it journaled after the cut replays too.
      const again = await startLocalChain({ dataDir: copy, port: 0 });
      expect(again.resumed).toBe(true);
      await again.close();

      // A recorded hash the replay does not reproduce (an edited journal, another build): refused by name.
      const lines = (await readFile(journal, 'utf8')).trimEnd().split('\n');
      const i = lines.findIndex((l) => l.includes('"kind":"block"'));
      const entry = JSON.parse(lines[i]!) as { ts: number };
      lines[i] = JSON.stringify({ ...entry, ts: entry.ts + 1 });
      await rm(copy, { recursive: true, force: true });
      await cp(dataDir, copy, { recursive: true });
      await writeFile(join(copy, 'journal.ndjson'), `${lines.join('\n')}\n`);
      const refused = startLocalChain({ dataDir: copy, port: 0 });
      await expect(refused).rejects.toBeInstanceOf(ChainReplayError);
      await expect(refused).rejects.toThrow(/does not mine the same block \d+ again.*remove/);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
