/**
 * `npm run coverage` runs `hardhat test solidity --coverage`, then this report: line coverage from Hardhat's
 * `coverage/lcov.info`, branch coverage derived from Hardhat's statement probes (see
 * `scripts/branch-coverage.ts`), per file of `contracts/` except the test fixtures of `contracts/testing/`
 * (Hardhat's own table lists those too). Exits 1 when either total is below the goal
 * (`--min <percent>`, 95 by default), or when the coverage data is missing or does not match the sources.
 * Writes the figures to `coverage/summary.json`.
 */
import { addStatementCoverageInstrumentation } from '@nomicfoundation/edr';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { branchCoverage, type Branch, type Probe } from './branch-coverage.js';

const root = join(import.meta.dirname, '..');
const contractsDir = join(root, 'contracts');
const dataDir = join(root, 'coverage', 'data', 'solidity');
const lcovPath = join(root, 'coverage', 'lcov.info');

function fail(message: string): never {
  console.error(`coverage-report: ${message}`);
  process.exit(1);
}

const { values } = parseArgs({ options: { min: { type: 'string', default: '95' } } });
const min = Number(values.min);
if (!Number.isFinite(min) || min < 0 || min > 100) fail(`--min must be a percentage, got "${values.min}"`);
if (!existsSync(dataDir) || !existsSync(lcovPath)) fail('no coverage data: run `npm run coverage`');

// The instrumentation version Hardhat used: the project's solc (never above what EDR supports).
const solcVersion = (
  JSON.parse(readFileSync(join(root, 'node_modules', 'solc', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

const hits = new Map<string, number>();
for (const file of readdirSync(dataDir).filter((f) => f.endsWith('.json'))) {
  const data = JSON.parse(readFileSync(join(dataDir, file), 'utf8')) as Record<string, number>;
  for (const [tag, runs] of Object.entries(data)) hits.set(tag, (hits.get(tag) ?? 0) + runs);
}

const lines = new Map<string, { found: number; hit: number }>();
let current: string | undefined;
for (const row of readFileSync(lcovPath, 'utf8').split('\n')) {
  if (row.startsWith('SF:')) current = relative(root, row.slice(3).trim());
  else if (row.startsWith('LF:') && current)
    lines.set(current, { ...(lines.get(current) ?? { hit: 0 }), found: +row.slice(3) });
  else if (row.startsWith('LH:') && current)
    lines.set(current, { ...(lines.get(current) ?? { found: 0 }), hit: +row.slice(3) });
}

function solidityFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return solidityFiles(path);
    return entry.name.endsWith('.sol') ? [path] : [];
  });
}

interface FileSummary {
  file: string;
  lines: { found: number; hit: number };
  branches: { found: number; hit: number; uncovered: string[] };
}

const summaries: FileSummary[] = [];
for (const path of solidityFiles(contractsDir).sort()) {
  const file = relative(root, path);
  if (file.startsWith(join('contracts', 'testing'))) continue;
  const source = readFileSync(path, 'utf8');
  const { metadata } = addStatementCoverageInstrumentation(source, `project/${file}`, solcVersion);
  const probes: Probe[] = metadata
    .filter((m) => m.kind === 'statement')
    .map((m) => ({ tag: Buffer.from(m.tag).toString('hex'), startUtf16: m.startUtf16, endUtf16: m.endUtf16 }));
  if (probes.length === 0) continue; // interfaces and files without statements
  if (!probes.some((p) => hits.has(p.tag))) {
    fail(`no probe of ${file} in the coverage data: stale data, or sources changed since \`npm run coverage\``);
  }
  const branches: Branch[] = branchCoverage(source, file, probes, hits);
  const uncovered = branches.filter((b) => b.covered !== true);
  summaries.push({
    file,
    lines: lines.get(file) ?? { found: 0, hit: 0 },
    branches: {
      found: branches.length,
      hit: branches.length - uncovered.length,
      uncovered: uncovered.map((b) => `${b.line} ${b.kind}${b.covered === null ? ' (unmeasured)' : ''}`),
    },
  });
}

const total = (pick: (s: FileSummary) => { found: number; hit: number }) =>
  summaries.reduce((acc, s) => ({ found: acc.found + pick(s).found, hit: acc.hit + pick(s).hit }), {
    found: 0,
    hit: 0,
  });
const pct = ({ found, hit }: { found: number; hit: number }) => (found === 0 ? 100 : (100 * hit) / found);
const totalLines = total((s) => s.lines);
const totalBranches = total((s) => s.branches);

console.log(
  '\nLines (Hardhat) and branches (derived from its statement probes), per file of contracts/ (fixtures in contracts/testing/ left out):\n',
);
console.log(`${'file'.padEnd(44)} ${'lines'.padStart(14)} ${'branches'.padStart(14)}  uncovered branches`);
for (const s of summaries) {
  const l = `${s.lines.hit}/${s.lines.found} ${pct(s.lines).toFixed(1)}%`;
  const b = `${s.branches.hit}/${s.branches.found} ${pct(s.branches).toFixed(1)}%`;
  console.log(`${s.file.padEnd(44)} ${l.padStart(14)} ${b.padStart(14)}  ${s.branches.uncovered.join(', ') || '-'}`);
}
const tl = `${totalLines.hit}/${totalLines.found} ${pct(totalLines).toFixed(2)}%`;
const tb = `${totalBranches.hit}/${totalBranches.found} ${pct(totalBranches).toFixed(2)}%`;
console.log(`${'total'.padEnd(44)} ${tl.padStart(14)} ${tb.padStart(14)}\n`);

writeFileSync(
  join(root, 'coverage', 'summary.json'),
  JSON.stringify({ min, lines: totalLines, branches: totalBranches, files: summaries }, null, 2) + '\n',
);

const below = [
  ...(pct(totalLines) < min ? [`lines ${pct(totalLines).toFixed(2)}%`] : []),
  ...(pct(totalBranches) < min ? [`branches ${pct(totalBranches).toFixed(2)}%`] : []),
];
if (below.length > 0) fail(`below the ${min}% goal: ${below.join(', ')}`);
console.log(`coverage goal met: lines and branches at least ${min}%`);
