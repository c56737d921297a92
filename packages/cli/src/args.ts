/**
 * Flag parsing over node:util parseArgs (no dependency), turning its multi-line errors
 * into one GradlocError line and adding what it lacks: unknown flags name the command,
 * a single-valued flag given twice is an error (not "last one wins"), and typed getters.
 */
import { parseArgs } from 'node:util';
import { GradlocError, type ExecutionProvider, type RuntimeOptions } from '@gradloc/tensor-backend';
import type { ModelsOptions } from '@gradloc/models';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
}
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** Parsed flags: strings, string lists (multiple) and booleans by flag name. */
export type Flags = Readonly<Record<string, string | string[] | boolean | undefined>>;

const usageError = (command: string, message: string): GradlocError =>
  new GradlocError('BAD_INPUT', `${message} (see: gradloc ${command} --help)`);

export function parseFlags(command: string, argv: readonly string[], specs: FlagSpecs): Flags {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...specs }, strict: true, allowPositionals: false, tokens: true });
  } catch (e) {
    throw usageError(command, describeParseError(e, argv));
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option' || specs[t.name]?.multiple) continue;
    if (seen.has(t.name)) throw usageError(command, `--${t.name} is given more than once`);
    seen.add(t.name);
  }
  return parsed.values as Flags;
}

/** parseArgs messages span lines and suggest `--model=-XYZ`; keep the gist, on one line. */
function describeParseError(e: unknown, argv: readonly string[]): string {
  const code = (e as { code?: string }).code;
  const msg = String((e as Error).message ?? e);
  const quoted = /'([^']+)'/.exec(msg)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${quoted}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quoted.split(' ')[0];
      if (msg.includes('argument missing') || msg.includes('ambiguous')) return `${flag} needs a value`;
      return `${flag} does not take a value`;
    }
    default:
      return `cannot parse arguments '${argv.join(' ')}': ${msg.split('\n')[0]}`;
  }
}

export function requireString(command: string, flags: Flags, name: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || v === '') throw usageError(command, `missing required flag --${name}`);
  return v;
}

/** A repeatable flag that must be given at least once. */
export function requireList(command: string, flags: Flags, name: string): string[] {
  const v = stringList(flags, name);
  if (v.length === 0) throw usageError(command, `missing required flag --${name}`);
  return v;
}

export function optionalString(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function stringList(flags: Flags, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** A whole number >= min, or undefined when the flag is absent. */
export function optionalInt(command: string, flags: Flags, name: string, min: number): number | undefined {
  const v = optionalString(flags, name);
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw usageError(command, `--${name} must be a whole number >= ${min}, got '${v}'`);
  return n;
}

/** A finite number in [min, max], or undefined when the flag is absent. */
export function optionalNumber(command: string, flags: Flags, name: string, min: number, max: number): number | undefined {
  const v = optionalString(flags, name);
  if (v === undefined) return undefined;
  const n = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v.trim()) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw usageError(command, `--${name} must be a number in [${min}, ${max}], got '${v}'`);
  return n;
}

/** One of a fixed set of words, or undefined when the flag is absent. */
export function optionalChoice<T extends string>(command: string, flags: Flags, name: string, choices: readonly T[]): T | undefined {
  const v = optionalString(flags, name);
  if (v === undefined) return undefined;
  if (!(choices as readonly string[]).includes(v)) throw usageError(command, `--${name} must be one of ${choices.join(', ')}, got '${v}'`);
  return v as T;
}

/** --ep and --threads, shared by every command that runs a model. */
export const RUNTIME_FLAGS = {
  ep: { type: 'string' },
  threads: { type: 'string' },
} as const satisfies FlagSpecs;

const EPS: readonly ExecutionProvider[] = ['cpu', 'cuda', 'webgpu'];

export function runtimeOptions(command: string, flags: Flags): RuntimeOptions {
  return { executionProvider: optionalChoice(command, flags, 'ep', EPS), threads: optionalInt(command, flags, 'threads', 1) };
}

/** --models DIR: the models folder, for commands that name models or read the Brown tokenizer. */
export const MODELS_FLAG = {
  models: { type: 'string' },
} as const satisfies FlagSpecs;

export const modelsOption = (flags: Flags): ModelsOptions => ({ modelsDir: optionalString(flags, 'models') });
