/**
 * UFVL-Net's EuclideanLoss_with_Uncertainty on a scene graph: per valid cell
 * e = ||coords - target||_2 (metres, not squared), sigma = max(uncertainty, 1e-6),
 * l = 3 log sigma + e / (2 sigma^2), averaged over valid cells. Adds inputs `target`
 * [B, 3, rows, cols] and `mask` [B, 1, rows, cols] (1 valid, 0 not; targets of invalid cells
 * must be finite, e.g. 0) and outputs `loss` and `error` (mean e over valid cells).
 */
import { Emit, Graph, GraphBuilder } from '@gradloc/tensor-backend';

export function addCoordinateLoss(forward: Graph): Graph {
  const g = forward.clone();
  const b = new GraphBuilder(g);
  const emit = new Emit(b, g.opset(''));
  const out = g.outputs.find((o) => o.name === 'coords');
  const [rows, cols] = [out?.dims?.[2] ?? 'rows', out?.dims?.[3] ?? 'cols'];
  b.input('target', 'float32', ['batch', 3, rows, cols]);
  b.input('mask', 'float32', ['batch', 1, rows, cols]);
  const diff = b.op('Sub', ['coords', 'target']);
  // the epsilon keeps the gradient of the norm finite where the prediction is exact
  const e = b.op('Sqrt', [b.op('Add', [emit.reduce('ReduceSum', b.op('Mul', [diff, diff]), [1], true), b.scalar(1e-10, 'float32', 'eps')])]);
  const sigma = b.op('Max', ['uncertainty', b.scalar(1e-6, 'float32', 'sigma_min')]);
  const nll = b.op('Add', [b.op('Mul', [b.op('Log', [sigma]), b.scalar(3, 'float32', 'three')]), b.op('Div', [e, b.op('Mul', [b.op('Mul', [sigma, sigma]), b.scalar(2, 'float32', 'two')])])]);
  const valid = b.op('Max', [emit.reduce('ReduceSum', 'mask', [0, 1, 2, 3], false), b.scalar(1, 'float32', 'one')]);
  const meanOver = (v: string, name: string): string => b.op('Div', [emit.reduce('ReduceSum', b.op('Mul', [v, 'mask']), [0, 1, 2, 3], false), valid], {}, { outputs: [name] });
  meanOver(nll, 'loss');
  meanOver(e, 'error');
  b.output('loss', 'float32', []);
  b.output('error', 'float32', []);
  return g;
}
