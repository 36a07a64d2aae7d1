import { describe, expect, it } from '@jest/globals';
import { UsageError, parseCli, requiredOption, runCli, type CliRun } from '../../scripts/cli.js';

function harness() {
  const out: string[] = [];
  const err: string[] = [];
  const codes: number[] = [];
  return {
    out,
    err,
    codes,
    io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), exit: (c: number) => codes.push(c) },
  };
}

async function run(main: CliRun['main'], describe?: CliRun['describe']) {
  const h = harness();
  await runCli({ name: 'tool', usage: 'usage: tool --x <n>', main, describe, io: h.io });
  return h;
}

describe('scripts/cli', () => {
  it('parses strict options and positionals', () => {
    const parsed = parseCli(['--x', '3', 'mine'], { x: { type: 'string' } }, true);
    expect(parsed.values.x).toBe('3');
    expect(parsed.positionals).toEqual(['mine']);
  });

  it.each([
    [['--nope'], /nope/],
    [['--x'], /--x/],
    [['stray'], /stray/],
  ])('%j is a UsageError naming the argument', (argv, message) => {
    expect(() => parseCli(argv, { x: { type: 'string' } })).toThrow(UsageError);
    expect(() => parseCli(argv, { x: { type: 'string' } })).toThrow(message);
  });

  it('requiredOption names the missing or empty option', () => {
    expect(() => requiredOption({}, 'out')).toThrow('--out: required');
    expect(() => requiredOption({ out: '' }, 'out')).toThrow('--out: required');
    expect(requiredOption({ out: 'a.json' }, 'out')).toBe('a.json');
  });

  it('--help prints the usage to stdout and exits 0', async () => {
    const h = await run(() => {
      parseCli(['--help'], {});
      return 5;
    });
    expect(h.out).toEqual(['usage: tool --x <n>']);
    expect(h.codes).toEqual([0]);
  });

  it('exit codes: the main result, 2 for bad input with the usage, 1 for a failure, described errors their own', async () => {
    expect((await run(() => 3)).codes).toEqual([3]);
    expect((await run(() => undefined)).codes).toEqual([0]);

    const usage = await run(() => {
      throw new UsageError('--x: not a number');
    });
    expect(usage.codes).toEqual([2]);
    expect(usage.err).toEqual(['tool: --x: not a number\nusage: tool --x <n>']);

    const failed = await run(() => {
      throw new Error('connection refused');
    });
    expect(failed.codes).toEqual([1]);
    expect(failed.err).toEqual(['tool: failed: connection refused']);
    expect(failed.err.join('')).not.toMatch(/at .*\.ts/); // no stack trace

    class Refused extends Error {}
    const described = await run(
      () => {
        throw new Refused('no');
      },
      (error) => (error instanceof Refused ? { message: 'REFUSED: no', code: 4 } : undefined),
    );
    expect(described.codes).toEqual([4]);
    expect(described.err).toEqual(['tool: REFUSED: no']);
  });
});
