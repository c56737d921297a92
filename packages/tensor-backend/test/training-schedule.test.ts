import { describe, expect, it } from 'vitest';
import { clipScale, constant, globalNorm, maskHook, scaleHook, scheduleFromConfig, warmupCosine } from '../src/index.js';

describe('training: learning-rate schedules', () => {
  it('constant', () => {
    const s = constant(0.3);
    expect([s(1), s(1000)]).toEqual([0.3, 0.3]);
  });

  it('warmupCosine: linear warm-up to the peak, half a cosine to the floor, then flat', () => {
    const s = warmupCosine({ peak: 1, warmupSteps: 10, totalSteps: 110, floor: 0.1 });
    expect(s(0)).toBe(0);
    expect(s(1)).toBeCloseTo(0.1, 12);
    expect(s(5)).toBeCloseTo(0.5, 12);
    expect(s(10)).toBe(1);
    // halfway through the cosine: floor + (peak - floor) / 2
    expect(s(60)).toBeCloseTo(0.55, 12);
    // a quarter of the way: 0.1 + 0.9 * (1 + cos(pi / 4)) / 2
    expect(s(35)).toBeCloseTo(0.1 + 0.45 * (1 + Math.SQRT1_2), 12);
    expect(s(110)).toBeCloseTo(0.1, 12);
    expect(s(500)).toBeCloseTo(0.1, 12);
  });

  it('built-in schedules round-trip through their config', () => {
    const s = warmupCosine({ peak: 2, warmupSteps: 3, totalSteps: 20 });
    const r = scheduleFromConfig(JSON.parse(JSON.stringify(s.config)));
    for (const k of [1, 3, 7, 20, 30]) expect(r(k)).toBe(s(k));
    expect(scheduleFromConfig({ kind: 'constant', lr: 0.5 })(9)).toBe(0.5);
    expect(() => scheduleFromConfig({ kind: 'mine' })).toThrow(/not built in/);
    expect(() => warmupCosine({ peak: 1, warmupSteps: 5, totalSteps: 5 })).toThrow(/warmupSteps < totalSteps/);
  });
});

describe('training: clipping and hooks', () => {
  it('global norm over every gradient; the PyTorch clip factor', () => {
    // sqrt(3^2 + 4^2 + 12^2) = 13
    expect(globalNorm([Float32Array.from([3, 4]), Float32Array.from([12])])).toBe(13);
    expect(clipScale(13, 26)).toBe(1);
    expect(clipScale(13, 1)).toBeCloseTo(1 / 13, 6);
  });

  it('maskHook and scaleHook rewrite the gradient in place', () => {
    const g = Float32Array.from([1, 2, 3]);
    const ctx = { name: 'w', step: 1, param: new Float32Array(3) };
    maskHook([1, 0, 0.5])(g, ctx);
    expect(Array.from(g)).toEqual([1, 0, 1.5]);
    scaleHook(2)(g, ctx);
    expect(Array.from(g)).toEqual([2, 0, 3]);
    expect(() => maskHook([1])(g, ctx)).toThrow(/mask has 1 elements/);
  });
});
