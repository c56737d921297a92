/**
 * The weights GWQ quantizes: every constant matrix multiplied by an activation, i.e.
 * MatMul(X, W) and Gemm(X, W) with W a rank-2 float32 initializer, also behind a Transpose
 * (tied LM heads: logits = h @ wte^T).
 *
 * `canonicalWeights` rewrites a copy of the graph so that each such product is a plain
 * MatMul(X, W) whose W [K, N] is an initializer used by that node alone. Calibration can then
 * ask for d loss / d W per product, and the export can replace each node on its own:
 * - Transpose(W) feeding a MatMul becomes a pre-transposed initializer. A tied embedding
 *   keeps its FP32 table for the Gather and gets a quantized copy for the head, so the head's
 *   gradient is the head's alone (the tied tensor's gradient would mix in the embedding's).
 * - Gemm(A, B, C; alpha, beta, transB) becomes MatMul(A, alpha * op(B)) + beta * C.
 * - A weight shared by several products gets one copy per product.
 * With a `reader`, weights may be external data: only copies are read, a weight its product
 * owns stays unread (quantize-file.ts reads it when its turn comes).
 */
import { GradlocError, GraphBuilder, Node, tensor, tensorFromProto, type ExternalDataReader, type Graph, type NodeProto, type Tensor } from '@gradloc/tensor-backend';
import { cloneGraph } from './clone.js';

export interface WeightSite {
  /** The MatMul node (in the canonical graph). */
  readonly node: Node;
  /** Initializer [K, N], used by this node only. */
  readonly weight: string;
  /** The activation X [..., K]. */
  readonly input: string;
  /** The product Y [..., N]. */
  readonly output: string;
  readonly K: number;
  readonly N: number;
}

export interface SiteFilter {
  /** Only weights whose (canonical) name matches. */
  readonly include?: RegExp;
  /** Skip weights whose name matches. */
  readonly exclude?: RegExp;
  /** Skip matrices with fewer elements (default 0: quantize every product). */
  readonly minElements?: number;
}

const FLOAT = 1;

/** Whether a weight (by its label and element count) is one the filter lets through. */
export const passesFilter = (f: SiteFilter | undefined, label: string, size: number): boolean =>
  !(f?.include && !f.include.test(label)) && !f?.exclude?.test(label) && size >= (f?.minElements ?? 0);

/** A rank-2 float32 initializer: its dims now, its values when asked (external data read then). */
interface LazyMatrix {
  readonly dims: readonly [number, number];
  readonly value: () => Tensor<'float32'>;
}

function floatMatrix(graph: Graph, name: string, reader?: ExternalDataReader): LazyMatrix | undefined {
  const t = graph.initializers.get(name);
  if (!t || (t.data_type ?? FLOAT) !== FLOAT || t.dims.length !== 2) return undefined;
  const [r, c] = t.dims.map(Number);
  return { dims: [r, c], value: () => tensorFromProto(reader ? reader.materialized(t) : t) as Tensor<'float32'> };
}

const lazy = (dims: readonly [number, number], value: () => Tensor<'float32'>): LazyMatrix => ({ dims, value });

function transposed(t: Tensor<'float32'>): Tensor<'float32'> {
  const [r, c] = t.dims;
  const data = t.data as Float32Array;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = data[i * c + j];
  return tensor('float32', [c, r], out);
}

function scaled(t: Tensor<'float32'>, s: number): Tensor<'float32'> {
  return s === 1 ? t : tensor('float32', t.dims, (t.data as Float32Array).map((v) => v * s));
}

/** The weight matrix [K, N] a product node multiplies by, if it is a constant; else undefined. */
function constantWeight(graph: Graph, node: Node, producers: Map<string, Node>, reader?: ExternalDataReader): LazyMatrix | undefined {
  const b = node.inputs[1];
  const direct = floatMatrix(graph, b, reader);
  if (node.op === 'Gemm') {
    if (node.attrs.int('transA', 0) !== 0 || !direct) return undefined;
    const transB = node.attrs.int('transB', 0) !== 0;
    const alpha = node.attrs.float('alpha', 1);
    const [r, c] = direct.dims;
    return lazy(transB ? [c, r] : [r, c], () => scaled(transB ? transposed(direct.value()) : direct.value(), alpha));
  }
  if (direct) return direct;
  const t = producers.get(b);
  if (t?.op !== 'Transpose') return undefined;
  const src = floatMatrix(graph, t.inputs[0], reader);
  const perm = t.attrs.ints('perm', [1, 0]);
  return src && perm[0] === 1 && perm[1] === 0 ? lazy([src.dims[1], src.dims[0]], () => transposed(src.value())) : undefined;
}

