/**
 * `npm run bench:gas [-- --update-snapshot]`: measures the oracle's gas on a fresh Hardhat node
 * (see `bench/gas-scenarios.ts`), writes `bench/gas.json` and the `## Gas (npm run bench:gas)`
 * section of `bench/RESULTS.md`, and with `--update-snapshot` rewrites `bench/gas-snapshot.json`
 * (the figures the gas snapshot test holds every change to).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHardhatNode } from '../test/support/chain.js';
import {
  ANCHORS,
  BATCH_SIZES,
  GAS_ITEMS,
  amortized,
  checkGoals,
  measureGas,
  type GasMeasurement,
} from './gas-scenarios.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const SECTION = '## Gas (npm run bench:gas)';

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** The Markdown section (heading included) for `bench/RESULTS.md`. */
export function gasSection(m: GasMeasurement, date: string): string {
  const f = m.figures;
  const lines: string[] = [
    SECTION,
    '',
    `Measured ${date} by \`npm run bench:gas\` (\`bench/gas.ts\`, scenarios in \`bench/gas-scenarios.ts\`) on a`,
    'fresh `hardhat node` (EDR, EVM prague, solc 0.8.30, optimizer 10,000 runs). Transactions: receipt `gasUsed`',
    'of real transactions (intrinsic gas and calldata included). In-call reads: gas spent by a consumer contract',
    '(`contracts/testing/GasProbe.sol`) between two `gasleft()` around one call to the oracle, cold account and',
    'cold slots included, ABI decoding in the consumer included. "Typed call" reads call the oracle\'s typed',
    'functions; "library" reads go through `contracts/libraries/ResultsReader.sol` (one raw `resultWord` or',
    '`batchWord` call decoded in the consumer, proofs verified locally), on which the read goals are judged.',
    'Raw figures: `bench/gas.json`; the gas snapshot test (`test/contracts-ts/gas-snapshot.int.test.ts`) fails',
    'when a figure exceeds `bench/gas-snapshot.json` by more than 0.5%.',
    '',
    'Breakdown of a transaction: 21,000 intrinsic + calldata (16/4 gas per non-zero/zero byte) + execution.',
    '',
    '| Operation | Gas | Calldata bytes / gas | Execution |',
    '| --- | ---: | ---: | ---: |',
  ];
  for (const item of GAS_ITEMS) {
    const b = m.breakdown[item.key];
    const detail = b ? `${fmt(b.calldataBytes)} / ${fmt(b.calldataGas)} | ${fmt(b.execution)}` : '– | in-call';
    lines.push(`| ${item.label} | ${fmt(f[item.key])} | ${detail} |`);
  }
  for (const n of BATCH_SIZES) lines.push(`| batch, amortized per result at N = ${n} | ${fmt(amortized(f, n))} | | |`);
  lines.push(`| extra transactions for undisputed finality | ${m.finalityExtraTransactions} | | |`);
  lines.push(
    '',
    'Floors: a first in-call read pays 2,600 (cold account) + 2,100 (cold slot) = 4,700 before any code runs (the',
    'one-slot reference read shows what the call mechanics add); a first-version result pays 22,100 for its new',
    'slot, each ECDSA signature 3,000 for `ecrecover` plus 64 bytes of calldata (about 1,000).',
  );
  lines.push('', '### Goals', '', '| Goal | Limit | Measured | Met |', '| --- | ---: | ---: | :---: |');
  for (const g of checkGoals(m)) {
    const verdict = !g.judged ? 'not judged (typed call)' : g.met ? 'met' : '**not met**';
    lines.push(`| ${g.goal} | ≤ ${fmt(g.limit)} | ${fmt(g.measured)} | ${verdict} |`);
  }
  lines.push(
    '',
    '### Anchors (same EVM, from the issue)',
    '',
    '| System | Gas | Verdict 3-of-5 propose vs anchor |',
    '| --- | ---: | ---: |',
  );
  for (const a of ANCHORS) {
    const delta = ((f.propose_k3 - a.gas) / a.gas) * 100;
    lines.push(`| ${a.name} | ${fmt(a.gas)} | ${delta >= 0 ? '+' : ''}${delta.toFixed(1)}% |`);
  }
  lines.push(
    '',
    'Verdict keeps a per-event record (one slot for a match result) that any contract reads in-call; a batch',
    'root of N results costs one proposal, and each result is then read with a proof or written with',
    '`publishFromBatch` by whoever needs it in storage.',
    '',
  );
  return lines.join('\n');
}

/** Replaces (or appends) the gas section of `markdown`, leaving the other sections untouched. */
export function replaceSection(markdown: string, section: string): string {
  const start = markdown.indexOf(SECTION);
  if (start < 0) return `${markdown.trimEnd()}\n\n${section}`;
  const rest = markdown.slice(start + SECTION.length);
  const next = rest.search(/^## /m);
  const end = next < 0 ? markdown.length : start + SECTION.length + next;
  return `${markdown.slice(0, start)}${section}\n${markdown.slice(end)}`.replace(/\n{3,}/g, '\n\n');
}

async function main(): Promise<void> {
  const updateSnapshot = process.argv.includes('--update-snapshot');
  const node = await startHardhatNode();
  let measurement: GasMeasurement;
  try {
    measurement = await measureGas(node, (line) => console.log(line));
  } finally {
    await node.stop();
  }
  const date = new Date().toISOString().slice(0, 10);
  const json = {
    generatedBy: 'npm run bench:gas',
    date,
    network: 'hardhat node (EDR), chain 31337, EVM prague',
    method: {
      tx: 'receipt gasUsed of a real transaction (intrinsic gas included)',
      call: 'gasleft() delta around one call from contracts/testing/GasProbe.sol (cold account and slots)',
    },
    figures: measurement.figures,
    breakdown: measurement.breakdown,
    amortizedPerResult: Object.fromEntries(BATCH_SIZES.map((n) => [n, amortized(measurement.figures, n)])),
    finalityExtraTransactions: measurement.finalityExtraTransactions,
    goals: checkGoals(measurement),
    anchors: ANCHORS,
  };
  await writeFile(join(benchDir, 'gas.json'), `${JSON.stringify(json, null, 2)}\n`);
  const resultsPath = join(benchDir, 'RESULTS.md');
  const existing = await readFile(resultsPath, 'utf8').catch(() => '# Benchmark results\n');
  await writeFile(resultsPath, replaceSection(existing, gasSection(measurement, date)));
  if (updateSnapshot) {
    await writeFile(join(benchDir, 'gas-snapshot.json'), `${JSON.stringify(measurement.figures, null, 2)}\n`);
    console.log('bench/gas-snapshot.json updated');
  }
  console.log('bench/gas.json and bench/RESULTS.md written');
  for (const g of checkGoals(measurement)) {
    const verdict = !g.judged ? 'info   ' : g.met ? 'met    ' : 'NOT MET';
    console.log(`${verdict} ${g.goal}: ${fmt(g.measured)} (limit ${fmt(g.limit)})`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
