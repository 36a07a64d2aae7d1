import { mergeEmptyRuns } from '../../stack/local-chain.js';
import type { JournalEntry } from '../../stack/chain-journal.js';

const empty = (n: number, count: number, ts: number, step = 1, hash = `0x${n}`): JournalEntry => ({
  kind: 'empty',
  n,
  count,
  ts,
  step,
  hash,
});

describe('mergeEmptyRuns (the replay mines a quiet period with one hardhat_mine)', () => {
  it('joins runs that continue each other at the same step, keeping the last hash', () => {
    expect(mergeEmptyRuns([empty(2, 4, 100), empty(6, 4, 104, 1, '0xlast')])).toEqual([empty(2, 8, 100, 1, '0xlast')]);
  });

  it('joins one-block runs, taking the step from the timestamps', () => {
    expect(mergeEmptyRuns([empty(2, 1, 100), empty(3, 1, 102), empty(4, 2, 104, 2)])).toEqual([
      empty(2, 4, 100, 2, '0x4'),
    ]);
  });

  it('keeps apart runs with another step, a gap in time or numbers, and blocks with transactions', () => {
    const tx: JournalEntry = { kind: 'block', n: 10, ts: 110, txs: ['0x02'], hash: '0x10' };
    const entries = [empty(2, 4, 100), empty(6, 2, 105), empty(8, 2, 107, 2), tx, empty(11, 3, 111), empty(15, 1, 114)];
    expect(mergeEmptyRuns(entries)).toEqual(entries);
  });
});
