/**
 * quantizeModel, the high-level entry point: calibration data is consulted only when the
 * method needs it, the outlier share it reports is the one kept (0 for RTN whatever was
 * asked), and its result is quantizeGraph's on the same options.
 */
import { describe, expect, it } from 'vitest';
import { Graph, GraphBuilder, OnnxModel, rng, tensor } from '@gradloc/tensor-backend';
import { defaultCalibrationSpec, quantizeGraph, quantizeModel } from '../src/index.js';

const RUNTIME = { threads: 1, spinning: false } as const;
const rand = (seed: number, n: number): Float32Array => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
};

/** x [B, 64] -> MatMul W [64, 32] -> y */
function linear(): OnnxModel {
  const g = Graph.create(17, 'linear');
  const b = new GraphBuilder(g);
  b.input('x', 'float32', ['batch', 64]);
  b.initializer(tensor('float32', [64, 32], rand(1, 64 * 32)), 'w');
  b.op('MatMul', ['x', 'w'], {}, { outputs: ['y'], name: 'fc' });
  b.output('y', 'float32', ['batch', 32]);
  return OnnxModel.fromGraph(g, RUNTIME);
}

const calibration = { loss: { kind: 'distill' as const, outputs: { y: 'softmax' as const } }, samples: [{ x: tensor('float32', [8, 64], rand(2, 8 * 64)) }] };

describe('quantizeModel', () => {
  it('RTN reads no calibration (a bad spec is never parsed) and reports 0% outliers whatever was asked', async () => {
    const model = linear();
    const r = await quantizeModel({ model, method: 'rtn', bits: 4, group: 32, outliers: 0.05, calibration: 'not a spec', runtime: RUNTIME });
    expect(r.calibration).toBeUndefined();
    expect(r.outlierPercent).toBe(0);
    expect(r.report.outlierFraction).toBe(0);
    await model.release();
  });

  it('GWQ uses the samples given, keeps the share asked for, and equals quantizeGraph on the same options', async () => {
    const model = linear();
    const r = await quantizeModel({ model, method: 'gwq', bits: 4, group: 32, outliers: 0.01, calibration, runtime: RUNTIME });
    expect(r.calibration).toEqual({ spec: undefined, samples: 1 });
    // outliers are whole input channels by default: 1% of the 64 rows, rounded (one row of 32 weights)
    expect(r.outlierPercent).toBeCloseTo(((Math.round(0.01 * 64) * 32) / 2048) * 100, 6);
    const direct = await quantizeGraph(model.graph, { method: 'gwq', bits: 4, group: 32, outliers: 0.01, calibration, runtime: RUNTIME });
    expect(r.report.bitsPerWeight).toBe(direct.report.bitsPerWeight);
    expect(r.report.matrices).toEqual(direct.report.matrices);
    await model.release();
  });

  it('a method that needs calibration refuses a bad spec in one clear error', async () => {
    const model = linear();
    await expect(quantizeModel({ model, method: 'gwq', calibration: 'brown:everything', runtime: RUNTIME })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await model.release();
  });

  it('defaults to Brown text for a language model and to shapes scenes otherwise', () => {
    const g = Graph.create(17, 'lm');
    const b = new GraphBuilder(g);
    b.input('input_ids', 'int64', ['batch', 'seq']);
    b.op('Identity', ['input_ids'], {}, { outputs: ['logits'] });
    b.output('logits', 'int64', ['batch', 'seq']);
    const lm = OnnxModel.fromGraph(g, RUNTIME);
    expect(defaultCalibrationSpec(lm).corpus).toBe('brown');
    expect(defaultCalibrationSpec(linear()).corpus).toBe('shapes');
  });
});
