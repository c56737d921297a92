/** Camera pose text files of 7-Scenes and 12-Scenes: a 4x4 camera-to-world matrix, row-major, whitespace separated. */
import { readFile } from 'node:fs/promises';
import { GradlocError } from '@gradloc/tensor-backend';
import type { Pose } from '../../geometry/pose.js';

/**
 * The pose in `text` (from file `path`, named in errors). Returns null when the matrix holds
 * INF/NaN entries: 12-Scenes marks frames its tracker lost that way (DSAC* skips them too).
 */
export function parsePoseText(text: string, path: string): Pose | null {
  const tokens = text.trim().split(/\s+/).filter((s) => s.length > 0);
  if (tokens.length !== 16) throw new GradlocError('BAD_INPUT', `pose file ${path}: expected a 4x4 matrix (16 numbers), found ${tokens.length} values`);
  const m = tokens.map(Number);
  const bad = tokens.findIndex((s, i) => Number.isNaN(m[i]) && !/^[-+]?(inf|infinity|nan)$/i.test(s));
  if (bad >= 0) throw new GradlocError('BAD_INPUT', `pose file ${path}: '${tokens[bad]}' is not a number`);
  if (tokens.some((s) => /^[-+]?(inf|infinity|nan)$/i.test(s)) || m.some((x) => !Number.isFinite(x))) return null;
  const lastRow = [m[12], m[13], m[14], m[15]];
  if (Math.abs(lastRow[0]) + Math.abs(lastRow[1]) + Math.abs(lastRow[2]) > 1e-6 || Math.abs(lastRow[3] - 1) > 1e-6) {
    throw new GradlocError('BAD_INPUT', `pose file ${path}: the last row is ${lastRow.join(' ')}, not 0 0 0 1`);
  }
  return { R: [m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]], t: [m[3], m[7], m[11]] };
}

export async function readPoseFile(path: string): Promise<Pose | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new GradlocError('FILE_NOT_FOUND', `cannot read pose file ${path}`);
  }
  return parsePoseText(text, path);
}
