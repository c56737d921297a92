/**
 * The quantizers on matrices small enough to work by hand, GPTQ against RTN, and the outlier
 * selection. Expected values are derived in the comments (FP16 roundings by hand) or by a
 * plain computation in the test (sorting, float64 products), never through the code under test.
 */
import { GradlocError, normal, rng } from '@gradloc/tensor-backend';
import { describe, expect, it } from 'vitest';
import { dequantize } from '../src/quant/dequantize.js';
import { quantizeGptq } from '../src/quant/gptq.js';
import { dequantizeCode, groupParams } from '../src/quant/group-params.js';
import { outlierMask, type MaskInput } from '../src/quant/methods.js';
import { quantizeRtn } from '../src/quant/rtn.js';
import { outlierCount, randomMask, topMask } from '../src/quant/select-outliers.js';
import type { Bits, QuantizedMatrix } from '../src/quant/types.js';
import type { QuantSpec } from '../src/quant/spec.js';
import { fromHalfBits, roundHalf } from '../src/quant/half.js';

const spec = (bits: Bits, group: number): QuantSpec => ({ bits, group });
const randn = (r: () => number, n: number, std = 1): Float32Array => Float32Array.from({ length: n }, () => std * normal(r));

describe('groupParams: hand-worked', () => {
  it('an all-positive range is widened to 0: [0.2, 0.8] at 2 bits', () => {
    // range [0, 0.8], scale = fp16(0.8 / 3 = 0.2667) = (1 + 68/1024) / 4 = 1092/4096 (68.27 -> 68)
    expect(groupParams(0.2, 0.8, 2)).toEqual({ scale: 1092 / 4096, zero: 0 });
  });

  it('an all-negative range is widened to 0: [-0.9, -0.3] at 3 bits', () => {
    // range [-0.9, 0], scale = fp16(0.9 / 7 = 0.128571) = (1 + 29/1024) / 8 = 1053/8192 (29.26 -> 29)
    // zero = round(0.9 / 0.12854) = round(7.0017) = 7
    expect(groupParams(-0.9, -0.3, 3)).toEqual({ scale: 1053 / 8192, zero: 7 });
  });

  it('a straddling range: [-0.25, 0.5] at 2 bits -> scale 0.25, zero 1', () => {
    expect(groupParams(-0.25, 0.5, 2)).toEqual({ scale: 0.25, zero: 1 });
  });

  it('an all-zero group: scale 1, zero 0 (zero represented exactly)', () => {
    for (const bits of [2, 3, 4, 8]) expect(groupParams(0, 0, bits)).toEqual({ scale: 1, zero: 0 });
  });

  it('the grid always contains 0 exactly and covers [min(lo,0), max(hi,0)] to within half a step', () => {
    const r = rng(3);
    for (let i = 0; i < 2000; i++) {
      const bits = [2, 3, 4, 8][i % 4];
      const maxq = 2 ** bits - 1;
      const a = (r() - 0.3) * 10 ** (2 * r() - 1);
      const b = (r() - 0.3) * 10 ** (2 * r() - 1);
      const [lo, hi] = a < b ? [a, b] : [b, a];
      const p = groupParams(lo, hi, bits);
      expect(Number.isInteger(p.zero) && p.zero >= 0 && p.zero <= maxq).toBe(true);
      expect(roundHalf(p.scale)).toBe(p.scale); // FP16-representable
      expect(dequantizeCode(p.zero, p)).toBe(0);
      const min = Math.min(lo, 0);
      const max = Math.max(hi, 0);
      // exact step s = (max-min)/maxq puts the grid within s/2 of both ends; rounding s to FP16
      // (error <= 2^-11 s for a normal half, <= 2^-25 for a subnormal one) moves the far end of
      // the grid by at most maxq times that
      const s = (max - min) / maxq;
      const slack = p.scale / 2 + maxq * Math.max(s * 2 ** -11, 2 ** -25) * 1.01;
      expect(-p.zero * p.scale).toBeLessThanOrEqual(min + slack);
      expect((maxq - p.zero) * p.scale).toBeGreaterThanOrEqual(max - slack);
    }
  });
});

