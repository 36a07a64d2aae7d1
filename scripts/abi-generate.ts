/**
 * `npm run abi:generate [-- --check]`: builds the contracts, then writes the typed ABI modules of
 * scripts/abi.ts (`oracle/chain/abi/*.ts`) from the build's artifacts. `--check` writes nothing and
 * exits 1 when a committed module differs from what the build generates.
 * Exit codes: 0 done (or up to date), 2 bad input, 1 failed or (with --check) stale.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GENERATED_ABIS, REGENERATE, readArtifactAbi, renderAbiModule, root } from './abi.js';
import { parseCli, runCli } from './cli.js';

const usage = 'usage: npm run abi:generate [-- --check]';

async function main(): Promise<number> {
  const { values } = parseCli(process.argv.slice(2), { check: { type: 'boolean' } });
  let stale = 0;
  for (const entry of GENERATED_ABIS) {
    const path = join(root, entry.module);
    const source = await renderAbiModule(entry, await readArtifactAbi(entry));
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current === source) {
      console.log(`${entry.module}: up to date`);
    } else if (values.check === true) {
      console.error(`${entry.module}: differs from the build's ${entry.contract} ABI: run \`${REGENERATE}\``);
      stale++;
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, source);
      console.log(`${entry.module}: written`);
    }
  }
  return stale > 0 ? 1 : 0;
}

await runCli({ name: 'abi-generate', usage, main });
