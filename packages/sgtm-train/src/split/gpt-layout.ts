/**
 * Finding the blocks of a GPT in an ONNX graph: for every layer i, the MLP's up- and
 * down-projections, the fused q/k/v projection, the attention output projection, and the two
 * activations SGTM masks (the MLP hidden units, the merged per-head attention output). Works on
 * any graph with GPT-2 naming (`<prefix>h.<i>.mlp.c_fc.weight` ...) and MatMul-form linears, as
 * the project's builder (and torch.onnx for HF GPT-2) writes them; weights are [in, out].
 */
import { GradlocError, tensorFromProto, type Graph, type Node } from '@gradloc/tensor-backend';

export interface GptLayer {
  readonly index: number;
  /** [dim, hidden] up-projection and its [hidden] bias. */
  readonly fcWeight: string;
  readonly fcBias: string;
  /** [hidden, dim] down-projection and its [dim] bias. */
  readonly projWeight: string;
  readonly projBias: string;
  /** [dim, 3 dim] fused q|k|v projection and its [3 dim] bias. */
  readonly qkvWeight: string;
  readonly qkvBias: string | undefined;
  /** [dim, dim] attention output projection and its bias. */
  readonly outWeight: string;
  readonly outBias: string | undefined;
  /**
   * The MLP hidden activation (GELU output = the down-projection's input, [B, T, hidden]):
   * gating it removes units. The reference zeroes the pre-activation; GELU(0) = 0, so the
   * values and gradients are the same, and gating after the activation leaves onnxruntime's
   * bias + GELU fusion intact.
   */
  readonly hiddenTensor: string;
  /** The merged heads before the output projection ([B, T, dim], head-major channels). */
  readonly attnTensor: string;
  /** The block's output (residual stream after the block), for RMU. */
  readonly blockOutput: string | undefined;
}

export interface GptLayout {
  readonly prefix: string;
  readonly dim: number;
  readonly hidden: number;
  readonly heads: number;
  readonly headDim: number;
  readonly layers: readonly GptLayer[];
  /** Rows of the position table `<prefix>wpe.weight` (the longest input), if the model has one. */
  readonly context: number | undefined;
  /** The LM head's output. */
  readonly logits: string;
}

const PATTERN = /^(.*?)h\.(\d+)\.mlp\.c_fc\.weight$/;

function notGpt(what: string): GradlocError {
  return new GradlocError('BAD_MODEL', `not a GPT-shaped model: ${what} (expected GPT-2 names <prefix>h.<i>.mlp.c_fc / mlp.c_proj / attn.c_attn / attn.c_proj with MatMul weights)`);
}

function dimsOf(g: Graph, name: string): number[] {
  const t = g.initializers.get(name);
  if (!t) throw notGpt(`no initializer '${name}'`);
  return t.dims.map(Number);
}

/** The output of the MatMul reading `weight`, then of the Add of `bias` after it (if any). */
function linearOutput(g: Graph, readers: Map<string, Node[]>, weight: string, bias: string | undefined): string {
  const mm = (readers.get(weight) ?? []).find((n) => n.op === 'MatMul' && n.inputs[1] === weight);
  if (!mm) throw notGpt(`no MatMul reads '${weight}' as its weight`);
  if (!bias) return mm.outputs[0];
  const add = (readers.get(mm.outputs[0]) ?? []).find((n) => n.op === 'Add' && n.inputs.includes(bias));
  if (!add) throw notGpt(`no Add of '${bias}' after the MatMul of '${weight}'`);
  return add.outputs[0];
}

/** Heads from the Reshape [0, 0, heads, headDim] that splits q into heads. */
function headsOf(g: Graph, readers: Map<string, Node[]>, qkv: string, dim: number): number {
  const seen = new Set<string>();
  const queue = [qkv];
  // a short walk down from the projection (Split, then Reshape) finds the head split
  for (let steps = 0; queue.length && steps < 32; steps++) {
    const t = queue.shift()!;
    for (const n of readers.get(t) ?? []) {
      if (n.op === 'Reshape') {
        const shape = g.initializers.get(n.inputs[1]);
        if (shape) {
          const v = Array.from(tensorFromProto(shape).data as BigInt64Array, Number);
          if (v.length === 4 && v[2] > 0 && v[3] > 0 && v[2] * v[3] === dim) return v[2];
        }
      }
      for (const o of n.outputs) if (!seen.has(o)) seen.add(o), queue.push(o);
    }
  }
  throw notGpt(`no Reshape to [0, 0, heads, ${dim} / heads] after '${qkv}' (pass heads explicitly)`);
}

export interface LayoutOptions {
  /** Attention heads, when the graph does not show them (no head-split Reshape constant). */
  readonly heads?: number;
  /** The logits tensor (default 'logits'). */
  readonly logits?: string;
}

