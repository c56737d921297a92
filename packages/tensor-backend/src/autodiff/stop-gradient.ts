/**
 * stop_gradient (PyTorch's detach, JAX's lax.stop_gradient) in plain ONNX: an Identity node
 * whose name starts with STOP_GRADIENT. onnxruntime runs it as Identity; the autodiff treats
 * it as non-differentiable, so no gradient flows back through it. The marker is the node name
 * because ONNX Identity takes no attributes and the name survives saving and loading.
 */
import type { GraphBuilder } from '../ir/builder.js';
import type { Node } from '../ir/graph.js';

export const STOP_GRADIENT = 'gradloc.stop_gradient';

export const isStopGradient = (n: Node): boolean => n.op === 'Identity' && n.domain === '' && n.name.startsWith(STOP_GRADIENT);

/** Appends `Identity(x)` marked as a gradient stop; returns its output. */
export function stopGradient(b: GraphBuilder, x: string): string {
  return b.op('Identity', [x], {}, { name: b.fresh(STOP_GRADIENT) });
}
