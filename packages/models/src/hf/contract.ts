/**
 * The zoo's text-image graphs rewritten to the input/output contract of transformers.js (and
 * of optimum's exports), so the folder `exportHfFolder` writes runs in its pipelines as-is:
 * - an `attention_mask` [Q, L] input, read by the text tower's key-padding mask (the zoo's
 *   graphs derive that mask from input_ids > 0, the pad id; transformers.js pads and masks);
 * - input_ids of any length up to the position table (transformers.js pads a batch of texts to
 *   its longest, the zoo to a fixed length): the position embeddings are sliced to L;
 * - OWL-ViT: `text_embeds` [Q, E] and `image_embeds` [B, g, g, D] outputs, and boxes clipped
 *   to the image in the graph (gradloc serves clipped boxes; transformers.js does not clip);
 * - CLIP: `logits_per_text` [T, B] beside logits_per_image.
 * A graph already taking attention_mask is taken as converted: only missing outputs are added.
 */
import { GradlocError, GraphBuilder, Node, tensor, topoSort, type Graph, type ValueInfo } from '@gradloc/tensor-backend';

export type HfKind = 'owlvit' | 'clip';

const IDS = 'input_ids';
const MASK = 'attention_mask';

function notZoo(what: string): GradlocError {
  return new GradlocError('BAD_MODEL', `cannot convert to the Hugging Face contract: ${what} (export-hf converts the zoo's own text-image graphs)`);
}

/** A copy of `n` with input `from` read as `to`. */
const rewired = (n: Node, from: string, to: string): Node => new Node({ ...n.proto, input: n.inputs.map((i) => (i === from ? to : i)) });

function replaceNode(g: Graph, old: Node, next: Node): void {
  g.nodes[g.nodes.indexOf(old)] = next;
}

function inputInfo(g: Graph, name: string): ValueInfo {
  const v = g.inputs.find((i) => i.name === name);
  if (!v) throw notZoo(`no '${name}' input (inputs: ${g.inputs.map((i) => i.name).join(', ')})`);
  return v;
}

/** Padding mask from attention_mask, any sequence length (position table sliced). */
function textInputs(g: Graph, b: GraphBuilder): void {
  const ids = inputInfo(g, IDS);
  const rows = ids.dims?.[0] ?? 'texts';
  const maskNode = g.nodes.find((n) => n.op === 'Greater' && n.inputs[0] === IDS);
  if (!maskNode) throw notZoo('no padding mask (Greater(input_ids, 0))');
  replaceNode(g, maskNode, rewired(maskNode, IDS, MASK));

  // the token embedding: a Gather, quant-gwq's GatherBlockQuantized in a quantized model, or
  // any lookup subgraph; with the mask rewired it is all that reads input_ids, and the first
  // Add after it that adds an initializer adds the position table
  const fromIds = new Set([IDS]);
  let add: Node | undefined;
  for (const n of g.nodes) {
    if (!n.inputs.some((i) => fromIds.has(i))) continue;
    if (n.op === 'Add' && n.inputs.some((i) => g.initializers.has(i))) {
      add = n;
      break;
    }
    for (const o of n.outputs) fromIds.add(o);
  }
  const table = add?.inputs.find((i) => !fromIds.has(i));
  if (!add || !table || !g.initializers.has(table)) throw notZoo('no position-embedding table added to the token embeddings');
  // table[0 : L] with L = input_ids.shape[1]
  const length = b.op('Slice', [b.op('Shape', [IDS]), b.ints([1]), b.ints([2]), b.ints([0])]);
  const sliced = b.op('Slice', [table, b.ints([0]), length, b.ints([0])], {}, { outputs: [b.fresh('position_embeddings')] });
  replaceNode(g, add, rewired(add, table, sliced));

  ids.dims = [rows, 'sequence_length'];
  g.addInput(MASK, 'int64', [rows, 'sequence_length']);
}

function producerOf(g: Graph, value: string): Node {
  const n = g.nodes.find((x) => x.outputs.includes(value));
  if (!n) throw notZoo(`nothing produces '${value}'`);
  return n;
}

