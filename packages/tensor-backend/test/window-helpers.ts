/** Shared helpers of the conv / pool / resize rule tests (not a test file itself). */
import { expect } from 'vitest';
import type { AttrMap } from '../src/index.js';
import { float32, int64, type Tensor } from '../src/index.js';
import { randUniform, rng } from '../src/tensor/random.js';
import { gradCheck, opModel, type GradCheckReport, type OpInput, type OpModel } from '../src/testing/index.js';

/** U(-1, 1) draws: continuous, so MaxPool windows have no ties. */
export const uniform = (dims: readonly number[], seed: number, dtype: 'float32' | 'float64' = 'float32'): Tensor =>
  randUniform(dtype, dims, rng(seed));

export const ints = (values: readonly number[]): Tensor => int64([values.length], values);
export const floats = (values: readonly number[]): Tensor => float32([values.length], values);

/** The one-op model's inferred output dims must be what onnxruntime actually produces. */
export async function expectInferredDims(om: OpModel): Promise<void> {
  const out = await om.model.run(om.feeds);
  for (const o of om.model.graph.outputs) expect(out[o.name].dims, `dims of ${o.name}`).toEqual(o.dims);
}

export interface CheckCase {
  readonly op: string;
  readonly inputs: readonly (OpInput | null)[];
  readonly attrs?: AttrMap;
  readonly opset?: number;
  readonly numOutputs?: number;
  /** Inputs to differentiate (default: every non-constant input). */
  readonly wrt?: readonly string[];
  /** Output to project (default y0). */
  readonly of?: string;
  readonly h?: number;
  readonly maxElements?: number;
}

/** Builds the one-op model, checks its inferred dims against onnxruntime, then runs gradCheck. */
export async function checkOp(c: CheckCase): Promise<GradCheckReport> {
  const om = opModel(c.op, c.inputs, c.attrs ?? {}, { opset: c.opset ?? 17, numOutputs: c.numOutputs });
  await expectInferredDims(om);
  const wrt = c.wrt ?? c.inputs.filter((i): i is OpInput => !!i && !i.constant).map((i) => i.name);
  const r = await gradCheck(om.model, om.feeds, { of: c.of ?? 'y0', wrt, h: c.h, maxElements: c.maxElements ?? 48 });
  await om.model.release();
  return r;
}
