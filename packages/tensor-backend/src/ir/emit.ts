/**
 * Opset-aware emitters for the ops whose signature changed across opsets
 * (axes and pads moved from attributes to inputs). Rules and exporters call these
 * instead of spelling out either form, so one rule serves opsets 11-21.
 */
import type { GraphBuilder } from './builder.js';

export class Emit {
  constructor(
    readonly b: GraphBuilder,
    readonly opset: number,
  ) {}

  /** ReduceSum/ReduceMean/ReduceMax/... over `axes` (all axes when empty and noopWithEmptyAxes unset). */
  reduce(op: string, x: string, axes: readonly number[], keepdims: boolean): string {
    const inputForm = op === 'ReduceSum' ? this.opset >= 13 : this.opset >= 18;
    if (inputForm) {
      return this.b.op(op, axes.length ? [x, this.b.ints(axes, 'axes')] : [x], { keepdims: keepdims ? 1 : 0 });
    }
    return this.b.op(op, [x], { axes: axes.length ? [...axes] : undefined, keepdims: keepdims ? 1 : 0 });
  }

  reduceSum(x: string, axes: readonly number[], keepdims = true): string {
    return this.reduce('ReduceSum', x, axes, keepdims);
  }

  unsqueeze(x: string, axes: readonly number[]): string {
    return this.opset >= 13 ? this.b.op('Unsqueeze', [x, this.b.ints(axes, 'axes')]) : this.b.op('Unsqueeze', [x], { axes: [...axes] });
  }

  squeeze(x: string, axes: readonly number[]): string {
    return this.opset >= 13 ? this.b.op('Squeeze', [x, this.b.ints(axes, 'axes')]) : this.b.op('Squeeze', [x], { axes: [...axes] });
  }

  reshape(x: string, dims: readonly number[]): string {
    return this.b.op('Reshape', [x, this.b.ints(dims, 'shape')]);
  }

  expand(x: string, dims: readonly number[]): string {
    return this.b.op('Expand', [x, this.b.ints(dims, 'shape')]);
  }

  transpose(x: string, perm: readonly number[]): string {
    return this.b.op('Transpose', [x], { perm: [...perm] });
  }

  /** Slice along `axes` with steps (opset >= 10 input form; older opsets have no steps). */
  slice(x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): string {
    if (this.opset >= 10) {
      const ins = [x, this.b.ints(starts, 'starts'), this.b.ints(ends, 'ends'), this.b.ints(axes, 'axes')];
      if (steps) ins.push(this.b.ints(steps, 'steps'));
      return this.b.op('Slice', ins);
    }
    return this.b.op('Slice', [x], { starts: [...starts], ends: [...ends], axes: [...axes] });
  }

  /** Constant-mode Pad with ONNX pads layout [begin..., end...] over all axes. */
  pad(x: string, pads: readonly number[], value?: string): string {
    if (this.opset >= 11) return this.b.op('Pad', value ? [x, this.b.ints(pads, 'pads'), value] : [x, this.b.ints(pads, 'pads')]);
    return this.b.op('Pad', [x], { pads: [...pads], mode: 'constant' });
  }

  /** Split into pieces of the given sizes along axis. */
  split(x: string, sizes: readonly number[], axis: number): string[] {
    const n = sizes.length;
    if (this.opset >= 13) return this.b.node('Split', [x, this.b.ints(sizes, 'split')], { axis }, { numOutputs: n });
    return this.b.node('Split', [x], { axis, split: [...sizes] }, { numOutputs: n });
  }

  cast(x: string, onnxType: number): string {
    return this.b.op('Cast', [x], { to: onnxType });
  }
}
