/**
 * Loading Hugging Face folders of the four contracts (tiny random weights, the real layouts;
 * helpers/hf-contracts.ts): the text feeds each contract takes, written out here by hand from
 * the folder's vocabulary, and the pixels its image processor gives (OWLv2: padded to a
 * square of grey 0.5 at the bottom/right, the picture's region reported).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RgbImage } from '@gradloc/tensor-backend';
import { openDualEncoder, openGrounder, type GrounderSource } from '../src/index.js';
import { CONTRACT_SIZE as S, vocabularyOf, writeContractFolder, type HfContract } from './helpers/hf-contracts.js';

const root = mkdtempSync(join(tmpdir(), 'hf-contracts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const folder = (kind: HfContract): string => {
  const dir = join(root, kind);
  writeContractFolder(dir, kind);
  return dir;
};
const picture = (width: number, height: number): RgbImage => ({ width, height, data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 53 + 17) % 256) });
const ids = (kind: HfContract, words: readonly string[]): number[] => words.map((w) => vocabularyOf(kind).indexOf(w));
const values = (f: GrounderSource['encodeQuery'] extends (q: string) => infer R ? R : never, name: string): number[] => Array.from(f[name].data as BigInt64Array, Number);

async function withSource<T>(open: Promise<GrounderSource>, fn: (s: GrounderSource) => Promise<T> | T): Promise<T> {
  const s = await open;
  try {
    return await fn(s);
  } finally {
    await s.model.release();
  }
}

describe('Hugging Face folders by contract', () => {
  it('OWL-ViT: CLIP-style ids padded with <|endoftext|> to 16 and masked; the processor\'s mean/std; pixels / 255 at the input size', async () => {
    await withSource(openGrounder(folder('owlvit'), { runtime: { threads: 1 } }), async (s) => {
      const f = s.encodeQuery('A red CIRCLE');
      const want = ids('owlvit', ['<|startoftext|>', 'a', 'red', 'circle', '<|endoftext|>']);
      expect(values(f, 'input_ids')).toEqual([...want, ...Array(11).fill(vocabularyOf('owlvit').indexOf('<|endoftext|>'))]);
      expect(values(f, 'attention_mask')).toEqual([1, 1, 1, 1, 1, ...Array(11).fill(0)]);
      expect(s.normalize?.mean[0]).toBeCloseTo(0.48145466, 7);
      expect(s.phrases).toBeUndefined();
      const p = picture(S, S);
      const { image, region } = await s.prepare!(p);
      expect(region).toBeUndefined();
      expect(image.data[S * S + 5]).toBeCloseTo(p.data[3 * 5 + 1] / 255, 6);
      expect(() => s.encodeQuery('a purple circle')).toThrow(/no id for: purple/);
    });
  });

  it('OWLv2: a wide picture padded below with grey 0.5 to a square; region = the picture\'s part', async () => {
    await withSource(openGrounder(folder('owlv2'), { runtime: { threads: 1 } }), async (s) => {
      const p = picture(S, S / 2);
      const { image, region } = await s.prepare!(p);
      expect(region).toEqual([0, 0, 1, 0.5]);
      expect([image.width, image.height]).toEqual([S, S]);
      const plane = S * S;
      for (const [y, x] of [[0, 0], [3, 7], [S / 2 - 1, S - 1]]) for (let c = 0; c < 3; c++) expect(image.data[c * plane + y * S + x]).toBeCloseTo(p.data[3 * (y * S + x) + c] / 255, 6);
      for (const [y, x] of [[S / 2, 0], [S - 1, S - 1]]) for (let c = 0; c < 3; c++) expect(image.data[c * plane + y * S + x]).toBe(0.5);
    });
  });

  it('Grounding DINO: every query a phrase of one text "q1. q2." with [CLS]/[SEP], token_type_ids 0, and each phrase\'s token positions', async () => {
    await withSource(openGrounder(folder('grounding-dino'), { runtime: { threads: 1 } }), async (s) => {
      const t = s.phrases!(['a red circle', 'Blue square.']);
      expect(values(t.feeds, 'input_ids')).toEqual(ids('grounding-dino', ['[CLS]', 'a', 'red', 'circle', '.', 'blue', 'square', '.', '[SEP]']));
      expect(values(t.feeds, 'token_type_ids')).toEqual(Array(9).fill(0));
      expect(values(t.feeds, 'attention_mask')).toEqual(Array(9).fill(1));
      expect(t.spans).toEqual([[1, 2, 3], [5, 6]]);
      expect(values(s.encodeQuery('a star'), 'input_ids')).toEqual(ids('grounding-dino', ['[CLS]', 'a', 'star', '.', '[SEP]']));
      expect(() => s.phrases!(['a purple star'])).toThrow(/no id for: purple/);
    });
  });

  it('CLIP: a dual encoder whose processor resizes the short side and centre-crops', async () => {
    await withSource(openDualEncoder(folder('clip'), { runtime: { threads: 1 } }), async (s) => {
      expect(s.size).toEqual({ height: S, width: S });
      const p = picture(S, S);
      const { image } = await s.prepare!(p);
      expect(image.data[7]).toBeCloseTo(p.data[3 * 7] / 255, 6);
      const wide = await s.prepare!(picture(2 * S, S));
      expect([wide.image.width, wide.image.height]).toEqual([S, S]);
    });
  });
});
