/**
 * CamResult.warnings: every method says why a map is all zeros (or not finite), and says
 * nothing about a normal map. The zero maps here are zero by construction (no activation, no
 * dependence of the score on the input, or only negative channel weights), so the expected
 * reasons follow from the model, not from the code.
 */
import { describe, expect, it } from 'vitest';
import { tensor, type OnnxModel } from '@gradloc/tensor-backend';
import { classTarget, createMethod, LAYER_METHODS, METHOD_NAMES, type CamResult, type MethodName } from '../src/index.js';
import { poolHeadModel, quadrantModel, uniform } from './tiny-models.js';
import { modelKeeper } from './helpers.js';

const keep = modelKeeper();

const maxOf = (r: CamResult, b: number): number => Math.max(...r.maps.subarray(b * r.height * r.width, (b + 1) * r.height * r.width));
const quick = { steps: 4, samples: 4 };

describe('normal maps carry no warnings', () => {
  const { model, layer } = keep(quadrantModel());
  const request = { model, feeds: { x: uniform([4, 3, 16, 16], 1, 0.2, 1) }, target: classTarget({ output: 'logits', classes: [0, 1, 2, 3] }), layers: [{ name: layer }] };
  for (const name of METHOD_NAMES) {
    it(`${name}: warnings = []`, async () => {
      const r = await createMethod(name, quick).explain(request);
      for (let b = 0; b < 4; b++) expect(maxOf(r, b)).toBeGreaterThan(0.99); // min-max: (max - min) / (max - min + 1e-7)
      expect(r.warnings).toEqual([]);
    });
  }
});

describe('every method names the method, the item and the reason of an all-zero map', () => {
  // x = 0 and a zero head: every activation is 0 (no bias) and no score depends on the input
  const { model, layer } = keep(poolHeadModel([0, 0, 0, 0, 0, 0, 0, 0]));
  const request = { model, feeds: { x: tensor('float32', [2, 3, 8, 8]) }, target: classTarget({ output: 'logits', classes: [0, 1] }), layers: [{ name: layer }] };
  const reasonOf = (name: MethodName): RegExp =>
    LAYER_METHODS.includes(name) ? /layer 'feat': the layer's activations are all 0 for this item$/ : name === 'fullgrad' ? /all 3 planes .* are constant over their grids/ : /the attribution is 0 at every pixel/;
  for (const name of METHOD_NAMES) {
    it(`${name}`, async () => {
      const r = await createMethod(name, quick).explain(request);
      expect(r.warnings).toHaveLength(2);
      for (let b = 0; b < 2; b++) {
        expect(maxOf(r, b)).toBe(0);
        expect(r.warnings[b].startsWith(`${name}: item ${b}: the map is all zeros: `)).toBe(true);
        expect(r.warnings[b]).toMatch(reasonOf(name));
      }
    });
  }

  it('augSmooth: one line per item, not one per augmented copy', async () => {
    const r = await createMethod('gradcam', { augSmooth: true }).explain(request);
    expect(r.warnings).toEqual([0, 1].map((b) => `gradcam: item ${b}: the map is all zeros: layer 'feat': the layer's activations are all 0 for this item`));
  });
});

describe('the reason follows the weights', () => {
  // class 0's head column is -1 for every channel: d logit / d feat = -1/16 at each of the 16
  // positions, so every Grad-CAM weight is -1/16 while the activations (after ReLU) are > 0
  const { model, layer } = keep(poolHeadModel([-1, 1, -1, 1, -1, 1, -1, 1]));
  const request = { model, feeds: { x: uniform([1, 3, 8, 8], 3, 0.2, 1) }, target: classTarget({ output: 'logits', classes: 0 }), layers: [{ name: layer }] };

  it('Grad-CAM: "all 4 channel weights were <= 0 (largest -0.0625)"', async () => {
    const r = await createMethod('gradcam').explain(request);
    expect(maxOf(r, 0)).toBe(0);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^gradcam: item 0: the map is all zeros: layer 'feat': all 4 channel weights were <= 0 \(largest -0\.0625\), and the weighted channel sum is <= 0 at every position/);
  });

  it('Grad-CAM++ (ReLU of the gradients: every weight exactly 0) and LayerCAM (position by position)', async () => {
    const pp = await createMethod('gradcam++').explain(request);
    expect(pp.warnings).toEqual(["gradcam++: item 0: the map is all zeros: layer 'feat': all 4 channel weights are 0"]);
    const lc = await createMethod('layercam').explain(request);
    expect(lc.warnings).toEqual(["layercam: item 0: the map is all zeros: layer 'feat': the raw map is <= 0 everywhere (max 0), so ReLU leaves nothing"]);
  });

  it('the other class of the same image has positive weights: no warning', async () => {
    const r = await createMethod('gradcam').explain({ ...request, target: classTarget({ output: 'logits', classes: 1 }) });
    expect(maxOf(r, 0)).toBeGreaterThan(0.99);
    expect(r.warnings).toEqual([]);
  });
});

describe('non-finite values are set to 0 and reported', () => {
  it('a NaN pixel reaches one feature position of every channel: the map keeps the rest, finite', async () => {
    const { model, layer } = keep(poolHeadModel([1, 1, 1, 1, 1, 1, 1, 1]));
    const x = uniform([1, 3, 8, 8], 4, 0.2, 1);
    (x.data as Float32Array)[0] = NaN; // pixel (0, 0) of channel 0: feature position (0, 0)
    const r = await createMethod('gradcam').explain({ model, feeds: { x }, target: classTarget({ output: 'logits', classes: 0 }), layers: [{ name: layer }] });
    expect(r.maps.every((v) => Number.isFinite(v))).toBe(true);
    expect(maxOf(r, 0)).toBeGreaterThan(0.99);
    expect(r.warnings).toEqual(["gradcam: item 0: layer 'feat': 1 of 16 values of the raw map were not finite (NaN or +-Infinity, e.g. from non-finite activations or gradients) and were set to 0"]);
  });
});
