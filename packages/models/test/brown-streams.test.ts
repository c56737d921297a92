import { performance } from 'node:perf_hooks';
import { float32, type Tensor } from '@gradloc/tensor-backend';
import { describe, expect, it } from 'vitest';
import {
  BROWN_SPLITS,
  DOC_ID,
  EOS_ID,
  PAD_ID,
  brownDocuments,
  brownTokens,
  evalBatches,
  evalWindows,
  lmBatches,
  planEvalWindows,
  scoredNll,
  type EvalPlan,
  type LmBatch,
} from '../src/data/brown/index.js';

const take = (it: Iterator<LmBatch>, n: number): LmBatch[] => Array.from({ length: n }, () => it.next().value as LmBatch);
const count = (ids: Int32Array, id: number): number => ids.reduce((a, x) => a + (x === id ? 1 : 0), 0);

/** How often each target 0..predicted-1 is scored by the plan. */
function coverage(plan: EvalPlan): Int32Array {
  const hits = new Int32Array(plan.predicted);
  for (const w of plan.windows) for (let t = w.scoreFrom; t < plan.context; t++) hits[w.start + t]++;
  return hits;
}

describe('brownTokens', () => {
  it('lays out <doc>, sentences and <eos> with fixed sizes', () => {
    const t0 = performance.now();
    const sizes = BROWN_SPLITS.map((s) => brownTokens(s).length);
    console.log(`brown tokens train/validation/test: ${sizes.join(' / ')} (${(performance.now() - t0).toFixed(0)} ms incl. corpus + tokenizer load)`);
    expect(sizes).toEqual([976_303, 121_234, 121_495]);
    for (const s of BROWN_SPLITS) {
      const ids = brownTokens(s);
      const docs = brownDocuments(s);
      expect(ids[0]).toBe(DOC_ID);
      expect(ids[ids.length - 1]).toBe(EOS_ID);
      expect(count(ids, DOC_ID)).toBe(docs.length);
      expect(count(ids, EOS_ID)).toBe(docs.reduce((a, d) => a + d.sentences.length, 0));
      expect(count(ids, PAD_ID)).toBe(0);
      expect(brownTokens(s)).toBe(ids);
    }
  });
});

describe('lmBatches', () => {
  const opts = { split: 'train', context: 64, batch: 8, seed: 42 } as const;

  it('is deterministic in the seed and resumable', () => {
    const a = take(lmBatches(opts), 5);
    const b = take(lmBatches(opts), 5);
    expect(a.map((x) => x.starts)).toEqual(b.map((x) => x.starts));
    expect(a[4].inputIds.data).toEqual(b[4].inputIds.data);
    expect(take(lmBatches({ ...opts, seed: 43 }), 1)[0].starts).not.toEqual(a[0].starts);
    const resumed = take(lmBatches({ ...opts, startStep: 3 }), 2);
    expect(resumed.map((x) => [x.step, x.starts])).toEqual(a.slice(3).map((x) => [x.step, x.starts]));
    expect([...lmBatches({ ...opts, steps: 3 })]).toHaveLength(3);
  });

  it('gives int64 [B, T] windows with next-token targets', () => {
    const ids = brownTokens('train');
    const [batch] = take(lmBatches(opts), 1);
    expect(batch.inputIds.dtype).toBe('int64');
    expect(batch.inputIds.dims).toEqual([8, 64]);
    expect(batch.targets.dims).toEqual([8, 64]);
    batch.starts.forEach((s, b) => {
      expect(Array.from(batch.inputIds.data.slice(b * 64, (b + 1) * 64), Number)).toEqual(Array.from(ids.subarray(s, s + 64)));
      expect(Array.from(batch.targets.data.slice(b * 64, (b + 1) * 64), Number)).toEqual(Array.from(ids.subarray(s + 1, s + 65)));
    });
  });
});

describe('eval windows', () => {
  it('score every target of the test split exactly once', () => {
    for (const stride of [64, 32]) {
      const plan = evalWindows({ split: 'test', context: 64, stride });
      expect(plan.predicted).toBe(brownTokens('test').length - 1);
      expect(coverage(plan).every((h) => h === 1)).toBe(true);
      expect(plan.windows[0]).toEqual({ start: 0, scoreFrom: 0 });
      expect(plan.windows.at(-1)?.start).toBe(plan.predicted - 64);
    }
    expect(evalWindows({ split: 'test', context: 64 }).windows).toHaveLength(1899);
  });

  it('cover any stream once for any context and stride', () => {
    for (let n = 2; n <= 40; n++) {
      for (let context = 1; context < n; context++) {
        for (let stride = 1; stride <= context; stride++) {
          const plan = planEvalWindows(new Int32Array(n), context, stride);
          expect(coverage(plan).every((h) => h === 1)).toBe(true);
        }
      }
    }
    expect(() => planEvalWindows(new Int32Array(4), 4)).toThrow(/needs 5/);
    expect(() => planEvalWindows(new Int32Array(10), 4, 5)).toThrow(/stride/);
  });

  it('batch windows and turn logits into perplexity', () => {
    const V = 7;
    const tokens = Int32Array.from({ length: 50 }, (_, i) => (i * 3) % V);
    const plan = planEvalWindows(tokens, 8, 5);
    const batches = [...evalBatches(plan, 3)];
    expect(batches.map((b) => b.inputIds.dims[0])).toEqual([3, 3, 3, 1]);
    const logitsFor = (b: (typeof batches)[number], fn: (target: number, v: number) => number): Tensor => {
      const [B, T] = b.targets.dims;
      const x = new Float32Array(B * T * V);
      for (let i = 0; i < B * T; i++) for (let v = 0; v < V; v++) x[i * V + v] = fn(Number(b.targets.data[i]), v);
      return float32([B, T, V], x);
    };
    const total = (fn: (target: number, v: number) => number): { nll: number; count: number } =>
      batches.map((b) => scoredNll(b, logitsFor(b, fn))).reduce((a, r) => ({ nll: a.nll + r.nll, count: a.count + r.count }));
    const uniform = total(() => 3);
    expect(uniform.count).toBe(plan.predicted);
    expect(Math.exp(uniform.nll / uniform.count)).toBeCloseTo(V, 9);
    const sharp = total((target, v) => (v === target ? 40 : 0));
    expect(Math.exp(sharp.nll / sharp.count)).toBeCloseTo(1, 9);
    expect(() => scoredNll(batches[0], float32([1, 8, V]))).toThrow(/do not match/);
  });
});
