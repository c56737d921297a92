/** Command-line flags of the benchmark scripts: `--name value` and bare `--name`. */

export function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? '') : undefined;
}

export const has = (name: string): boolean => process.argv.includes(`--${name}`);
