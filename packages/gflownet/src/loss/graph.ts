/**
 * The loss graph every objective shares (rules.ts says which rows and pairs): the policy MLP on
 * all rows of the batch at once, masked log-softmaxes, the log-probabilities of the actions
 * taken, running sums along each trajectory, and the weighted squared residuals of the pairs.
 *
 * With P_r = sum_{t<r} log PF (exclusive running sum), Q_r = sum_{t<=r} log PB (inclusive) and
 * Phi_r = logF(r) - P_r + Q_r, a pair's residual is Phi_i - Phi_j: one Gather per end, whatever
 * the objective. One graph, one engine call per training step; the gradient graph comes from
 * tensor-backend's autodiff (no hand-written backward).
 */
import { Net, type Graph } from '@gradloc/tensor-backend';
import { LOG_Z, outputWidth, policyLayers, type PolicyOptions, type PolicyShape } from '../policy/mlp.js';

export type BackwardPolicy = 'learned' | 'uniform';

export interface LossGraphOptions extends PolicyOptions {
  /** Learned P_B (the authors' default) or uniform over the parents (`--rand_pb`). */
  readonly backward?: BackwardPolicy;
}

export interface LossGraph {
  readonly graph: Graph;
  /** Trainable parameters: the MLP's and log Z. */
  readonly params: readonly string[];
}

export function lossGraph(shape: PolicyShape, opts: LossGraphOptions = {}): LossGraph {
  const net = new Net({ seed: opts.seed ?? 0 }, 'gflownet-loss');
  const { b, emit } = net;
  const Af = shape.forwardActions;
  const Ab = shape.backwardActions;
  // rows as [trajectories B, rows per trajectory L, ...]: running sums go along axis 1
  const x = b.input('x', 'float32', ['B', 'L', shape.inputSize]);
  const fmask = b.input('forward_mask', 'float32', ['B', 'L', Af]);
  const fsel = b.input('forward_taken', 'float32', ['B', 'L', Af]);
  const bmask = b.input('backward_mask', 'float32', ['B', 'L', Ab]);
  const bsel = b.input('backward_taken', 'float32', ['B', 'L', Ab]);
  const pbUniform = b.input('backward_uniform', 'float32', ['B', 'L']);
  const fa = b.input('flow_a', 'float32', ['B', 'L']);
  const fb = b.input('flow_b', 'float32', ['B', 'L']);
  const fz = b.input('flow_z', 'float32', ['B', 'L']);
  const pi = b.input('pair_i', 'int64', ['K']);
  const pj = b.input('pair_j', 'int64', ['K']);
  const pw = b.input('pair_w', 'float32', ['K']);

  const { out, params } = policyLayers(net, x, shape, opts);
  const columns = (from: number, to: number): string => net.op('Slice', [out, b.ints([from]), b.ints([to]), b.ints([2])]);
  /** log-probability of the selected action of each row (0 where none is selected). */
  const taken = (logits: string, mask: string, sel: string): string => {
    const logp = net.op('LogSoftmax', [emit.add(logits, mask)], { axis: 2 });
    return net.op('ReduceSum', [emit.mul(logp, sel), b.ints([2])], { keepdims: 0 });
  };
  const pf = taken(columns(0, Af), fmask, fsel);
  const pb = (opts.backward ?? 'learned') === 'uniform' ? pbUniform : taken(columns(Af, Af + Ab), bmask, bsel);
  const netFlow = net.op('Squeeze', [columns(Af + Ab, Af + Ab + 1), b.ints([2])]);
  const logZ = net.param(LOG_Z, { dtype: 'float32', dims: [1], data: new Float32Array([0]) });
  const flow = emit.sum([emit.mul(fa, netFlow), fb, emit.mul(fz, logZ)]);
  const along = (v: string, exclusive: 0 | 1): string => net.op('CumSum', [v, b.scalar(1, 'int64')], { exclusive });
  const phi = net.op('Reshape', [emit.add(emit.sub(flow, along(pf, 1)), along(pb, 0)), b.ints([-1])]);
  const residual = emit.sub(net.op('Gather', [phi, pi], { axis: 0 }), net.op('Gather', [phi, pj], { axis: 0 }));
  net.b.op('ReduceSum', [emit.mul(pw, emit.mul(residual, residual)), b.ints([0])], { keepdims: 0 }, { outputs: ['loss'] });
  b.output('loss', 'float32', []);
  return { graph: net.graph, params: [...params, LOG_Z] };
}

export { outputWidth };
