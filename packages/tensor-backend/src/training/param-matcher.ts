/** Selecting parameters by name: an exact name, a regular expression or a predicate. */

export type ParamMatcher = string | RegExp | ((name: string) => boolean);

export function matchesParam(m: ParamMatcher, name: string): boolean {
  if (typeof m === 'string') return m === name;
  // search() ignores lastIndex, so a /g or /y expression matches the same way on every call
  if (m instanceof RegExp) return name.search(m) >= 0;
  return m(name);
}
