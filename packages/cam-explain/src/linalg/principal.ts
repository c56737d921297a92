/**
 * The first principal component projection EigenCAM uses (pytorch-grad-cam's
 * `get_2d_projection`): rows = spatial positions, columns = channels, columns centred, then
 * each position projected on the top right singular vector. Computed by power iteration on
 * the smaller Gram matrix (K x K or n x n), in float64.
 *
 * An SVD fixes a singular vector only up to sign, so pytorch-grad-cam's maps can come out
 * negated (and then ReLU leaves the background). We pick the sign whose projection correlates
 * positively with the positions' summed (uncentred) values, so bright means "more of what the
 * layer responds to".
 */

const MAX_ITERATIONS = 1000;
const TOLERANCE = 1e-12;

/** Top eigenvector of a symmetric PSD matrix [m, m] (row-major) by power iteration. */
function topEigenvector(a: Float64Array, m: number): Float64Array {
  let v = new Float64Array(m);
  // deterministic, and not orthogonal to the top eigenvector in any realistic case
  for (let i = 0; i < m; i++) v[i] = 1 + ((i * 7919) % 13) / 100;
  let norm = Math.hypot(...v);
  for (let i = 0; i < m; i++) v[i] /= norm;
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    const w = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let s = 0;
      const row = i * m;
      for (let j = 0; j < m; j++) s += a[row + j] * v[j];
      w[i] = s;
    }
    norm = 0;
    for (let i = 0; i < m; i++) norm += w[i] * w[i];
    norm = Math.sqrt(norm);
    if (norm === 0) return v;
    let delta = 0;
    for (let i = 0; i < m; i++) {
      w[i] /= norm;
      delta = Math.max(delta, Math.abs(w[i] - v[i]));
    }
    v = w;
    if (delta < TOLERANCE) break;
  }
  return v;
}

/**
 * `data` is [K, n] (channels x positions, the CAM layout). Returns the n projections on the
 * first principal component of the positions.
 */
export function principalProjection(data: ArrayLike<number>, channels: number, positions: number): Float32Array {
  const K = channels;
  const n = positions;
  // X[p, k] centred over p
  const x = new Float64Array(n * K);
  for (let k = 0; k < K; k++) {
    let mean = 0;
    for (let p = 0; p < n; p++) mean += Number.isNaN(data[k * n + p]) ? 0 : data[k * n + p];
    mean /= n;
    for (let p = 0; p < n; p++) x[p * K + k] = (Number.isNaN(data[k * n + p]) ? 0 : data[k * n + p]) - mean;
  }
  const projection = new Float64Array(n);
  if (K <= n) {
    const gram = new Float64Array(K * K);
    for (let p = 0; p < n; p++) {
      const row = p * K;
      for (let i = 0; i < K; i++) {
        const xi = x[row + i];
        if (xi === 0) continue;
        for (let j = 0; j < K; j++) gram[i * K + j] += xi * x[row + j];
      }
    }
    const v = topEigenvector(gram, K);
    for (let p = 0; p < n; p++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x[p * K + k] * v[k];
      projection[p] = s;
    }
  } else {
    const gram = new Float64Array(n * n);
    for (let p = 0; p < n; p++) {
      for (let q = p; q < n; q++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += x[p * K + k] * x[q * K + k];
        gram[p * n + q] = s;
        gram[q * n + p] = s;
      }
    }
    // top eigenvector u of X X^T has X v = sigma u, sigma = sqrt(u^T X X^T u)
    const u = topEigenvector(gram, n);
    let sigma2 = 0;
    for (let p = 0; p < n; p++) {
      let s = 0;
      for (let q = 0; q < n; q++) s += gram[p * n + q] * u[q];
      sigma2 += u[p] * s;
    }
    const sigma = Math.sqrt(Math.max(0, sigma2));
    for (let p = 0; p < n; p++) projection[p] = sigma * u[p];
  }
  let agreement = 0;
  for (let p = 0; p < n; p++) {
    let total = 0;
    for (let k = 0; k < K; k++) total += Number.isNaN(data[k * n + p]) ? 0 : data[k * n + p];
    agreement += total * projection[p];
  }
  const sign = agreement < 0 ? -1 : 1;
  return Float32Array.from(projection, (v) => sign * v);
}
