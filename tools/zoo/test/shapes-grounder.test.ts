/** shapes-grounder: centre-patch targets, the loss graph against JS, and a tiny end-to-end run. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boxArea, cxcywhToXyxy, float32, Net, OnnxModel } from '@gradloc/tensor-backend';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateModel, generateScene, queryIndex, readCard, type SceneAnnotation, type SceneObject } from '@gradloc/models';
import { addGrounderLoss, LOSS_WEIGHTS } from '../src/models/grounder/loss.js';
import { grounderTargets } from '../src/models/grounder/targets.js';
import { shapesGrounder } from '../src/models/shapes-grounder.js';

const GRID = 12;
const P = GRID * GRID;
const Q = 42;

/** A scene with hand-placed objects (the other fields come from a real scene). */
function handMade(objects: readonly Pick<SceneObject, 'shape' | 'colour' | 'box' | 'area'>[]): SceneAnnotation {
  const { image: _image, ...real } = generateScene(7);
  return { ...real, objects: objects.map((o) => ({ ...real.objects[0], ...o })) };
}

describe('grounder targets', () => {
  const at = (t: ArrayLike<number>, i: number, n: number): number[] => Array.from({ length: n }, (_, k) => t[i * n + k]);
  const sum = (t: ArrayLike<number>, from = 0, to = t.length): number => Array.from(t).slice(from, to).reduce((a, x) => a + x, 0);
  const patch = (row: number, col: number): number => row * GRID + col;

  it('put each object on the patch holding its box centre, and its box also on the neighbours inside it', () => {
    const scene = handMade([
      { shape: 'circle', colour: 'red', box: [8, 16, 24, 40], area: 200 }, // centre (16, 28): row 3, column 2
      { shape: 'star', colour: 'blue', box: [60, 0, 96, 30], area: 300 }, // centre (78, 15): row 1, column 9
    ]);
    const t = grounderTargets([scene, scene], GRID);
    expect(t.cls_targets.dims).toEqual([2, P, Q]);
    expect(t.box_targets.dims).toEqual([2, P, 4]);
    expect(t.box_weights.dims).toEqual([2, P]);
    for (const b of [0, 1]) {
      const p0 = b * P + patch(3, 2);
      const p1 = b * P + patch(1, 9);
      expect(at(t.cls_targets.data, p0, Q).indexOf(1)).toBe(queryIndex('red', 'circle'));
      expect(at(t.cls_targets.data, p1, Q).indexOf(1)).toBe(queryIndex('blue', 'star'));
      expect(sum(t.cls_targets.data, b * P * Q, (b + 1) * P * Q)).toBe(2);
      expect([t.box_weights.data[p0], t.box_weights.data[p1]]).toEqual([1, 1]);
      // box targets also on the neighbours whose centres (4 + 8 i px) lie in the box: the circle
      // [8, 24) x [16, 40) covers columns 1-2 of rows 2-4, the star [60, 96) x [0, 30) all of
      // rows 0-2, columns 8-10
      const circle = [2, 3, 4].flatMap((r) => [1, 2].map((c) => patch(r, c)));
      const star = [0, 1, 2].flatMap((r) => [8, 9, 10].map((c) => patch(r, c)));
      expect(sum(t.box_weights.data, b * P, (b + 1) * P)).toBe(circle.length + star.length);
      for (const p of circle) expect(at(t.box_targets.data, b * P + p, 4)).toEqual([16 / 96, 28 / 96, 16 / 96, 24 / 96].map(Math.fround));
      for (const p of star) expect(at(t.box_targets.data, b * P + p, 4)).toEqual([78 / 96, 15 / 96, 36 / 96, 30 / 96].map(Math.fround));
      expect(at(t.box_targets.data, p0, 4)).toEqual([16 / 96, 28 / 96, 16 / 96, 24 / 96].map(Math.fround));
      expect(at(t.box_targets.data, p1, 4)).toEqual([78 / 96, 15 / 96, 36 / 96, 30 / 96].map(Math.fround));
    }
  });

  it('give a shared patch to the object with more visible pixels, and clamp at the border', () => {
    const scene = handMade([
      { shape: 'square', colour: 'green', box: [0, 0, 20, 20], area: 150 }, // centre (10, 10): row 1, column 1
      { shape: 'ring', colour: 'white', box: [4, 4, 18, 18], area: 400 }, // centre (11, 11): same patch, more visible
      { shape: 'cross', colour: 'yellow', box: [95, 95, 96, 96], area: 1 }, // centre (95.5, 95.5): the last patch
    ]);
    const t = grounderTargets([scene], GRID);
    expect(at(t.cls_targets.data, patch(1, 1), Q).indexOf(1)).toBe(queryIndex('white', 'ring'));
    expect(at(t.box_targets.data, patch(1, 1), 4)).toEqual([11 / 96, 11 / 96, 14 / 96, 14 / 96].map(Math.fround));
    expect(at(t.cls_targets.data, P - 1, Q).indexOf(1)).toBe(queryIndex('yellow', 'cross'));
    expect(at(t.box_targets.data, P - 1, 4)).toEqual([95.5 / 96, 95.5 / 96, 1 / 96, 1 / 96].map(Math.fround));
    expect(sum(t.cls_targets.data)).toBe(2);
    // the ring [4, 18) also teaches its box to patches (0, 0), (0, 1) and (1, 0) (centres 4 and
    // 12 px); the square's centre patch is taken and no free neighbour centre is inside it
    for (const p of [patch(0, 0), patch(0, 1), patch(1, 0)]) expect(at(t.box_targets.data, p, 4)).toEqual([11 / 96, 11 / 96, 14 / 96, 14 / 96].map(Math.fround));
    expect(sum(t.box_weights.data)).toBe(5);
    expect(sum(t.box_targets.data)).toBeCloseTo((4 * (11 + 11 + 14 + 14) + 95.5 + 95.5 + 1 + 1) / 96, 5);
  });
});

