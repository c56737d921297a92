/**
 * 7-Scenes and 12-Scenes folders as SceneSources, for users who have the datasets. Frames are
 * read from disk on every call; poses are read (and checked) when a scene is loaded.
 *
 * Frame size: by default the depth image's (640 x 480 in both datasets), the colour image
 * resized to it when it differs (12-Scenes colour is larger); `width`/`height` choose another
 * size (colour bilinear, depth nearest). Intrinsics: the dataset's colour camera scaled to the
 * frame size (see scaleIntrinsics), or the caller's. Depth (uint16 millimetres; 0 and 65535 mean
 * unknown) is taken as registered to the colour image, as DSAC does; scene coordinates are the
 * depth back-projected through those intrinsics and the frame's pose.
 */
import { basename, join, resolve } from 'node:path';
import { GradlocError, readImage, resizeRGB, type RgbImage } from '@gradloc/tensor-backend';
import type { Intrinsics, Pose } from '../geometry/pose.js';
import type { FloorPlan, Frame, SceneSource, Split } from './frame.js';
import { backProject, scaleIntrinsics } from './rgbd/camera.js';
import { readDepthPNG, type DepthImage16 } from './rgbd/depth-png.js';
import { findSceneFolders, listSceneFolder, type FrameFiles, type RgbdLayout } from './rgbd/folders.js';
import { readPoseFile } from './rgbd/pose-file.js';

export interface RgbdScenesOptions {
  /** Scene folders under the root to load, e.g. ['chess', 'fire'] or ['apt1/kitchen'] (default: every scene found). */
  readonly scenes?: readonly string[];
  /** Frame size (default: the depth images' size). Give both or neither. */
  readonly width?: number;
  readonly height?: number;
  /**
   * Colour intrinsics at their own width x height, replacing the dataset's (7-Scenes: f 525,
   * centre (320, 240) at 640 x 480; 12-Scenes: info.txt); scaled to the frame size.
   */
  readonly intrinsics?: Intrinsics;
}

export interface RgbdSceneSource extends SceneSource {
  readonly layout: RgbdLayout;
  readonly dir: string;
}

/** Millimetre depth values meaning "no measurement". */
const INVALID_DEPTH = new Set([0, 65535]);

/** Depth in metres at width x height, nearest neighbour (pixel centres) from the stored image. */
function depthMetres(src: DepthImage16, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let v = 0; v < height; v++) {
    const sv = Math.min(src.height - 1, Math.floor(((v + 0.5) * src.height) / height));
    for (let u = 0; u < width; u++) {
      const su = Math.min(src.width - 1, Math.floor(((u + 0.5) * src.width) / width));
      const mm = src.data[sv * src.width + su];
      out[v * width + u] = INVALID_DEPTH.has(mm) ? 0 : mm / 1000;
    }
  }
  return out;
}

/**
 * A plan from the trajectories alone (the room is unknown): the world axis the cameras' up
 * directions agree on is left out, the bounds are the camera centres' extent plus 0.5 m.
 */
export function trajectoryPlan(poses: readonly Pose[]): FloorPlan | undefined {
  if (poses.length === 0) return undefined;
  // camera y points down, so -R[:,1] is the camera's up in world coordinates
  const up = [0, 0, 0];
  for (const { R } of poses) for (let a = 0; a < 3; a++) up[a] -= R[3 * a + 1];
  const upAxis = [0, 1, 2].reduce((best, a) => (Math.abs(up[a]) > Math.abs(up[best]) ? a : best), 0);
  const [a, b] = [0, 1, 2].filter((x) => x !== upAxis);
  const along = (k: number): number[] => poses.map((p) => p.t[k]);
  const pad = 0.5;
  return { axes: [a, b], bounds: [Math.min(...along(a)) - pad, Math.min(...along(b)) - pad, Math.max(...along(a)) + pad, Math.max(...along(b)) + pad], boxes: [] };
}

