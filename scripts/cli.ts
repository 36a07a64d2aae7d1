/**
 * What every command-line script shares: argument parsing that reports bad input as a `UsageError`
 * naming the argument, `--help`, and one exit-code convention:
 *   0 done, 2 bad input (the message names the argument or variable), 1 failed.
 * A script's own error classes map to exit codes through `describe` (for example an oracle error
 * printed with its code).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad input: printed with the usage text, exit code 2. The message starts with the argument's name. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The answer to `--help`: printed to stdout, exit code 0. */
class HelpRequested extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` parseArgs, strict, with `--help` added: an unknown option, a missing value or a
 * positional where none is allowed throws a UsageError.
 */
export function parseCli<O extends Options, P extends boolean = false>(
  argv: readonly string[],
  options: O,
  allowPositionals?: P,
) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: allowPositionals ?? false,
      options: { ...options, help: { type: 'boolean' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if ((parsed.values as Record<string, unknown>).help === true) throw new HelpRequested();
  return parsed;
}

/** A required string option, not empty. */
export function requiredOption(values: Readonly<Record<string, unknown>>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name}: required`);
  return value;
}

export interface CliRun {
  /** The script's name as printed before each message (`attest: …`). */
  readonly name: string;
  readonly usage: string;
  /** Returns the exit code. */
  readonly main: () => Promise<number | void> | number | void;
  /** Maps a script's own errors to a message and exit code; `undefined` falls through to exit 1. */
  readonly describe?: (error: unknown) => { message: string; code: number } | undefined;
  /** Injected by tests. */
  readonly io?: { out: (line: string) => void; err: (line: string) => void; exit: (code: number) => void };
}

const processIo = {
  out: (line: string) => console.log(line),
  err: (line: string) => console.error(line),
  exit: (code: number) => process.exit(code),
};

/** Runs a script's main and exits with its code; never prints a stack trace. */
export async function runCli(run: CliRun): Promise<void> {
  const io = run.io ?? processIo;
  let code: number;
  try {
    code = (await run.main()) ?? 0;
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.out(run.usage);
      code = 0;
    } else if (error instanceof UsageError) {
      io.err(`${run.name}: ${error.message}\n${run.usage}`);
      code = 2;
    } else {
      const described = run.describe?.(error);
      if (described) {
        io.err(`${run.name}: ${described.message}`);
        code = described.code;
      } else {
        io.err(`${run.name}: failed: ${error instanceof Error ? error.message : String(error)}`);
        code = 1;
      }
    }
  }
  io.exit(code);
}