/** Renames the graph output `name`'s value so a new node can produce `name`; returns the old value. */
function detachOutput(g: Graph, b: GraphBuilder, name: string): string {
  const p = producerOf(g, name);
  const inner = b.fresh(`${name}_raw`);
  replaceNode(g, p, new Node({ ...p.proto, output: p.outputs.map((o) => (o === name ? inner : o)) }));
  for (const c of g.nodes) if (c.inputs.includes(name)) replaceNode(g, c, rewired(c, name, inner));
  return inner;
}

function owlvitOutputs(g: Graph, b: GraphBuilder): void {
  const logits = g.outputs.find((o) => o.name === 'logits');
  const patches = logits?.dims?.[1];
  const grid = typeof patches === 'number' ? Math.round(Math.sqrt(patches)) : NaN;
  if (!logits || grid * grid !== patches) throw notZoo('logits are not [batch, patches, queries] over a square patch grid');
  if (!g.outputs.some((o) => o.name === 'text_embeds')) {
    const sim = producerOf(g, 'similarity');
    const queries = producerOf(g, sim.inputs[1]);
    if (queries.op !== 'Transpose') throw notZoo("the similarity does not read transposed query embeddings");
    b.op('Identity', [queries.inputs[0]], {}, { outputs: ['text_embeds'] });
    g.addOutput('text_embeds', 'float32', [inputInfo(g, IDS).dims?.[0] ?? 'queries', null]);
  }
  if (!g.outputs.some((o) => o.name === 'image_embeds')) {
    const tokens = 'vision.patch_tokens';
    producerOf(g, tokens);
    b.op('Reshape', [tokens, b.ints([0, grid, grid, -1])], {}, { outputs: ['image_embeds'] });
    g.addOutput('image_embeds', 'float32', ['batch', grid, grid, null]);
  }
}

/** (cx, cy, w, h) -> corners clipped to [0, 1] -> back to (cx, cy, w, h). */
function clipBoxes(g: Graph, b: GraphBuilder): void {
  const raw = detachOutput(g, b, 'pred_boxes');
  const centre = b.op('Slice', [raw, b.ints([0]), b.ints([2]), b.ints([-1])]);
  const half = b.op('Mul', [b.op('Slice', [raw, b.ints([2]), b.ints([4]), b.ints([-1])]), b.constant(tensor('float32', [], [0.5]))]);
  const [zero, one] = [b.constant(tensor('float32', [], [0])), b.constant(tensor('float32', [], [1]))];
  const lo = b.op('Clip', [b.op('Sub', [centre, half]), zero, one]);
  const hi = b.op('Clip', [b.op('Add', [centre, half]), zero, one]);
  const mid = b.op('Mul', [b.op('Add', [lo, hi]), b.constant(tensor('float32', [], [0.5]))]);
  b.op('Concat', [mid, b.op('Sub', [hi, lo])], { axis: -1 }, { outputs: ['pred_boxes'] });
}

function clipOutputs(g: Graph, b: GraphBuilder): void {
  for (const o of ['image_embeds', 'text_embeds', 'logits_per_image']) if (!g.outputs.some((x) => x.name === o)) throw notZoo(`no '${o}' output`);
  if (g.outputs.some((o) => o.name === 'logits_per_text')) return;
  b.op('Transpose', ['logits_per_image'], { perm: [1, 0] }, { outputs: ['logits_per_text'] });
  g.addOutput('logits_per_text', 'float32', [inputInfo(g, IDS).dims?.[0] ?? 'texts', 'batch']);
}

/** A converted copy of `source` (which is left as it is). */
export function toHfContract(source: Graph, kind: HfKind): Graph {
  const g = source.clone();
  const b = new GraphBuilder(g, 'hf.');
  if (!g.inputs.some((i) => i.name === MASK)) {
    textInputs(g, b);
    if (kind === 'owlvit') clipBoxes(g, b);
  }
  if (kind === 'owlvit') owlvitOutputs(g, b);
  else clipOutputs(g, b);
  g.nodes = topoSort(g);
  return g;
}
