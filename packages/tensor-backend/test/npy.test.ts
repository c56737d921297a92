import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, float32, readNpy, tensor, toNumbers } from '../src/index.js';

const dir = join(import.meta.dirname, 'fixtures', 'npy');

describe('npy', () => {
  it('reads files written by numpy: C and Fortran order, big-endian, bool, uint8, scalars', () => {
    const f4 = readNpy(join(dir, 'f4.npy'));
    expect(f4.dtype).toBe('float32');
    expect(f4.dims).toEqual([2, 3, 4]);
    expect(toNumbers(f4).map((v) => Math.round(v * 7))).toEqual([...Array(24).keys()]);
    const f8 = readNpy(join(dir, 'f8_fortran.npy'));
    expect(f8.dtype).toBe('float64');
    expect(toNumbers(f8)).toEqual(toNumbers(f4).map((v) => Math.fround(v)));
    const i8 = readNpy(join(dir, 'i8_be.npy'));
    expect(i8.dtype).toBe('int64');
    expect(toNumbers(i8)).toEqual([-3, -2, -1, 0, 1, 2]);
    expect(toNumbers(readNpy(join(dir, 'bool.npy')))).toEqual([1, 0, 1]);
    expect(readNpy(join(dir, 'u1.npy')).dims).toEqual([2, 2]);
    const s = readNpy(join(dir, 'scalar.npy'));
    expect(s.dims).toEqual([]);
    expect(toNumbers(s)).toEqual([2.5]);
  });

  it('round-trips every dtype it writes', () => {
    for (const t of [
      float32([2, 2], [1, -2, 3.5, 4]),
      tensor('float64', [3], [0.1, 0.2, 0.3]),
      tensor('int64', [2], [-5, 7]),
      tensor('int32', [1, 2], [9, -9]),
      tensor('uint8', [2], [0, 255]),
      tensor('bool', [2], [1, 0]),
      float32([], [42]),
    ]) {
      const back = decodeNpy(encodeNpy(t));
      expect(back.dtype).toBe(t.dtype);
      expect(back.dims).toEqual(t.dims);
      expect(toNumbers(back)).toEqual(toNumbers(t));
      // header + data are 64-byte aligned as numpy writes them
      expect((encodeNpy(t).length - t.data.byteLength) % 64).toBe(0);
    }
  });

  it('rejects truncated or foreign files with a clear message', () => {
    const good = encodeNpy(float32([4], [1, 2, 3, 4]));
    expect(() => decodeNpy(good.subarray(0, good.length - 3), 'x.npy')).toThrow(/x.npy: holds 13 data bytes/);
    expect(() => decodeNpy(new Uint8Array(20), 'y.npy')).toThrow(/not a .npy file/);
    expect(() => readNpy(join(dir, 'missing.npy'))).toThrow(/cannot read/);
  });
});
