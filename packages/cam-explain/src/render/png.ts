/**
 * Image files through sharp (libvips, prebuilt binaries from npm). sharp is imported on first
 * use rather than at module load, so the explanation methods work (and load fast) in
 * processes that never touch an image file.
 */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { GradlocError } from '@gradloc/tensor-backend';
import { heatmapRGB, overlay, type MapPlane, type OverlayOptions, type RgbImage } from './heatmap.js';
import type { ColormapName } from './colormap.js';

type SharpModule = typeof import('sharp');
type SharpFactory = SharpModule['default'];

let sharpPromise: Promise<SharpFactory> | undefined;

function loadSharp(): Promise<SharpFactory> {
  sharpPromise ??= import('sharp').then(
    (m) => m.default,
    (e: unknown) => {
      sharpPromise = undefined;
      throw new GradlocError('RUNTIME_ERROR', `cannot load sharp (image files): ${(e as Error).message}`, { cause: e });
    },
  );
  return sharpPromise;
}

/**
 * Any image sharp reads (PNG, JPEG, WebP, ...) as 8-bit RGB. Alpha is dropped, not blended
 * (as cv2.imread(path, 1) and PIL's convert('RGB') do), grey images become three equal channels,
 * 16-bit images are scaled to 8 bits.
 */
export async function decodeImageRGB(bytes: Uint8Array | string, what = 'image'): Promise<RgbImage> {
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    throw new GradlocError('BAD_INPUT', `${what}: cannot decode as an image (${(e as Error).message.split('\n')[0]})`, { cause: e });
  }
}

/** An image file as 8-bit RGB (see decodeImageRGB). */
export async function readImageRGB(path: string): Promise<RgbImage> {
  if (!existsSync(path) || !statSync(path).isFile()) throw new GradlocError('FILE_NOT_FOUND', `cannot read image ${path}`);
  return decodeImageRGB(path, path);
}

/** PNG bytes of an RGB image (lossless, 8 bits per channel). */
export async function encodePNG(image: RgbImage): Promise<Uint8Array> {
  if (image.data.length !== image.width * image.height * 3) {
    throw new GradlocError('BAD_INPUT', `${image.data.length} bytes do not make a ${image.width}x${image.height} RGB image`);
  }
  const sharp = await loadSharp();
  const raw = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const png = await sharp(raw, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** Writes a PNG atomically (temp file + rename), so a failure never leaves half a file. */
export async function writePNG(path: string, image: RgbImage): Promise<void> {
  const bytes = await encodePNG(image);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new GradlocError('BAD_INPUT', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/** The map alone through a colormap, as a PNG of the map's size. */
export async function writeHeatmapPNG(path: string, map: MapPlane, colormap: ColormapName = 'jet'): Promise<void> {
  await writePNG(path, heatmapRGB(map.data, map.height, map.width, colormap));
}

/** The map's heatmap over the image (pytorch-grad-cam's blend, see overlay), as a PNG. */
export async function writeOverlayPNG(path: string, image: RgbImage, map: MapPlane, options: OverlayOptions = {}): Promise<void> {
  await writePNG(path, overlay(image, map, options));
}
