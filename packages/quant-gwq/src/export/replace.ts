/**
 * Entry point of the export: swaps one MatMul(X, W) for its quantized form, in place.
 * The replacement writes the original output name, so consumers and graph outputs are
 * untouched, and its nodes take the replaced node's position in the node list.
 */
import { dtypeFromOnnx, GradlocError, type Graph, type Node } from '@gradloc/tensor-backend';
import type { QuantizedMatrix } from '../quant/types.js';
import { validateQuantized } from '../quant/validate.js';
import { emitInt8MatMul, int8Refusal, int8Storage } from './int8.js';
import { emitMatMulNBits, NBITS_BITS, nbitsStorage, nbitsSupports } from './matmul-nbits.js';
import { emitOutliers, outlierStorage } from './outliers.js';
import { dropUnusedInitializers, spliceReplace } from './splice.js';
import { totalStorage, type Storage } from './storage.js';
import { emitUnpackedWeight, unpackStorage } from './unpack.js';

/**
 * 'int8': the weight rounded to int8 at export, stored so and computed by onnxruntime's
 * integer GEMM (int8.ts); 'nbits': com.microsoft MatMulNBits; 'unpack': standard ops, folded
 * to a float weight at session start; 'packed': nbits when it can hold q, else unpack (the
 * smallest files); 'auto' (the default): int8 for codes of up to 4 bits at opset >= 11, else
 * packed. Why int8 by default: on brown-gpt it is the form onnxruntime runs fastest (below
 * FP32 at M = 1 and 64, where MatMulNBits is slower than FP32) and the one a session holds in
 * the least memory; it stores a byte a weight (README, Benchmark). Codes of 5+ bits keep
 * their own grid: a per-column int8 grid is not finer than theirs.
 */
export type ExportFormat = 'auto' | 'packed' | 'int8' | 'nbits' | 'unpack';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['auto', 'packed', 'int8', 'nbits', 'unpack'];
export type ResolvedFormat = Exclude<ExportFormat, 'auto' | 'packed'>;
/** 'auto' picks int8 for codes of at most this many bits. */
const AUTO_INT8_MAX_BITS = 4;

export interface ReplaceOptions {
  readonly format?: ExportFormat;
  /** MatMulNBits accuracy_level (0 = unset and 1 = fp32 compute; 4 quantizes X to int8). */
  readonly accuracyLevel?: number;
}

/** The form q is written in; `opset`: the model's (int8 needs 11). */
export function resolveFormat(q: Pick<QuantizedMatrix, 'bits' | 'group'>, format: ExportFormat = 'auto', opset = Number.POSITIVE_INFINITY): ResolvedFormat {
  if (format === 'unpack' || format === 'int8') return format;
  if (format === 'auto' && q.bits <= AUTO_INT8_MAX_BITS && int8Refusal(opset) === undefined) return 'int8';
  if (nbitsSupports(q)) return 'nbits';
  if (format === 'nbits') {
    throw new GradlocError(
      'BAD_INPUT',
      `MatMulNBits cannot hold ${q.bits}-bit codes in groups of ${q.group}: onnxruntime's CPU kernel takes bits ${NBITS_BITS.join('/')} and power-of-two groups >= 16`,
    );
  }
  return 'unpack';
}

/** Bits the chosen format stores for q (see storage.ts for what is counted). */
export function storageOf(q: QuantizedMatrix, format: ExportFormat = 'auto', opset?: number): Storage {
  const resolved = resolveFormat(q, format, opset);
  // int8 writes the outliers into its bytes: nothing stored apart
  if (resolved === 'int8') return totalStorage(q.K, q.N, int8Storage(q), { outlierValueBits: 0, outlierIndexBits: 0 });
  return totalStorage(q.K, q.N, resolved === 'nbits' ? nbitsStorage(q) : unpackStorage(q), outlierStorage(q));
}

/** Replaces `node` = MatMul(X, W), W a float32 initializer [K, N], by the quantized q of W. */
export function replaceMatMul(graph: Graph, node: Node, q: QuantizedMatrix, opts: ReplaceOptions = {}): void {
  if (node.op !== 'MatMul' || node.domain !== '') throw new GradlocError('BAD_INPUT', `${node.describe()} is not a MatMul`);
  const [x, w] = node.inputs;
  const y = node.outputs[0];
  const wt = graph.initializers.get(w);
  if (!wt) throw new GradlocError('BAD_INPUT', `${node.describe()}: its weight '${w}' is not an initializer`);
  const dims = wt.dims.map(Number);
  if (dims.length !== 2 || dims[0] !== q.K || dims[1] !== q.N) {
    throw new GradlocError('SHAPE_MISMATCH', `${node.describe()}: weight '${w}' is [${dims.join(', ')}], the quantized matrix is [${q.K}, ${q.N}]`);
  }
  const dtype = dtypeFromOnnx(wt.data_type ?? 1);
  if (dtype !== 'float32') throw new GradlocError('DTYPE_MISMATCH', `${node.describe()}: weight '${w}' is ${dtype}, only float32 weights are quantized`);
  validateQuantized(q);
  const format = resolveFormat(q, opts.format, graph.opset(''));
  const outliers = q.outliers.value.length > 0;
  if (format === 'int8') {
    spliceReplace(graph, node, (b) => emitInt8MatMul(b, q, x, y, w, node.name || undefined));
    dropUnusedInitializers(graph, [w]);
    return;
  }
  spliceReplace(graph, node, (b) => {
    const dense = outliers ? b.fresh(`${y}.dense`) : y;
    const name = node.name || undefined;
    if (format === 'nbits') emitMatMulNBits(b, q, x, dense, w, opts.accuracyLevel ?? 0, name);
    else b.node('MatMul', [x, emitUnpackedWeight(b, q, w)], {}, { outputs: [dense], name });
    if (outliers) emitOutliers(b, q, x, dense, y, w);
  });
  dropUnusedInitializers(graph, [w]);
}
