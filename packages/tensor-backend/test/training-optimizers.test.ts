import { describe, expect, it } from 'vitest';
import { adamw, sgd, withParamLr, type FloatArray, type Optimizer } from '../src/index.js';

/** Runs `opt` over the given gradients (one per step) from p0; returns p after each step. */
function run(opt: Optimizer, p0: number[], grads: number[][], lr = opt.lr, name = 'w'): number[][] {
  const p = Float32Array.from(p0);
  const state = opt.init(p, name);
  return grads.map((g, k) => {
    opt.update(p, Float32Array.from(g), state, { lr, step: k + 1, gradScale: 1 });
    return Array.from(p);
  });
}

const close = (got: number[], want: number[]): void => got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));

describe('training: optimizers against hand-computed steps', () => {
  it('plain SGD: p -= lr g', () => {
    const [s1, s2] = run(sgd({ lr: 0.1 }), [1, -2], [
      [0.5, 0.25],
      [0.5, 0.25],
    ]);
    close(s1, [0.95, -2.025]);
    close(s2, [0.9, -2.05]);
  });

  it('SGD with momentum and coupled weight decay (PyTorch)', () => {
    // step 1: d = g + 0.1 p = [0.6, 0.05]; buf = d; p = [1 - 0.06, -2 - 0.005]
    // step 2: d = [-0.5 + 0.094, 1 - 0.2005] = [-0.406, 0.7995]; buf = 0.9 [0.6, 0.05] + d = [0.134, 0.8445]
    //         p = [0.94 - 0.0134, -2.005 - 0.08445]
    const [s1, s2] = run(sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.1 }), [1, -2], [
      [0.5, 0.25],
      [-0.5, 1],
    ]);
    close(s1, [0.94, -2.005]);
    close(s2, [0.9266, -2.08945]);
  });

  it('SGD with Nesterov momentum', () => {
    // step 1: buf = 1; p = 1 - 0.1 (1 + 0.9 * 1) = 0.81
    // step 2: buf = 0.9 + 2 = 2.9; p = 0.81 - 0.1 (2 + 0.9 * 2.9) = 0.349
    // step 3: buf = 0.9 * 2.9 - 1 = 1.61; p = 0.349 - 0.1 (-1 + 0.9 * 1.61) = 0.349 - 0.0449 = 0.3041
    const steps = run(sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), [1], [[1], [2], [-1]]);
    close(steps.flat(), [0.81, 0.349, 0.3041]);
  });

  it('AdamW: bias-corrected moments and decoupled weight decay (PyTorch)', () => {
    // step 1: p *= 1 - 0.1 * 0.1; m = 0.1 g, v = 0.001 g^2; m^ = g, v^ = g^2, so p -= 0.1 sign(g)
    // step 2: p = 0.99 * 0.89 = 0.8811 (sign kept); m = [0.055, -0.08]; v = [0.00025975, 0.004996]
    //         m^ = m / 0.19 = [0.2894737, -0.4210526]; v^ = v / 0.001999 = [0.1299400, 2.4992496]
    //         p -= 0.1 m^ / (sqrt(v^) + 1e-8) = 0.1 * [0.8030414, -0.2663370]
    const [s1, s2] = run(adamw({ lr: 0.1, weightDecay: 0.1 }), [1, -1], [
      [0.5, -2],
      [0.1, 1],
    ]);
    close(s1, [0.89, -0.89]);
    close(s2, [0.8007959, -0.8544663]);
  });

  it('gradScale multiplies the gradient first; noDecay exempts parameters; state is named buffers', () => {
    const opt = sgd({ lr: 0.5, momentum: 0.5, weightDecay: 0.5, noDecay: /bias$/ });
    const w = Float32Array.from([2]);
    const b = Float32Array.from([2]);
    const sw = opt.init(w, 'fc.weight');
    const sb = opt.init(b, 'fc.bias');
    expect(Object.keys(sw.buffers)).toEqual(['momentum_buffer']);
    expect([sw.weightDecay, sb.weightDecay]).toEqual([0.5, 0]);
    // w: d = 4 * 0.25 + 0.5 * 2 = 2 -> p = 2 - 0.5 * 2 = 1;  b: d = 1 -> p = 1.5
    opt.update(w, Float32Array.from([4]), sw, { lr: 0.5, step: 1, gradScale: 0.25 });
    opt.update(b, Float32Array.from([4]), sb, { lr: 0.5, step: 1, gradScale: 0.25 });
    expect([w[0], b[0]]).toEqual([1, 1.5]);
    expect(adamw().init(new Float64Array(3), 'x').buffers.exp_avg).toBeInstanceOf(Float64Array);
  });

  it('float64 parameters update in double precision', () => {
    const opt = sgd({ lr: 0.1 });
    const p: FloatArray = Float64Array.from([1]);
    opt.update(p, Float64Array.from([1e-9]), opt.init(p, 'w'), { lr: 0.1, step: 1, gradScale: 1 });
    expect(p[0]).toBe(1 - 1e-10);
  });

  it('withParamLr: matched parameters step with factor x lr (SGD: exactly), the rest with lr', () => {
    const opt = withParamLr(sgd({ lr: 0.1 }), [{ params: /^log_z$/, factor: 100 }]);
    close(run(opt, [1], [[0.5]], 0.1, 'log_z')[0], [1 - 10 * 0.5]);
    close(run(opt, [1], [[0.5]], 0.1, 'w')[0], [1 - 0.1 * 0.5]);
    expect(opt.config.kind).toBe('param-lr(sgd)');
    expect(() => withParamLr(sgd({ lr: 0.1 }), [{ params: 'a', factor: -1 }])).toThrow(/factor/);
  });

  it('withParamLr with a schedule: factor 0 from step 3 freezes the parameter (Adam moments would otherwise move it), a bad factor throws', () => {
    const opt = withParamLr(adamw({ lr: 0.1 }), [{ params: /^score$/, factor: (step) => (step < 3 ? 1 : 0) }]);
    const grads = [[1], [1], [-1], [-1], [0]];
    const frozen = run(opt, [0.5], grads, 0.1, 'score');
    const free = run(adamw({ lr: 0.1 }), [0.5], grads, 0.1, 'score');
    close(frozen[1], free[1]);
    for (const p of frozen.slice(2)) expect(p[0]).toBe(frozen[1][0]);
    expect(free[4][0]).not.toBe(free[1][0]);
    // unmatched parameters follow the inner optimizer at every step
    close(run(opt, [0.5], grads, 0.1, 'w')[4], free[4]);
    const bad = withParamLr(sgd({ lr: 0.1 }), [{ params: 'w', factor: () => Number.NaN }]);
    expect(() => run(bad, [1], [[1]], 0.1, 'w')).toThrow(/factor/);
  });

  it('rejects invalid settings', () => {
    expect(() => sgd({ nesterov: true })).toThrow(/nesterov needs momentum/);
    expect(() => sgd({ lr: -1 })).toThrow(/lr must be/);
    expect(() => adamw({ betas: [0.9, 1] })).toThrow(/betas/);
  });
});
