/** Every op the engine promises (issue: "Gradient rules, at least") has a rule and a shape rule. */
import { describe, expect, it } from 'vitest';
import { gradOf, gradOps, shapeOps, shapeRule } from '../src/index.js';

const DIFFERENTIABLE = [
  'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Pow', 'Sqrt', 'Reciprocal', 'Exp', 'Log', 'Erf', 'Tanh', 'Sigmoid', 'Relu',
  'LeakyRelu', 'Gelu', 'Abs', 'Clip', 'Min', 'Max', 'Where', 'MatMul', 'Gemm', 'Conv', 'ConvTranspose', 'MaxPool',
  'AveragePool', 'GlobalAveragePool', 'BatchNormalization', 'LayerNormalization', 'Softmax', 'LogSoftmax',
  'ReduceMean', 'ReduceSum', 'ReduceMax', 'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Concat',
  'Split', 'Slice', 'Gather', 'GatherElements', 'Expand', 'Tile', 'Pad', 'Identity', 'Cast', 'Dropout', 'Resize',
  'SoftmaxCrossEntropyLoss', 'Sum',
];
const NON_DIFFERENTIABLE = [
  'Shape', 'Size', 'Equal', 'Less', 'Greater', 'Not', 'And', 'ArgMax', 'ConstantOfShape', 'Range', 'NonZero', 'Constant',
];

describe('op coverage', () => {
  it.each(DIFFERENTIABLE)('%s has a gradient rule and a shape rule', (op) => {
    expect(gradOf(op)?.kind).toBe('rule');
    expect(shapeRule(op)).toBeDefined();
  });

  it.each(NON_DIFFERENTIABLE)('%s is declared non-differentiable and has a shape rule', (op) => {
    expect(gradOf(op)?.kind).toBe('nondifferentiable');
    expect(shapeRule(op)).toBeDefined();
  });

  it('every op with a gradient entry also has a shape rule', () => {
    const shapes = new Set(shapeOps());
    const missing = gradOps()
      .map((g) => g.op)
      .filter((op) => !shapes.has(op));
    expect(missing).toEqual([]);
  });
});
