/**
 * The policy network of the authors' set code (and torchgfn's examples): an MLP with LeakyReLU
 * (slope 0.01) from the state encoding to [forward logits | backward logits | log F], one head.
 * Weights start as torch.nn.Linear's (uniform in +-1/sqrt(fan_in), biases too), so a run
 * starts where a PyTorch one would in distribution.
 */
import { GradlocError, Net, randUniform, type Rand } from '@gradloc/tensor-backend';

export interface PolicyOptions {
  /** Hidden widths (default [256, 256], the authors'). */
  readonly hidden?: readonly number[];
  /** Seed of the initial weights. */
  readonly seed?: number;
}

export interface PolicyShape {
  readonly inputSize: number;
  readonly forwardActions: number;
  readonly backwardActions: number;
}

/** Output columns: forward logits, then backward logits, then log F (or log F~). */
export const outputWidth = (s: PolicyShape): number => s.forwardActions + s.backwardActions + 1;

export const DEFAULT_HIDDEN: readonly number[] = [256, 256];

/** Name of the log Z parameter (trajectory balance). */
export const LOG_Z = 'log_z';

function linear(net: Net, rand: Rand, x: string, name: string, din: number, dout: number): string {
  const bound = 1 / Math.sqrt(din);
  const w = net.param(`${name}.weight`, randUniform('float32', [din, dout], rand, -bound, bound));
  const b = net.param(`${name}.bias`, randUniform('float32', [dout], rand, -bound, bound));
  return net.op('Add', [net.op('MatMul', [x, w]), b], {}, name);
}

/**
 * Adds the MLP on `x` ([N, inputSize]) to `net`; returns the output tensor [N, outputWidth] and
 * the names of its parameters. The same seed gives the same weights in every graph built.
 */
export function policyLayers(net: Net, x: string, shape: PolicyShape, opts: PolicyOptions = {}): { out: string; params: string[] } {
  const hidden = opts.hidden ?? DEFAULT_HIDDEN;
  if (hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new GradlocError('BAD_INPUT', `policy: hidden widths must be positive integers, got [${hidden.join(', ')}]`);
  const widths = [shape.inputSize, ...hidden, outputWidth(shape)];
  const rand = net.rand;
  let h = x;
  const params: string[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const name = `policy.${l}`;
    h = linear(net, rand, h, name, widths[l], widths[l + 1]);
    params.push(`${name}.weight`, `${name}.bias`);
    if (l + 2 < widths.length) h = net.op('LeakyRelu', [h], { alpha: 0.01 });
  }
  return { out: h, params };
}

/** The policy alone: input `x` [N, inputSize], output `policy` [N, outputWidth]. */
export function policyGraph(shape: PolicyShape, opts: PolicyOptions = {}): { net: Net; params: string[] } {
  const net = new Net({ seed: opts.seed ?? 0 }, 'gflownet-policy');
  const x = net.b.input('x', 'float32', ['N', shape.inputSize]);
  const { out, params } = policyLayers(net, x, shape, opts);
  net.b.op('Identity', [out], {}, { outputs: ['policy'] });
  net.b.output('policy', 'float32', ['N', outputWidth(shape)]);
  return { net, params };
}
