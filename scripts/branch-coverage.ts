import solcModule from 'solc';

/** The solc-js wrapper (untyped): standard JSON in, standard JSON out. */
const solc = solcModule as { compile(input: string): string };

/**
 * Branch coverage of Solidity sources from Hardhat 3's statement coverage.
 *
 * Hardhat's `--coverage` (EDR's instrumentation) only reports statements: each statement, block
 * included, gets a probe tag, and `coverage/data/solidity/*.json` says in how many test runs each tag was
 * hit (once per run, not per execution). Branches are derived from those probes and the source's AST:
 *
 * - `if` with `else`: the true arm is covered when its body's probe was hit, the false arm when the else
 *   body's probe was (an `else if` is itself an `if` statement with a probe).
 * - `if` without `else`: the true arm as above. The false arm is covered when the body always leaves the
 *   block (revert, return, break, continue) and the statement after the `if` was hit, or when some run
 *   reached the `if` without entering its body (the `if` was hit in more runs than its body). The second
 *   rule is sufficient, not necessary (a run that took both arms counts for the true arm only), so the
 *   measure can under-report, never over-report (except for a condition that reverts while evaluated).
 * - A conditional expression (`c ? a : b`) has no probe in either arm: its two branches count as
 *   unmeasured, hence uncovered. Write such choices as `if`/`else` to have them measured.
 *
 * Not counted as branches: `&&`/`||` short circuits, loop conditions and inline assembly, which Hardhat
 * instruments as one statement per block.
 */

/** One probe of EDR's statement instrumentation, in UTF-16 code units of the source (trivia included). */
export interface Probe {
  readonly tag: string;
  readonly startUtf16: number;
  readonly endUtf16: number;
}

export type BranchKind = 'if' | 'else' | 'if-false' | 'conditional-true' | 'conditional-false';

export interface Branch {
  readonly line: number;
  readonly kind: BranchKind;
  /** Null when the branch cannot be measured (conditional expressions). */
  readonly covered: boolean | null;
}

interface AstNode {
  readonly nodeType?: string;
  readonly src?: string;
  readonly [key: string]: unknown;
}

