/**
 * The FP16 outliers as a correction of the product, in two forms chosen per input row k of W
 * (the cheaper one to store, which is also the faster one to run):
 * - dense rows: a row holding more than about N/3 outliers is stored whole in FP16 (zeros
 *   where the dense part holds the weight). All such rows make one small product,
 *   Y += X[..., rows] @ W_rows: a Gather and a [r, N] MatMul, which onnxruntime runs at
 *   dense-GEMM speed (`outlierUnit: 'channel'` selects whole rows, so every outlier lands here);
 * - sparse entries: Y += X[:, k_i] * v_i scattered into column n_i. Only the input columns
 *   the outliers read are gathered, so the cost is O(M * nnz) and W is never densified; but
 *   the scatter is slow in onnxruntime (README, Benchmark).
 *
 * Several sparse outliers can share an output column; ScatterElements with reduction 'add'
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
const VALUE_BITS = 16;

/** Indices fit uint16 when every index (< dim) is <= 65535. */
const indexBits = (dim: number): number => (dim <= 65536 ? 16 : 32);

function outlierIndexTensor(idx: ArrayLike<number>, dim: number): Tensor {
  return dim <= 65536 ? tensor('uint16', [idx.length], Uint16Array.from(idx)) : tensor('int32', [idx.length], Int32Array.from(idx));
}

/** The outliers split by storage form: whole FP16 rows [rows.length, N] and the remaining sparse entries. */
export interface OutlierLayout {
  /** Input rows stored densely, ascending. */
  readonly rows: Uint32Array;
  /** Row-major [rows.length, N] FP16 bit patterns (0 where the row has no outlier). */
  readonly rowValues: Uint16Array;
  readonly sparse: Outliers;
}

/** Each row in the form that stores fewer bits: sparse costs value + 2 indices per entry, dense N values + 1 index. */
export function outlierLayout(q: QuantizedMatrix): OutlierLayout {
  const { K, N } = q;
  const { k, n, value } = q.outliers;
  const perRow = new Uint32Array(K);
  for (let i = 0; i < k.length; i++) perRow[k[i]]++;
  const sparseBits = VALUE_BITS + indexBits(K) + indexBits(N);
  const denseBits = N * VALUE_BITS + indexBits(K);
  const slot = new Int32Array(K).fill(-1);
  const rows: number[] = [];
  for (let r = 0; r < K; r++) {
    if (perRow[r] > 0 && perRow[r] * sparseBits > denseBits) {
      slot[r] = rows.length;
      rows.push(r);
    }
  }
  const rowValues = new Uint16Array(rows.length * N);
  const rest: number[] = [];
  for (let i = 0; i < k.length; i++) {
    if (slot[k[i]] >= 0) rowValues[slot[k[i]] * N + n[i]] = value[i];
    else rest.push(i);
  }
  const pick = <T extends Uint32Array | Uint16Array>(a: T, make: (x: number[]) => T): T => make(rest.map((i) => a[i]));
  return {
    rows: Uint32Array.from(rows),
    rowValues,
    sparse: { k: pick(k, (x) => Uint32Array.from(x)), n: pick(n, (x) => Uint32Array.from(x)), value: pick(value, (x) => Uint16Array.from(x)) },
  };
}

