/**
 * `gradloc detect`, `vps` and `clip-explain` on Hugging Face folders of the four contracts
 * (tiny random weights, real layouts: models' test/helpers/hf-contracts.ts). The expected
 * detections are computed here by hand: the pixels standardised with the processor's
 * mean/std (OWLv2: padded with grey below), the ids from the vocabulary, one direct run of the
 * graph, the best patch per query (Grounding DINO: the best sigmoid over the phrase's tokens)
 * and its box in the picture's pixels.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cxcywhToXyxy, encodePNG, OnnxModel, readNpy, tensor, type Feeds, type RgbImage } from '@gradloc/tensor-backend';
import { CLIP_MEAN, CLIP_STD, CONTRACT_SIZE as S, vocabularyOf, writeContractFolder, type HfContract } from '../../models/test/helpers/hf-contracts.js';
import { gradloc, listFiles, tempDir } from './helpers.js';

let dir: string;
const picture = (width: number, height: number): RgbImage => ({ width, height, data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 29 + ((i / 3) | 0) * 7) % 256) });
const square = picture(S, S);
const wide = picture(S, S / 2);

beforeAll(async () => {
  dir = tempDir();
  for (const kind of ['owlvit', 'owlv2', 'clip', 'grounding-dino'] as const) writeContractFolder(join(dir, kind), kind);
  writeFileSync(join(dir, 'square.png'), await encodePNG(square));
  writeFileSync(join(dir, 'wide.png'), await encodePNG(wide));
});

/** [1, 3, S, S] standardised pixels of a picture placed at the top-left of a grey (0.5) canvas. */
function pixels(p: RgbImage, mean: readonly number[], std: readonly number[]): Float32Array {
  const out = new Float32Array(3 * S * S);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const v = y < p.height && x < p.width ? p.data[3 * (y * p.width + x) + c] / 255 : 0.5;
        out[c * S * S + y * S + x] = (v - mean[c]) / std[c];
      }
    }
  }
  return out;
}

const idRow = (kind: HfContract, words: readonly string[]): number[] => words.map((w) => vocabularyOf(kind).indexOf(w));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const clamp = (v: number, hi: number): number => Math.min(hi, Math.max(0, v));

interface Best {
  readonly box: number[];
  readonly score: number;
}

/** The best box per query, by hand; boxes over the S x S input, in pixels of a picture filling its top rows. */
async function expected(kind: HfContract, p: RgbImage, feeds: Feeds, scoreOf: (logits: Float32Array, patch: number, q: number, columns: number) => number, queries: number): Promise<Best[]> {
  const model = OnnxModel.load(join(dir, kind, 'onnx', 'model.onnx'), { threads: 1 });
  try {
    const mean = kind === 'grounding-dino' ? [0.485, 0.456, 0.406] : CLIP_MEAN;
    const std = kind === 'grounding-dino' ? [0.229, 0.224, 0.225] : CLIP_STD;
    const out = await model.run({ pixel_values: tensor('float32', [1, 3, S, S], pixels(p, mean, std)), ...feeds }, ['logits', 'pred_boxes']);
    const lg = out.logits.data as Float32Array;
    const bx = out.pred_boxes.data as Float32Array;
    const [, P, C] = out.logits.dims;
    return Array.from({ length: queries }, (_, q) => {
      let best = 0;
      for (let i = 1; i < P; i++) if (scoreOf(lg, i, q, C) > scoreOf(lg, best, q, C)) best = i;
      const [x0, y0, x1, y1] = cxcywhToXyxy(bx[4 * best], bx[4 * best + 1], bx[4 * best + 2], bx[4 * best + 3]);
      // the input is S wide and the picture S wide: input pixels are picture pixels, cut to its height
      return { box: [clamp(x0, 1) * S, clamp(y0 * S, p.height), clamp(x1, 1) * S, clamp(y1 * S, p.height)], score: sigmoid(scoreOf(lg, best, q, C)) };
    });
  } finally {
    await model.release();
  }
}

