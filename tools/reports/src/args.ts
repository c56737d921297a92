/** The report scripts' flags: `--name value` and bare `--name`. */

/** The value after `--name`, or undefined when the flag is absent. */
export const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};

/** Whether `--name` was given. */
export const has = (name: string): boolean => process.argv.includes(`--${name}`);