export function outlierStorage(q: QuantizedMatrix): OutlierStorage {
  const { rows, sparse } = outlierLayout(q);
  const nnz = sparse.value.length;
  return {
    outlierValueBits: (rows.length * q.N + nnz) * VALUE_BITS,
    outlierIndexBits: rows.length * indexBits(q.K) + nnz * (indexBits(q.K) + indexBits(q.N)),
  };
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
 * The stored dense rows (the bits outlierStorage counts) as graph values: their input indices
 * (int64 [rows]) and FP16 values widened to float32 [rows, N]. Every form that reads outliers
 * reads them through this and emitStoredEntries, so all store the same initializers.
 */
export function emitStoredRows(b: GraphBuilder, e: Emit, q: QuantizedMatrix, l: OutlierLayout, hint: string): { idx: string; values: string } {
  return {
    idx: e.cast(b.initializer(outlierIndexTensor(l.rows, q.K), `${hint}.outlier_rows`), INT64),
    values: e.cast(b.initializer(tensor('float16', [l.rows.length, q.N], l.rowValues), `${hint}.outlier_row_values`), FLOAT),
  };
}

/** The stored sparse entries (o: all of them, or one round) as graph values: k, n (int64) and values (float32). */
export function emitStoredEntries(b: GraphBuilder, e: Emit, q: QuantizedMatrix, o: Outliers, hint: string, suffix = ''): { k: string; n: string; values: string } {
  return {
    k: e.cast(b.initializer(outlierIndexTensor(o.k, q.K), `${hint}.outlier_k${suffix}`), INT64),
    n: e.cast(b.initializer(outlierIndexTensor(o.n, q.N), `${hint}.outlier_n${suffix}`), INT64),
    values: e.cast(b.initializer(tensor('float16', [o.value.length], o.value), `${hint}.outlier_values${suffix}`), FLOAT),
  };
}

/** out = y [..., N] + X[..., rows] @ W_rows (any rank, symbolic leading dims); out is fresh unless given. */
function emitDenseRows(b: GraphBuilder, e: Emit, q: QuantizedMatrix, l: OutlierLayout, x: string, y: string, hint: string, out?: string): string {
  const { idx, values: w } = emitStoredRows(b, e, q, l, hint);
  return b.op('Add', [y, e.matmul(b.op('Gather', [x, idx], { axis: -1 }), w)], {}, out ? { outputs: [out] } : {});
}

/** y [M, N] + the sparse entries, scattered (x and y flattened to 2-D by the caller). */
function emitSparse(b: GraphBuilder, e: Emit, q: QuantizedMatrix, o: Outliers, xf: string, yf: string, hint: string): string {
  const scatterAdd = b.graph.opset('') >= SCATTER_ADD_OPSET;
  const parts = scatterAdd ? [o] : rounds(o);
  parts.forEach((p, r) => {
    const suffix = parts.length > 1 ? `_${r}` : '';
    const { k: kIdx, n: nIdx, values } = emitStoredEntries(b, e, q, p, hint, suffix);
    const prod = b.op('Mul', [b.op('Gather', [xf, kIdx], { axis: 1 }), values]); // [M, nnz]
    const cols = b.op('Expand', [nIdx, b.op('Shape', [prod])]); // [M, nnz]
    if (scatterAdd) {
      yf = b.op('ScatterElements', [yf, cols, prod], { axis: 1, reduction: 'add' });
    } else {
      const sum = b.op('Add', [b.op('GatherElements', [yf, cols], { axis: 1 }), prod]);
      yf = b.op('ScatterElements', [yf, cols, sum], { axis: 1 });
    }
  });
  return yf;
}

/**
 * Appends output = y + outliers(q) for x [..., K] and y = x W_dense [..., N] (any rank,
 * symbolic leading dims). Callers add it only when there are outliers: otherwise the product
 * is written straight to its final name.
 */
export function emitOutliers(b: GraphBuilder, q: QuantizedMatrix, x: string, y: string, output: string, hint: string): void {
  if (q.outliers.value.length === 0) throw new GradlocError('BAD_INPUT', 'emitOutliers: no outliers to add');
  const opset = b.graph.opset('');
  if (opset < MIN_OUTLIER_OPSET) throw new GradlocError('UNSUPPORTED_OP', `the outlier correction needs opset >= ${MIN_OUTLIER_OPSET}, the model has ${opset}`);
  const e = new Emit(b, opset);
  const layout = outlierLayout(q);
  const sparse = layout.sparse.value.length > 0;
  const acc = layout.rows.length > 0 ? emitDenseRows(b, e, q, layout, x, y, hint, sparse ? undefined : output) : y;
  if (!sparse) return;
  const yf = emitSparse(b, e, q, layout.sparse, e.reshape(x, [-1, q.K]), e.reshape(acc, [-1, q.N]), hint);
  b.op('Reshape', [yf, b.op('Shape', [y])], {}, { outputs: [output] });
}
