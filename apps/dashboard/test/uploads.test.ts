import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decodeUpload, pngDataUrl } from '../src/server/services/uploads.js';
import { dataUrl, scenePng, solidImage } from './helpers/images.js';

const limits = { maxBytes: 64 * 1024, maxPixels: 200 * 200 };

async function refusal(text: string, l = limits): Promise<string> {
  try {
    await decodeUpload(text, l);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the upload was accepted');
}

describe('decodeUpload', () => {
  it('decodes PNG and JPEG given as data URLs or bare base64, pixel for pixel (PNG)', async () => {
    const { bytes } = await scenePng(0);
    const png = await decodeUpload(dataUrl(bytes), limits);
    const bare = await decodeUpload(bytes.toString('base64'), limits);
    const truth = await sharp(bytes).raw().toBuffer();
    expect(png.format).toBe('png');
    expect([png.image.width, png.image.height]).toEqual([96, 96]);
    expect(Buffer.from(png.image.data).equals(truth)).toBe(true);
    expect(Buffer.from(bare.image.data).equals(truth)).toBe(true);
    const jpeg = await decodeUpload(dataUrl(await solidImage(30, 20, 'jpeg'), 'image/jpeg'), limits);
    expect([jpeg.format, jpeg.image.width, jpeg.image.height]).toEqual(['jpeg', 30, 20]);
  });

  it('sniffs the type from the bytes, not the data URL', async () => {
    // a PNG declared as JPEG is still a PNG; a GIF declared as PNG is refused
    expect((await decodeUpload(dataUrl(await solidImage(8, 8, 'png'), 'image/jpeg'), limits)).format).toBe('png');
    expect(await refusal(dataUrl(await solidImage(8, 8, 'gif'), 'image/png'))).toBe('the upload is a gif file; expected a PNG or JPEG file');
    expect(await refusal(dataUrl(await solidImage(8, 8, 'webp')))).toBe('the upload is a webp file; expected a PNG or JPEG file');
    expect(await refusal(dataUrl(Buffer.from('just some text, not an image')))).toBe('the upload is not an image (expected a PNG or JPEG file)');
  });

  it('refuses too many bytes before decoding and too many pixels from the header', async () => {
    expect(await refusal('A'.repeat(200 * 1024))).toMatch(/^the image is 0\.15 MiB; the limit is 0\.06 MiB$/);
    const big = await solidImage(300, 200, 'png'); // small file, 60,000 pixels
    expect(big.length).toBeLessThan(limits.maxBytes);
    expect(await refusal(dataUrl(big))).toBe('the upload is 300x200 = 60000 pixels; the limit is 40000 pixels');
  });

  it('says what is wrong with empty, non-base64 and damaged uploads', async () => {
    expect(await refusal('')).toBe('the image is empty');
    expect(await refusal('data:image/png;base64,')).toBe('the image is empty');
    expect(await refusal('not base64 at all!')).toMatch(/must be base64 or a data: URL/);
    const png = await solidImage(64, 64, 'png');
    expect(await refusal(dataUrl(png.subarray(0, Math.floor(png.length * 0.6))))).toMatch(/PNG file|not an image/);
  });

  it('pngDataUrl round-trips an RGB image', async () => {
    const image = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i * 13) };
    const back = await decodeUpload(await pngDataUrl(image), limits);
    expect(Array.from(back.image.data)).toEqual(Array.from(image.data));
  });
});
