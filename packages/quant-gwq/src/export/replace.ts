/**
 * Entry point of the export: swaps one MatMul(X, W) for its quantized form, in place.
 * The replacement writes the original output name, so consumers and graph outputs are
 * untouched, and its nodes take the replaced node's position in the node list.
 */
import { dtypeFromOnnx, GradlocError, type Graph, type Node } from '@gradloc/tensor-backend';
import type { QuantizedMatrix } from '../quant/types.js';
import { validateQuantized } from '../quant/validate.js';
import { emitInt8MatMul } from './int8.js';
import { emitMatMulNBits, NBITS_BITS, nbitsStorage, nbitsSupports } from './matmul-nbits.js';
import { emitOutliers, outlierStorage } from './outliers.js';
import { dropUnusedInitializers, spliceReplace } from './splice.js';
import { totalStorage, type Storage } from './storage.js';
import { emitUnpackedWeight, unpackStorage } from './unpack.js';

/**
 * 'int8': stored like 'unpack', computed by onnxruntime's integer GEMM (int8.ts);
 * 'nbits': com.microsoft MatMulNBits; 'unpack': standard ops, folded to a float weight at
 * session start; 'auto': nbits when it can hold q, else unpack.
 */
export type ExportFormat = 'auto' | 'int8' | 'nbits' | 'unpack';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['auto', 'int8', 'nbits', 'unpack'];
export type ResolvedFormat = Exclude<ExportFormat, 'auto'>;

export interface ReplaceOptions {
  readonly format?: ExportFormat;
  /** MatMulNBits accuracy_level (0 = unset and 1 = fp32 compute; 4 quantizes X to int8). */
  readonly accuracyLevel?: number;
}

export function resolveFormat(q: Pick<QuantizedMatrix, 'bits' | 'group'>, format: ExportFormat = 'auto'): ResolvedFormat {
  if (format === 'unpack' || format === 'int8') return format;
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
export function storageOf(q: QuantizedMatrix, format: ExportFormat = 'auto'): Storage {
  // int8 stores what unpack stores; only the graph after the initializers differs
  const dense = resolveFormat(q, format) === 'nbits' ? nbitsStorage(q) : unpackStorage(q);
  return totalStorage(q.K, q.N, dense, outlierStorage(q));
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
  const format = resolveFormat(q, opts.format);
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