/** Every name the nodes read, including outer-scope names read inside If/Loop/Scan bodies. */
function readsOf(nodes: readonly NodeProto[]): string[] {
  return nodes.flatMap((n) => [...n.input, ...n.attribute.flatMap((a) => [...(a.g ? [a.g] : []), ...a.graphs]).flatMap((g) => readsOf(g.node))]);
}

/** Drops initializers and Transpose nodes nothing reads any more. */
function pruneUnused(graph: Graph): void {
  for (;;) {
    const read = new Set(readsOf(graph.nodes.map((n) => n.proto)));
    for (const o of graph.outputs) read.add(o.name);
    const dead = graph.nodes.filter((n) => n.op === 'Transpose' && n.outputs.every((o) => !read.has(o)));
    if (dead.length === 0) break;
    graph.nodes = graph.nodes.filter((n) => !dead.includes(n));
  }
  const read = new Set(readsOf(graph.nodes.map((n) => n.proto)));
  for (const o of graph.outputs) read.add(o.name);
  for (const name of [...graph.initializers.keys()]) if (!read.has(name)) graph.initializers.delete(name);
}

/**
 * A copy of `graph` in which every constant-weight product is MatMul(X, W) with its own W,
 * and the list of those products.
 */
export function canonicalWeights(source: Graph, filter: SiteFilter = {}, reader?: ExternalDataReader): { graph: Graph; sites: WeightSite[] } {
  const graph = cloneGraph(source);
  const b = new GraphBuilder(graph);
  const producers = graph.producers();
  const uses = new Map<string, number>();
  for (const i of readsOf(graph.nodes.map((n) => n.proto))) uses.set(i, (uses.get(i) ?? 0) + 1);
  const sites: WeightSite[] = [];
  const rewritten: Node[] = [];
  for (const node of [...graph.nodes]) {
    if (node.op !== 'MatMul' && node.op !== 'Gemm') {
      rewritten.push(node);
      continue;
    }
    const w = constantWeight(graph, node, producers, reader);
    if (!w) {
      rewritten.push(node);
      continue;
    }
    const [K, N] = w.dims;
    const original = node.inputs[1];
    const ownsWeight = node.op === 'MatMul' && graph.initializers.has(original) && uses.get(original) === 1;
    const transposedFrom = producers.get(original)?.op === 'Transpose' ? producers.get(original)?.inputs[0] : undefined;
    const label = ownsWeight ? original : transposedFrom ? `${transposedFrom}.T` : `${original}.copy`;
    if (!passesFilter(filter, label, K * N)) {
      rewritten.push(node);
      continue;
    }
    // a weight this node owns stays as it is (external data unread); copies are read now
    const weight = ownsWeight ? original : b.initializer(w.value(), label);
    const name = node.name || node.outputs[0];
    const x = node.inputs[0];
    if (node.op === 'MatMul') {
      node.inputs[1] = weight;
      rewritten.push(node);
      sites.push({ node, weight, input: x, output: node.outputs[0], K, N });
      continue;
    }
    // Gemm -> MatMul (+ beta * C), built at the end of the list, then moved here
    const start = graph.nodes.length;
    const c = node.inputs[2];
    const y = node.outputs[0];
    const product = c ? b.fresh(`${name}.matmul`) : y;
    const mm = new Node({ input: [x, weight], output: [product], name: b.fresh(`${name}_matmul`), op_type: 'MatMul', domain: '', attribute: [] });
    rewritten.push(mm);
    if (c) {
      const beta = node.attrs.float('beta', 1);
      const bias = beta === 1 ? c : b.op('Mul', [c, b.initializer(tensor('float32', [], [beta]), `${name}.beta`)]);
      rewritten.push(...graph.nodes.splice(start));
      rewritten.push(new Node({ input: [product, bias], output: [y], name: b.fresh(`${name}_bias`), op_type: 'Add', domain: '', attribute: [] }));
    }
    sites.push({ node: mm, weight, input: x, output: product, K, N });
  }
  graph.nodes = rewritten;
  pruneUnused(graph);
  if (sites.length === 0) throw new GradlocError('BAD_MODEL', 'no MatMul/Gemm with a constant float32 weight matrix to quantize');
  return { graph, sites };
}
