import { appendFile, readFile, truncate } from 'node:fs/promises';
import { Transaction, type Block, type TransactionResponse } from 'ethers';

/**
 * The local chain's journal (`<dataDir>/journal.ndjson`): what is needed to mine the same chain
 * again, block for block, on a fresh in-process node. EDR keeps no state on disk; replaying the
 * signed transactions at the same block timestamps, on the same genesis, yields the same block hashes
 * (each entry carries the hash to check it), so the relayer's outbox and the indexer's checkpoints in
 * Postgres still match the chain after a restart.
 */
export type JournalEntry =
  | {
      readonly kind: 'genesis';
      readonly v: 1;
      readonly chainId: number;
      readonly initialDate: string;
      readonly hash: string;
    }
  /** One block with transactions (raw signed bytes, in block order). */
  | {
      readonly kind: 'block';
      readonly n: number;
      readonly ts: number;
      readonly txs: readonly string[];
      readonly hash: string;
    }
  /** `count` empty blocks from `n`, the first at `ts`, each `step` seconds after the previous. */
  | {
      readonly kind: 'empty';
      readonly n: number;
      readonly count: number;
      readonly ts: number;
      readonly step: number;
      readonly hash: string;
    };

/**
 * Reads the journal; an empty list when there is none. A torn last line (a crash mid-write) is dropped
 * and cut from the file, so the next entry starts on a line of its own.
 */
export async function readJournal(path: string): Promise<JournalEntry[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) {
    const end = bytes.lastIndexOf(0x0a) + 1;
    await truncate(path, end);
    bytes = bytes.subarray(0, end);
  }
  const text = bytes.toString('utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const entries: JournalEntry[] = [];
  for (const [i, line] of lines.entries()) {
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch (error) {
      if (i === lines.length - 1) break;
      throw new Error(`${path}: line ${i + 1} is not JSON`, { cause: error });
    }
  }
  return entries;
}

export async function appendJournal(path: string, entries: readonly JournalEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await appendFile(path, entries.map((e) => `${JSON.stringify(e)}\n`).join(''), { mode: 0o600 });
}

/** The signed bytes of a mined transaction, rebuilt from its fields and checked against its hash. */
export function rawTransaction(tx: TransactionResponse): string {
  const rebuilt = Transaction.from({
    type: tx.type,
    chainId: tx.chainId,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    ...(tx.type === 2 || tx.type === 4
      ? { maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas }
      : { gasPrice: tx.gasPrice }),
    to: tx.to,
    value: tx.value,
    data: tx.data,
    ...(tx.type === 0 ? {} : { accessList: tx.accessList }),
    signature: tx.signature,
  });
  if (rebuilt.hash !== tx.hash) {
    throw new Error(
      `transaction ${tx.hash} (type ${tx.type}) cannot be journaled: its fields rebuild another hash (${rebuilt.hash})`,
    );
  }
  return rebuilt.serialized;
}

/**
 * Folds mined blocks into journal entries: a block with transactions is an entry of its own, at once;
 * consecutive empty blocks at a constant step become one `empty` run, held until it breaks or
 * {@link JournalWriter.flush} (so a quiet chain writes a line every few seconds, not every block).
 */
export class JournalWriter {
  private run?: { n: number; count: number; ts: number; step: number; lastTs: number; hash: string };

  constructor(private readonly path: string) {}

  /** Next block number expected (the one after the last recorded or held). */
  next = 0;

  async add(block: Block): Promise<void> {
    if (block.number !== this.next) throw new Error(`journal expected block ${this.next}, got ${block.number}`);
    const hash = block.hash!;
    if (block.prefetchedTransactions.length > 0) {
      const entry: JournalEntry = {
        kind: 'block',
        n: block.number,
        ts: block.timestamp,
        txs: block.prefetchedTransactions.map(rawTransaction),
        hash,
      };
      await this.flush();
      await appendJournal(this.path, [entry]);
    } else {
      const run = this.run;
      if (run && run.n + run.count === block.number && (run.count === 1 || block.timestamp - run.lastTs === run.step)) {
        if (run.count === 1) run.step = block.timestamp - run.lastTs;
        if (block.timestamp - run.lastTs === run.step) {
          run.count += 1;
          run.lastTs = block.timestamp;
          run.hash = hash;
          this.next = block.number + 1;
          return;
        }
      }
      await this.flush();
      this.run = { n: block.number, count: 1, ts: block.timestamp, step: 1, lastTs: block.timestamp, hash };
    }
    this.next = block.number + 1;
  }

  /** Writes the held run of empty blocks, if any. */
  async flush(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    await appendJournal(this.path, [
      { kind: 'empty', n: run.n, count: run.count, ts: run.ts, step: run.step, hash: run.hash },
    ]);
  }

  /** True when a run has been held for `ms` or more (by block time). */
  holdsOlderThan(seconds: number, nowSeconds: number): boolean {
    return this.run !== undefined && nowSeconds - this.run.ts >= seconds;
  }
}
