/**
 * Dispatch and the one place errors become output: a GradlocError is one line,
 * `gradloc: CODE: message`, exit code 1, never a stack trace (GRADLOC_DEBUG=1 adds it).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { GradlocError } from '@gradloc/tensor-backend';
import type { Command, Io } from './command.js';
import { COMMANDS } from './commands/index.js';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: gradloc <command> [flags]',
    '',
    'Gradients of ONNX models, computed as ONNX graphs on onnxruntime.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `gradloc <command> --help` for its flags. `gradloc --version` prints the version.',
    'Errors: one line on stderr, `gradloc: CODE: message`, exit code 1.',
  ].join('\n');
}

/**
 * The installed @gradloc/cli's version, found by package name (its exports map lists
 * ./package.json) rather than relative to this file, so a bundled CLI reports the package it
 * was bundled from, not whatever package.json sits next to the bundle.
 */
export function version(): string {
  const path = createRequire(import.meta.url).resolve('@gradloc/cli/package.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/** Runs one command line; resolves to the process exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined) throw new GradlocError('BAD_INPUT', 'no command given (see: gradloc --help)');
    if (name === '--help' || name === '-h' || name === 'help') {
      const cmd = rest[0] === undefined ? undefined : findCommand(rest[0]);
      io.out(cmd ? cmd.help : usage());
      return 0;
    }
    if (name === '--version' || name === '-V') {
      io.out(version());
      return 0;
    }
    return await findCommand(name).run(rest, io);
  } catch (e) {
    io.err(formatError(e));
    if (process.env.GRADLOC_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
    return 1;
  }
}

function findCommand(name: string): Command {
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd) return cmd;
  const what = name.startsWith('-') ? `unknown flag ${name}` : `unknown command '${name}'`;
  throw new GradlocError('BAD_INPUT', `${what} (commands: ${COMMANDS.map((c) => c.name).join(', ')}; see: gradloc --help)`);
}

/** One line, whatever was thrown: multi-line messages (onnxruntime's) are folded. */
export function formatError(e: unknown): string {
  const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();
  if (e instanceof GradlocError) return `gradloc: ${e.code}: ${oneLine(e.message)}`;
  const msg = e instanceof Error ? e.message : String(e);
  return `gradloc: INTERNAL: ${oneLine(msg)} (a bug in gradloc; GRADLOC_DEBUG=1 shows the stack)`;
}
