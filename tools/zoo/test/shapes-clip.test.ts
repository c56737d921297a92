/** shapes-clip: duplicate-free contrastive batches, hard negatives, and a tiny end-to-end run. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, GraphBuilder, loadModel, OnnxModel, rng, tensor, tensorFromProto } from '@gradloc/tensor-backend';
import { COLOURS, detokenize, evaluateModel, generateScene, modelDir, phraseWords, readCard, sceneCaptions, SHAPES, splitSeed } from '@gradloc/models';
import { captionKey, clipBatches, takeDistinct } from '../src/models/clip/batches.js';
import { negativeCaption } from '../src/models/clip/hard-negatives.js';
import { SHAPES_CLIP_RECIPE, shapesClip, trainShapesClip } from '../src/models/shapes-clip.js';
import { CLIP_CONFIG } from '../src/models/clip/architecture.js';
import { AUX_PREFIX } from '../src/models/common/aux-patch-loss.js';
import { addPhraseLoss, PHRASE_ROW_TARGETS, PHRASE_COL_TARGETS, phraseInputs, phraseTargets, withoutPhrases } from '../src/models/clip/phrase-loss.js';

const weights = (g: Graph, name: string): Float32Array => tensorFromProto(g.initializers.get(name)!).data as Float32Array;
const maxAbsDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('duplicate-free contrastive batches', () => {
  it('takeDistinct defers repeated keys to the next call, in order', () => {
    const stream = ['a1', 'b1', 'a2', 'c1', 'a3', 'b2', 'd1', 'e1'];
    let i = 0;
    const next = (): string => stream[i++];
    const queue: string[] = [];
    const key = (s: string): string => s[0];
    expect(takeDistinct(queue, 3, key, next)).toEqual(['a1', 'b1', 'c1']);
    expect(queue).toEqual(['a2']);
    expect(takeDistinct(queue, 3, key, next)).toEqual(['a2', 'b2', 'd1']);
    expect(queue).toEqual(['a3']);
  });

  it('the caption key ignores the order of the captions', () => {
    expect(captionKey(['a red circle and a blue star', 'a blue star and a red circle'])).toBe(captionKey(['a blue star and a red circle', 'a red circle and a blue star']));
    expect(captionKey(['a red circle'])).not.toBe(captionKey(['two red circles']));
  });

  it('no batch holds two scenes that could show the same caption, and no scene is lost', () => {
    const batch = 64;
    const negatives = 2;
    const stream = clipBatches({ startIndex: 0, batch, maxLen: CLIP_CONFIG.maxLen, negatives });
    const seen: number[] = [];
    let deferred = 0;
    for (let k = 0; k < 3; k++) {
      const next = stream.next();
      if (next.done) throw new Error('the batch stream ended');
      const { feeds, captions, indices } = next.value;
      expect(feeds.pixel_values.dims).toEqual([batch, 3, 96, 96]);
      expect(feeds.input_ids.dims).toEqual([batch * (1 + negatives), CLIP_CONFIG.maxLen]);
      expect(Array.from(feeds.labels.data, Number)).toEqual(Array.from({ length: batch }, (_, i) => i));
      const positives = captions.slice(0, batch);
      expect(new Set(positives).size).toBe(batch);
      // a hard negative is never a caption an image of the batch has
      expect(captions.slice(batch).filter((c) => positives.includes(c))).toEqual([]);
      const ids = feeds.input_ids.data as BigInt64Array;
      captions.forEach((c, n) => expect(detokenize(ids.subarray(n * CLIP_CONFIG.maxLen, (n + 1) * CLIP_CONFIG.maxLen))).toBe(phraseWords(c).join(' ')));
      // a deferred scene comes before scenes the previous batch already went past
      const previousMax = Math.max(-1, ...seen);
      deferred += indices.filter((v) => v < previousMax).length;
      seen.push(...indices);
    }
    // single-object scenes collide within a batch of 64, so some were deferred...
    expect(deferred).toBeGreaterThan(0);
    // ...to a later batch: every index is used once, and the gaps are the few still pending
    expect(new Set(seen).size).toBe(seen.length);
    const missing = Math.max(...seen) + 1 - seen.length;
    expect(missing).toBeGreaterThanOrEqual(0);
    expect(missing).toBeLessThan(batch / 4);
  });
});

describe('hard negative captions', () => {
  it('differ from every caption of the batch and fit the token length', () => {
    const scenes = Array.from({ length: 64 }, (_, i) => generateScene(500 + i));
    const taken = new Set(scenes.flatMap((s) => s.captions));
    const rand = rng(1);
    for (const [n, s] of scenes.entries()) {
      const neg = negativeCaption(s.objects, n % 2, taken, rand);
      expect(taken.has(neg)).toBe(false);
      expect(phraseWords(neg).length + 2).toBeLessThanOrEqual(CLIP_CONFIG.maxLen);
    }
  });

  it('fall back to a free single-object caption when every edit is taken', () => {
    const singles = COLOURS.flatMap((colour) => SHAPES.flatMap((shape) => sceneCaptions([{ shape, colour, area: 1 }])));
    const taken = new Set([...singles.filter((c) => c !== 'a blue star'), 'two red circles']);
    // a red circle's one-attribute edits are all taken; a blue star is two edits away
    expect(negativeCaption([{ shape: 'circle', colour: 'red', area: 300 }], 0, taken, rng(2))).toBe('a blue star');
  });
});

describe('shapes-clip recipe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shapes-clip-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a tiny run writes model.onnx and card.json, and evaluateModel recomputes the card exactly', async () => {
    const report = await shapesClip.train({ outDir: dir, steps: 3, evalSamples: 40, threads: 1 });
    expect(existsSync(join(dir, 'model.onnx'))).toBe(true);
    const card = readCard(dir);
    expect(card.name).toBe('shapes-clip');
    expect(card.training.steps).toBe(3);
    expect(card.training.command).toBe('npx gradloc train shapes-clip --steps 3 --eval-samples 40');
    expect(card.evaluation.samples).toBe(40);
    expect(card.outputs.map((o) => o.name)).toEqual(['image_embeds', 'text_embeds', 'logits_per_image']);
    expect(Object.keys(card.metrics).sort()).toEqual(['text_top1', 'top1']);
    expect(card.metrics).toEqual(report.metrics);
    expect(await evaluateModel(dir, { threads: 1 })).toEqual(card.metrics);
    // warm-started from the committed grounder: 3 small steps leave its weights nearly as they were
    expect(card.training.initialisation?.from).toBe('shapes-grounder');
    expect(card.training.initialisation?.detail).toMatch(/^initialised from the zoo's shapes-grounder .*; fresh: logit_scale$/);
    const shipped = Graph.fromModel(loadModel(join(dir, 'model.onnx')));
    const grounder = Graph.fromModel(loadModel(join(modelDir('shapes-grounder'), 'model.onnx')));
    for (const [mine, theirs] of [['text.tok_emb.weight', 'text.tok_emb.weight'], ['vision.blocks.2.attn.q.weight', 'vision.blocks.2.attn.q.weight'], ['vision.proj.weight', 'class_head.proj.weight']]) {
      const [a, b] = [weights(shipped, mine), weights(grounder, theirs)];
      expect(a.length).toBe(b.length);
      expect(maxAbsDiff(a, b)).toBeLessThan(0.01);
    }
  });

  it('with the auxiliary patch head: trains, ships no aux weights, and the mean-pooled tower matches its description', async () => {
    const auxDir = join(dir, 'aux');
    await trainShapesClip({ ...SHAPES_CLIP_RECIPE, auxWeight: 1 }, { ...CLIP_CONFIG, pool: 'mean' }, { outDir: auxDir, steps: 2, evalSamples: 20, threads: 1 });
    const shipped = Graph.fromModel(loadModel(join(auxDir, 'model.onnx')));
    expect([...shipped.initializers.keys()].filter((k) => k.startsWith(AUX_PREFIX))).toEqual([]);
    expect(shipped.inputs.map((i) => i.name)).toEqual(['pixel_values', 'input_ids']);
    const card = readCard(auxDir);
    expect(card.architecture).toMatch(/mean of the patch tokens/);
    expect(card.training.data).toMatch(/auxiliary sigmoid focal loss/);
  });
});

describe('object phrases (clip/phrase-loss.ts)', () => {
  it('soft targets: image i and phrase j match when the image holds that object; rows sum to 1', () => {
    // images hold {A, B}, {B}, {C}; phrases name A, B, C
    const holds = [['A', 'B'], ['B'], ['C']];
    const named = ['A', 'B', 'C'];
    const t = phraseTargets((i, j) => holds[i].includes(named[j]), 3);
    expect(Array.from(t.rows)).toEqual([0.5, 0.5, 0, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(t.cols)).toEqual([1, 0, 0, 0.5, 0.5, 0, 0, 0, 1]);
  });

  it('batches end with one phrase per scene, of an object the scene holds, outside the caption rows', () => {
    const b = clipBatches({ startIndex: 0, batch: 16, maxLen: CLIP_CONFIG.maxLen, negatives: 1, phrases: true }).next().value!;
    const phrases = b.captions.slice(-16);
    expect(b.captions).toHaveLength(16 * 3);
    const rows = b.feeds[PHRASE_ROW_TARGETS].data as Float32Array;
    for (let i = 0; i < 16; i++) {
      const scene = generateScene(splitSeed('train', b.indices[i]));
      expect(scene.objects.some((o) => `${/^[aeiou]/.test(o.colour) ? 'an' : 'a'} ${o.colour} ${o.shape}` === phrases[i])).toBe(true);
      expect(rows[i * 16 + i]).toBeGreaterThan(0);
      expect(Array.from(rows.slice(i * 16, i * 16 + 16)).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    }
  });

  it('the loss is the mean soft cross-entropy of rows and columns of the phrase block, phrases left out of the caption softmax', async () => {
    // logits [2 images, 2 captions + 2 phrases]; caption loss stand-in: 0
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    b.input('logits', 'float32', [2, 4]);
    const phrases = phraseInputs(b);
    const captions = withoutPhrases(b, 'logits', phrases);
    b.op('Identity', [captions], {}, { outputs: ['captions'] });
    b.output('captions', 'float32', null);
    b.op('Mul', [b.op('ReduceSum', ['logits'], { keepdims: 0 }), b.scalar(0, 'float32')], {}, { outputs: ['loss'] });
    b.output('loss', 'float32', []);
    addPhraseLoss(g, { logits: 'logits', phrases, loss: 'loss', weight: 2 });
    const logits = [0.3, -1, 2, 0.5, 1.5, 0.2, -0.7, 1.1];
    const t = phraseTargets((i, j) => i === j || (i === 0 && j === 1), 2);
    const model = OnnxModel.fromGraph(g, { threads: 1 });
    const out = await model.run({ logits: tensor('float32', [2, 4], logits), [PHRASE_ROW_TARGETS]: tensor('float32', [2, 2], t.rows), [PHRASE_COL_TARGETS]: tensor('float32', [2, 2], t.cols) }, ['loss', 'captions']);
    await model.release();
    const block = [[2, 0.5], [-0.7, 1.1]];
    const logSoftmax = (r: number[]): number[] => r.map((v) => v - Math.log(r.reduce((s, x) => s + Math.exp(x), 0)));
    const softCe = (m: number[][], targets: Float32Array): number => m.reduce((s, r, i) => s - logSoftmax(r).reduce((a, l, j) => a + targets[i * 2 + j] * l, 0), 0) / m.length;
    const expected = (2 / 2) * (softCe(block, t.rows) + softCe([[2, -0.7], [0.5, 1.1]], t.cols));
    expect(out.loss.data[0]).toBeCloseTo(expected, 5);
    expect(Array.from(out.captions.data as Float32Array)).toEqual([0.3, -1, 1.5, 0.2].map((v) => expect.closeTo(v, 6)));
  });
});
