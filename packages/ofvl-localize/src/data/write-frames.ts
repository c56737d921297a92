/**
 * Writes a split's frames as PNG files plus one JSON of their true poses, so a user can try
 * `gradloc localize pose --image <file>` on pictures whose answer is known.
 */
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GradlocError, writePNG } from '@gradloc/tensor-backend';
import type { Intrinsics, Mat3, Vec3 } from '../geometry/pose.js';
import type { SceneSource, Split } from './frame.js';

export interface WriteFramesOptions {
  /** How many frames (default: the whole split). */
  readonly count?: number;
  /** First frame index (default 0). */
  readonly start?: number;
}

/** What `<scene>-<split>-poses.json` holds. */
export interface WrittenPoses {
  readonly scene: string;
  readonly split: Split;
  readonly intrinsics: Intrinsics;
  readonly frames: readonly { readonly index: number; readonly file: string; readonly sequence?: string; readonly R: Mat3; readonly t: Vec3 }[];
}

/** The PNG name of a frame: `<scene>-<split>-<index>.png`, the index zero-padded to 4 digits so names sort. */
export const frameFileName = (scene: string, split: Split, index: number): string => `${scene}-${split}-${String(index).padStart(4, '0')}.png`;

/** Writes frames [start, start + count) of `split` into `dir` (created if missing); returns the poses file's path. */
export async function writeFrames(source: SceneSource, split: Split, dir: string, options: WriteFramesOptions = {}): Promise<string> {
  const start = options.start ?? 0;
  const count = options.count ?? source.count[split] - start;
  if (!(Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 0 && start + count <= source.count[split])) {
    throw new GradlocError('BAD_INPUT', `${source.name} ${split} has ${source.count[split]} frames; cannot write ${count} from ${start}`);
  }
  mkdirSync(dir, { recursive: true });
  const frames: WrittenPoses['frames'][number][] = [];
  for (let index = start; index < start + count; index++) {
    const frame = await source.frame(split, index);
    const file = frameFileName(source.name, split, index);
    await writePNG(join(dir, file), frame.image);
    frames.push({ index, file, ...(frame.sequence ? { sequence: frame.sequence } : {}), R: [...frame.pose.R], t: [frame.pose.t[0], frame.pose.t[1], frame.pose.t[2]] });
  }
  const posesPath = join(dir, `${source.name}-${split}-poses.json`);
  const doc: WrittenPoses = { scene: source.name, split, intrinsics: source.intrinsics, frames };
  await writeFile(posesPath, `${JSON.stringify(doc, null, 1)}\n`);
  return posesPath;
}