describe('grounder loss graph', () => {
  /** The same formulas in JS: focal (alpha 0.25, gamma 2) over max(1, #class targets), L1 and 1 - GIoU over max(1, #box targets). */
  function jsLoss(x: number[], y: number[], pred: number[][], tgt: number[][], w: number[]): number {
    const numObjects = Math.max(1, y.reduce((a, v) => a + v, 0));
    const numBoxes = Math.max(1, w.reduce((a, v) => a + v, 0));
    let cls = 0;
    x.forEach((xi, i) => {
      const p = 1 / (1 + Math.exp(-xi));
      const ce = -(y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p));
      const pT = y[i] ? p : 1 - p;
      cls += (y[i] ? 0.25 : 0.75) * (1 - pT) ** 2 * ce;
    });
    let l1 = 0;
    let giou = 0;
    w.forEach((wi, i) => {
      l1 += wi * pred[i].reduce((a, v, k) => a + Math.abs(v - tgt[i][k]), 0);
      const [a, b] = [pred[i], tgt[i]].map(([cx, cy, bw, bh]) => cxcywhToXyxy(cx, cy, bw, bh));
      const inter = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
      const union = boxArea(a) + boxArea(b) - inter;
      const hull = (Math.max(a[2], b[2]) - Math.min(a[0], b[0])) * (Math.max(a[3], b[3]) - Math.min(a[1], b[1]));
      giou += wi * (1 - (inter / union - (hull - union) / hull));
    });
    return (LOSS_WEIGHTS.cls * cls) / numObjects + (LOSS_WEIGHTS.l1 * l1 + LOSS_WEIGHTS.giou * giou) / numBoxes;
  }

  it('equals a JS computation of focal + L1 + GIoU on a handmade case', async () => {
    // one image, 3 patches, 2 queries, 2 class targets but 3 box targets (the divisors differ);
    // patch 0 overlaps its target, patch 1 misses it (GIoU < 0), patch 2 contains it
    const net = new Net({ seed: 0 }, 'loss-test');
    const logits = net.b.input('x', 'float32', [1, 3, 2]);
    const boxes = net.b.input('boxes', 'float32', [1, 3, 4]);
    addGrounderLoss({ graph: net.graph, net, logits, boxes, patches: 3 });
    const x = [2.5, -1, 0.3, -3, 0.7, 4];
    const y = [1, 0, 0, 1, 0, 0];
    const pred = [
      [0.5, 0.5, 0.4, 0.3],
      [0.2, 0.2, 0.1, 0.1],
      [0.9, 0.9, 0.2, 0.2],
    ];
    const tgt = [
      [0.55, 0.45, 0.3, 0.3],
      [0.7, 0.8, 0.2, 0.1],
      [0.85, 0.92, 0.1, 0.12],
    ];
    const w = [1, 1, 1];
    const model = OnnxModel.fromGraph(net.graph);
    const out = await model.run(
      { x: float32([1, 3, 2], x), boxes: float32([1, 3, 4], pred.flat()), cls_targets: float32([1, 3, 2], y), box_targets: float32([1, 3, 4], tgt.flat()), box_weights: float32([1, 3], w) },
      ['loss'],
    );
    await model.release();
    const expected = jsLoss(x, y, pred, tgt, w);
    expect(Number(out.loss.data[0])).toBeCloseTo(expected, 5);
    // the box terms vanish when no patch has a box target (their divisor is max(1, 0) = 1)
    const none = OnnxModel.fromGraph(net.graph);
    const cls = await none.run(
      { x: float32([1, 3, 2], x), boxes: float32([1, 3, 4], pred.flat()), cls_targets: float32([1, 3, 2], y), box_targets: float32([1, 3, 4], tgt.flat()), box_weights: float32([1, 3], [0, 0, 0]) },
      ['loss'],
    );
    await none.release();
    expect(Number(cls.loss.data[0])).toBeCloseTo(jsLoss(x, y, pred, tgt, [0, 0, 0]), 5);
  });
});

describe('shapes-grounder end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shapes-grounder-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a tiny run ships model.onnx + card.json, and evaluateModel recomputes the card exactly', async () => {
    const report = await shapesGrounder.train({ outDir: dir, steps: 2, evalSamples: 8 });
    expect(existsSync(join(dir, 'model.onnx'))).toBe(true);
    const card = readCard(dir);
    expect(card.name).toBe('shapes-grounder');
    expect(card.training.steps).toBe(2);
    expect(card.training.command).toBe('npx gradloc train shapes-grounder --steps 2 --eval-samples 8');
    expect(card.evaluation.samples).toBe(8);
    expect(Object.keys(card.metrics).sort()).toEqual(['absent_max_score', 'ap50', 'ap50_ood']);
    expect(card.metrics).toEqual(report.metrics);
    expect(card.inputs.map((i) => i.name)).toEqual(['pixel_values', 'input_ids']);
    expect(card.outputs.map((o) => [o.name, o.dims])).toEqual([
      ['logits', ['batch', P, 'queries']],
      ['pred_boxes', ['batch', P, 4]],
    ]);
    expect(await evaluateModel(dir)).toEqual(card.metrics);
  });
});
