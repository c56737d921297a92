/**
 * Finding the attention blocks of a transformer in an ONNX graph by their pattern, since
 * tensor names differ between exports (torch.onnx, Hugging Face/Optimum, the zoo's builders):
 *
 *   q = x Wq (+ b), k = x Wk (+ b), v = x Wv (+ b)                 [B, L, D], full width
 *   scores = split(q) . split(k)^T (scaled, masked)                 [B, H, L, L]
 *   context = merge(Softmax(scores) . split(v))                     [B, L, D]  <- "before out_proj"
 *   out = context Wo (+ b)
 *
 * From every Softmax: forward through the probabilities' MatMul and the Transpose/Reshape that
 * merge the heads to the MatMul/Gemm with a constant weight (the output projection), whose
 * input is the context; backward from the scores' MatMul and the value MatMul through
 * Transpose/Reshape (and scalings or masks by other operands) to the first [B, L, D] tensors:
 * q, k and v. Exports that fuse q/k/v into one projection (OpenAI CLIP's in_proj) have no
 * full-width q/k/v tensor: name the tensors yourself then.
 */
import { GradlocError, inferTypes, type Feeds, type Graph, type Node, type ValueType } from '@gradloc/tensor-backend';

export interface AttentionTensors {
  /** Query, key and value projections [B, L, D] (all heads; the query possibly before its scaling). */
  readonly q: string;
  readonly k: string;
  readonly v: string;
  /** The attention output before the output projection, heads concatenated [B, L, D]. */
  readonly context: string;
}

export interface AttentionBlock extends AttentionTensors {
  /** The attention probabilities [B, H, L, L] (the Softmax output). */
  readonly probs: string;
  /** Graph inputs the block depends on (tells the image tower from the text tower). */
  readonly inputs: readonly string[];
  /** Tokens L and width D at the feeds' dims. */
  readonly tokens: number;
  readonly width: number;
}

/** Ops that only move the heads around. */
const LAYOUT = new Set(['Transpose', 'Reshape', 'Squeeze', 'Unsqueeze', 'Identity', 'Cast']);
/** Elementwise ops a scaling or mask applies to the scores or the query. */
const SCALING = new Set(['Mul', 'Div', 'Add', 'Sub', 'Where']);

export const ATTENTION_PATTERN_HELP =
  'looked for Softmax -> MatMul(probabilities, V) -> Transpose/Reshape -> MatMul/Gemm with a constant weight (the output projection), ' +
  'with full-width [B, L, D] q, k and v projections; a model that fuses q/k/v (one in_proj) needs them named: { q, k, v, context } per block';

interface Walk {
  readonly graph: Graph;
  readonly producers: Map<string, Node>;
  readonly consumers: Map<string, Node[]>;
  readonly types: Map<string, ValueType>;
  readonly isConstant: (name: string) => boolean;
}

const dimsOf = (w: Walk, name: string): readonly number[] | undefined => w.types.get(name)?.dims;
const sameDims = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean => !!a && !!b && a.length === b.length && a.every((d, i) => d === b[i]);

/** Back from `name` through layout ops and scalings to the first rank-3 tensor of width `width`. */
function projectionOf(w: Walk, name: string, width: number): string | undefined {
  let cur = name;
  for (let hops = 0; hops < 12; hops++) {
    const d = dimsOf(w, cur);
    if (d && d.length === 3 && d[2] === width) return cur;
    const p = w.producers.get(cur);
    if (!p) return undefined;
    if (LAYOUT.has(p.op)) cur = p.inputs[0];
    else if (SCALING.has(p.op)) {
      const moving = p.inputs.filter((x) => x !== '' && !w.isConstant(x));
      if (moving.length !== 1) return undefined;
      cur = moving[0];
    } else return undefined;
  }
  return undefined;
}

/** Back from the Softmax's input through scalings and masks to the scores' MatMul. */
function scoresMatMul(w: Walk, name: string): Node | undefined {
  let cur = name;
  for (let hops = 0; hops < 8; hops++) {
    const p = w.producers.get(cur);
    if (!p) return undefined;
    if (p.op === 'MatMul') return p;
    if (!SCALING.has(p.op) && !LAYOUT.has(p.op)) return undefined;
    // a mask computed from the inputs (padding) is not constant either: follow the float
    // operand with the scores' own dims (Where's condition is never the path)
    const out = dimsOf(w, p.outputs[0]);
    const operands = (p.op === 'Where' ? p.inputs.slice(1) : p.inputs).filter((x) => x !== '' && !w.isConstant(x));
    const same = operands.filter((x) => sameDims(dimsOf(w, x), out) && w.types.get(x)?.dtype.startsWith('float'));
    const next = same.length === 1 ? same[0] : operands.length === 1 ? operands[0] : same.find((x) => w.producers.get(x)?.op === 'MatMul');
    if (!next) return undefined;
    cur = next;
  }
  return undefined;
}

