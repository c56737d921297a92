/**
 * The Einsum equation parser. The shape rule and the gradient rule both read equations
 * through it (the gradient builds its equations from the same labels), so both read an
 * equation identically.
 */

/**
 * An Einsum equation resolved against static input dims. Axes are numbered labels: each
 * letter is one label, '...' becomes one label per broadcast axis, and an operand axis of
 * size 1 broadcast against a larger size gets a private label (it is summed over trivially),
 * so every label has one size wherever it occurs.
 */
export interface EinsumSpec {
  /** Label of each axis of each operand. */
  readonly operands: readonly (readonly number[])[];
  /** Labels of the output axes. */
  readonly output: readonly number[];
  /** Size of each label. */
  readonly sizes: readonly number[];
  /** The letter each label is written with in an equation (fresh letters for '...' and private labels). */
  readonly letters: readonly string[];
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** Token for '...' in a parsed term (letters are single characters). */
const ELLIPSIS = '...';

/** Splits one term into letters and at most one ELLIPSIS. */
function tokens(term: string, fail: (m: string) => never): string[] {
  const out: string[] = [];
  for (let k = 0; k < term.length; k++) {
    if (term.startsWith(ELLIPSIS, k)) {
      if (out.includes(ELLIPSIS)) fail(`term '${term}' has more than one '...'`);
      out.push(ELLIPSIS);
      k += 2;
    } else if (LETTERS.includes(term[k])) out.push(term[k]);
    else fail(`term '${term}' has '${term[k]}'; subscripts are letters a-z, A-Z and '...'`);
  }
  return out;
}

/** A key in messages: a letter, or one axis of '...'. */
const showKey = (k: string): string => (k.length === 1 ? `subscript '${k}'` : `axis ${k.slice(ELLIPSIS.length)} of '...'`);

/** Resolves `equation` against the inputs' static dims; `fail` reports a malformed or mismatched equation. */
export function parseEinsum(equation: string, dims: readonly (readonly number[])[], fail: (m: string) => never): EinsumSpec {
  const eq = equation.replace(/\s+/g, '');
  const sides = eq.split('->');
  if (sides.length > 2) fail(`equation '${equation}' has more than one '->'`);
  const terms = sides[0].split(',').map((t) => tokens(t, fail));
  if (terms.length !== dims.length) fail(`equation '${equation}' has ${terms.length} operand terms for ${dims.length} inputs`);

  // '...' covers the axes the letters leave over; ellipses align at the right (numpy)
  const ellipsisRank = terms.map((t, i) => {
    const letters = t.filter((s) => s !== ELLIPSIS).length;
    const extra = dims[i].length - letters;
    if (extra < 0 || (extra > 0 && !t.includes(ELLIPSIS))) fail(`term '${t.join('')}' does not match input ${i} of rank ${dims[i].length}`);
    return t.includes(ELLIPSIS) ? extra : 0;
  });
  const e = Math.max(0, ...ellipsisRank);
  const keysOf = (t: readonly string[], rank: number): string[] =>
    t.flatMap((s) => (s === ELLIPSIS ? Array.from({ length: rank }, (_, k) => `${ELLIPSIS}${e - rank + k}`) : [s]));
  const inKeys = terms.map((t, i) => keysOf(t, ellipsisRank[i]));

  // size of each key: its first size other than 1 (0 included); the others must equal it or be 1
  const size = new Map<string, number>();
  inKeys.forEach((keys, i) =>
    keys.forEach((key, a) => {
      const prev = size.get(key);
      if (prev === undefined || prev === 1) size.set(key, dims[i][a]);
    }),
  );
  inKeys.forEach((keys, i) =>
    keys.forEach((key, a) => {
      const d = dims[i][a];
      if (d !== size.get(key) && d !== 1) fail(`${showKey(key)} has size ${d} in input ${i} but ${size.get(key)} elsewhere`);
      if (keys.indexOf(key) !== a && dims[i][keys.indexOf(key)] !== d) fail(`repeated ${showKey(key)} has sizes ${dims[i][keys.indexOf(key)]} and ${d} in input ${i}`);
    }),
  );

  let outKeys: string[];
  if (sides.length === 2) {
    const t = tokens(sides[1], fail);
    if (e > 0 && !t.includes(ELLIPSIS)) fail(`the inputs' '...' covers ${e} axes but the output has no '...' (onnxruntime requires one)`);
    outKeys = keysOf(t, e);
    for (const k of outKeys) if (!size.has(k)) fail(`output subscript '${k}' appears in no input`);
    if (new Set(outKeys).size !== outKeys.length) fail(`output subscripts '${sides[1]}' repeat a letter`);
  } else {
    // implicit output: '...' first, then the letters used exactly once, in ASCII order (numpy)
    const count = new Map<string, number>();
    for (const k of inKeys.flat()) count.set(k, (count.get(k) ?? 0) + 1);
    const once = [...count.keys()].filter((k) => k.length === 1 && count.get(k) === 1).sort();
    outKeys = [...keysOf([ELLIPSIS], e), ...once];
  }

  // number the keys, then give broadcast axes private labels
  const ids = new Map<string, number>();
  const sizes: number[] = [];
  const names: (string | undefined)[] = [];
  const label = (key: string | undefined, n: number): number => {
    if (key !== undefined && ids.has(key)) return ids.get(key)!;
    sizes.push(n);
    names.push(key?.length === 1 ? key : undefined);
    if (key !== undefined) ids.set(key, sizes.length - 1);
    return sizes.length - 1;
  };
  for (const k of [...inKeys.flat(), ...outKeys]) label(k, size.get(k)!);
  const operands = inKeys.map((keys, i) => keys.map((k, a) => (dims[i][a] === size.get(k) ? ids.get(k)! : label(undefined, 1))));

  const free = [...LETTERS].filter((c) => !eq.includes(c));
  const unnamed = names.filter((n) => n === undefined).length;
  if (unnamed > free.length) fail(`equation '${equation}' needs more than ${LETTERS.length} distinct subscripts once '...' is expanded`);
  const letters = names.map((n) => n ?? free.shift()!);
  return { operands, output: outKeys.map((k) => ids.get(k)!), sizes, letters };
}

/** The subscripts of a list of labels, as written in an equation. */
export const subscripts = (spec: EinsumSpec, labels: readonly number[]): string => labels.map((l) => spec.letters[l]).join('');