describe('quantizeRtn: hand-worked K=4, N=2, 2 bits, group 2', () => {
  // W [K=4, N=2], row-major:  column 0 = [0.5, -0.25, 1.0, 0.75], column 1 = [0.375, 0.375, 0, 0]
  const W = Float32Array.from([0.5, 0.375, -0.25, 0.375, 1.0, 0, 0.75, 0]);
  const q = quantizeRtn(W, 4, 2, spec(2, 2));
  const third = 1365 / 4096; // fp16(1/3): 1/3 = 1.0101010101|0101..b * 2^-2, rounds down

  it('scales and zero points', () => {
    // col 0, group 0 [0.5, -0.25]: scale 0.75/3 = 0.25, zero round(0.25/0.25) = 1
    // col 0, group 1 [1.0, 0.75]: range [0, 1], scale fp16(1/3), zero 0
    // col 1, group 0 [0.375, 0.375] (constant): range [0, 0.375], scale 0.125, zero 0
    // col 1, group 1 [0, 0] (all zero): scale 1, zero 0
    expect(Array.from(q.scales)).toEqual([0.25, third, 0.125, 1]);
    expect(Array.from(q.zeros)).toEqual([1, 0, 0, 0]);
  });

  it('codes (output-major n*K + k)', () => {
    // col 0: 0.5/0.25+1 = 3, -0.25/0.25+1 = 0, 1/third = 3.0007 -> 3, 0.75/third = 2.2505 -> 2
    // col 1: 0.375/0.125 = 3, 3, 0, 0
    expect(Array.from(q.codes)).toEqual([3, 0, 3, 2, 3, 3, 0, 0]);
    expect(q.outliers.k.length).toBe(0);
  });

  it('dequantizes to the hand values; the constant and the all-zero group exactly', () => {
    const w = dequantize(q);
    // row-major: [0.5, 0.375], [-0.25, 0.375], [3 * third, 0], [2 * third, 0]
    expect(Array.from(w)).toEqual([0.5, 0.375, -0.25, 0.375, 3 * third, 0, 2 * third, 0]);
  });

  it('a ragged last group (K=5, group 2): the single-row group has its own parameters', () => {
    const q5 = quantizeRtn(Float32Array.from([0.5, -0.25, 1, 0.75, -0.75]), 5, 1, spec(2, 2));
    // group 2 = [-0.75]: range [-0.75, 0], scale 0.25, zero 3, code 0
    expect(Array.from(q5.scales)).toEqual([0.25, third, 0.25]);
    expect(Array.from(q5.zeros)).toEqual([1, 0, 3]);
    expect(Array.from(q5.codes)).toEqual([3, 0, 3, 2, 0]);
    expect(dequantize(q5)[4]).toBe(-0.75);
  });

  it('a constant group reproduces its value up to the FP16 rounding of the scale (exactly when c/(2^b-1) is FP16)', () => {
    // c > 0: range [0, c], code 2^b-1, value (2^b-1) * fp16(c/(2^b-1)): relative error <= 2^-11
    const r = rng(8);
    for (let i = 0; i < 200; i++) {
      const bits = ([2, 3, 4, 8] as const)[i % 4];
      const c = (r() < 0.5 ? -1 : 1) * (0.1 + 10 * r()); // c / 255 stays a normal half
      const w = dequantize(quantizeRtn(new Float32Array(16).fill(c), 16, 1, spec(bits, 16)));
      const cf = Math.fround(c);
      for (const v of w) expect(Math.abs(v - cf)).toBeLessThanOrEqual(cf * Math.sign(cf) * 2 ** -11);
      expect(new Set(w).size).toBe(1);
    }
    for (const c of [0.375, -0.75, 3 * 2 ** -9]) {
      expect(Array.from(dequantize(quantizeRtn(new Float32Array(4).fill(c), 4, 1, spec(2, 4))))).toEqual([c, c, c, c]);
    }
  });
});

