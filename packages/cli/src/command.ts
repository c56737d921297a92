/**
 * The shape every `gradloc <command>` has, so bin.ts can list, dispatch and document them
 * uniformly and tests can run one in-process with captured output.
 */
import { GradlocError } from '@gradloc/tensor-backend';

/** Where a command writes: `out` for machine-readable lines (stdout), `err` for people (stderr). */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Whether stderr is a terminal (progress bars redraw in place there). */
  readonly tty?: boolean;
  /** Redraws the current stderr line (terminals only). */
  status?(text: string): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  tty: process.stderr.isTTY === true,
  status: (text) => process.stderr.write(`\r${text}\x1b[K`),
};

export interface Command {
  readonly name: string;
  /** One line for `gradloc --help`. */
  readonly summary: string;
  /** Full text for `gradloc <name> --help`. */
  readonly help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. Errors are thrown. */
  run(argv: readonly string[], io: Io): Promise<number>;
}

export type Subcommand = (argv: readonly string[], io: Io) => Promise<number>;

/**
 * `run` of a command made of subcommands (`gradloc <name> <sub> ...`): help without a
 * subcommand (exit 2) or with --help anywhere (exit 0), else the subcommand's run.
 */
export function subcommandRunner(name: string, help: string, subs: Readonly<Record<string, Subcommand>>): Command['run'] {
  return async (argv, io) => {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      io.out(help);
      return sub === undefined ? 2 : 0;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(help);
      return 0;
    }
    const run = Object.hasOwn(subs, sub) ? subs[sub] : undefined;
    if (!run) throw new GradlocError('BAD_INPUT', `unknown ${name} subcommand '${sub}' (${Object.keys(subs).join(', ')})`);
    return run(rest, io);
  };
}
