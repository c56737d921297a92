/**
 * Rendering: colormaps against published values, heatmap quantisation, the overlay's
 * arithmetic (pytorch-grad-cam's show_cam_on_image) worked by hand on 2x2 images, and PNG
 * files through sharp.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  COLORMAP_NAMES,
  colormapTable,
  decodeImage,
  encodePNG,
  heatmapRGB,
  jet,
  overlay,
  readImage,
  resizeRGB,
  tileHorizontal,
  turbo,
  viridis,
  writeHeatmapPNG,
  writeOverlayPNG,
  type Rgb,
  type RgbImage,
} from '../src/index.js';

const maxDiff = (a: Rgb, b: Rgb): number => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

/** Relative luminance of sRGB bytes (linearised, Rec. 709 weights). */
function luminance([r, g, b]: Rgb): number {
  const lin = (u: number): number => {
    const x = u / 255;
    return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

const image = (width: number, height: number, bytes: number[]): RgbImage => ({ width, height, data: Uint8Array.from(bytes) });

describe('jet', () => {
  it('runs dark blue, blue, cyan, yellow, dark red at t = 0, 1/8, 3/8, 5/8, 1', () => {
    expect(jet(0)).toEqual([0, 0, 128]);
    expect(jet(0.125)).toEqual([0, 0, 255]);
    expect(jet(0.375)).toEqual([0, 255, 255]);
    expect(jet(0.5)).toEqual([128, 255, 128]);
    expect(jet(0.625)).toEqual([255, 255, 0]);
    expect(jet(0.875)).toEqual([255, 0, 0]);
    expect(jet(1)).toEqual([128, 0, 0]);
  });
  it('clamps t outside [0, 1] and reads NaN as 0', () => {
    expect(jet(-3)).toEqual(jet(0));
    expect(jet(7)).toEqual(jet(1));
    expect(jet(Number.NaN)).toEqual(jet(0));
  });
});

describe('turbo (Google polynomial approximation)', () => {
  it('endpoints are the polynomial constant term and coefficient sum', () => {
    expect(turbo(0)).toEqual([35, 23, 27]);
    expect(turbo(1)).toEqual([144, 13, 0]);
  });
  it('stays near Turbo’s published 256-entry table (within the approximation’s known error)', () => {
    // entries 0, 64, 128, 192, 255 of Google's Turbo table, as bytes
    const table: [number, Rgb][] = [
      [0, [48, 18, 59]],
      [64, [40, 188, 235]],
      [128, [164, 252, 60]],
      [192, [251, 126, 33]],
      [255, [122, 4, 3]],
    ];
    for (const [i, rgb] of table) expect(maxDiff(turbo(i / 255), rgb)).toBeLessThanOrEqual(i === 0 || i === 255 ? 32 : 20);
  });
  it('is blue-dominant low, green-dominant mid, red-dominant high', () => {
    const [r1, g1, b1] = turbo(0.2);
    expect(b1).toBeGreaterThan(Math.max(r1, g1));
    const [r2, g2, b2] = turbo(0.5);
    expect(g2).toBeGreaterThan(Math.max(r2, b2));
    const [r3, g3, b3] = turbo(0.9);
    expect(r3).toBeGreaterThan(Math.max(g3, b3));
  });
});

describe('viridis (17 control points, Catmull-Rom)', () => {
  it('has matplotlib’s endpoints exactly', () => {
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(1)).toEqual([253, 231, 37]);
  });
  it('matches matplotlib’s table within 3/255 between the control points', () => {
    const mpl: [number, Rgb][] = [
      [32, [71, 45, 123]],
      [64, [59, 82, 139]],
      [96, [44, 114, 142]],
      [128, [33, 145, 140]],
      [160, [40, 174, 128]],
      [192, [94, 201, 98]],
      [224, [173, 220, 48]],
    ];
    for (const [i, rgb] of mpl) expect(maxDiff(viridis(i / 255), rgb), `entry ${i}`).toBeLessThanOrEqual(3);
  });
  it('has monotone luminance (up to byte rounding between neighbours, strictly over 4 entries)', () => {
    const y = Array.from({ length: 256 }, (_, i) => luminance(viridis(i / 255)));
    for (let i = 1; i < 256; i++) expect(y[i]).toBeGreaterThanOrEqual(y[i - 1] - 3e-4);
    for (let i = 4; i < 256; i++) expect(y[i]).toBeGreaterThan(y[i - 4]);
    expect(y[255] / y[0]).toBeGreaterThan(10);
  });
  it('the lookup tables hold colormap(i / 255)', () => {
    for (const name of COLORMAP_NAMES) {
      const table = colormapTable(name);
      const fn = { turbo, jet, viridis }[name];
      for (const i of [0, 1, 77, 128, 254, 255]) expect([...table.subarray(i * 3, i * 3 + 3)]).toEqual([...fn(i / 255)]);
    }
  });
});

describe('heatmapRGB', () => {
  it('indexes the table with uint8(255 * v), clamping and NaN as 0', () => {
    const lut = colormapTable('jet');
    const entry = (i: number): number[] => [...lut.subarray(i * 3, i * 3 + 3)];
    const h = heatmapRGB(Float32Array.from([0, 0.5, 1, 2, -1, Number.NaN]), 2, 3, 'jet');
    expect([h.width, h.height, h.data.length]).toEqual([3, 2, 18]);
    const px = (p: number): number[] => [...h.data.subarray(p * 3, p * 3 + 3)];
    expect(px(0)).toEqual(entry(0));
    expect(px(1)).toEqual(entry(127)); // 127.5 truncates, as numpy's uint8 cast
    expect(px(2)).toEqual(entry(255));
    expect(px(3)).toEqual(entry(255));
    expect(px(4)).toEqual(entry(0));
    expect(px(5)).toEqual(entry(0));
  });
  it('rejects a map of the wrong size', () => {
    expect(() => heatmapRGB(new Float32Array(5), 2, 3)).toThrow(/BAD_INPUT|not 2x3/);
  });
});

describe('overlay (show_cam_on_image arithmetic)', () => {
  // map 0 -> jet (0, 0, 128), map 1 -> jet (128, 0, 0)
  const img = image(2, 2, [100, 50, 200, 255, 255, 255, 0, 0, 0, 20, 40, 60]);
  const map = { width: 2, height: 2, data: Float32Array.from([0, 1, 0, 1]) };

  it('blends 0.5/0.5, divides by the max and truncates', () => {
    // blend*255: (50,25,164) (191.5,127.5,127.5) (0,0,64) (74,20,30); max 191.5
    // result = floor(255 * x / 191.5)
    const out = overlay(img, map, { colormap: 'jet' });
    expect([out.width, out.height]).toEqual([2, 2]);
    expect([...out.data]).toEqual([66, 33, 218, 255, 169, 169, 0, 0, 85, 98, 26, 39]);
  });
  it('rescale: false is a plain alpha blend', () => {
    const out = overlay(img, map, { colormap: 'jet', rescale: false });
    expect([...out.data]).toEqual([50, 25, 164, 191, 127, 127, 0, 0, 64, 74, 20, 30]);
  });
  it('alpha weighs the heatmap (alpha 1: heatmap only, rescaled to 255; alpha 0: the image, rescaled)', () => {
    expect([...overlay(img, map, { alpha: 1 }).data]).toEqual([0, 0, 255, 255, 0, 0, 0, 0, 255, 255, 0, 0]);
    expect([...overlay(img, map, { alpha: 0 }).data]).toEqual([...img.data]);
    expect(() => overlay(img, map, { alpha: 1.5 })).toThrow(/alpha/);
  });
  it('resizes the image to the map (default) or the map to the image', () => {
    const big = image(4, 4, Array.from({ length: 48 }, () => 90));
    const small = overlay(big, map, { rescale: false });
    expect([small.width, small.height]).toEqual([2, 2]);
    // flat grey image: pixel 0 is (0 + 90, 0 + 90, 128 + 90) / 2
    expect([...small.data.subarray(0, 3)]).toEqual([45, 45, 109]);
    const large = overlay(big, map, { rescale: false, size: 'image' });
    expect([large.width, large.height]).toEqual([4, 4]);
    expect(resizeRGB(big, 2, 2).data).toEqual(new Uint8Array(12).fill(90));
  });
  it('tiles a batch left to right', () => {
    const a = image(1, 2, [1, 1, 1, 2, 2, 2]);
    const b = image(2, 1, [3, 3, 3, 4, 4, 4]);
    const t = tileHorizontal([a, b]);
    expect([t.width, t.height]).toEqual([3, 2]);
    expect([...t.data]).toEqual([1, 1, 1, 3, 3, 3, 4, 4, 4, 2, 2, 2, 0, 0, 0, 0, 0, 0]);
  });
});

describe('PNG files (sharp)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradloc-render-test-'));
  const rgb = image(3, 2, [0, 13, 26, 39, 52, 65, 78, 91, 104, 117, 130, 143, 156, 169, 182, 195, 208, 255]);

  it('encodes and decodes RGB losslessly', async () => {
    const png = await encodePNG(rgb);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const back = await decodeImage(png);
    expect([back.width, back.height]).toEqual([3, 2]);
    expect([...back.data]).toEqual([...rgb.data]);
  });
  it('reads grey images as three equal channels and drops alpha', async () => {
    const grey = await sharp(Buffer.from([0, 128, 255, 7]), { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer();
    expect([...(await decodeImage(grey)).data]).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255, 7, 7, 7]);
    const rgba = await sharp(Buffer.from([1, 2, 3, 0, 4, 5, 6, 255]), { raw: { width: 2, height: 1, channels: 4 } }).png().toBuffer();
    expect([...(await decodeImage(rgba)).data]).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('writes heatmap and overlay PNGs that read back as computed', async () => {
    const map = { width: 3, height: 2, data: Float32Array.from([0, 0.2, 0.4, 0.6, 0.8, 1]) };
    const heatPath = join(dir, 'heat.png');
    await writeHeatmapPNG(heatPath, map, 'viridis');
    expect([...(await readImage(heatPath)).data]).toEqual([...heatmapRGB(map.data, 2, 3, 'viridis').data]);
    const overPath = join(dir, 'over.png');
    await writeOverlayPNG(overPath, rgb, map, { colormap: 'turbo', alpha: 0.3 });
    expect([...(await readImage(overPath)).data]).toEqual([...overlay(rgb, map, { colormap: 'turbo', alpha: 0.3 }).data]);
  });
  it('fails with FILE_NOT_FOUND / BAD_INPUT, never a raw sharp error', async () => {
    await expect(readImage(join(dir, 'missing.png'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    const junk = join(dir, 'junk.png');
    writeFileSync(junk, 'not an image');
    await expect(readImage(junk)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(decodeImage(readFileSync(junk))).rejects.toThrow(/not an image/);
  });
});
