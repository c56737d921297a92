/**
 * From files to model inputs: decoding under limits (checked from the header, before any
 * pixel is decoded), planar [3, H, W] images, per-channel standardisation, and the box
 * outline drawn over overlays.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, DEFAULT_MAX_PIXELS, drawBox, imageBatch, normalizeImages, planarFromRgb, tensor, toRgbImage, type RgbImage } from '../src/index.js';

const png = async (width: number, height: number, fill = 128): Promise<Uint8Array> =>
  new Uint8Array(await sharp({ create: { width, height, channels: 3, background: { r: fill, g: fill, b: fill } } }).png().toBuffer());

describe('decodeImage limits', () => {
  it('refuses a picture over the pixel limit from its header, naming both counts', async () => {
    const bytes = await png(40, 30);
    await expect(decodeImage(bytes, 'the upload', { maxPixels: 1199 })).rejects.toThrow(/the upload is 40x30 = 1200 pixels; the limit is 1199 pixels/);
    expect((await decodeImage(bytes, 'the upload', { maxPixels: 1200 })).width).toBe(40);
  });

  it('defaults to the 4096 x 4096 limit the CLI and the dashboard share, without decoding a bomb', async () => {
    expect(DEFAULT_MAX_PIXELS).toBe(4096 * 4096);
    // a 5000 x 4000 PNG of one colour compresses to a few kB; refusing it must not need 60 MB of pixels
    const bomb = await png(5000, 4000);
    expect(bomb.length).toBeLessThan(200_000);
    await expect(decodeImage(bomb)).rejects.toThrow(/5000x4000 = 20000000 pixels; the limit is 16777216/);
  });

  it('refuses formats outside the list and reports the format it read', async () => {
    const jpeg = new Uint8Array(await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).jpeg().toBuffer());
    expect((await decodeImage(jpeg)).format).toBe('jpeg');
    await expect(decodeImage(jpeg, 'x', { formats: ['png'] })).rejects.toThrow(/x is a jpeg file; expected a PNG file/);
    await expect(decodeImage(new Uint8Array([1, 2, 3]), 'junk')).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('toRgbImage decodes bytes and checks decoded pictures against the same limit', async () => {
    expect((await toRgbImage(await png(3, 2, 7))).data.slice(0, 3)).toEqual(new Uint8Array([7, 7, 7]));
    const picture: RgbImage = { width: 10, height: 10, data: new Uint8Array(300) };
    await expect(toRgbImage(picture, 'picture', { maxPixels: 99 })).rejects.toThrow(/picture is 10x10 = 100 pixels/);
    await expect(toRgbImage({ width: 10, height: 10, data: new Uint8Array(299) })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});

describe('planar inputs', () => {
  it('planarFromRgb moves channels to planes and scales bytes to [0, 1]', () => {
    const p = planarFromRgb({ width: 2, height: 1, data: new Uint8Array([255, 0, 51, 0, 102, 255]) }, 2, 1);
    expect(Array.from(p.data)).toEqual([1, 0, 0, 0.4, 0.2, 1].map(Math.fround));
  });

  it('normalizeImages standardises each channel of each item', () => {
    const x = tensor('float32', [2, 3, 1, 2], Float32Array.from([0, 1, 0.5, 0.5, 1, 0, 0.2, 0.4, 0.6, 0.8, 1, 1]));
    const y = normalizeImages(x, { mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 1] });
    const expected = [-1, 1, 0, 0, 0.5, -0.5, -0.6, -0.2, 0.4, 1.2, 0.5, 0.5];
    Array.from(y.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    expect(() => normalizeImages(tensor('float32', [1, 1, 2, 2]), { mean: [0, 0, 0], std: [1, 1, 1] })).toThrow(/\[N, 3, H, W\]/);
  });

  it('imageBatch adds the batch axis and normalises only when asked', () => {
    const p = { width: 1, height: 1, data: Float32Array.from([0.5, 0.5, 0.5]) };
    expect(imageBatch(p).dims).toEqual([1, 3, 1, 1]);
    expect(Array.from(imageBatch(p, { mean: [0.5, 0, 0.25], std: [1, 0.5, 0.25] }).data as Float32Array)).toEqual([0, 1, 1]);
  });
});

describe('drawBox', () => {
  it('outlines the box in the colour, with a dark halo outside, leaving the inside and the source alone', () => {
    const image: RgbImage = { width: 10, height: 10, data: new Uint8Array(300).fill(100) };
    const out = drawBox(image, [2, 2, 8, 8], { width: 1, colour: [255, 0, 0] });
    const px = (x: number, y: number): number[] => Array.from(out.data.subarray((y * 10 + x) * 3, (y * 10 + x) * 3 + 3));
    for (const [x, y] of [[2, 2], [7, 2], [2, 7], [7, 7], [5, 2], [2, 5]]) expect(px(x, y)).toEqual([255, 0, 0]);
    for (const [x, y] of [[1, 5], [8, 5], [5, 1], [5, 8], [3, 5]]) expect(px(x, y)).toEqual([0, 0, 0]);
    expect(px(5, 5)).toEqual([100, 100, 100]);
    expect(px(0, 0)).toEqual([100, 100, 100]);
    expect(image.data.every((v) => v === 100)).toBe(true);
  });

  it('clips a box that leaves the image', () => {
    const out = drawBox({ width: 4, height: 4, data: new Uint8Array(48) }, [-5, -5, 2, 2], { width: 1 });
    expect(Array.from(out.data.subarray(0, 3))).toEqual([255, 255, 255]);
  });
});
