import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GAS_ITEMS, measureGas, regressions, type GasFigures } from '../../bench/gas-scenarios.js';
import { startHardhatNode, type HardhatNode } from '../support/chain.js';

const snapshotPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'gas-snapshot.json');

/**
 * Fails when an operation of `bench/gas-scenarios.ts` costs more than its figure in
 * `bench/gas-snapshot.json` (+0.5%). After an intended change: `npm run bench:gas -- --update-snapshot`.
 */
describe('gas snapshot (bench/gas-snapshot.json)', () => {
  let node: HardhatNode;
  beforeAll(async () => {
    node = await startHardhatNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  it('flags a figure above its recorded value, a missing figure, and nothing within the tolerance', () => {
    const recorded = Object.fromEntries(GAS_ITEMS.map((item) => [item.key, 50_000])) as GasFigures;
    expect(regressions(recorded, recorded)).toEqual([]);
    expect(regressions({ ...recorded, dispute: 50_250 }, recorded)).toEqual([]);
    expect(regressions({ ...recorded, dispute: 50_251 }, recorded)).toEqual([
      { key: 'dispute', recorded: 50_000, measured: 50_251 },
    ]);
    const { dispute: _, ...partial } = recorded;
    expect(regressions(recorded, partial)).toEqual([{ key: 'dispute', recorded: undefined, measured: 50_000 }]);
  });

  it('no operation costs more than its recorded figure (+0.5%), and undisputed finality takes no transaction', async () => {
    const snapshot = JSON.parse(await readFile(snapshotPath, 'utf8')) as Partial<Record<string, number>>;
    const measured = await measureGas(node);
    expect(measured.finalityExtraTransactions).toBe(0);
    expect(regressions(measured.figures, snapshot)).toEqual([]);
  }, 300_000);
});