describe('quantizeRtn with outliers', () => {
  // one column [0.5, -0.25, 100.03, 0.25], group 4, 2 bits; k=2 is the outlier
  const W = Float32Array.from([0.5, -0.25, 100.03, 0.25]);
  const mask = Uint8Array.from([0, 0, 1, 0]);

  it('the outlier does not widen the range; its code is the zero point; its value is fp16(w)', () => {
    const q = quantizeRtn(W, 4, 1, spec(2, 4), mask);
    // kept values [-0.25, 0.5]: scale 0.25, zero 1; codes 3, 0, (zero) 1, 2
    expect(Array.from(q.scales)).toEqual([0.25]);
    expect(Array.from(q.zeros)).toEqual([1]);
    expect(Array.from(q.codes)).toEqual([3, 0, 1, 2]);
    // fp16 spacing on [64, 128) is 2^-4: 100.03 / 0.0625 = 1600.48 -> 100.0 = 1.5625 * 2^6
    // = exponent 21 (0b10101), mantissa 576 (0x240) -> 0x5640
    expect(Array.from(q.outliers.k)).toEqual([2]);
    expect(Array.from(q.outliers.n)).toEqual([0]);
    expect(Array.from(q.outliers.value)).toEqual([0x5640]);
    expect(Array.from(dequantize(q))).toEqual([0.5, -0.25, 100, 0.25]);
    // without the mask the outlier sets the step: fp16(100.28 / 3) = 33.4375
    const plain = quantizeRtn(W, 4, 1, spec(2, 4));
    expect(plain.scales[0]).toBeGreaterThan(33);
  });

  it('random matrix: dequantize is exactly fp16(w) at outliers, within the kept range elsewhere', () => {
    const r = rng(11);
    const K = 48;
    const N = 5;
    const W = randn(r, K * N);
    const mask = new Uint8Array(K * N);
    for (let i = 0; i < 12; i++) {
      const p = Math.floor(r() * K * N);
      mask[p] = 1;
      W[p] = 30 * (r() - 0.5) + 20;
    }
    const q = quantizeRtn(W, K, N, spec(3, 16), mask);
    const w = dequantize(q);
    const G = 3;
    for (let n = 0; n < N; n++) {
      for (let g = 0; g < G; g++) {
        const kept: number[] = [];
        for (let k = g * 16; k < g * 16 + 16; k++) if (!mask[k * N + n]) kept.push(W[k * N + n]);
        const step = (Math.max(0, ...kept) - Math.min(0, ...kept)) / 7;
        expect(Math.abs(q.scales[n * G + g] - step)).toBeLessThanOrEqual(step * 2 ** -11);
        for (let k = g * 16; k < g * 16 + 16; k++) {
          const i = k * N + n;
          if (mask[i]) {
            expect(w[i]).toBe(roundHalf(W[i]));
            expect(q.codes[n * K + k]).toBe(q.zeros[n * G + g]);
          } else expect(Math.abs(w[i] - W[i])).toBeLessThanOrEqual(step * (0.5 + 7 * 2 ** -10));
        }
      }
    }
    // outliers listed by n, then k
    const listed = Array.from(q.outliers.n, (n, i) => n * K + q.outliers.k[i]);
    const expected: number[] = [];
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) if (mask[k * N + n]) expected.push(n * K + k);
    expect(listed).toEqual(expected);
  });
});

/** ||X W - X Wq||_F in float64; X [M, K] row-major. */
function outputError(X: Float64Array, M: number, K: number, N: number, W: Float32Array, q: QuantizedMatrix): number {
  const w = dequantize(q);
  let ss = 0;
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let d = 0;
      for (let k = 0; k < K; k++) d += X[m * K + k] * (W[k * N + n] - w[k * N + n]);
      ss += d * d;
    }
  }
  return Math.sqrt(ss);
}

/** X [M, K] with strongly correlated columns: 6 latent factors mixed into K features, plus noise. */
function correlatedX(seed: number, M: number, K: number): Float64Array {
  const r = rng(seed);
  const L = 6;
  const A = Float64Array.from({ length: L * K }, () => normal(r));
  const X = new Float64Array(M * K);
  for (let m = 0; m < M; m++) {
    const z = Array.from({ length: L }, () => normal(r));
    for (let k = 0; k < K; k++) {
      let s = 0.1 * normal(r);
      for (let l = 0; l < L; l++) s += z[l] * A[l * K + k];
      X[m * K + k] = s;
    }
  }
  return X;
}

function gram(X: Float64Array, M: number, K: number): Float64Array {
  const H = new Float64Array(K * K);
  for (let m = 0; m < M; m++) for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) H[i * K + j] += X[m * K + i] * X[m * K + j];
  return H;
}