/** Reads every pose of `files`, dropping frames whose pose is INF (12-Scenes' lost tracking). */
async function readPoses(files: readonly FrameFiles[]): Promise<{ files: FrameFiles[]; poses: Pose[] }> {
  const out = { files: [] as FrameFiles[], poses: [] as Pose[] };
  const batch = 64; // bounded parallelism: thousands of tiny files, without exhausting file handles
  for (let i = 0; i < files.length; i += batch) {
    const slice = files.slice(i, i + batch);
    const poses = await Promise.all(slice.map((f) => readPoseFile(f.pose)));
    poses.forEach((p, k) => {
      if (p) {
        out.files.push(slice[k]);
        out.poses.push(p);
      }
    });
  }
  return out;
}

class RgbdScene implements RgbdSceneSource {
  readonly count: Readonly<Record<Split, number>>;
  readonly plan: FloorPlan | undefined;

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly layout: RgbdLayout,
    readonly intrinsics: Intrinsics,
    private readonly files: Readonly<Record<Split, readonly FrameFiles[]>>,
    private readonly posesBySplit: Readonly<Record<Split, readonly Pose[]>>,
  ) {
    this.count = { train: files.train.length, test: files.test.length };
    this.plan = trajectoryPlan([...posesBySplit.train, ...posesBySplit.test]);
  }

  async poses(split: Split): Promise<readonly Pose[]> {
    const poses = this.posesBySplit[split];
    if (!poses) throw new GradlocError('BAD_INPUT', `unknown split '${String(split)}' (train or test)`);
    return poses;
  }

  async frame(split: Split, index: number): Promise<Frame> {
    const files = this.files[split];
    if (!files) throw new GradlocError('BAD_INPUT', `unknown split '${String(split)}' (train or test)`);
    if (!(Number.isInteger(index) && index >= 0 && index < files.length)) {
      throw new GradlocError('BAD_INPUT', `${this.name} ${split} has frames 0..${files.length - 1}; no frame ${index}`);
    }
    const f = files[index];
    const pose = this.posesBySplit[split][index];
    const K = this.intrinsics;
    const [colour, stored] = await Promise.all([readImage(f.color), readDepthPNG(f.depth)]);
    const rgb: RgbImage = { width: colour.width, height: colour.height, data: colour.data };
    const image = rgb.width === K.width && rgb.height === K.height ? rgb : resizeRGB(rgb, K.width, K.height);
    const depth = depthMetres(stored, K.width, K.height);
    return { scene: this.name, split, index, sequence: f.sequence, image, depth, coords: backProject(depth, K, pose), pose, intrinsics: K };
  }
}

/** One scene folder (7-Scenes or 12-Scenes layout) as a SceneSource named `name` (default: the folder's own name). */
export async function loadRgbdScene(dir: string, options: Omit<RgbdScenesOptions, 'scenes'> & { readonly name?: string } = {}): Promise<RgbdSceneSource> {
  const folder = listSceneFolder(dir, options.intrinsics);
  const train = await readPoses(folder.frames.train);
  const test = await readPoses(folder.frames.test);
  const first = train.files[0] ?? test.files[0];
  if (!first) throw new GradlocError('BAD_INPUT', `${dir} has no frame with a valid pose`);
  if ((options.width === undefined) !== (options.height === undefined)) throw new GradlocError('BAD_INPUT', 'give both width and height, or neither');
  let [width, height] = [options.width, options.height];
  if (width === undefined || height === undefined) ({ width, height } = await readDepthPNG(first.depth));
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new GradlocError('BAD_INPUT', `frame size must be positive whole pixels (got ${width} x ${height})`);
  const K = scaleIntrinsics(folder.intrinsics, width, height);
  return new RgbdScene(options.name ?? basename(resolve(dir)), dir, folder.layout, K, { train: train.files, test: test.files }, { train: train.poses, test: test.poses });
}

/**
 * The scenes of a 7-Scenes or 12-Scenes root folder (`<root>/chess`, `<root>/apt1/kitchen`,
 * ...), named by their path under the root.
 */
export async function sevenScenes(root: string, options: RgbdScenesOptions = {}): Promise<RgbdSceneSource[]> {
  const names = options.scenes ?? findSceneFolders(root);
  if (names.length === 0) throw new GradlocError('BAD_INPUT', `${root} holds no 7-Scenes or 12-Scenes scene folder`);
  const out: RgbdSceneSource[] = [];
  for (const name of names) out.push(await loadRgbdScene(join(root, name), { ...options, name }));
  return out;
}
