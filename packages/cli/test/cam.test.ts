/**
 * `gradloc cam` in-process (main() with captured output) on a tiny ResNet and a tiny ViT built
 * here: the .npy contract (dims, dtype, range), agreement with the library call it wraps,
 * batches, PNG output, token layers, --metrics, and one-line errors that write nothing.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Net, OnnxModel, buildResNet, buildViT, decodeImage, encodePNG, heatmapRGB, overlay, randn, readNpy, rng, saveModel, tensor, writeNpy, type Tensor } from '@gradloc/tensor-backend';
import { METHOD_NAMES, classTarget, createMethod } from '@gradloc/cam-explain';
import { main } from '../src/index.js';
import { tempDir } from './helpers.js';

interface Run {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

async function gradloc(args: readonly string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const SIZE = 16;
const CLASSES = 5;
let dir: string;
let resnet: string;
let vit: string;
let x1: Tensor;
let x2: Tensor;
const p = (name: string): string => join(dir, name);

const picture = { width: 32, height: 32, data: Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 7) % 256) };

beforeAll(async () => {
  dir = tempDir();
  resnet = p('resnet.onnx');
  saveModel(resnet, buildResNet({ depth: 'tiny', imageSize: SIZE, classes: CLASSES, seed: 1 }).toModel());
  vit = p('vit.onnx');
  // 16 / 4 = 4x4 patches + a class token = 17 tokens per block output
  saveModel(vit, buildViT({ imageSize: SIZE, patch: 4, dim: 16, depth: 2, heads: 2, classes: CLASSES, seed: 2 }).toModel());
  const r = rng(3);
  x1 = randn('float32', [1, 3, SIZE, SIZE], r);
  x2 = randn('float32', [2, 3, SIZE, SIZE], r);
  writeNpy(p('x1.npy'), x1);
  writeNpy(p('x2.npy'), x2);
  writeNpy(p('x2-item1.npy'), tensor('float32', [1, 3, SIZE, SIZE], (x2.data as Float32Array).slice(3 * SIZE * SIZE)));
  writeFileSync(p('junk.npy'), 'this is not numpy');
  writeFileSync(p('picture.png'), await encodePNG(picture));
  writeFileSync(p('boxes-all.json'), JSON.stringify([[0, 0, SIZE, SIZE]]));
  writeFileSync(p('boxes-per-item.json'), JSON.stringify([[[0, 0, SIZE, SIZE]], []]));
  // a model whose CAM is zero by construction: Conv without bias -> ReLU = 'feat' -> pool ->
  // a zero head; fed zeros, every activation of 'feat' is 0
  const net = new Net({ seed: 0 }, 'zero');
  const xin = net.b.input('input', 'float32', ['batch', 3, 8, 8]);
  const conv = net.op('Conv', [xin, net.param('conv.weight', tensor('float32', [4, 3, 2, 2], new Float32Array(48).fill(0.3)))], { kernel_shape: [2, 2], strides: [2, 2] });
  const feat = net.op('Relu', [conv], {}, 'feat');
  const pooled = net.op('Flatten', [net.op('GlobalAveragePool', [feat])], { axis: 1 });
  net.op('MatMul', [pooled, net.param('head.weight', tensor('float32', [4, 2], new Float32Array(8)))], {}, 'logits');
  net.graph.addOutput('logits', 'float32', ['batch', 2]);
  saveModel(p('zero.onnx'), net.graph.toModel());
  writeNpy(p('zeros.npy'), tensor('float32', [1, 3, 8, 8]));
});

const base = (feed = 'x1.npy'): string[] => ['cam', '--model', resnet, '--feed', `input=${p(feed)}`, '--threads', '1'];

function expectMap(t: Tensor, dims: number[]): Float32Array {
  expect(t.dtype).toBe('float32');
  expect(t.dims).toEqual(dims);
  const d = t.data as Float32Array;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of d) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  expect(lo).toBeGreaterThanOrEqual(0);
  expect(hi).toBeLessThanOrEqual(1);
  expect(hi - lo).toBeGreaterThan(0.5); // a real map, not a constant
  return d;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('gradloc cam', () => {
  it('writes float32 [H, W] in [0, 1] equal to the library call it wraps; stdout stays empty', async () => {
    const r = await gradloc([...base(), '--layer', 'layer2.0', '--class', '2', '--method', 'gradcam', '--out', p('g.npy')]);
    expect(r.err.join('\n')).toContain('gradcam');
    expect(r.code).toBe(0);
    expect(r.out).toEqual([]);
    const map = expectMap(readNpy(p('g.npy')), [SIZE, SIZE]);
    const model = OnnxModel.load(resnet, { threads: 1 });
    const ref = await createMethod('gradcam').explain({ model, feeds: { input: x1 }, target: classTarget({ output: 'logits', classes: 2 }), layers: [{ name: 'layer2.0' }] });
    await model.release();
    expect(maxAbsDiff(map, ref.maps)).toBeLessThan(1e-6);
  });

  it('--class auto explains the top class (same map as naming it)', async () => {
    const model = OnnxModel.load(resnet, { threads: 1 });
    const logits = (await model.run({ input: x1 }, ['logits'])).logits.data as Float32Array;
    await model.release();
    const top = logits.indexOf(Math.max(...logits));
    await gradloc([...base(), '--layer', 'layer2.0', '--class', 'auto', '--method', 'layercam', '--out', p('auto.npy')]);
    await gradloc([...base(), '--layer', 'layer2.0', '--class', String(top), '--method', 'layercam', '--out', p('top.npy')]);
    const other = (top + 1) % CLASSES;
    await gradloc([...base(), '--layer', 'layer2.0', '--class', String(other), '--method', 'layercam', '--out', p('other.npy')]);
    const auto = readNpy(p('auto.npy')).data as Float32Array;
    expect(maxAbsDiff(auto, readNpy(p('top.npy')).data as Float32Array)).toBe(0);
    expect(maxAbsDiff(auto, readNpy(p('other.npy')).data as Float32Array)).toBeGreaterThan(1e-3);
  });

  it('a batch of 2 gives [2, H, W]; each item matches explaining it alone', async () => {
    const r = await gradloc([...base('x2.npy'), '--layer', 'layer2.0', '--class', '1,3', '--method', 'gradcam++', '--out', p('b2.npy')]);
    expect(r.code).toBe(0);
    const maps = expectMap(readNpy(p('b2.npy')), [2, SIZE, SIZE]);
    await gradloc([...base('x2-item1.npy'), '--layer', 'layer2.0', '--class', '3', '--method', 'gradcam++', '--out', p('b2-1.npy')]);
    expect(maxAbsDiff(maps.subarray(SIZE * SIZE), readNpy(p('b2-1.npy')).data as Float32Array)).toBeLessThan(1e-4);
  });

  it('fullgrad and the input attributions ignore --layer, even a bogus one', async () => {
    for (const method of ['fullgrad', 'saliency']) {
      const r = await gradloc([...base(), '--layer', 'no/such/tensor', '--method', method, '--out', p(`${method}.npy`)]);
      expect(r.err.join('\n')).not.toContain('gradloc:');
      expect(r.code).toBe(0);
      expectMap(readNpy(p(`${method}.npy`)), [SIZE, SIZE]);
    }
  });

  it('--png renders the heatmap alone, or the overlay on --image (resized to the map)', async () => {
    // the PNG goes to a folder that does not exist yet: it is created
    const r = await gradloc([...base(), '--layer', 'layer2.0', '--out', p('h.npy'), '--png', p('pngs/new/h.png'), '--colormap', 'viridis']);
    expect(r.code).toBe(0);
    const map = readNpy(p('h.npy')).data as Float32Array;
    const heat = await decodeImage(readFileSync(p('pngs/new/h.png')));
    expect([heat.width, heat.height]).toEqual([SIZE, SIZE]);
    expect([...heat.data]).toEqual([...heatmapRGB(map, SIZE, SIZE, 'viridis').data]);

    const r2 = await gradloc([...base(), '--layer', 'layer2.0', '--out', p('o.npy'), '--png', p('o.png'), '--image', p('picture.png'), '--alpha', '0.4']);
    expect(r2.code).toBe(0);
    const over = await decodeImage(readFileSync(p('o.png')));
    expect([over.width, over.height]).toEqual([SIZE, SIZE]);
    const expected = overlay(picture, { width: SIZE, height: SIZE, data: readNpy(p('o.npy')).data as Float32Array }, { colormap: 'jet', alpha: 0.4 });
    expect([...over.data]).toEqual([...expected.data]);
  });

  it('token layers [B, N, D] become a grid; --prefix-tokens and --grid override it', async () => {
    const vitArgs = ['cam', '--model', vit, '--feed', `input=${p('x1.npy')}`, '--threads', '1', '--layer', 'blocks.0', '--method', 'gradcam'];
    const r = await gradloc([...vitArgs, '--out', p('vit.npy')]);
    expect(r.err.join('\n')).toContain('blocks.0');
    expect(r.code).toBe(0);
    const square = expectMap(readNpy(p('vit.npy')), [SIZE, SIZE]);
    const r2 = await gradloc([...vitArgs, '--prefix-tokens', '1', '--grid', '2x8', '--out', p('vit-2x8.npy')]);
    expect(r2.code).toBe(0);
    expect(maxAbsDiff(square, readNpy(p('vit-2x8.npy')).data as Float32Array)).toBeGreaterThan(1e-3);
    // 17 tokens with no prefix are not a square grid
    const bad = await gradloc([...vitArgs, '--prefix-tokens', '0', '--out', p('vit-bad.npy')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toHaveLength(1);
    expect(bad.err[0]).toMatch(/^gradloc: BAD_INPUT: .*17 patch tokens/);
    expect(existsSync(p('vit-bad.npy'))).toBe(false);
  });

  it('--metrics prints exactly one JSON line with the faithfulness metrics', async () => {
    const r = await gradloc([...base('x2.npy'), '--layer', 'layer2.0', '--out', p('m.npy'), '--metrics']);
    expect(r.err.join('\n')).not.toMatch(/^gradloc: [A-Z_]+:/m);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    const m = JSON.parse(r.out[0]) as Record<string, unknown>;
    for (const k of ['insertion_auc', 'deletion_auc', 'average_drop', 'increase_in_confidence']) {
      expect(m, k).toHaveProperty(k);
      expect(m[k] === null || typeof m[k] === 'number', k).toBe(true);
    }
    expect(readNpy(p('m.npy')).dims).toEqual([2, SIZE, SIZE]);
    expect(m).not.toHaveProperty('road_morf');
    // normal maps: an empty warnings list, and no warning on stderr
    expect(m.warnings).toEqual([]);
    expect(r.err.join('\n')).not.toContain('warning');
  });

  it('an all-zero map is written (exit 0) and its reason goes to stderr, and into the JSON line with --metrics', async () => {
    const zeroArgs = ['cam', '--model', p('zero.onnx'), '--feed', `input=${p('zeros.npy')}`, '--threads', '1', '--layer', 'feat', '--class', '0', '--method', 'gradcam'];
    const expected = "gradcam: item 0: the map is all zeros: layer 'feat': the layer's activations are all 0 for this item";
    // without --metrics stdout stays empty (its only line is the --metrics one)
    const r = await gradloc([...zeroArgs, '--out', p('z.npy')]);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([]);
    expect(r.err).toContain(`gradloc: warning: ${expected}`);
    const z = readNpy(p('z.npy'));
    expect(z.dims).toEqual([8, 8]);
    expect(Math.max(...(z.data as Float32Array))).toBe(0);
    const rm = await gradloc([...zeroArgs, '--out', p('zm.npy'), '--metrics']);
    expect(rm.code).toBe(0);
    expect(rm.out).toHaveLength(1);
    expect((JSON.parse(rm.out[0]) as { warnings: unknown }).warnings).toEqual([expected]);
    expect(rm.err).toContain(`gradloc: warning: ${expected}`);
  });

  it('--metrics --boxes adds the pointing game (a box over the whole image always hits)', async () => {
    const r = await gradloc([...base('x2.npy'), '--layer', 'layer2.0', '--out', p('pg.npy'), '--metrics', '--boxes', p('boxes-all.json')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0])).toMatchObject({ pointing_game: 1 });
    // item 1 has no boxes: not scored, so the accuracy is item 0's
    const r2 = await gradloc([...base('x2.npy'), '--layer', 'layer2.0', '--out', p('pg.npy'), '--metrics', '--boxes', p('boxes-per-item.json'), '--tolerance', '0']);
    expect(r2.code).toBe(0);
    expect(JSON.parse(r2.out[0])).toMatchObject({ pointing_game: 1 });
  });

  it('--metrics --road adds the ROAD scores', async () => {
    const r = await gradloc([...base(), '--layer', 'layer2.0', '--out', p('road.npy'), '--metrics', '--road']);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    const m = JSON.parse(r.out[0]) as Record<string, unknown>;
    for (const k of ['insertion_auc', 'deletion_auc', 'average_drop', 'increase_in_confidence', 'road_morf', 'road_lerf']) expect(m, k).toHaveProperty(k);
  });

  it('--help names every method; gradloc --help lists cam', async () => {
    const h = await gradloc(['cam', '--help']);
    expect(h.code).toBe(0);
    for (const m of METHOD_NAMES) expect(h.out[0]).toContain(m);
    expect((await gradloc(['--help'])).out[0]).toMatch(/^\s+cam\s/m);
  });
});

describe('gradloc cam errors: one line, exit 1, nothing written', () => {
  const cases: [string, string, RegExp, () => string[]][] = [
    ['unknown method', 'BAD_INPUT', /unknown method 'gradkam'/, () => [...base(), '--layer', 'layer2.0', '--method', 'gradkam']],
    ['missing --layer for a layer method', 'BAD_INPUT', /--method scorecam needs --layer.*suggests --layer layer2\.0/, () => [...base(), '--method', 'scorecam']],
    ['unknown layer tensor', 'UNKNOWN_TENSOR', /--layer 'layer9\.9'/, () => [...base(), '--layer', 'layer2.0,layer9.9']],
    ['unknown --output', 'UNKNOWN_TENSOR', /--output 'scores'/, () => [...base(), '--layer', 'layer2.0', '--output', 'scores']],
    ['class out of range', 'BAD_INPUT', /--class 5 is out of range.*5 classes/, () => [...base(), '--layer', 'layer2.0', '--class', '5']],
    ['class not a number', 'BAD_INPUT', /--class must be auto/, () => [...base(), '--layer', 'layer2.0', '--class', 'cat']],
    ['one class per item, wrong count', 'BAD_INPUT', /3 classes for a batch of 2/, () => [...base('x2.npy'), '--layer', 'layer2.0', '--class', '1,2,3']],
    ['bad npy', 'BAD_INPUT', /junk\.npy: not a \.npy file/, () => [...base('junk.npy'), '--layer', 'layer2.0']],
    ['missing feed file', 'FILE_NOT_FOUND', /nope\.npy/, () => [...base('nope.npy'), '--layer', 'layer2.0']],
    ['--image without --png', 'BAD_INPUT', /--image goes with --png/, () => [...base(), '--layer', 'layer2.0', '--image', p('picture.png')]],
    ['missing --image file', 'FILE_NOT_FOUND', /no-picture\.png/, () => [...base(), '--layer', 'layer2.0', '--png', p('err.png'), '--image', p('no-picture.png')]],
    ['--image not an image', 'BAD_INPUT', /is not an image/, () => [...base(), '--layer', 'layer2.0', '--png', p('err.png'), '--image', p('junk.npy')]],
    ['bad --grid', 'BAD_INPUT', /--grid must be/, () => [...base(), '--layer', 'layer2.0', '--grid', '4by4']],
    ['bad --colormap', 'BAD_INPUT', /--colormap must be one of turbo, jet, viridis/, () => [...base(), '--layer', 'layer2.0', '--colormap', 'hot']],
    ['bad --alpha', 'BAD_INPUT', /--alpha must be a number in \[0, 1\]/, () => [...base(), '--layer', 'layer2.0', '--alpha', '2']],
    ['--road without --metrics', 'BAD_INPUT', /--road goes with --metrics/, () => [...base(), '--layer', 'layer2.0', '--road']],
    ['--boxes without --metrics', 'BAD_INPUT', /--boxes goes with --metrics/, () => [...base(), '--layer', 'layer2.0', '--boxes', p('x1.npy')]],
    ['--boxes not JSON', 'BAD_INPUT', /--boxes .*not JSON/, () => [...base(), '--layer', 'layer2.0', '--metrics', '--boxes', p('junk.npy')]],
    ['--boxes lists for the wrong batch', 'BAD_INPUT', /2 box lists for a batch of 1/, () => [...base(), '--layer', 'layer2.0', '--metrics', '--boxes', p('boxes-per-item.json')]],
    ['--out is a directory', 'BAD_INPUT', /it is a directory/, () => [...base(), '--layer', 'layer2.0', '--out', dir]],
    ['missing --out', 'BAD_INPUT', /missing required flag --out/, () => [...base(), '--layer', 'layer2.0']],
  ];
  for (const [what, code, message, args] of cases) {
    it(what, async () => {
      const before = readdirSync(dir).sort();
      const argv = args();
      const r = await gradloc(argv.includes('--out') || what === 'missing --out' ? argv : [...argv, '--out', p('err.npy')]);
      expect(r.code).toBe(1);
      expect(r.out).toEqual([]);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(new RegExp(`^gradloc: ${code}: `));
      expect(r.err[0]).toMatch(message);
      expect(readdirSync(dir).sort()).toEqual(before);
    });
  }
});