describe('quantizeGptq', () => {
  it('with H = identity it is exactly RTN (codes, scales, zeros, outliers)', () => {
    // GPTQ spreads row k's error e_k over later rows j by e_k * U[k, j] / U[k, k], U the upper
    // Cholesky factor of H^-1. A diagonal H (plus its diagonal dampening) has a diagonal
    // inverse, so U is diagonal, every U[k, j] (j > k) is 0 and no weight is ever changed:
    // each row is rounded with the min-max parameters of the original values, i.e. RTN.
    const r = rng(21);
    const K = 64;
    const N = 8;
    const W = randn(r, K * N);
    const H = new Float64Array(K * K);
    for (let k = 0; k < K; k++) H[k * K + k] = 1;
    const mask = new Uint8Array(K * N);
    for (let i = 0; i < 10; i++) mask[Math.floor(r() * K * N)] = 1;
    for (const bits of [2, 3, 4, 8] as const) {
      for (const m of [undefined, mask]) {
        const a = quantizeGptq(W, K, N, spec(bits, 16), H, m);
        const b = quantizeRtn(W, K, N, spec(bits, 16), m);
        expect(a.codes).toEqual(b.codes);
        expect(a.scales).toEqual(b.scales);
        expect(a.zeros).toEqual(b.zeros);
        expect(a.outliers).toEqual(b.outliers);
      }
    }
  });

  const M = 256;
  const K = 64;
  const N = 16;
  const X = correlatedX(31, M, K);
  const H = gram(X, M, K);
  const W = randn(rng(32), K * N);

  for (const bits of [3, 4] as const) {
    it(`on correlated activations its output error ||XW - XWq|| is below RTN's (${bits} bits)`, () => {
      const eG = outputError(X, M, K, N, W, quantizeGptq(W, K, N, spec(bits, 32), H));
      const eR = outputError(X, M, K, N, W, quantizeRtn(W, K, N, spec(bits, 32)));
      console.log(`${bits} bits: GPTQ ${eG.toFixed(3)} vs RTN ${eR.toFixed(3)}`);
      expect(eG).toBeLessThan(0.8 * eR);
    });
  }

  it('keeps masked outliers: positions as masked, codes at the zero point, values near w', () => {
    const Wo = Float32Array.from(W);
    const mask = new Uint8Array(K * N);
    const r = rng(33);
    for (let i = 0; i < 8; i++) {
      const p = i === 0 ? 3 : Math.floor(r() * K * N); // one in row k = 0 (nothing compensated before it)
      mask[p] = 1;
      Wo[p] = (r() < 0.5 ? -1 : 1) * (30 + 20 * r());
    }
    const q = quantizeGptq(Wo, K, N, spec(3, 32), H, mask);
    const w = dequantize(q);
    const G = 2;
    const positions: number[] = [];
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) if (mask[k * N + n]) positions.push(k * N + n);
    expect(Array.from(q.outliers.k, (k, i) => k * N + q.outliers.n[i])).toEqual(positions);
    for (const p of positions) {
      const k = Math.floor(p / N);
      const n = p % N;
      expect(q.codes[n * K + k]).toBe(q.zeros[n * G + Math.floor(k / 32)]);
      // the kept value is the compensated weight: close to the original (compensation is of
      // the order of a quantization step of the N(0, 1) weights), exactly fp16(w) in row 0
      expect(Math.abs(w[p] - Wo[p])).toBeLessThan(2);
      if (k === 0) expect(w[p]).toBe(roundHalf(Wo[p]));
      expect(fromHalfBits(q.outliers.value[positions.indexOf(p)])).toBe(w[p]);
    }
    // keeping them is what makes the big weights cheap: without the mask they set the step
    const eMasked = outputError(X, M, K, N, Wo, q);
    const eUnmasked = outputError(X, M, K, N, Wo, quantizeGptq(Wo, K, N, spec(3, 32), H));
    expect(eMasked).toBeLessThan(0.5 * eUnmasked);
  });

  it('an input that never fires (H_kk = 0) gets weight 0', () => {
    const X2 = Float64Array.from(X);
    for (let m = 0; m < M; m++) X2[m * K + 5] = 0;
    const w = dequantize(quantizeGptq(W, K, N, spec(4, 32), gram(X2, M, K)));
    for (let n = 0; n < N; n++) expect(w[5 * N + n]).toBe(0);
  });
});

