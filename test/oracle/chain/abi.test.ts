import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { resultsOracleAbi } from '../../../oracle/chain/abi/results-oracle.js';
import { oracleInterface } from '../../../oracle/chain/oracle-contract.js';
import { GENERATED_ABIS, REGENERATE, readArtifactAbi, renderAbiModule, root } from '../../../scripts/abi.js';

/**
 * The committed ABI modules against the current build (`npx hardhat build --quiet` first, as before
 * every jest run): a contract change that alters its ABI fails here until the modules are regenerated.
 */
describe('generated ABI modules', () => {
  it.each(GENERATED_ABIS.map((entry) => [entry.module, entry] as const))(
    '%s equals the build artifact ABI and is what the generator writes',
    async (_module, entry) => {
      const built = await readArtifactAbi(entry);
      const committed = (await import(join(root, entry.module))) as Record<string, unknown>;
      const abi = committed[entry.exportName];
      if (!isDeepStrictEqual(abi, built)) {
        throw new Error(`${entry.module} differs from the build's ${entry.contract} ABI: run \`${REGENERATE}\``);
      }
      const source = await readFile(join(root, entry.module), 'utf8');
      if (source !== (await renderAbiModule(entry, built))) {
        throw new Error(`${entry.module} is not the generator's output (edited by hand?): run \`${REGENERATE}\``);
      }
    },
  );

  it('the runtime Interface is built from the committed module', () => {
    const names = resultsOracleAbi.filter((f) => f.type === 'function').map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['resultOf', 'isFinal', 'propose', 'publishFromBatch']));
    for (const name of names) expect(oracleInterface().getFunction(name)).not.toBeNull();
    expect(oracleInterface().fragments).toHaveLength(resultsOracleAbi.length);
  });
});
