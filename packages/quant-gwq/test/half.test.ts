/**
 * binary16 conversion: hand-derived bit patterns, then bit-for-bit agreement with
 * onnxruntime's Cast(float -> float16) on random float32 values spread over many binades
 * (subnormal halves, normal halves, overflow) with a share of exact rounding ties.
 */
import { Graph, GraphBuilder, OnnxModel, rng, tensor } from '@gradloc/tensor-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHalfBits, roundHalf, toHalfBits } from '../src/quant/half.js';

const hex = (v: number): string => `0x${v.toString(16).padStart(4, '0')}`;

describe('toHalfBits / fromHalfBits: hand values', () => {
  // [value, bits]: sign | 5-bit exponent (bias 15) | 10-bit mantissa
  const exact: [number, number][] = [
    [1, 0x3c00], // 0 01111 0000000000
    [-2, 0xc000], // 1 10000 0000000000
    [0.5, 0x3800],
    [1.5, 0x3e00], // mantissa .1 -> 0x200
    [65504, 0x7bff], // largest finite: (2 - 2^-10) * 2^15
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [1023 * 2 ** -24, 0x03ff], // largest subnormal
    [0, 0x0000],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
  ];
  for (const [v, h] of exact) {
    it(`${v} <-> ${hex(h)}`, () => {
      expect(hex(toHalfBits(v))).toBe(hex(h));
      expect(fromHalfBits(h)).toBe(v);
    });
  }

  it('-0 keeps its sign', () => {
    expect(hex(toHalfBits(-0))).toBe('0x8000');
    expect(Object.is(fromHalfBits(0x8000), -0)).toBe(true);
  });

  it('overflow: 65520 (the tie between 65504 and 2^16) rounds to even = infinity; just below stays finite', () => {
    expect(hex(toHalfBits(65520))).toBe('0x7c00');
    expect(hex(toHalfBits(-65520))).toBe('0xfc00');
    expect(hex(toHalfBits(65519.99))).toBe('0x7bff'); // float32(65519.99) < 65520
    expect(hex(toHalfBits(1e6))).toBe('0x7c00');
  });

  it('ties to even in the normal range', () => {
    // spacing at [1, 2) is 2^-10; 1 + 2^-11 is halfway between 0x3c00 (even) and 0x3c01
    expect(hex(toHalfBits(1 + 2 ** -11))).toBe('0x3c00');
    // 1 + 3 * 2^-11 is halfway between 0x3c01 and 0x3c02 (even)
    expect(hex(toHalfBits(1 + 3 * 2 ** -11))).toBe('0x3c02');
    // just off the tie goes to the nearer one
    expect(hex(toHalfBits(1 + 2 ** -11 + 2 ** -20))).toBe('0x3c01');
    expect(hex(toHalfBits(1 + 3 * 2 ** -11 - 2 ** -20))).toBe('0x3c01');
    // a carry out of the mantissa bumps the exponent: 2 - 2^-11 lies halfway between
    // 2 - 2^-10 (0x3fff, odd) and 2 (0x4000, even)
    expect(hex(toHalfBits(2 - 2 ** -10))).toBe('0x3fff');
    expect(hex(toHalfBits(2 - 2 ** -11))).toBe('0x4000');
  });

  it('ties to even in the subnormal range', () => {
    // subnormal spacing is 2^-24: 0.5, 1.5, 2.5 units are ties
    expect(hex(toHalfBits(2 ** -25))).toBe('0x0000'); // between 0 (even) and 1
    expect(hex(toHalfBits(3 * 2 ** -25))).toBe('0x0002'); // between 1 and 2 (even)
    expect(hex(toHalfBits(5 * 2 ** -25))).toBe('0x0002'); // between 2 (even) and 3
    expect(hex(toHalfBits(-3 * 2 ** -25))).toBe('0x8002');
    // 1023.5 units: between the largest subnormal 0x03ff and the smallest normal 0x0400 (even)
    expect(hex(toHalfBits(1023.5 * 2 ** -24))).toBe('0x0400');
    // below half the smallest subnormal: zero with the sign kept
    expect(hex(toHalfBits(2 ** -26))).toBe('0x0000');
    expect(hex(toHalfBits(-(2 ** -26)))).toBe('0x8000');
    expect(hex(toHalfBits(2 ** -25 + 2 ** -40))).toBe('0x0001'); // just above the tie
  });

  it('NaN stays NaN (exponent all ones, non-zero mantissa)', () => {
    const h = toHalfBits(NaN);
    expect(h & 0x7c00).toBe(0x7c00);
    expect(h & 0x03ff).not.toBe(0);
    expect(fromHalfBits(h)).toBeNaN();
    expect(fromHalfBits(0x7c01)).toBeNaN();
    expect(fromHalfBits(0xfe00)).toBeNaN();
  });

  it('fromHalfBits follows the format definition for every pattern; toHalfBits inverts it', () => {
    for (let h = 0; h < 0x10000; h++) {
      const s = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const m = h & 0x3ff;
      if (e === 0x1f) continue; // inf / NaN covered above
      // value by the textbook formula, written independently: subnormal m/1024 * 2^-14
      const want = e === 0 ? (s * m) / 1024 / 16384 : s * (1024 + m) * 2 ** (e - 25);
      const got = fromHalfBits(h);
      if (got !== want || toHalfBits(got) !== h) throw new Error(`pattern ${hex(h)}: ${got} vs ${want}, back ${hex(toHalfBits(got))}`);
      if (roundHalf(got) !== got) throw new Error(`roundHalf moved ${got}`);
    }
  });
});