/** Reference top-count selection: sort indices by (score desc, NaN last, index asc). */
function referenceTop(score: ArrayLike<number>, count: number): Uint8Array {
  const idx = Array.from({ length: score.length }, (_, i) => i);
  const rank = (v: number): number => (Number.isNaN(v) ? -Infinity : v);
  idx.sort((a, b) => {
    const na = Number.isNaN(score[a]);
    const nb = Number.isNaN(score[b]);
    if (na !== nb) return na ? 1 : -1;
    return rank(score[b]) - rank(score[a]) || a - b;
  });
  const mask = new Uint8Array(score.length);
  for (const i of idx.slice(0, Math.max(0, count))) mask[i] = 1;
  return mask;
}

describe('outlier selection', () => {
  it('topMask picks exactly the count largest; ties by lower index; NaN lowest', () => {
    const r = rng(41);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + Math.floor(r() * 300);
      // few distinct values, so there are many ties, plus some NaN
      const score = Float64Array.from({ length: n }, () => (r() < 0.1 ? NaN : Math.floor(r() * 7) / 3));
      for (const count of [0, 1, Math.floor(n / 3), n - 1, n, n + 5]) {
        const got = topMask(trial % 2 ? Float32Array.from(score) : score, count);
        expect(Array.from(got)).toEqual(Array.from(referenceTop(score, count)));
        expect(got.reduce((a, b) => a + b, 0)).toBe(Math.min(Math.max(count, 0), n));
      }
    }
  });

  it('topMask hand cases', () => {
    expect(Array.from(topMask(Float64Array.from([1, 3, 3, 2, 3]), 2))).toEqual([0, 1, 1, 0, 0]);
    expect(Array.from(topMask(Float64Array.from([NaN, 0, NaN, 0.5]), 3))).toEqual([1, 1, 0, 1]);
    expect(Array.from(topMask(Float64Array.from([NaN, NaN]), 1))).toEqual([1, 0]);
  });

  it('randomMask: exactly count distinct positions, deterministic per seed, roughly uniform', () => {
    for (const [size, count] of [
      [100, 0],
      [100, 1],
      [100, 37],
      [100, 100],
      [1, 1],
    ]) {
      const a = randomMask(size, count, 5);
      expect(a.length).toBe(size);
      expect(a.every((v) => v === 0 || v === 1)).toBe(true);
      expect(a.reduce((s, v) => s + v, 0)).toBe(count);
      expect(randomMask(size, count, 5)).toEqual(a);
    }
    expect(randomMask(100, 37, 5)).not.toEqual(randomMask(100, 37, 6));
    // each position is drawn with probability count/size: 4000 draws of 5 of 20 -> 1000 each,
    // binomial sd sqrt(4000 * 0.25 * 0.75) = 27; 150 is > 5 sd
    const hits = new Array<number>(20).fill(0);
    for (let s = 0; s < 4000; s++) randomMask(20, 5, s).forEach((v, i) => (hits[i] += v));
    for (const h of hits) expect(Math.abs(h - 1000)).toBeLessThan(150);
  });

  it('outlierCount rounds size * fraction to nearest', () => {
    expect(outlierCount(1000, 0.01)).toBe(10);
    expect(outlierCount(12, 0.125)).toBe(2); // 1.5
    expect(outlierCount(4, 0.125)).toBe(1); // 0.5
    expect(outlierCount(10, 0.26)).toBe(3); // 2.6
    expect(outlierCount(10, 0.24)).toBe(2); // 2.4
    expect(outlierCount(1000, 0.0004)).toBe(0);
    expect(outlierCount(7, 0)).toBe(0);
  });
});

