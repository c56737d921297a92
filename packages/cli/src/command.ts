/**
 * The shape every `gradloc <command>` has, so bin.ts can list, dispatch and document them
 * uniformly and tests can run one in-process with captured output.
 */

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
