/**
 * SGTM's parameter split (the reference's parameter_masking.py, in [in, out] weight layout):
 * in every masked layer the LAST `forgetUnits` MLP hidden units (their c_fc columns and bias,
 * their c_proj rows) and the LAST `forgetHeads` attention heads (their q, k and v columns of
 * the fused c_attn and its bias, their rows of the output projection) are FORGET parameters;
 * the rest of those matrices plus the two output biases (c_proj, out-proj) are RETAIN; every
 * other parameter (embeddings, LayerNorms, the LM head bias) is JOINT, updated by all data.
 * The reference's GPT-Neo has no q/k/v bias; ours has a fused one, split like its columns.
 */
import { GradlocError, type Gate, type ParamGroup, type ParamSlice } from '@gradloc/tensor-backend';
import type { GptLayer, GptLayout } from './gpt-layout.js';

export interface SplitOptions {
  /** Forget MLP units per layer (default 3/32 of the hidden width: 48 of 512; the paper: 64 of 2048). */
  readonly forgetUnits?: number;
  /** Forget attention heads per layer (default 1). */
  readonly forgetHeads?: number;
  /** Masked layers (default all). */
  readonly layers?: readonly number[];
}

export interface ParamSplit {
  readonly forgetUnits: number;
  readonly forgetHeads: number;
  readonly layers: readonly number[];
  /** Groups 'forget' and 'retain'; everything else is the trainer's rest group, named 'joint'. */
  readonly groups: readonly ParamGroup[];
  /** Gates zeroing forget activations on retain batches (input names are gate inputs). */
  readonly gates: readonly Gate[];
  /** The gate values of each mode: ones everywhere, or zeros on forget units/heads. */
  readonly gateValues: (mode: 'open' | 'retain') => Readonly<Record<string, Float32Array>>;
  /** The forget slices (what ablation zeroes). */
  readonly forget: readonly ParamSlice[];
}

export const JOINT_GROUP = 'joint';

export const defaultForgetUnits = (hidden: number): number => Math.max(1, Math.round((hidden * 3) / 32));

function requireCount(what: string, n: number, max: number): void {
  if (!(Number.isInteger(n) && n >= 1 && n < max)) throw new GradlocError('BAD_INPUT', `${what} must be an integer in [1, ${max - 1}] (the layer has ${max}), got ${n}`);
}

/** The forget and retain slices of one layer. */
function layerSlices(l: GptLayer, layout: GptLayout, units: number, heads: number): { forget: ParamSlice[]; retain: ParamSlice[] } {
  const { dim, hidden, headDim } = layout;
  const keepUnits = hidden - units;
  const keepDim = dim - heads * headDim;
  const forget: ParamSlice[] = [
    { param: l.fcWeight, axis: 1, start: keepUnits, end: hidden },
    { param: l.fcBias, start: keepUnits, end: hidden },
    { param: l.projWeight, axis: 0, start: keepUnits, end: hidden },
    { param: l.outWeight, axis: 0, start: keepDim, end: dim },
  ];
  const retain: ParamSlice[] = [
    { param: l.fcWeight, axis: 1, start: 0, end: keepUnits },
    { param: l.fcBias, start: 0, end: keepUnits },
    { param: l.projWeight, axis: 0, start: 0, end: keepUnits },
    { param: l.projBias },
    { param: l.outWeight, axis: 0, start: 0, end: keepDim },
  ];
  if (l.outBias) retain.push({ param: l.outBias });
  // q | k | v blocks of the fused projection: the last heads of each
  for (let part = 0; part < 3; part++) {
    const base = part * dim;
    for (const param of [l.qkvWeight, l.qkvBias]) {
      if (!param) continue;
      const axis = param === l.qkvWeight ? 1 : 0;
      forget.push({ param, axis, start: base + keepDim, end: base + dim });
      retain.push({ param, axis, start: base, end: base + keepDim });
    }
  }
  return { forget, retain };
}

export function splitParameters(layout: GptLayout, opts: SplitOptions = {}): ParamSplit {
  const units = opts.forgetUnits ?? defaultForgetUnits(layout.hidden);
  const heads = opts.forgetHeads ?? 1;
  requireCount('forget units', units, layout.hidden);
  requireCount('forget heads', heads, layout.heads);
  const layers = [...(opts.layers ?? layout.layers.map((l) => l.index))];
  for (const i of layers) {
    if (!layout.layers[i]) throw new GradlocError('BAD_INPUT', `layer ${i} does not exist (the model has ${layout.layers.length})`);
  }
  const forget: ParamSlice[] = [];
  const retain: ParamSlice[] = [];
  const gates: Gate[] = [];
  for (const i of layers) {
    const l = layout.layers[i];
    const s = layerSlices(l, layout, units, heads);
    forget.push(...s.forget);
    retain.push(...s.retain);
    gates.push({ tensor: l.hiddenTensor, input: `sgtm_gate.h.${i}.mlp`, dims: [layout.hidden] });
    gates.push({ tensor: l.attnTensor, input: `sgtm_gate.h.${i}.attn`, dims: [layout.dim] });
  }
  const mask = (n: number, keep: number, open: boolean): Float32Array => Float32Array.from({ length: n }, (_, j) => (open || j < keep ? 1 : 0));
  const values = (mode: 'open' | 'retain'): Record<string, Float32Array> => {
    const out: Record<string, Float32Array> = {};
    for (const i of layers) {
      out[`sgtm_gate.h.${i}.mlp`] = mask(layout.hidden, layout.hidden - units, mode === 'open');
      out[`sgtm_gate.h.${i}.attn`] = mask(layout.dim, layout.dim - heads * layout.headDim, mode === 'open');
    }
    return out;
  };
  const cache = { open: values('open'), retain: values('retain') };
  return {
    forgetUnits: units,
    forgetHeads: heads,
    layers,
    groups: [
      { name: 'forget', slices: forget },
      { name: 'retain', slices: retain },
    ],
    gates,
    gateValues: (mode) => cache[mode],
    forget,
  };
}
