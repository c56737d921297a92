/**
 * What an explanation explains: a scalar per batch item, read off the model's outputs. A
 * target turns forward outputs into (a) that score, for the metrics, and (b) the seed dY
 * over one output tensor whose vector-Jacobian product is the score's gradient. Batch items
 * are seeded together (one backward pass per batch), which is exact for models whose batch
 * items do not interact (anything but training-mode BatchNorm).
 */
import { GradlocError, tensor, type Tensor } from '@gradloc/tensor-backend';

export type Outputs = Readonly<Record<string, Tensor>>;

export interface CamTarget {
  /** The output (or intermediate) tensor the score is read from. */
  readonly output: string;
  /** Other outputs `seed` and `score` read (e.g. a detector's boxes). */
  readonly reads?: readonly string[];
  /** Whether `seed` needs a forward pass first (auto class, box matching). */
  readonly needsForward: boolean;
  /** dScore/dOutput for every batch item at once, with the output's dims. */
  seed(outputs: Outputs, dims: readonly number[]): Tensor<'float32'>;
  /** The score of each batch item (what deletion/insertion and confidence metrics track). */
  score(outputs: Outputs): Float64Array;
  /** The differentiated quantity per item, <seed, output> (e.g. the logit where `score` is a probability). */
  value(outputs: Outputs): Float64Array;
  /** This target with its data-dependent choices (e.g. 'auto' classes) fixed from the original batch's outputs. */
  freeze(outputs: Outputs): CamTarget;
  /**
   * Item b's target applied to every row of another batch (perturbed copies of item b, as
   * Score-CAM, Ablation-CAM and the metrics run). Call on a frozen target.
   */
  select(b: number): CamTarget;
  /** One line for logs and JSON reports. */
  readonly description: string;
}

export const need = (outputs: Outputs, name: string): Tensor => {
  const t = outputs[name];
  if (!t) throw new GradlocError('BAD_INPUT', `target output '${name}' was not computed`);
  return t;
};

function rows(t: Tensor): { batch: number; width: number } {
  if (t.dims.length < 1) throw new GradlocError('BAD_INPUT', 'a target output needs a batch dimension');
  const batch = t.dims[0];
  return { batch, width: batch === 0 ? 0 : t.data.length / batch };
}

function softmaxAt(data: ArrayLike<number | bigint>, offset: number, width: number, k: number): number {
  let max = -Infinity;
  for (let j = 0; j < width; j++) max = Math.max(max, Number(data[offset + j]));
  let sum = 0;
  for (let j = 0; j < width; j++) sum += Math.exp(Number(data[offset + j]) - max);
  return Math.exp(Number(data[offset + k]) - max) / sum;
}

export function argmaxRow(t: Tensor, b: number): number {
  const { width } = rows(t);
  let best = 0;
  for (let j = 1; j < width; j++) if (Number(t.data[b * width + j]) > Number(t.data[b * width + best])) best = j;
  return best;
}

/** <seed_b, output_b> per batch item: the quantity whose gradient the seed gives. */
export function seededValue(target: CamTarget, outputs: Outputs): Float64Array {
  const t = need(outputs, target.output);
  const seed = target.seed(outputs, t.dims).data as Float32Array;
  const { batch, width } = rows(t);
  return Float64Array.from({ length: batch }, (_, b) => {
    let s = 0;
    for (let j = 0; j < width; j++) if (seed[b * width + j] !== 0) s += seed[b * width + j] * Number(t.data[b * width + j]);
    return s;
  });
}

/**
 * A target whose score is <seed, output> with a seed fixed by the output's dims alone
 * (no forward pass, nothing to freeze). `select(b)` may return a per-item variant.
 */
function linearTarget(output: string, description: string, seedOf: (dims: readonly number[]) => Tensor<'float32'>, select?: (b: number) => CamTarget | undefined): CamTarget {
  const target: CamTarget = {
    output,
    needsForward: false,
    description,
    seed: (_outputs, dims) => seedOf(dims),
    score: (outputs) => seededValue(target, outputs),
    value: (outputs) => seededValue(target, outputs),
    freeze: () => target,
    select: (b) => select?.(b) ?? target,
  };
  return target;
}

export interface ClassTargetOptions {
  /** Logits output [B, C]. */
  readonly output: string;
  /** A class per batch item, one class for all, or 'auto' = each item's top class. */
  readonly classes: number | readonly number[] | 'auto';
  /**
   * What `score` reports: the softmax probability (default; what deletion/insertion and
   * confidence-drop papers track) or the raw logit. The gradient is always of the logit,
   * as in Grad-CAM and pytorch-grad-cam's ClassifierOutputTarget.
   */
  readonly score?: 'softmax' | 'logit';
}