describe("toHalfBits agrees bit for bit with onnxruntime's Cast(float -> float16)", () => {
  let model: OnnxModel;
  beforeAll(() => {
    const g = Graph.create(17, 'cast-f16');
    const b = new GraphBuilder(g);
    b.input('x', 'float32', ['n']);
    b.op('Cast', ['x'], { to: 10 }, { outputs: ['y'] });
    b.output('y', 'float16', ['n']);
    model = OnnxModel.fromGraph(g, { threads: 1 });
  });
  afterAll(async () => {
    await model.release();
  });

  /** Random float32 bit patterns with exponents 2^-28 .. 2^17 (below the subnormal halves up to past overflow). */
  function randomFloats(seed: number, count: number): Float32Array {
    const r = rng(seed);
    const u = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      const sign = r() < 0.5 ? 0x80000000 : 0;
      const exp = 127 - 28 + Math.floor(r() * 46); // float32 biased exponent
      let mant = Math.floor(r() * 0x800000);
      const kind = r();
      // a third of the draws are exact ties (or one float32 ulp off one) at the half's precision
      if (kind < 0.33) {
        const halfExp = exp - 127 + 15;
        const dropped = halfExp >= 1 ? 13 : Math.min(24, 14 - halfExp); // mantissa bits below the half's last bit
        const keep = dropped >= 23 ? 0 : mant >>> dropped;
        mant = ((keep << dropped) | (1 << (dropped - 1))) & 0x7fffff; // exactly halfway
        if (kind < 0.11) mant = (mant + 1) & 0x7fffff;
        else if (kind < 0.22 && mant > 0) mant -= 1;
      }
      u[i] = (sign | (exp << 23) | mant) >>> 0;
    }
    return new Float32Array(u.buffer);
  }

  it('2000 random floats over 46 binades, including subnormal halves and exact ties', async () => {
    const specials = [0, -0, Infinity, -Infinity, NaN, 65504, 65519.99, 65520, -65520, 2 ** -24, 2 ** -25, 3 * 2 ** -25, 2 ** -14, 1023.5 * 2 ** -24];
    const x = new Float32Array([...specials, ...randomFloats(123, 2000)]);
    const y = (await model.run({ x: tensor('float32', [x.length], x) })).y;
    expect(y.dtype).toBe('float16');
    const ort = y.data as Uint16Array;
    const bad: string[] = [];
    let subnormal = 0;
    let ties = 0;
    for (let i = 0; i < x.length; i++) {
      const mine = toHalfBits(x[i]);
      if (mine !== ort[i]) bad.push(`${x[i]}: ${hex(mine)} vs ort ${hex(ort[i])}`);
      if ((ort[i] & 0x7c00) === 0 && (ort[i] & 0x3ff) !== 0) subnormal++;
      const mag = mine & 0x7fff;
      const d = Math.abs(fromHalfBits(mine) - x[i]);
      const other = (m: number): number => Math.abs(fromHalfBits((mine & 0x8000) | m) - x[i]);
      if (d > 0 && mag > 0 && mag < 0x7c00 && (other(mag + 1) === d || other(mag - 1) === d)) ties++;
    }
    expect(bad, bad.slice(0, 10).join('\n')).toEqual([]);
    // the draw really covers what it claims to
    expect(subnormal).toBeGreaterThan(100);
    expect(ties).toBeGreaterThan(100);
    expect(Array.from(ort).filter((h) => (h & 0x7fff) === 0x7c00).length).toBeGreaterThan(50);
  });
});
