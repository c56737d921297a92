/**
 * Ablation: the forget parameters set to zero (the reference's ablate(trainable=False)).
 * Zeroed units are dead for later fine-tuning too (a zero c_fc column and a zero c_proj row
 * give each other zero gradient), so relearning must happen in the retain parameters.
 */
import { fillRuns, Graph, sliceRuns, tensorFromProto, tensorToProto } from '@gradloc/tensor-backend';
import type { ParamSlice } from '@gradloc/tensor-backend';

/** A copy of `model` with every forget slice zeroed. */
export function ablate(model: Graph, forget: readonly ParamSlice[]): Graph {
  const g = model.clone();
  const byParam = new Map<string, ParamSlice[]>();
  for (const s of forget) byParam.set(s.param, [...(byParam.get(s.param) ?? []), s]);
  for (const [name, slices] of byParam) {
    const t = tensorFromProto(g.initializers.get(name)!);
    const data = t.data as Float32Array;
    for (const s of slices) fillRuns(data, sliceRuns(t.dims, s));
    g.initializers.set(name, tensorToProto(name, t));
  }
  return g;
}
