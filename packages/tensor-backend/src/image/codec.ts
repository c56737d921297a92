/**
 * Image files through sharp (libvips, prebuilt binaries from npm). sharp is imported on first
 * use rather than at module load, so the explanation methods work (and load fast) in
 * processes that never touch an image file.
 */
import { existsSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-write.js';
import { firstLine, GradlocError } from '../errors.js';
import { heatmapRGB, overlay, type OverlayOptions } from './heatmap.js';
import type { ColormapName } from './colormap.js';
import { checkImage, type MapPlane, type RgbImage } from './types.js';

type SharpModule = typeof import('sharp');
export type SharpFactory = SharpModule['default'];

let sharpPromise: Promise<SharpFactory> | undefined;

/** sharp, imported once on first use (other packages reading image files share it). */
export function loadSharp(): Promise<SharpFactory> {
  sharpPromise ??= import('sharp').then(
    (m) => m.default,
    (e: unknown) => {
      sharpPromise = undefined;
      throw new GradlocError('RUNTIME_ERROR', `cannot load sharp (image files): ${firstLine(e)}`, { cause: e });
    },
  );
  return sharpPromise;
}

/** Image limits checked from the file's header, before any pixel is decoded. */
export interface DecodeLimits {
  /** Largest width x height accepted (default DEFAULT_MAX_PIXELS). */
  readonly maxPixels?: number;
  /** Formats accepted, as sharp names them (default: any sharp reads). */
  readonly formats?: readonly string[];
}

/**
 * The pixel limit the CLI and the dashboard share by default: 4096 x 4096, 48 MiB of RGB once
 * decoded. Decompression bombs (a tiny PNG of 100000 x 100000 pixels) are refused from the
 * header, before any allocation.
 */
export const DEFAULT_MAX_PIXELS = 4096 * 4096;

function checkPixels(width: number, height: number, what: string, limits: DecodeLimits): void {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (width * height > maxPixels) {
    throw new GradlocError('BAD_INPUT', `${what} is ${width}x${height} = ${width * height} pixels; the limit is ${maxPixels} pixels`);
  }
}

export interface DecodedImage extends RgbImage {
  /** The file's format as sharp names it ('png', 'jpeg', 'webp', ...). */
  readonly format: string;
}

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * Any image sharp reads (PNG, JPEG, WebP, ...) as 8-bit RGB, after checking its header against
 * `limits`. Alpha is dropped, not blended (as cv2.imread(path, 1) and PIL's convert('RGB') do),
 * grey images become three equal channels, 16-bit images are scaled to 8 bits. Every refusal
 * is a BAD_INPUT naming `what` and what to do.
 */
export async function decodeImage(bytes: Uint8Array | string, what = 'image', limits: DecodeLimits = {}): Promise<DecodedImage> {
  const sharp = await loadSharp();
  const input = typeof bytes === 'string' ? bytes : toBuffer(bytes);
  const expected = limits.formats?.map((f) => f.toUpperCase()).join(' or ');
  let format: string | undefined;
  let width = 0;
  let height = 0;
  try {
    const meta = await sharp(input, { limitInputPixels: false }).metadata();
    [format, width, height] = [meta.format, meta.width ?? 0, meta.height ?? 0];
  } catch (e) {
    throw new GradlocError('BAD_INPUT', `${what} is not an image (${expected ? `expected a ${expected} file` : firstLine(e)})`, { cause: e });
  }
  if (!format || (limits.formats && !limits.formats.includes(format))) {
    throw new GradlocError('BAD_INPUT', `${what} is a ${format ?? 'unknown'} file; expected a ${expected ?? 'known image'} file`);
  }
  if (width < 1 || height < 1) throw new GradlocError('BAD_INPUT', `${what} has no pixels`);
  checkPixels(width, height, what, limits);
  try {
    const { data, info } = await sharp(input, { limitInputPixels: false }).removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), format };
  } catch (e) {
    throw new GradlocError('BAD_INPUT', `${what} is damaged or not an image (${firstLine(e)})`, { cause: e });
  }
}

/** An image file as 8-bit RGB (see decodeImage). */
export async function readImage(path: string, limits: DecodeLimits = {}): Promise<DecodedImage> {
  if (!existsSync(path) || !statSync(path).isFile()) throw new GradlocError('FILE_NOT_FOUND', `cannot read image ${path}`);
  return decodeImage(path, path, limits);
}

/** PNG bytes of an RGB image (lossless, 8 bits per channel). */
export async function encodePNG(image: RgbImage): Promise<Uint8Array> {
  if (image.data.length !== image.width * image.height * 3) {
    throw new GradlocError('BAD_INPUT', `${image.data.length} bytes do not make a ${image.width}x${image.height} RGB image`);
  }
  const sharp = await loadSharp();
  const raw = toBuffer(image.data);
  const png = await sharp(raw, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** Writes a PNG atomically (temp file + rename), so a failure never leaves half a file. */
export async function writePNG(path: string, image: RgbImage): Promise<void> {
  const bytes = await encodePNG(image);
  try {
    writeFileAtomic(path, bytes);
  } catch (e) {
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

/** What the high-level entry points take as a picture: file bytes (decoded here) or decoded RGB. */
export type ImageInput = Uint8Array | RgbImage;

const isRgbImage = (x: ImageInput): x is RgbImage => !(x instanceof Uint8Array);

/** `input` as 8-bit RGB: bytes are decoded under `limits`; a decoded picture is checked. */
export async function toRgbImage(input: ImageInput, what = 'image', limits: DecodeLimits = {}): Promise<RgbImage> {
  if (!isRgbImage(input)) return decodeImage(input, what, limits);
  checkImage(input, what);
  checkPixels(input.width, input.height, what, limits);
  return input;
}
