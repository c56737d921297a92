/**
 * Object phrases as extra positives for shapes-clip: every scene of a batch also brings the
 * phrase of one of its objects ("a red ring"), appended after the captions and hard negatives,
 * and a multi-positive InfoNCE over the [B images, B phrases] block of the logits, with soft
 * targets: image i matches phrase j when it holds an object of that colour and shape
 * (phrase_row_targets rows, normalised), phrase j matches every image holding one
 * (phrase_col_targets rows, normalised). Captions describe whole scenes, so a caption-only model
 * reads "a red ring" as "a red ring and nothing else" and credits the empty background for it;
 * with phrases, the similarity to a phrase is raised by the object the phrase names, which is
 * what an explanation of "why does this text match?" should find. The phrases never enter the
 * caption softmax (they would be false negatives there).
 *
 * Extra inputs: phrase_row_targets [B, P], phrase_col_targets [P, B] float32 (P = B in
 * training; P = 0 when only embeddings are wanted and the texts hold no phrases).
 */
import { Emit, GraphBuilder, tensor, type Graph } from '@gradloc/tensor-backend';

export const PHRASE_ROW_TARGETS = 'phrase_row_targets';
export const PHRASE_COL_TARGETS = 'phrase_col_targets';

export interface PhraseInputs {
  readonly rows: string;
  readonly cols: string;
  /** P as a 1-D int64 [P]: the number of phrase texts at the end of the texts. */
  readonly count: string;
}

export function phraseInputs(b: GraphBuilder): PhraseInputs {
  const rows = b.input(PHRASE_ROW_TARGETS, 'float32', ['batch', 'phrases']);
  const cols = b.input(PHRASE_COL_TARGETS, 'float32', ['phrases', 'batch']);
  return { rows, cols, count: b.op('Slice', [b.op('Shape', [rows]), b.ints([1]), b.ints([2])]) };
}

/** Column of the first phrase: texts - P (a 1-D int64; never negative, so P = 0 slices nothing). */
const phraseStart = (b: GraphBuilder, logits: string, p: PhraseInputs): string => b.op('Sub', [b.op('Slice', [b.op('Shape', [logits]), b.ints([1]), b.ints([2])]), p.count]);

/** The caption logits without the last P columns (the phrases), for the caption loss. */
export function withoutPhrases(b: GraphBuilder, logits: string, p: PhraseInputs): string {
  return b.op('Slice', [logits, b.ints([0]), phraseStart(b, logits, p), b.ints([1])]);
}

/** `loss := loss + weight * (row + column multi-positive InfoNCE over the phrase block) / 2`. */
export function addPhraseLoss(graph: Graph, o: { readonly logits: string; readonly phrases: PhraseInputs; readonly loss: string; readonly weight: number }): void {
  const b = new GraphBuilder(graph);
  const emit = new Emit(b, graph.opset());
  const main = b.fresh(`${o.loss}.captions`);
  const producer = graph.nodes.find((n) => n.outputs.includes(o.loss));
  if (!producer) throw new Error(`addPhraseLoss: no node produces '${o.loss}'`);
  producer.outputs[producer.outputs.indexOf(o.loss)] = main;
  const { rows, cols } = o.phrases;
  const block = b.op('Slice', [o.logits, phraseStart(b, o.logits, o.phrases), b.ints([2 ** 40]), b.ints([1])]); // [B, P]
  const softCe = (scores: string, targets: string): string =>
    b.op('Neg', [emit.reduce('ReduceMean', emit.reduceSum(b.op('Mul', [targets, b.op('LogSoftmax', [scores], { axis: 1 })]), [1], false), [0], false)]);
  const phrase = b.op('Add', [softCe(block, rows), softCe(emit.transpose(block, [1, 0]), cols)]);
  b.op('Add', [main, b.op('Mul', [phrase, b.constant(tensor('float32', [], [o.weight / 2]))])], {}, { outputs: [o.loss] });
}

/** Row-normalised soft targets: [i][j] = 1 when image i holds phrase j's object; and the transpose, row-normalised. */
export function phraseTargets(holds: (image: number, phrase: number) => boolean, n: number): { rows: Float32Array; cols: Float32Array } {
  const rows = new Float32Array(n * n);
  const cols = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (holds(i, j)) rows[i * n + j] = cols[j * n + i] = 1;
  for (const m of [rows, cols]) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += m[i * n + j];
      for (let j = 0; j < n; j++) m[i * n + j] /= s;
    }
  }
  return { rows, cols };
}