function detected(kind: HfContract, image: string, queries: readonly string[]): Best[] {
  const r = gradloc(['detect', '--model', join(dir, kind), '--image', image, '--threshold', '0', '--threads', '1', ...queries.flatMap((q) => ['--query', q])], dir);
  expect(r.code, r.stderr).toBe(0);
  const d = (JSON.parse(r.stdout) as { detections: { query: string; box: number[]; score: number }[] }).detections;
  return queries.map((q) => d.find((x) => x.query === q)!); // best first within a query
}

function expectSame(got: readonly Best[], want: readonly Best[]): void {
  got.forEach((g, q) => {
    expect(g.score).toBeCloseTo(want[q].score, 5);
    g.box.forEach((v, k) => expect(v).toBeCloseTo(want[q].box[k], 2));
  });
}

const QUERIES = ['a red circle', 'a blue square'];
const owlFeeds = (kind: HfContract): Feeds => {
  const [bos, eos] = idRow(kind, ['<|startoftext|>', '<|endoftext|>']);
  const rows = QUERIES.map((q) => [bos, ...idRow(kind, q.split(' ')), eos]);
  const L = 16;
  return {
    input_ids: tensor('int64', [rows.length, L], rows.flatMap((r) => [...r, ...Array(L - r.length).fill(eos)])),
    attention_mask: tensor('int64', [rows.length, L], rows.flatMap((r) => [...r.map(() => 1), ...Array(L - r.length).fill(0)])),
  };
};
const byColumn = (lg: Float32Array, p: number, q: number, C: number): number => lg[p * C + q];

describe('gradloc detect on Hugging Face folders', () => {
  it('OWL-ViT: the best box per query as computed by hand', async () => {
    expectSame(detected('owlvit', 'square.png', QUERIES), await expected('owlvit', square, owlFeeds('owlvit'), byColumn, 2));
  });

  it('OWLv2: a wide picture padded to a square below, boxes back in its pixels', async () => {
    expectSame(detected('owlv2', 'wide.png', QUERIES), await expected('owlv2', wide, owlFeeds('owlv2'), byColumn, 2));
  });

  it('Grounding DINO: both queries as one text, each scored by its phrase\'s best token', async () => {
    const row = idRow('grounding-dino', ['[CLS]', 'a', 'red', 'circle', '.', 'a', 'blue', 'square', '.', '[SEP]']);
    const spans = [
      [1, 2, 3],
      [5, 6, 7],
    ];
    const feeds: Feeds = {
      input_ids: tensor('int64', [1, row.length], row),
      attention_mask: tensor('int64', [1, row.length], row.map(() => 1)),
      token_type_ids: tensor('int64', [1, row.length], row.map(() => 0)),
      pixel_mask: tensor('int64', [1, S, S], new BigInt64Array(S * S).fill(1n)),
    };
    const phrase = (lg: Float32Array, p: number, q: number, C: number): number => Math.max(...spans[q].map((t) => lg[p * C + t]));
    expectSame(detected('grounding-dino', 'square.png', QUERIES), await expected('grounding-dino', square, feeds, phrase, 2));
  });
});