/** Whitespace and comments only. */
const TRIVIA = /^(?:\s|\/\/[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*$/;

interface Span {
  readonly start: number;
  readonly end: number;
}

/** Parses `source` (no import resolution: parsing only) and returns its AST. */
export function parseSolidity(source: string, name: string): AstNode {
  const input = {
    language: 'Solidity',
    sources: { [name]: { content: source } },
    settings: { stopAfter: 'parsing', outputSelection: { '*': { '': ['ast'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    sources?: Record<string, { ast: AstNode }>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0 || !output.sources?.[name]) {
    throw new Error(`cannot parse ${name}: ${errors.map((e) => e.formattedMessage).join('\n')}`);
  }
  return output.sources[name].ast;
}

/** UTF-16 index of every UTF-8 byte offset of `source` (solc's `src` counts bytes, EDR's probes UTF-16). */
function byteToUtf16(source: string): (byte: number) => number {
  const table: number[] = [];
  let utf16 = 0;
  for (const char of source) {
    const bytes = Buffer.byteLength(char, 'utf8');
    for (let i = 0; i < bytes; i++) table.push(utf16);
    utf16 += char.length;
  }
  table.push(utf16);
  return (byte) => table[byte] ?? utf16;
}

/** Line (1-based) of every UTF-16 index. */
function lineAt(source: string): (utf16: number) => number {
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') starts.push(i + 1);
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

function walk(node: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
  } else if (node !== null && typeof node === 'object') {
    const n = node as AstNode;
    if (typeof n.nodeType === 'string') visit(n);
    for (const value of Object.values(n)) if (value !== null && typeof value === 'object') walk(value, visit);
  }
}

const LEAVING = new Set(['RevertStatement', 'Return', 'Break', 'Continue']);

/** Whether a statement always leaves its block: a revert, return, break or continue, or a block ending so. */
function leaves(statement: AstNode): boolean {
  if (LEAVING.has(statement.nodeType ?? '')) return true;
  if (statement.nodeType === 'Block' || statement.nodeType === 'UncheckedBlock') {
    const statements = (statement.statements as AstNode[] | null) ?? [];
    const last = statements[statements.length - 1];
    return last !== undefined && leaves(last);
  }
  return false;
}

/**
 * Branches of `source` and whether the test runs covered them, from EDR's `probes` for that source and
 * `hits` (tag → number of runs that hit it).
 */
export function branchCoverage(
  source: string,
  name: string,
  probes: readonly Probe[],
  hits: ReadonlyMap<string, number>,
): Branch[] {
  const toUtf16 = byteToUtf16(source);
  const line = lineAt(source);
  const span = (node: AstNode): Span => {
    const [start, length] = (node.src ?? '').split(':').map(Number);
    if (start === undefined || length === undefined || Number.isNaN(start)) throw new Error(`no src in ${name}`);
    return { start: toUtf16(start), end: toUtf16(start + length) };
  };
  // The probe of a statement: the smallest probe range around it whose start is the statement's, give or take
  // leading trivia (probe ranges include whitespace and comments on either side). None when the statement
  // has no probe of its own (never the probe of an enclosing statement).
  const runsOf = (node: AstNode): number | undefined => {
    const s = span(node);
    let best: Probe | undefined;
    for (const p of probes) {
      if (p.startUtf16 <= s.start && p.endUtf16 >= s.end && TRIVIA.test(source.slice(p.startUtf16, s.start))) {
        if (!best || p.endUtf16 - p.startUtf16 < best.endUtf16 - best.startUtf16) best = p;
      }
    }
    return best ? (hits.get(best.tag) ?? 0) : undefined;
  };

  const ast = parseSolidity(source, name);
  // The statement after each statement of a block, for `if`s whose body always leaves the block.
  const nextOf = new Map<unknown, AstNode>();
  walk(ast, (node) => {
    if (node.nodeType === 'Block' || node.nodeType === 'UncheckedBlock') {
      const statements = (node.statements as AstNode[] | null) ?? [];
      statements.forEach((statement, i) => {
        if (statements[i + 1]) nextOf.set(statement.id, statements[i + 1]!);
      });
    }
  });

  const branches: Branch[] = [];
  walk(ast, (node) => {
    if (node.nodeType === 'IfStatement') {
      const at = line(span(node).start);
      const trueBody = node.trueBody as AstNode;
      const falseBody = node.falseBody as AstNode | null | undefined;
      const ifRuns = runsOf(node);
      const trueRuns = runsOf(trueBody);
      branches.push({ line: at, kind: 'if', covered: trueRuns === undefined ? null : trueRuns > 0 });
      if (falseBody) {
        const falseRuns = runsOf(falseBody);
        branches.push({ line: at, kind: 'else', covered: falseRuns === undefined ? null : falseRuns > 0 });
      } else {
        // The body always leaves (revert, return, break, continue): the next statement runs only after a false
        // condition. Otherwise: some run reached the `if` without entering its body.
        const next = nextOf.get(node.id);
        const nextRuns = next && leaves(trueBody) ? runsOf(next) : undefined;
        const measurable = ifRuns !== undefined && trueRuns !== undefined;
        const covered = (nextRuns ?? 0) > 0 || (measurable && ifRuns > trueRuns);
        branches.push({ line: at, kind: 'if-false', covered: measurable || nextRuns !== undefined ? covered : null });
      }
    } else if (node.nodeType === 'Conditional') {
      const at = line(span(node).start);
      branches.push({ line: at, kind: 'conditional-true', covered: null });
      branches.push({ line: at, kind: 'conditional-false', covered: null });
    }
  });
  return branches.sort((a, b) => a.line - b.line);
}
