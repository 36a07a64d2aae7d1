import { addStatementCoverageInstrumentation } from '@nomicfoundation/edr';
import { branchCoverage, type Probe } from '../../scripts/branch-coverage.js';

// A source with every shape of branch the report knows, instrumented by EDR exactly as Hardhat does.
const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// Comments with non-ASCII characters (‖ ⇔ →) shift UTF-8 byte offsets against UTF-16 ones.
contract Shapes {
    error Zero();

    function withElse(uint256 x) external pure returns (uint256 y) {
        if (x > 10) {
            y = 1;
        } else if (x > 5) {
            y = 2;
        } else {
            y = 3;
        }
    }

    function guard(uint256 x) external pure returns (uint256) {
        if (x == 0) revert Zero(); // ‖
        return x;
    }

    function open(uint256 x) external pure returns (uint256 y) {
        y = x;
        if (x > 1) y = 2;
    }

    function ternary(uint256 x) external pure returns (uint256) {
        return x > 1 ? 1 : 0;
    }
}
`;
const NAME = 'contracts/Shapes.sol';

const probes: Probe[] = addStatementCoverageInstrumentation(SOURCE, `project/${NAME}`, '0.8.30').metadata.map((m) => ({
  tag: Buffer.from(m.tag).toString('hex'),
  startUtf16: m.startUtf16,
  endUtf16: m.endUtf16,
}));

/**
 * Hits as Hardhat records them (runs per tag) for the statements whose text starts with one of the keys, and
 * for the blocks that start with such a statement (a block runs whenever its first statement does).
 */
function hitsFor(runs: Record<string, number>): Map<string, number> {
  const hits = new Map<string, number>();
  for (const p of probes) {
    const text = SOURCE.slice(p.startUtf16, p.endUtf16).trim();
    const inner = text.replace(/^\{\s*/, '');
    for (const [prefix, count] of Object.entries(runs)) if (inner.startsWith(prefix)) hits.set(p.tag, count);
  }
  return hits;
}

const lineOf = (needle: string) => SOURCE.slice(0, SOURCE.indexOf(needle)).split('\n').length;

describe('branch coverage from statement probes', () => {
  it('finds every branch, with the line of its statement', () => {
    const branches = branchCoverage(SOURCE, NAME, probes, new Map());
    expect(branches.map((b) => [b.line, b.kind])).toEqual([
      [lineOf('if (x > 10)'), 'if'],
      [lineOf('if (x > 10)'), 'else'],
      [lineOf('if (x > 5)'), 'if'],
      [lineOf('if (x > 5)'), 'else'],
      [lineOf('if (x == 0)'), 'if'],
      [lineOf('if (x == 0)'), 'if-false'],
      [lineOf('if (x > 1) y'), 'if'],
      [lineOf('if (x > 1) y'), 'if-false'],
      [lineOf('x > 1 ?'), 'conditional-true'],
      [lineOf('x > 1 ?'), 'conditional-false'],
    ]);
    expect(branches.every((b) => b.covered !== true)).toBe(true);
  });

  it('covers an else arm by its body and an else-if by its own statement', () => {
    const branches = branchCoverage(
      SOURCE,
      NAME,
      probes,
      hitsFor({ 'if (x > 10)': 2, 'y = 1': 1, 'if (x > 5)': 1, 'y = 3': 1 }),
    );
    const of = (needle: string) => branches.filter((b) => b.line === lineOf(needle)).map((b) => [b.kind, b.covered]);
    expect(of('if (x > 10)')).toEqual([
      ['if', true],
      ['else', true],
    ]);
    expect(of('if (x > 5)')).toEqual([
      ['if', false], // y = 2 never ran
      ['else', true],
    ]);
  });

  it('covers the false arm of a guard by the statement after it, even when every run also reverted', () => {
    const guard = (hits: Record<string, number>) =>
      branchCoverage(SOURCE, NAME, probes, hitsFor(hits)).filter((b) => b.line === lineOf('if (x == 0)'));
    // One run that returned and reverted (the function called twice): the runs rule alone would miss it.
    expect(guard({ 'if (x == 0)': 1, 'revert Zero()': 1, 'return x': 1 }).map((b) => b.covered)).toEqual([true, true]);
    // Only reverting runs: the false arm was never taken.
    expect(guard({ 'if (x == 0)': 3, 'revert Zero()': 3 }).map((b) => b.covered)).toEqual([true, false]);
  });

  it('covers the false arm of an open if only when some run reached it without entering', () => {
    const open = (hits: Record<string, number>) =>
      branchCoverage(SOURCE, NAME, probes, hitsFor(hits))
        .filter((b) => b.line === lineOf('if (x > 1) y'))
        .map((b) => b.covered);
    expect(open({ 'if (x > 1) y': 2, 'y = 2': 1 })).toEqual([true, true]);
    expect(open({ 'if (x > 1) y': 2, 'y = 2': 2 })).toEqual([true, false]); // under-reports, never over-reports
  });

  it('never counts a conditional expression as covered: it has no probe in either arm', () => {
    const everything = new Map(probes.map((p) => [p.tag, 5]));
    const conditional = branchCoverage(SOURCE, NAME, probes, everything).filter((b) =>
      b.kind.startsWith('conditional'),
    );
    expect(conditional.map((b) => b.covered)).toEqual([null, null]);
  });
});