describe('gradloc vps and clip-explain on Hugging Face folders', () => {
  it('vps explains a detection of each grounder contract: a map at the picture\'s size', () => {
    for (const [kind, image] of [['owlvit', 'square.png'], ['owlv2', 'wide.png'], ['grounding-dino', 'square.png']] as const) {
      const out = `vps-${kind}.npy`;
      const r = gradloc(['vps', '--model', join(dir, kind), '--image', image, '--query', 'a red circle', '--regions', '8', '--division', 'grid', '--out', out, '--threads', '1'], dir);
      expect(r.code, `${kind}: ${r.stderr}`).toBe(0);
      const line = JSON.parse(r.stdout) as { insertion_auc: number; deletion_auc: number };
      expect(Number.isFinite(line.insertion_auc) && Number.isFinite(line.deletion_auc)).toBe(true);
      const map = readNpy(join(dir, out));
      expect(map.dims).toEqual(image === 'wide.png' ? [S / 2, S] : [S, S]);
    }
  });

  it('clip-explain on the CLIP folder: the similarity is the model\'s own cosine; on the OWL-ViT folder a box logit', async () => {
    const r = gradloc(['clip-explain', '--model', join(dir, 'clip'), '--image', 'square.png', '--text', 'a red circle', '--method', 'gradcam', '--out', 'clip.npy', '--threads', '1'], dir);
    expect(r.code, r.stderr).toBe(0);
    const model = OnnxModel.load(join(dir, 'clip', 'onnx', 'model.onnx'), { threads: 1 });
    try {
      const ids = idRow('clip', ['<|startoftext|>', 'a', 'red', 'circle', '<|endoftext|>']);
      const out = await model.run({ pixel_values: tensor('float32', [1, 3, S, S], pixels(square, CLIP_MEAN, CLIP_STD)), input_ids: tensor('int64', [1, ids.length], ids), attention_mask: tensor('int64', [1, ids.length], ids.map(() => 1)) }, ['image_embeds', 'text_embeds']);
      const [a, b] = [out.image_embeds.data as Float32Array, out.text_embeds.data as Float32Array];
      const cos = a.reduce((s, v, i) => s + v * b[i], 0);
      expect((JSON.parse(r.stdout) as { similarity: number }).similarity).toBeCloseTo(cos, 4);
    } finally {
      await model.release();
    }
    expect(readNpy(join(dir, 'clip.npy')).dims).toEqual([S, S]);
    const g = gradloc(['clip-explain', '--model', join(dir, 'owlv2'), '--image', 'wide.png', '--text', 'a red circle', '--method', 'gradcam', '--out', 'owl.npy', '--threads', '1'], dir);
    expect(g.code, g.stderr).toBe(0);
    expect(readNpy(join(dir, 'owl.npy')).dims).toEqual([S / 2, S]);
    expect(existsSync(join(dir, 'owl.npy'))).toBe(true);
  });
});

describe('gradloc quantize on Hugging Face folders', () => {
  it('writes a copy of the folder with onnx/model_quantized.onnx, a quantized twin of model.onnx (grounders and CLIP)', async () => {
    for (const kind of ['owlvit', 'grounding-dino', 'clip'] as const) {
      const out = `q-${kind}`;
      const r = gradloc(['quantize', '--model', join(dir, kind), '--out', out, '--method', 'gwq', '--bits', '8', '--group', '32', '--calib', 'shapes:train:2', '--threads', '1'], dir);
      expect(r.code, `${kind}: ${r.stderr}`).toBe(0);
      const line = JSON.parse(r.stdout) as { dir: string; matrices: number };
      expect(line.dir).toBe(join(dir, out));
      expect(line.matrices).toBeGreaterThan(0);
      expect(listFiles(join(dir, out))).toEqual([...listFiles(join(dir, kind)), 'onnx/model_quantized.onnx'].sort());
      // the same outputs as the FP32 graph, up to 8-bit rounding
      const [a, b] = [OnnxModel.load(join(dir, kind, 'onnx', 'model.onnx'), { threads: 1 }), OnnxModel.load(join(dir, out, 'onnx', 'model_quantized.onnx'), { threads: 1 })];
      try {
        expect(b.inputNames).toEqual(a.inputNames);
        const ids = kind === 'grounding-dino' ? idRow(kind, ['[CLS]', 'a', 'red', 'circle', '.', '[SEP]']) : idRow(kind, ['<|startoftext|>', 'a', 'red', 'circle', '<|endoftext|>']);
        const feeds: Feeds = {
          pixel_values: tensor('float32', [1, 3, S, S], pixels(square, CLIP_MEAN, CLIP_STD)),
          input_ids: tensor('int64', [1, ids.length], ids),
          attention_mask: tensor('int64', [1, ids.length], ids.map(() => 1)),
          ...(kind === 'grounding-dino' ? { token_type_ids: tensor('int64', [1, ids.length], ids.map(() => 0)), pixel_mask: tensor('int64', [1, S, S], new BigInt64Array(S * S).fill(1n)) } : {}),
        };
        const name = kind === 'clip' ? 'logits_per_image' : 'logits';
        const [x, y] = [(await a.run(feeds, [name]))[name].data as Float32Array, (await b.run(feeds, [name]))[name].data as Float32Array];
        const scale = Math.max(...x.map(Math.abs));
        x.forEach((v, i) => expect(Math.abs(v - y[i])).toBeLessThan(0.05 * scale + 1e-3));
      } finally {
        await a.release();
        await b.release();
      }
    }
  });
});
