/** `gradloc cam`'s files: pictures in, PNG rendering, --boxes JSON, staged writes out. */
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { GradlocError, heatmapRGB, overlay, tileHorizontal, type ColormapName, type RgbImage } from '@gradloc/tensor-backend';
import type { CamResult, PixelBox } from '@gradloc/cam-explain';
import { readPicture } from '../images.js';
import { writeOutputs, type OutputFile } from '../output.js';
export function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new GradlocError('FILE_NOT_FOUND', `${flag}: cannot read ${path}`);
  }
}

export async function readImages(paths: readonly string[]): Promise<RgbImage[]> {
  const images: RgbImage[] = [];
  for (const p of paths) images.push(await readPicture(p));
  return images;
}

export function renderPng(result: CamResult, images: readonly RgbImage[], colormap: ColormapName, alpha: number): RgbImage {
  const { batch, height, width } = result;
  const items: RgbImage[] = [];
  for (let b = 0; b < batch; b++) {
    const data = result.maps.subarray(b * height * width, (b + 1) * height * width);
    const image = images.length === 0 ? undefined : images[images.length === 1 ? 0 : b];
    items.push(image ? overlay(image, { width, height, data }, { colormap, alpha }) : heatmapRGB(data, height, width, colormap));
  }
  return items.length === 1 ? items[0] : tileHorizontal(items);
}

const isBox = (v: unknown): v is [number, number, number, number] => Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** --boxes: one list of boxes for every item, or one list per item. */
export function parseBoxes(text: string, batch: number, what: string): PixelBox[][] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new GradlocError('BAD_INPUT', `${what}: not JSON (${(e as Error).message})`);
  }
  const shape = 'expected [[x0,y0,x1,y1], ...] for every item or one such list per item';
  if (!Array.isArray(v)) throw new GradlocError('BAD_INPUT', `${what}: ${shape}`);
  if (v.every(isBox)) return Array.from({ length: batch }, () => v as PixelBox[]);
  if (!v.every((list) => Array.isArray(list) && list.every(isBox))) throw new GradlocError('BAD_INPUT', `${what}: ${shape}`);
  if (v.length !== batch) throw new GradlocError('BAD_INPUT', `${what}: ${v.length} box lists for a batch of ${batch}`);
  return v as PixelBox[][];
}

/** Groups files by folder; each folder's files land through the staged, atomic writeOutputs. */
export function writeFiles(files: ReadonlyArray<{ readonly path: string; readonly bytes: Uint8Array }>): void {
  const byDir = new Map<string, OutputFile[]>();
  for (const f of files) {
    const abs = resolve(f.path);
    const dir = dirname(abs);
    if (!byDir.has(dir)) byDir.set(dir, []);
    byDir.get(dir)!.push({ path: basename(abs), bytes: f.bytes });
  }
  for (const [dir, list] of byDir) writeOutputs(dir, list);
}
