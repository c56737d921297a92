/** Bit packing: exact round trips for every width and ragged K, and hand-worked layouts. */
import { rng } from '@gradloc/tensor-backend';
import { describe, expect, it } from 'vitest';
import { densePackedBytes, packCodes, packMatMulNBits, unpackCodes, unpackMatMulNBits } from '../src/quant/pack.js';
import { SUPPORTED_BITS, type QuantizedMatrix } from '../src/quant/types.js';
import { randomQuantized } from './random-quantized.js';

const noOutliers = { k: new Uint32Array(0), n: new Uint32Array(0), value: new Uint16Array(0) };

describe('dense packing (in-graph unpack layout)', () => {
  for (const bits of SUPPORTED_BITS) {
    it(`${bits}-bit round trip, K multiple and not multiple of 8`, () => {
      const r = rng(bits);
      for (const K of [1, 3, 7, 8, 9, 16, 20, 40, 129]) {
        const N = 3;
        const codes = Uint8Array.from({ length: K * N }, () => Math.floor(r() * (1 << bits)));
        const packed = packCodes(codes, K, N, bits);
        expect(packed.length).toBe(densePackedBytes(K, N, bits));
        expect(packed.length).toBe(N * Math.ceil(K / 8) * bits);
        expect(unpackCodes(packed, K, N, bits)).toEqual(codes);
      }
    });
  }

  it('3 bits: 8 codes form one little-endian 24-bit word, code j at bit 3j', () => {
    // word 0 = 1 | 2<<3 | 3<<6 | 4<<9 | 5<<12 | 6<<15 | 7<<18 | 0<<21 = 0x1F58D1; word 1 = 5 | 6<<3 = 0x35
    const codes = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 0, 5, 6]);
    expect([...packCodes(codes, 10, 1, 3)]).toEqual([0xd1, 0x58, 0x1f, 0x35, 0x00, 0x00]);
  });

  it('2 and 4 bits put the lower k in the lower bits; columns start on their own words', () => {
    const codes = Uint8Array.from([1, 2, 3, 0, 1, /* column 1 */ 3, 3, 0, 0, 2]);
    // column 0: 1 | 2<<2 | 3<<4 | 0<<6 = 0x39, then 1 -> 0x01; 8 codes = 2 bytes per word
    expect([...packCodes(codes, 5, 2, 2)]).toEqual([0x39, 0x01, 0x0f, 0x02]);
    expect([...packCodes(Uint8Array.from([0xa, 0x5, 0xf]), 3, 1, 4)]).toEqual([0x5a, 0x0f, 0, 0]);
  });

  it('rejects codes that do not fit', () => {
    expect(() => packCodes(Uint8Array.from([4]), 1, 1, 2)).toThrow(/does not fit/);
  });
});

describe('MatMulNBits packing', () => {
  for (const bits of SUPPORTED_BITS) {
    for (const [K, group] of [[32, 16], [40, 16], [192, 128], [256, 64]]) {
      it(`${bits}-bit round trip, K=${K}, block ${group}`, () => {
        const q = randomQuantized(K + bits, { K, N: 5, bits, group });
        const p = packMatMulNBits(q);
        const nBlocks = Math.ceil(K / group);
        expect(p.B.length).toBe(5 * nBlocks * ((group * bits) / 8));
        expect(p.scales.length).toBe(5 * nBlocks);
        expect(p.zeroPoints?.length).toBe(5 * Math.ceil((nBlocks * bits) / 8));
        const u = unpackMatMulNBits(p);
        expect(u.codes).toEqual(q.codes);
        expect(u.zeros).toEqual(q.zeros);
      });
    }
  }

  it('hand-worked 4-bit example: K=20, N=2, block 16 (even k in the low nibble, last block zero-padded)', () => {
    const K = 20;
    const codes = new Uint8Array(K * 2);
    for (let k = 0; k < K; k++) {
      codes[k] = k % 16; // column 0
      codes[K + k] = 15 - (k % 16); // column 1
    }
    const q: QuantizedMatrix = {
      K,
      N: 2,
      bits: 4,
      group: 16,
      codes,
      scales: Float32Array.from([0.5, 0.25, 1, 2]),
      zeros: Uint8Array.from([3, 5, 8, 1]),
      outliers: noOutliers,
    };
    const p = packMatMulNBits(q);
    expect([p.nBlocks, p.blobSize]).toEqual([2, 8]);
    // B [N=2, n_blocks=2, blob=8]
    expect([...p.B]).toEqual([
      ...[0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe], // n0, k 0..15
      ...[0x10, 0x32, 0, 0, 0, 0, 0, 0], //                    n0, k 16..19 + padding
      ...[0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01], // n1, k 0..15
      ...[0xef, 0xcd, 0, 0, 0, 0, 0, 0], //                    n1, k 16..19 + padding
    ]);
    expect([...p.scales]).toEqual([0.5, 0.25, 1, 2]);
    // one byte per column (ceil(2 blocks * 4 bits / 8)), block 0 in the low nibble
    expect([...(p.zeroPoints ?? [])]).toEqual([0x53, 0x18]);
  });

  it('2-bit zero points: four per byte; 8-bit: one byte per block', () => {
    const base = { K: 80, N: 1, group: 16, scales: new Float32Array(5).fill(1), outliers: noOutliers } as const;
    const z2 = packMatMulNBits({ ...base, bits: 2, codes: new Uint8Array(80), zeros: Uint8Array.from([1, 2, 3, 0, 2]) });
    expect([...(z2.zeroPoints ?? [])]).toEqual([1 | (2 << 2) | (3 << 4), 2]);
    const z8 = packMatMulNBits({ ...base, bits: 8, codes: new Uint8Array(80), zeros: Uint8Array.from([1, 200, 3, 0, 255]) });
    expect([...(z8.zeroPoints ?? [])]).toEqual([1, 200, 3, 0, 255]);
  });

  it('omits zero points when every zero is the default 2^(bits-1)', () => {
    const q = randomQuantized(3, { K: 64, N: 3, bits: 4, group: 32, symmetric: true });
    const p = packMatMulNBits(q);
    expect(p.zeroPoints).toBeNull();
    expect(unpackMatMulNBits(p).zeros).toEqual(q.zeros);
  });

  it('rejects block sizes MatMulNBits cannot take', () => {
    expect(() => packMatMulNBits(randomQuantized(1, { K: 40, N: 2, bits: 4, group: 20 }))).toThrow(/power-of-two/);
    expect(() => packMatMulNBits(randomQuantized(1, { K: 40, N: 2, bits: 4, group: 8 }))).toThrow(/power-of-two/);
  });
});
