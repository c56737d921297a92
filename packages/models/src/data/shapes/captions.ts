/**
 * Referring phrases and scene captions. The grammar is deliberately tiny (articles, counts,
 * colour, shape, "and") so the vocabulary is closed: see tokenizer.ts.
 */
import type { ColourName } from './palette.js';
import type { ShapeName } from './shape-geometry.js';

/** Counts spelled out in captions ("two red circles"); index = count - 2. */
export const COUNT_WORDS = ['two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'] as const;
/** The most identical objects a caption can count, hence the generator's object limit. */
export const MAX_COUNT = COUNT_WORDS.length + 1;

export const pluralOf = (shape: ShapeName): string => (shape === 'cross' ? 'crosses' : `${shape}s`);

/** "an" before the one vowel-initial colour. */
export const articleFor = (colour: ColourName): 'a' | 'an' => (/^[aeiou]/.test(colour) ? 'an' : 'a');

/** The three referring-phrase forms of one object: indefinite, definite, bare. */
export function objectPhrases(shape: ShapeName, colour: ColourName): string[] {
  const bare = `${colour} ${shape}`;
  return [`${articleFor(colour)} ${bare}`, `the ${bare}`, bare];
}

/** "a red circle" for one, "three red circles" for several. */
export function countedPhrase(shape: ShapeName, colour: ColourName, count: number): string {
  if (count === 1) return objectPhrases(shape, colour)[0];
  const word = COUNT_WORDS[count - 2];
  if (word === undefined) throw new RangeError(`cannot caption ${count} identical objects (at most ${MAX_COUNT})`);
  return `${word} ${colour} ${pluralOf(shape)}`;
}

/** "A", "A and B", "A, B and C". */
export function joinPhrases(parts: readonly string[]): string {
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

interface Captioned {
  readonly shape: ShapeName;
  readonly colour: ColourName;
  readonly area: number;
}

/**
 * Captions of a set of objects: identical (shape, colour) objects are counted together and
 * groups are listed by their largest member, largest first (ties keep first appearance), which
 * makes the first caption canonical. If there are several groups, the reverse order follows.
 */
export function sceneCaptions(objects: readonly Captioned[]): string[] {
  const groups = new Map<string, { shape: ShapeName; colour: ColourName; count: number; area: number }>();
  for (const o of objects) {
    const key = `${o.colour} ${o.shape}`;
    const g = groups.get(key);
    if (g) {
      g.count++;
      g.area = Math.max(g.area, o.area);
    } else groups.set(key, { shape: o.shape, colour: o.colour, count: 1, area: o.area });
  }
  const parts = [...groups.values()].sort((a, b) => b.area - a.area).map((g) => countedPhrase(g.shape, g.colour, g.count));
  return parts.length > 1 ? [joinPhrases(parts), joinPhrases([...parts].reverse())] : [joinPhrases(parts)];
}