export function gptLayout(g: Graph, opts: LayoutOptions = {}): GptLayout {
  const found = [...g.initializers.keys()].map((k) => PATTERN.exec(k)).filter((m): m is RegExpExecArray => m !== null);
  if (!found.length) throw notGpt("no initializer named '<prefix>h.<i>.mlp.c_fc.weight'");
  const prefix = found[0][1];
  const depth = Math.max(...found.filter((m) => m[1] === prefix).map((m) => Number(m[2]))) + 1;
  const readers = g.consumers();
  const produced = new Set(g.nodes.flatMap((n) => n.outputs));
  const logits = opts.logits ?? 'logits';
  if (!produced.has(logits)) throw notGpt(`no tensor '${logits}'`);
  const has = (n: string): string | undefined => (g.initializers.has(n) ? n : undefined);
  const layers: GptLayer[] = [];
  let dim = 0;
  let hidden = 0;
  for (let i = 0; i < depth; i++) {
    const p = `${prefix}h.${i}`;
    const [d, h] = dimsOf(g, `${p}.mlp.c_fc.weight`);
    if (i === 0) [dim, hidden] = [d, h];
    if (d !== dim || h !== hidden) throw notGpt(`layer ${i}'s MLP is [${d}, ${h}], layer 0's [${dim}, ${hidden}]`);
    const qkv = dimsOf(g, `${p}.attn.c_attn.weight`);
    if (qkv[0] !== dim || qkv[1] !== 3 * dim) throw notGpt(`'${p}.attn.c_attn.weight' is [${qkv.join(', ')}], not [${dim}, ${3 * dim}] (fused q|k|v)`);
    const out = dimsOf(g, `${p}.attn.c_proj.weight`);
    if (out[0] !== dim || out[1] !== dim) throw notGpt(`'${p}.attn.c_proj.weight' is [${out.join(', ')}], not [${dim}, ${dim}]`);
    const proj = dimsOf(g, `${p}.mlp.c_proj.weight`);
    if (proj[0] !== hidden || proj[1] !== dim) throw notGpt(`'${p}.mlp.c_proj.weight' is [${proj.join(', ')}], not [${hidden}, ${dim}]`);
    const fcBias = has(`${p}.mlp.c_fc.bias`);
    const projBias = has(`${p}.mlp.c_proj.bias`);
    if (!fcBias || !projBias) throw notGpt(`'${p}.mlp' has no c_fc/c_proj bias`);
    const outMm = (readers.get(`${p}.attn.c_proj.weight`) ?? []).find((n) => n.op === 'MatMul' && n.inputs[1] === `${p}.attn.c_proj.weight`);
    if (!outMm) throw notGpt(`no MatMul reads '${p}.attn.c_proj.weight'`);
    const downMm = (readers.get(`${p}.mlp.c_proj.weight`) ?? []).find((n) => n.op === 'MatMul' && n.inputs[1] === `${p}.mlp.c_proj.weight`);
    if (!downMm) throw notGpt(`no MatMul reads '${p}.mlp.c_proj.weight'`);
    // the up-projection must exist as a MatMul (+ bias) too
    linearOutput(g, readers, `${p}.mlp.c_fc.weight`, fcBias);
    layers.push({
      index: i,
      fcWeight: `${p}.mlp.c_fc.weight`,
      fcBias,
      projWeight: `${p}.mlp.c_proj.weight`,
      projBias,
      qkvWeight: `${p}.attn.c_attn.weight`,
      qkvBias: has(`${p}.attn.c_attn.bias`),
      outWeight: `${p}.attn.c_proj.weight`,
      outBias: has(`${p}.attn.c_proj.bias`),
      hiddenTensor: downMm.inputs[0],
      attnTensor: outMm.inputs[0],
      blockOutput: produced.has(p) ? p : undefined,
    });
  }
  const heads = opts.heads ?? headsOf(g, readers, linearOutput(g, readers, layers[0].qkvWeight, layers[0].qkvBias), dim);
  if (!(Number.isInteger(heads) && heads >= 1 && dim % heads === 0)) throw new GradlocError('BAD_INPUT', `heads ${heads} does not divide the width ${dim}`);
  const wpe = g.initializers.get(`${prefix}wpe.weight`);
  return { prefix, dim, hidden, heads, headDim: dim / heads, layers, context: wpe ? Number(wpe.dims[0]) : undefined, logits };
}

/** The training/evaluation window length: the position table's size. */
export function requireContext(layout: GptLayout): number {
  if (!layout.context) throw new GradlocError('BAD_MODEL', `the model has no position table '${layout.prefix}wpe.weight' to read its context length from`);
  return layout.context;
}
