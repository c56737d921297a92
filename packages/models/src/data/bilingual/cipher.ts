/**
 * The cipher "language": a bijective word cipher of English into invented words, with a fixed
 * word-order change. Shared tokens (no letter: punctuation, numbers) are kept as they are, so
 * the two languages share exactly what two real languages written in one script would.
 *  - Words: English word of rank r -> pseudoWord(perm[r]), perm a seeded permutation, so the
 *    pairing carries no information from spelling or frequency order. Pseudo-words are
 *    consonant-vowel syllables ending in 'q' (no English vocabulary word has that shape; every
 *    table is checked for collisions anyway).
 *  - Order: each sentence's tokens are reversed, except that its closing run of marks
 *    (. ? ! ; :) stays last and an opening run of them stays first. Keeping the opening run too
 *    makes the rule its own inverse (Brown has about 60 sentences opening with `.` or `;`):
 *    the reversed middle starts and ends with a non-mark, so a second application finds the
 *    same runs and reverses the middle back.
 */
import { GradlocError, rng } from '@gradloc/tensor-backend';

/** Tokens without a letter are shared by both languages. */
export const isSharedToken = (word: string): boolean => !/[a-z]/.test(word.toLowerCase());

export const SENTENCE_FINAL: ReadonlySet<string> = new Set(['.', '?', '!', ';', ':']);

const CONSONANTS = 'bdfgklmnprstvz';
const VOWELS = 'aeiou';

/** The j-th pseudo-word: two or more CV syllables (70 syllables, base 70) + 'q'. */
export function pseudoWord(j: number): string {
  const base = CONSONANTS.length * VOWELS.length;
  let n = j + base; // at least two syllables
  let w = '';
  while (n > 0) {
    const s = n % base;
    w = CONSONANTS[Math.floor(s / VOWELS.length)] + VOWELS[s % VOWELS.length] + w;
    n = Math.floor(n / base);
  }
  return `${w}q`;
}

/** Cipher words for English words in rank order (seeded permutation of pseudo-words). */
export function cipherTable(english: readonly string[], seed: number): string[] {
  const perm = Array.from(english, (_, i) => i);
  const rand = rng(seed);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const table = perm.map(pseudoWord);
  const taken = new Set(english);
  for (const w of table) if (taken.has(w)) throw new GradlocError('BAD_INPUT', `cipher word '${w}' is also an English vocabulary word`);
  return table;
}

/** The cipher word order of one sentence (also its inverse); `isMark` tells the marks. */
export function reorderSentence<T>(tokens: readonly T[], isMark: (t: T) => boolean): T[] {
  const n = tokens.length;
  let lead = 0;
  while (lead < n && isMark(tokens[lead])) lead++;
  let tail = n;
  while (tail > lead && isMark(tokens[tail - 1])) tail--;
  return tokens.map((t, i) => (i < lead || i >= tail ? t : tokens[lead + tail - 1 - i]));
}
