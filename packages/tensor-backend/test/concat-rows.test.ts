import { describe, expect, it } from 'vitest';
import { concatRows, GradlocError, tensor, toNumbers } from '../src/index.js';

describe('concatRows', () => {
  it('stacks along dim 0, keeping dtype and trailing dims', () => {
    const a = tensor('int64', [1, 3], [1, 2, 3]);
    const b = tensor('int64', [2, 3], [4, 5, 6, 7, 8, 9]);
    const c = concatRows([a, b]);
    expect(c.dtype).toBe('int64');
    expect(c.dims).toEqual([3, 3]);
    expect(toNumbers(c)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const f = concatRows([tensor('float32', [1, 2, 1], [0.5, -1]), tensor('float32', [1, 2, 1], [2, 3])]);
    expect([f.dims, Array.from(f.data as Float32Array)]).toEqual([[2, 2, 1], [0.5, -1, 2, 3]]);
  });

  it('refuses mismatched dtypes or trailing dims, and nothing', () => {
    expect(() => concatRows([tensor('int64', [1, 3], [1, 2, 3]), tensor('int64', [1, 4], [1, 2, 3, 4])])).toThrow(/does not stack/);
    expect(() => concatRows([tensor('int64', [1, 2], [1, 2]), tensor('int32', [1, 2], [1, 2])])).toThrow(GradlocError);
    expect(() => concatRows([])).toThrow(/at least one/);
  });
});