/** Forward from the probabilities . V product through the head merge to the output projection's input. */
function contextOf(w: Walk, name: string): string | undefined {
  let cur = name;
  for (let hops = 0; hops < 6; hops++) {
    const next = w.consumers.get(cur) ?? [];
    if (next.length !== 1) return undefined;
    const n = next[0];
    if (LAYOUT.has(n.op)) {
      cur = n.outputs[0];
      continue;
    }
    if ((n.op === 'MatMul' || n.op === 'Gemm') && n.inputs[0] === cur && w.isConstant(n.inputs[1])) {
      const d = dimsOf(w, cur);
      return d && d.length === 3 ? cur : undefined;
    }
    return undefined;
  }
  return undefined;
}

function inputsOf(graph: Graph, producers: Map<string, Node>): (name: string) => readonly string[] {
  const graphInputs = new Set(graph.inputs.map((i) => i.name));
  const memo = new Map<string, readonly string[]>();
  const visit = (name: string): readonly string[] => {
    const known = memo.get(name);
    if (known) return known;
    memo.set(name, []); // placeholder while visiting: a malformed graph with a cycle cannot recurse forever
    let out: string[];
    if (graphInputs.has(name)) out = [name];
    else {
      const p = producers.get(name);
      out = p ? [...new Set(p.inputs.filter((x) => x !== '').flatMap(visit))].sort() : [];
    }
    memo.set(name, out);
    return out;
  };
  return visit;
}

/** Every attention block of the graph in execution order, at the dims of `feeds`. */
/** Found blocks per graph and feed dims: the search runs shape inference over the whole graph. */
const found = new WeakMap<Graph, Map<string, AttentionBlock[]>>();

export function findAttentionBlocks(graph: Graph, feeds: Feeds): AttentionBlock[] {
  const key = Object.entries(feeds)
    .map(([k, t]) => `${k}:${t.dims.join('x')}`)
    .sort()
    .join(',');
  const known = found.get(graph) ?? new Map<string, AttentionBlock[]>();
  found.set(graph, known);
  const hit = known.get(key);
  if (hit) return hit;
  const blocks = searchBlocks(graph, feeds);
  known.set(key, blocks);
  return blocks;
}

function searchBlocks(graph: Graph, feeds: Feeds): AttentionBlock[] {
  const info = inferTypes(graph, Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dims])));
  const w: Walk = { graph, producers: graph.producers(), consumers: graph.consumers(), types: info.types, isConstant: (n) => info.isConstant(n) };
  const dependsOn = inputsOf(graph, w.producers);
  const blocks: AttentionBlock[] = [];
  for (const s of graph.nodes.filter((n) => n.op === 'Softmax')) {
    const pv = (w.consumers.get(s.outputs[0]) ?? []).find((n) => n.op === 'MatMul' && n.inputs[0] === s.outputs[0]);
    if (!pv) continue;
    const context = contextOf(w, pv.outputs[0]);
    const width = context ? dimsOf(w, context)![2] : undefined;
    const qk = scoresMatMul(w, s.inputs[0]);
    if (!context || width === undefined || !qk) continue;
    const [q, k, v] = [projectionOf(w, qk.inputs[0], width), projectionOf(w, qk.inputs[1], width), projectionOf(w, pv.inputs[1], width)];
    if (!q || !k || !v) continue;
    blocks.push({ q, k, v, context, probs: s.outputs[0], inputs: dependsOn(context), tokens: dimsOf(w, context)![1], width });
  }
  return blocks;
}

/**
 * The blocks that read `input` (one tower of a dual encoder), or an error saying what was
 * looked for. Pass `all` when the graph's blocks were already found (both towers from one search).
 */
export function towerBlocks(graph: Graph, feeds: Feeds, input: string, all: readonly AttentionBlock[] = findAttentionBlocks(graph, feeds)): AttentionBlock[] {
  const tower = all.filter((b) => b.inputs.includes(input));
  if (tower.length === 0) {
    throw new GradlocError('BAD_MODEL', `no attention block reading '${input}' found (${all.length} in the whole graph): ${ATTENTION_PATTERN_HELP}`);
  }
  return tower;
}
