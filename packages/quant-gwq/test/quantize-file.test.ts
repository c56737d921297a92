/**
 * quantizeModelFile, the streamed path for models with external data: calibration cut into
 * segments must give the same model as quantizeModel's whole-graph calibration (the chain
 * rule is split at the cuts, not approximated), whatever the number of segments.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGPT, loadModel, OnnxModel, rng, saveModel, tensor, type Feeds, type Graph } from '@gradloc/tensor-backend';
import { quantizeModel, quantizeModelFile, type CalibrationInput, type QuantizeOptions } from '../src/index.js';

const RUNTIME = { threads: 1, spinning: false } as const;
const VOCAB = 50;
const T = 12;
const dir = mkdtempSync(join(tmpdir(), 'gwq-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// a small GPT with its weights in external data, as `gradloc make-gpt` writes them
const path = join(dir, 'model.onnx');
saveModel(path, buildGPT({ vocab: VOCAB, context: 16, dim: 32, depth: 3, heads: 2, seed: 3 }).toModel(), { externalData: { location: 'model.onnx.data', threshold: 256 } });

function lmSamples(n: number): CalibrationInput {
  const r = rng(7);
  const samples: Feeds[] = [];
  for (let s = 0; s < n; s++) {
    const ids = Array.from({ length: T + 1 }, () => Math.floor(r() * VOCAB));
    samples.push({ input_ids: tensor('int64', [1, T], ids.slice(0, T)), targets: tensor('int64', [1, T], ids.slice(1)) });
  }
  return { loss: { kind: 'lm', logits: 'logits', targets: 'targets' }, samples };
}

function initializerBytes(g: Graph): Map<string, string> {
  return new Map([...g.initializers].map(([k, t]) => [k, Buffer.from(t.raw_data ?? new Uint8Array()).toString('base64')]));
}

async function both(opts: QuantizeOptions & { readonly segmentParams?: number }) {
  const model = OnnxModel.fromProto(loadModel(path), RUNTIME);
  try {
    const whole = await quantizeModel({ ...opts, model, calibration: opts.calibration, runtime: RUNTIME });
    const streamed = await quantizeModelFile({ ...opts, path, calibration: opts.calibration, runtime: RUNTIME });
    return { whole, streamed };
  } finally {
    await model.release();
  }
}

describe('quantizeModelFile', () => {
  it.each(['gradient', 'abs-sum', 'fisher'] as const)('external weights are read as needed: GWQ (%s) over 4 segments gives quantizeModel\'s model byte for byte', async (sensitivity) => {
    const calibration = lmSamples(3);
    const { whole, streamed } = await both({ method: 'gwq', sensitivity, bits: 4, group: 32, outliers: 0.02, calibration, segmentParams: 5000 });
    expect(streamed.segments).toBeGreaterThanOrEqual(4);
    expect(streamed.report.matrices).toEqual(whole.report.matrices);
    expect(streamed.report.bitsPerWeight).toBe(whole.report.bitsPerWeight);
    expect(streamed.report.embeddings).toEqual(whole.report.embeddings);
    expect(initializerBytes(streamed.graph)).toEqual(initializerBytes(whole.graph));
    expect(streamed.graph.nodes.map((n) => n.op)).toEqual(whole.graph.nodes.map((n) => n.op));
  });

  it('the Hessian score and GPTQ read activation statistics from the segment that computes them', async () => {
    const calibration = lmSamples(2);
    const { whole, streamed } = await both({ method: 'hessian', bits: 4, group: 32, outliers: 0.02, gptq: true, calibration, segmentParams: 5000 });
    expect(streamed.segments).toBeGreaterThanOrEqual(4);
    const a = initializerBytes(whole.graph);
    const b = initializerBytes(streamed.graph);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    // GPTQ's Cholesky amplifies summation-order noise in X^T X: compare the report, then allow rare code flips
    expect(streamed.report.matrices.map((m) => m.outliers)).toEqual(whole.report.matrices.map((m) => m.outliers));
    const same = [...a].filter(([k, v]) => b.get(k) === v).length;
    expect(same / a.size).toBeGreaterThan(0.95);
  });

  it('without calibration (RTN) each matrix is read and quantized in turn', async () => {
    const { whole, streamed } = await both({ method: 'rtn', bits: 4, group: 32 });
    expect(streamed.segments).toBe(0);
    expect(initializerBytes(streamed.graph)).toEqual(initializerBytes(whole.graph));
  });

  it('reports progress: calibration runs count up to their total (a segment with nothing to learn, the embedding lookup, counted too), then every matrix', async () => {
    const seen: [string, number, number][] = [];
    const r = await quantizeModelFile({ path, method: 'gwq', bits: 4, group: 32, calibration: lmSamples(2), segmentParams: 1000, runtime: RUNTIME, onProgress: (stage, d, t) => seen.push([stage, d, t]) });
    const calib = seen.filter(([s]) => s === 'calibrate');
    expect(calib.length).toBeGreaterThan(0);
    calib.forEach(([, d], i) => i > 0 && expect(d).toBeGreaterThan(calib[i - 1][1]));
    expect(calib.at(-1)![1]).toBe(calib.at(-1)![2]);
    const quant = seen.filter(([s]) => s === 'quantize');
    expect(quant.at(-1)).toEqual(['quantize', r.report.matrices.length, r.report.matrices.length]);
  });

  it('calibration samples of different shapes are refused with the reason', async () => {
    const a = lmSamples(1).samples[0];
    const short: Feeds = { input_ids: tensor('int64', [1, 4], [1, 2, 3, 4]), targets: tensor('int64', [1, 4], [2, 3, 4, 5]) };
    await expect(quantizeModelFile({ path, method: 'gwq', calibration: { loss: { kind: 'lm' }, samples: [a, short] }, segmentParams: 5000, runtime: RUNTIME })).rejects.toThrow(/one shape/);
  });
});