/** Logit of a class in a [B, C] output: Grad-CAM's usual target. */
export function classTarget(o: ClassTargetOptions): CamTarget {
  const classesOf = (t: Tensor): number[] => {
    const { batch, width } = rows(t);
    if (Array.isArray(o.classes) && o.classes.length !== batch) {
      throw new GradlocError('BAD_INPUT', `${o.classes.length} classes given for a batch of ${batch}`);
    }
    return Array.from({ length: batch }, (_, b) => {
      const c = o.classes === 'auto' ? argmaxRow(t, b) : typeof o.classes === 'number' ? o.classes : o.classes[b];
      if (c === undefined || !Number.isInteger(c) || c < 0 || c >= width) {
        throw new GradlocError('BAD_INPUT', `class ${c} is out of range for '${o.output}' with ${width} classes (batch item ${b})`);
      }
      return c;
    });
  };
  const target: CamTarget = {
    output: o.output,
    needsForward: o.classes === 'auto',
    description: `${o.output} class ${Array.isArray(o.classes) ? `[${o.classes.join(',')}]` : String(o.classes)}`,
    seed(outputs, dims) {
      // an explicit class needs no forward values: a zero tensor of the output's dims will do
      const t = outputs[o.output] ?? tensor('float32', dims);
      const seed = tensor('float32', dims);
      const { width } = rows(seed);
      classesOf(t).forEach((c, b) => ((seed.data as Float32Array)[b * width + c] = 1));
      return seed;
    },
    score(outputs) {
      const t = need(outputs, o.output);
      const { width } = rows(t);
      return Float64Array.from(classesOf(t), (c, b) => (o.score === 'logit' ? Number(t.data[b * width + c]) : softmaxAt(t.data, b * width, width, c)));
    },
    value: (outputs) => seededValue(target, outputs),
    freeze: (outputs) => (o.classes === 'auto' ? classTarget({ ...o, classes: classesOf(need(outputs, o.output)) }) : target),
    select(b) {
      if (o.classes === 'auto') throw new GradlocError('BAD_INPUT', 'select() needs a frozen target (classes resolved)');
      return classTarget({ ...o, classes: typeof o.classes === 'number' ? o.classes : o.classes[b] });
    },
  };
  return target;
}

/** One element of every batch item's slice of an output (`index` excludes the batch axis). */
export function elementTarget(output: string, index: readonly number[]): CamTarget {
  const flatOf = (dims: readonly number[]): number => {
    const inner = dims.slice(1);
    if (inner.length !== index.length) throw new GradlocError('BAD_INPUT', `index [${index.join(',')}] needs ${inner.length} entries for '${output}' [${dims.join(',')}] (batch axis excluded)`);
    let flat = 0;
    index.forEach((v, i) => {
      const a = v < 0 ? v + inner[i] : v;
      if (!Number.isInteger(a) || a < 0 || a >= inner[i]) throw new GradlocError('BAD_INPUT', `index [${index.join(',')}] is out of range for '${output}' [${dims.join(',')}]`);
      flat = flat * inner[i] + a;
    });
    return flat;
  };
  return linearTarget(output, `${output}[*,${index.join(',')}]`, (dims) => {
    const seed = tensor('float32', dims);
    const { batch, width } = rows(seed);
    const k = flatOf(dims);
    for (let b = 0; b < batch; b++) (seed.data as Float32Array)[b * width + k] = 1;
    return seed;
  });
}

/**
 * A caller-given seed: the score is <seed, output> per batch item (a linear functional).
 * A seed with batch 1 applies to every item.
 */
export function seedTarget(output: string, seed: Tensor): CamTarget {
  const f32 = Float32Array.from(seed.data as ArrayLike<number>, Number);
  const perItem = seed.dims[0] === 0 ? 0 : f32.length / seed.dims[0];
  return linearTarget(
    output,
    `${output} with a given seed`,
    (dims) => {
      const sameInner = dims.length === seed.dims.length && dims.every((d, i) => i === 0 || d === seed.dims[i]);
      if (!sameInner || (seed.dims[0] !== dims[0] && seed.dims[0] !== 1)) {
        throw new GradlocError('SHAPE_MISMATCH', `seed dims [${seed.dims.join(',')}] do not fit '${output}' [${dims.join(',')}]`);
      }
      if (seed.dims[0] === dims[0]) return tensor('float32', dims, f32);
      const out = tensor('float32', dims);
      for (let b = 0; b < dims[0]; b++) (out.data as Float32Array).set(f32, b * perItem);
      return out;
    },
    (b) => (seed.dims[0] === 1 ? undefined : seedTarget(output, tensor('float32', [1, ...seed.dims.slice(1)], f32.slice(b * perItem, (b + 1) * perItem)))),
  );
}

/**
 * Similarity of an embedding output [B, E] with a reference vector [E] (e.g. a text
 * embedding for an image tower): score = <embedding_b, reference>. For L2-normalised
 * embeddings this is the cosine similarity.
 */
export function similarityTarget(output: string, reference: ArrayLike<number>): CamTarget {
  const ref = Float32Array.from(reference);
  return linearTarget(output, `${output} . reference[${ref.length}]`, (dims) => {
    const seed = tensor('float32', dims);
    const { batch, width } = rows(seed);
    if (width !== ref.length) throw new GradlocError('SHAPE_MISMATCH', `reference has ${ref.length} entries, '${output}' rows have ${width}`);
    for (let b = 0; b < batch; b++) (seed.data as Float32Array).set(ref, b * width);
    return seed;
  });
}
