/**
 * Which files make up a 7-Scenes or 12-Scenes scene folder, per split.
 *
 * 7-Scenes: `<scene>/seq-XX/frame-NNNNNN.{color.png,depth.png,pose.txt}` with TrainSplit.txt
 * and TestSplit.txt listing `sequenceK` lines (sequence K is folder seq-0K).
 * 12-Scenes: `<scene>/data/frame-NNNNNN.{color.jpg,depth.png,pose.txt}`, `info.txt` (camera)
 * and `split.txt`, whose first line `sequence0 [frames=N] ...` makes the first N frames the
 * test sequence and the rest training (the convention of the 12-Scenes release, as DSAC*'s
 * setup_12scenes.py reads it).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GradlocError } from '@gradloc/tensor-backend';
import type { Intrinsics } from '../../geometry/pose.js';
import type { Split } from '../frame.js';
import { parseInfoText, SEVEN_SCENES_INTRINSICS } from './camera.js';

export type RgbdLayout = '7-scenes' | '12-scenes';

export interface FrameFiles {
  readonly sequence: string;
  readonly color: string;
  readonly depth: string;
  readonly pose: string;
}

export interface SceneFolder {
  readonly dir: string;
  readonly layout: RgbdLayout;
  readonly frames: Readonly<Record<Split, readonly FrameFiles[]>>;
  /** The dataset's colour intrinsics at the size they were calibrated for. */
  readonly intrinsics: Intrinsics;
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** The layout of a scene folder, or null when it is neither. */
export function detectLayout(dir: string): RgbdLayout | null {
  if (existsSync(join(dir, 'TrainSplit.txt')) || existsSync(join(dir, 'TestSplit.txt'))) return '7-scenes';
  if (isDir(join(dir, 'data'))) return '12-scenes';
  return null;
}

/** Scene folders under `root`, one or two levels down (12-Scenes nests scenes as apt1/kitchen), as relative names. */
export function findSceneFolders(root: string): string[] {
  if (!isDir(root)) throw new GradlocError('FILE_NOT_FOUND', `dataset folder ${root} does not exist`);
  const found: string[] = [];
  for (const a of readdirSync(root).sort()) {
    if (!isDir(join(root, a))) continue;
    if (detectLayout(join(root, a))) {
      found.push(a);
      continue;
    }
    for (const b of readdirSync(join(root, a)).sort()) {
      if (isDir(join(root, a, b)) && detectLayout(join(root, a, b))) found.push(`${a}/${b}`);
    }
  }
  return found;
}

function readText(path: string, what: string): string {
  if (!existsSync(path)) throw new GradlocError('FILE_NOT_FOUND', `${what} ${path} does not exist`);
  return readFileSync(path, 'utf8');
}

/** Frame stems (`.../frame-000123`) of the `frame-NNNNNN.color.<ext>` files in `dir`, in frame order. */
function frameStems(dir: string, colorExt: string): { stem: string; color: string }[] {
  if (!isDir(dir)) throw new GradlocError('FILE_NOT_FOUND', `sequence folder ${dir} does not exist`);
  const pattern = new RegExp(`^(frame-(\\d+))\\.color\\.${colorExt}$`);
  const frames = readdirSync(dir)
    .map((f) => pattern.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[2]) - Number(b[2]));
  if (frames.length === 0) throw new GradlocError('BAD_INPUT', `${dir} holds no frame-NNNNNN.color.${colorExt} files`);
  return frames.map((m) => ({ stem: join(dir, m[1]), color: join(dir, m[0]) }));
}

const filesOf = (sequence: string, f: { stem: string; color: string }): FrameFiles => ({ sequence, color: f.color, depth: `${f.stem}.depth.png`, pose: `${f.stem}.pose.txt` });

/** Sequence folder names (seq-01, ...) listed in a 7-Scenes TrainSplit.txt / TestSplit.txt. */
export function parseSplitFile(text: string, path: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((line) => {
      const m = /^sequence(\d+)$/i.exec(line);
      if (!m) throw new GradlocError('BAD_INPUT', `${path}: '${line}' is not a 'sequenceN' line`);
      return `seq-${m[1].padStart(2, '0')}`;
    });
}

function sevenScenesFolder(dir: string, intrinsics: Intrinsics): SceneFolder {
  const split = (file: string): FrameFiles[] => {
    const path = join(dir, file);
    return parseSplitFile(readText(path, 'split file'), path).flatMap((seq) => frameStems(join(dir, seq), 'png').map((f) => filesOf(seq, f)));
  };
  return { dir, layout: '7-scenes', frames: { train: split('TrainSplit.txt'), test: split('TestSplit.txt') }, intrinsics };
}

function twelveScenesFolder(dir: string, given: Intrinsics | undefined): SceneFolder {
  const splitPath = join(dir, 'split.txt');
  const first = readText(splitPath, 'split file').split(/\r?\n/)[0] ?? '';
  const m = /frames=(\d+)/.exec(first);
  if (!m) throw new GradlocError('BAD_INPUT', `${splitPath}: the first line should read 'sequence0 [frames=N] ...'`);
  const testCount = Number(m[1]);
  const infoPath = join(dir, 'info.txt');
  const intrinsics = given ?? parseInfoText(readText(infoPath, 'camera file'), infoPath);
  const all = frameStems(join(dir, 'data'), 'jpg');
  return {
    dir,
    layout: '12-scenes',
    frames: { test: all.slice(0, testCount).map((f) => filesOf('seq-00', f)), train: all.slice(testCount).map((f) => filesOf('seq-01', f)) },
    intrinsics,
  };
}

/** The frames of scene folder `dir`; `intrinsics` replaces the dataset's (7-Scenes' constants, 12-Scenes' info.txt). */
export function listSceneFolder(dir: string, intrinsics?: Intrinsics): SceneFolder {
  if (!isDir(dir)) throw new GradlocError('FILE_NOT_FOUND', `scene folder ${dir} does not exist`);
  const layout = detectLayout(dir);
  if (layout === '7-scenes') return sevenScenesFolder(dir, intrinsics ?? SEVEN_SCENES_INTRINSICS);
  if (layout === '12-scenes') return twelveScenesFolder(dir, intrinsics);
  throw new GradlocError('BAD_INPUT', `${dir} is not a 7-Scenes scene (no TrainSplit.txt/TestSplit.txt) nor a 12-Scenes scene (no data/ folder)`);
}
