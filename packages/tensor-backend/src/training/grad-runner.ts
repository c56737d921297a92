/**
 * The trainer's gradient session: one compiled vjp of the loss w.r.t. every parameter (per
 * feed signature, from OnnxModel's compile cache) whose gradients land in fixed buffers.
 *
 * The first run of a signature copies the gradients out and learns each gradient output's
 * dims (a gradient may leave the session under a view's dims, see OutputRef); later runs
 * hand those buffers to onnxruntime as preallocated outputs, so no step allocates gradient
 * memory. Outputs shared by two parameters or with a forward output are copied instead.
 */
import { GradlocError } from '../errors.js';
import type { GradGraph } from '../autodiff/engine.js';
import type { Feeds, OnnxModel } from '../runtime/model.js';
import { seedFor } from '../runtime/target.js';
import type { Tensor } from '../tensor/tensor.js';
import { dtypeOf, type FloatArray } from './float-array.js';

interface Binding {
  readonly seed: Tensor;
  /** Session outputs onnxruntime writes straight into gradient buffers. */
  readonly into: Record<string, Tensor> | undefined;
  /** Parameters whose gradient is copied from a session output (or zeroed) after the run. */
  readonly copied: readonly number[];
}

export class GradRunner {
  private readonly bindings = new Map<string, Binding>();

  constructor(
    private readonly model: OnnxModel,
    private readonly loss: string,
    private readonly names: readonly string[],
    /** Forward values returned with the gradients (the loss first). */
    private readonly outputs: readonly string[],
    private readonly grads: readonly FloatArray[],
    private readonly preallocate: boolean,
  ) {}

  /** Runs forward + backward; fills the gradient buffers and returns the forward outputs. */
  async run(feeds: Feeds): Promise<Record<string, Tensor>> {
    const c = await this.model.compile({ feeds, of: this.loss, wrt: this.names, outputs: this.outputs });
    const gg = c.gradGraph;
    const known = this.bindings.get(c.key);
    const seed = known?.seed ?? seedFor({ output: this.loss }, gg.seedType.dtype, gg.seedType.dims);
    const raw = await c.session.run({ ...feeds, [gg.seed]: seed }, undefined, known?.into);
    const binding = known ?? this.bind(gg, raw, seed);
    if (!known) this.bindings.set(c.key, binding);
    for (const i of known ? binding.copied : this.names.keys()) this.copyGrad(gg, raw, i);
    const out: Record<string, Tensor> = {};
    for (const o of gg.outputs) out[o] = raw[o];
    return out;
  }

  private copyGrad(gg: GradGraph, raw: Record<string, Tensor>, i: number): void {
    const ref = gg.grads.get(this.names[i]);
    if (ref?.kind === 'zeros') this.grads[i].fill(0);
    else if (ref?.kind === 'output') this.grads[i].set(raw[ref.name].data as FloatArray);
    else throw new GradlocError('RUNTIME_ERROR', `internal: gradient of '${this.names[i]}' is not a session output`);
  }

  private bind(gg: GradGraph, raw: Record<string, Tensor>, seed: Tensor): Binding {
    const readers = new Map<string, number>();
    for (const o of gg.outputs) readers.set(o, 2); // forward outputs go to the caller: never overwrite them
    for (const ref of gg.grads.values()) if (ref.kind === 'output') readers.set(ref.name, (readers.get(ref.name) ?? 0) + 1);
    const into: Record<string, Tensor> = {};
    const copied: number[] = [];
    this.names.forEach((name, i) => {
      const ref = gg.grads.get(name);
      if (this.preallocate && ref?.kind === 'output' && readers.get(ref.name) === 1) {
        into[ref.name] = { dtype: dtypeOf(this.grads[i]), dims: raw[ref.name].dims, data: this.grads[i] };
      } else copied.push(i);
    });
    return { seed, into: Object.keys(into).length ? into : undefined, copied };
  }
}
