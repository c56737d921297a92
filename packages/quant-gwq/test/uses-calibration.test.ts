import { describe, expect, it } from 'vitest';
import { usesCalibration } from '../src/index.js';

describe('usesCalibration', () => {
  it('is true for gradient and Hessian scores with outliers to pick, and for GPTQ', () => {
    expect(usesCalibration({ method: 'gwq' })).toBe(true); // default 1% outliers
    expect(usesCalibration({ method: 'hessian', outliers: 0.005 })).toBe(true);
    expect(usesCalibration({ method: 'gwq', outliers: 0 })).toBe(false);
    for (const method of ['rtn', 'magnitude', 'random'] as const) {
      expect(usesCalibration({ method, outliers: 0.01 })).toBe(false);
      expect(usesCalibration({ method, outliers: 0.01, gptq: true })).toBe(true);
    }
  });
});
