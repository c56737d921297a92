/**
 * The FP16 outliers as a sparse correction of the product: Y += X[:, k_i] * v_i scattered
 * into column n_i. Only the nnz input columns the outliers read are gathered, so the cost is
 * O(M * nnz) and the weight matrix is never densified.
 *
 * Several outliers can share an output column; ScatterElements with reduction 'add'
 * (opset >= 16) sums them. Older opsets have no reduction and leave duplicate indices
 * undefined, so there the outliers are split into rounds with distinct columns (round r
 * holds the r-th outlier of every column) and each round does gather + add + scatter.
 */
import { Emit, GradlocError, type GraphBuilder, tensor, type Tensor } from '@gradloc/tensor-backend';
import type { Outliers, QuantizedMatrix } from '../quant/types.js';
import type { OutlierStorage } from './storage.js';

const FLOAT = 1;
const INT64 = 7;
/** ScatterElements gained `reduction` in opset 16. */
const SCATTER_ADD_OPSET = 16;
const MIN_OUTLIER_OPSET = 11;

/** Indices fit uint16 when every index (< dim) is <= 65535. */
const indexBits = (dim: number): number => (dim <= 65536 ? 16 : 32);

function indexTensor(idx: ArrayLike<number>, dim: number): Tensor {
  return dim <= 65536 ? tensor('uint16', [idx.length], Uint16Array.from(idx)) : tensor('int32', [idx.length], Int32Array.from(idx));
}

export function outlierStorage(q: QuantizedMatrix): OutlierStorage {
  const nnz = q.outliers.value.length;
  return { outlierValueBits: nnz * 16, outlierIndexBits: nnz * (indexBits(q.K) + indexBits(q.N)) };
}

/** Splits outliers so that no output column repeats within a part (opset < 16 only). */
function rounds(o: Outliers): Outliers[] {
  const seen = new Map<number, number>();
  const parts: { k: number[]; n: number[]; v: number[] }[] = [];
  for (let i = 0; i < o.value.length; i++) {
    const r = seen.get(o.n[i]) ?? 0;
    seen.set(o.n[i], r + 1);
    parts[r] ??= { k: [], n: [], v: [] };
    parts[r].k.push(o.k[i]);
    parts[r].n.push(o.n[i]);
    parts[r].v.push(o.value[i]);
  }
  return parts.map((p) => ({ k: Uint32Array.from(p.k), n: Uint32Array.from(p.n), value: Uint16Array.from(p.v) }));
}

/**
 * Appends output = y + sparse(q.outliers) for x [..., K] and y = x W_dense [..., N] (any rank,
 * symbolic leading dims). Adds no node when there are no outliers: the caller then writes the
 * product straight to its final name.
 */
export function emitOutliers(b: GraphBuilder, q: QuantizedMatrix, x: string, y: string, output: string, hint: string): void {
  const { K, N } = q;
  if (q.outliers.value.length === 0) throw new GradlocError('BAD_INPUT', 'emitOutliers: no outliers to add');
  const opset = b.graph.opset('');
  if (opset < MIN_OUTLIER_OPSET) throw new GradlocError('UNSUPPORTED_OP', `the outlier correction needs opset >= ${MIN_OUTLIER_OPSET}, the model has ${opset}`);
  const e = new Emit(b, opset);
  const xf = e.reshape(x, [-1, K]);
  let yf = e.reshape(y, [-1, N]);
  const scatterAdd = opset >= SCATTER_ADD_OPSET;
  const parts = scatterAdd ? [q.outliers] : rounds(q.outliers);
  parts.forEach((o, r) => {
    const suffix = parts.length > 1 ? `_${r}` : '';
    const kIdx = e.cast(b.initializer(indexTensor(o.k, K), `${hint}.outlier_k${suffix}`), INT64);
    const nIdx = e.cast(b.initializer(indexTensor(o.n, N), `${hint}.outlier_n${suffix}`), INT64);
    const values = e.cast(b.initializer(tensor('float16', [o.value.length], o.value), `${hint}.outlier_values${suffix}`), FLOAT);
    const prod = b.op('Mul', [b.op('Gather', [xf, kIdx], { axis: 1 }), values]); // [M, nnz]
    const cols = b.op('Expand', [nIdx, b.op('Shape', [prod])]); // [M, nnz]
    if (scatterAdd) {
      yf = b.op('ScatterElements', [yf, cols, prod], { axis: 1, reduction: 'add' });
    } else {
      const sum = b.op('Add', [b.op('GatherElements', [yf, cols], { axis: 1 }), prod]);
      yf = b.op('ScatterElements', [yf, cols, sum], { axis: 1 });
    }
  });
  b.op('Reshape', [yf, b.op('Shape', [y])], {}, { outputs: [output] });
}