describe('outlierMask per method', () => {
  // W [K=2, N=2] row-major: k0 = [3, 0.5], k1 = [1, 2]
  const W = Float32Array.from([3, 0.5, 1, 2]);
  const base: MaskInput = { method: 'magnitude', sensitivity: 'gradient', W, K: 2, N: 2, fraction: 0.25, unit: 'weight', seed: 1 };
  const ones = (m: Uint8Array | undefined): number[] => Array.from(m ?? [], (v, i) => (v ? i : -1)).filter((i) => i >= 0);

  it('magnitude: the largest |w|', () => {
    expect(ones(outlierMask(base))).toEqual([0]); // |3|
    expect(ones(outlierMask({ ...base, fraction: 0.5 }))).toEqual([0, 3]); // 3, 2
    expect(ones(outlierMask({ ...base, W: Float32Array.from([-3, 0.5, 1, -4]) }))).toEqual([3]);
  });

  it('hessian: the largest E[x_k^2] * w^2, not the largest |w|', () => {
    // rows 4, squares [0.04, 400]: E[x^2] = [0.01, 100]
    // scores: k0 = 0.01 * [9, 0.25] = [0.09, 0.0025], k1 = 100 * [1, 4] = [100, 400]
    const activation = { squares: Float64Array.from([0.04, 400]), rows: 4 };
    expect(ones(outlierMask({ ...base, method: 'hessian', activation }))).toEqual([3]);
    expect(ones(outlierMask({ ...base, method: 'hessian', activation, fraction: 0.5 }))).toEqual([2, 3]);
    // rows is what normalizes: the same ratio of squares picks the same positions
    expect(ones(outlierMask({ ...base, method: 'hessian', activation: { squares: Float64Array.from([1, 10000]), rows: 100 }, fraction: 0.5 }))).toEqual([2, 3]);
    expect(() => outlierMask({ ...base, method: 'hessian' })).toThrow(GradlocError);
  });

  it('gwq: gradient / abs-sum / fisher each score from their own statistic', () => {
    const grads = {
      grad: Float64Array.from([-5, 1, 0, 2]), // |.| largest at 0
      absGrad: Float64Array.from([5, 6, 1, 2]), // largest at 1
      sqGrad: Float64Array.from([25, 20, 30, 4]), // largest at 2
    };
    const g = { ...base, method: 'gwq' as const, grads };
    expect(ones(outlierMask({ ...g, sensitivity: 'gradient' }))).toEqual([0]);
    expect(ones(outlierMask({ ...g, sensitivity: 'abs-sum' }))).toEqual([1]);
    expect(ones(outlierMask({ ...g, sensitivity: 'fisher' }))).toEqual([2]);
    // none of them is the magnitude choice at 2 outliers: |w| picks {0, 3}
    expect(ones(outlierMask({ ...g, sensitivity: 'fisher', fraction: 0.5 }))).toEqual([0, 2]);
    expect(ones(outlierMask({ ...g, sensitivity: 'abs-sum', fraction: 0.5 }))).toEqual([0, 1]);
    expect(() => outlierMask({ ...base, method: 'gwq' })).toThrow(/needs gradients/);
  });

  it('random: randomMask with the given seed; rtn and a zero count: undefined', () => {
    expect(outlierMask({ ...base, method: 'random', fraction: 0.5, seed: 9 })).toEqual(randomMask(4, 2, 9));
    expect(outlierMask({ ...base, method: 'rtn', fraction: 0.5 })).toBeUndefined();
    expect(outlierMask({ ...base, fraction: 0 })).toBeUndefined();
    expect(outlierMask({ ...base, fraction: 0.1 })).toBeUndefined(); // round(0.4) = 0
  });

  it('channels: whole rows, ranked by the sum of their weights\' scores; round(fraction K) of them', () => {
    // W [K=3, N=2]: row sums of |w|: k0 = 3.5, k1 = 3, k2 = 4 (no single weight of k2 is the largest)
    const W3 = Float32Array.from([3, 0.5, 1, 2, 2, 2]);
    const rows = { ...base, W: W3, K: 3, unit: 'channel' as const };
    expect(ones(outlierMask({ ...rows, fraction: 0.34 }))).toEqual([4, 5]); // round(1.02) = 1 row: k2
    expect(ones(outlierMask({ ...rows, fraction: 0.5 }))).toEqual([0, 1, 4, 5]); // round(1.5) = 2 rows: k2, k0
    // the single-weight choice at the same share differs: the largest |w| is k0's 3
    expect(ones(outlierMask({ ...rows, unit: 'weight', fraction: 1 / 6 }))).toEqual([0]);
    expect(outlierMask({ ...rows, fraction: 0.1 })).toBeUndefined(); // round(0.3) = 0 rows
    // random channels: randomMask over rows, expanded to whole rows
    const r = randomMask(3, 1, 9);
    const k = r.indexOf(1);
    expect(ones(outlierMask({ ...rows, method: 'random', fraction: 0.34, seed: 9 }))).toEqual([2 * k, 2 * k + 1]);
  });
});
