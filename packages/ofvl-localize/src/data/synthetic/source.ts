/**
 * The synthetic rooms as SceneSources: frames rendered on demand from seeded layouts and
 * trajectories, train and test from different camera sequences (as 7-Scenes splits by
 * sequence).
 */
import { GradlocError } from '@gradloc/tensor-backend';
import type { Intrinsics, Pose } from '../../geometry/pose.js';
import type { FloorPlan, Frame, SceneSource, Split } from '../frame.js';
import { mixSeed } from './noise.js';
import { RoomRenderer, type RenderedView, type RenderOptions } from './render.js';
import { floorPlan, roomLayout, type RoomLayout } from './room.js';
import { sequencePoses } from './trajectory.js';

export interface SyntheticOptions {
  /** World seed: layouts, textures and trajectories (default 1). */
  readonly seed?: number;
  /** Number of rooms, named room-1 .. room-N (default 4). */
  readonly rooms?: number;
  /** Frames per room in the train split (default 400). */
  readonly train?: number;
  /** Frames per room in the test split (default 100). */
  readonly test?: number;
  /** Image size (default 160 x 120); see syntheticIntrinsics for the focal length. */
  readonly width?: number;
  readonly height?: number;
  /** Full intrinsics; overrides width and height. */
  readonly intrinsics?: Intrinsics;
  /** Frames per camera sequence (default 50: 8 train and 2 test sequences per room by default). */
  readonly sequenceLength?: number;
  /** 2x2 supersampled RGB (default true). */
  readonly supersample?: boolean;
}

export interface SyntheticSceneSource extends SceneSource {
  readonly layout: RoomLayout;
  /** Sequence number (0-based, within the split) of a frame; Frame.sequence names it seq-NN, test sequences numbered after the train ones. */
  sequenceOf(split: Split, index: number): number;
  /** Renders any pose (e.g. an estimate next to the truth). */
  render(pose: Pose, intrinsics?: Intrinsics): RenderedView;
}

/** Default camera: 160 x 120, fx = fy = 130 (63 deg horizontal field of view, as 7-Scenes' 525 px at 640 px). */
export const SYNTHETIC_WIDTH = 160;
export const SYNTHETIC_HEIGHT = 120;
export const SYNTHETIC_FOCAL_PER_WIDTH = 130 / 160;

/**
 * Intrinsics of a width x height synthetic camera: the default field of view (fx = 130 px at
 * 160 px wide, square pixels) and the principal point at the image centre, (width - 1) / 2,
 * since integer pixel coordinates are pixel centres.
 */
export function syntheticIntrinsics(width = SYNTHETIC_WIDTH, height = SYNTHETIC_HEIGHT): Intrinsics {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 8 && height >= 8)) {
    throw new GradlocError('BAD_INPUT', `synthetic image size must be whole pixels, at least 8 x 8 (got ${width} x ${height})`);
  }
  const f = SYNTHETIC_FOCAL_PER_WIDTH * width;
  return { fx: f, fy: f, cx: (width - 1) / 2, cy: (height - 1) / 2, width, height };
}

const SPLIT_SALT: Readonly<Record<Split, number>> = { train: 0x7a1, test: 0x7e5 };

function checkCount(name: string, n: number, min: number): number {
  if (!(Number.isInteger(n) && n >= min)) throw new GradlocError('BAD_INPUT', `synthetic ${name} must be an integer >= ${min} (got ${n})`);
  return n;
}

/** Sequence lengths splitting `count` frames into sequences of about `length`. */
function sequenceLengths(count: number, length: number): number[] {
  const n = Math.max(1, Math.ceil(count / length));
  return Array.from({ length: n }, (_, k) => Math.floor(((k + 1) * count) / n) - Math.floor((k * count) / n));
}

class SyntheticRoom implements SyntheticSceneSource {
  readonly name: string;
  readonly count: Readonly<Record<Split, number>>;
  readonly plan: FloorPlan;
  private readonly renderer: RoomRenderer;
  private readonly posesBySplit: Partial<Record<Split, Pose[]>> = {};
  private readonly lengths: Readonly<Record<Split, number[]>>;

  constructor(
    readonly layout: RoomLayout,
    readonly intrinsics: Intrinsics,
    counts: Readonly<Record<Split, number>>,
    sequenceLength: number,
    private readonly supersample: boolean,
  ) {
    this.name = layout.name;
    this.count = counts;
    this.plan = floorPlan(layout);
    this.renderer = new RoomRenderer(layout);
    this.lengths = { train: sequenceLengths(counts.train, sequenceLength), test: sequenceLengths(counts.test, sequenceLength) };
  }

  private splitPoses(split: Split): Pose[] {
    let poses = this.posesBySplit[split];
    if (!poses) {
      const { seed, index } = this.layout;
      poses = this.lengths[split].flatMap((n, k) => (n > 0 ? sequencePoses(this.layout, this.renderer.caster, this.intrinsics, n, mixSeed(seed, index, SPLIT_SALT[split], k)) : []));
      this.posesBySplit[split] = poses;
    }
    return poses;
  }

  private checkIndex(split: Split, index: number): void {
    if (split !== 'train' && split !== 'test') throw new GradlocError('BAD_INPUT', `unknown split '${String(split)}' (train or test)`);
    if (!(Number.isInteger(index) && index >= 0 && index < this.count[split])) {
      throw new GradlocError('BAD_INPUT', `${this.name} ${split} has frames 0..${this.count[split] - 1}; no frame ${index}`);
    }
  }

  sequenceOf(split: Split, index: number): number {
    this.checkIndex(split, index);
    let end = 0;
    const lengths = this.lengths[split];
    for (let k = 0; k < lengths.length; k++) {
      end += lengths[k];
      if (index < end) return k;
    }
    return lengths.length - 1;
  }

  /** 'seq-01'...: train sequences first, then test ones, so names never repeat across splits. */
  private sequenceName(split: Split, index: number): string {
    const k = this.sequenceOf(split, index) + (split === 'test' ? this.lengths.train.length : 0);
    return `seq-${String(k + 1).padStart(2, '0')}`;
  }

  async poses(split: Split): Promise<readonly Pose[]> {
    if (split !== 'train' && split !== 'test') throw new GradlocError('BAD_INPUT', `unknown split '${String(split)}' (train or test)`);
    return this.splitPoses(split);
  }

  async frame(split: Split, index: number): Promise<Frame> {
    this.checkIndex(split, index);
    const pose = this.splitPoses(split)[index];
    const view = this.render(pose);
    return { scene: this.name, split, index, sequence: this.sequenceName(split, index), pose, intrinsics: this.intrinsics, ...view };
  }

  render(pose: Pose, intrinsics: Intrinsics = this.intrinsics): RenderedView {
    return this.renderer.render(pose, intrinsics, { supersample: this.supersample });
  }
}

/**
 * Synthetic indoor rooms, one SceneSource each. Layouts and trajectories are computed when
 * first asked for; each room's textures (~2-4 MB) are painted on its first frame and kept;
 * frames are rendered on every call and never cached.
 */
export function syntheticRooms(options: SyntheticOptions = {}): SyntheticSceneSource[] {
  const seed = options.seed ?? 1;
  const rooms = checkCount('rooms', options.rooms ?? 4, 1);
  const counts = { train: checkCount('train', options.train ?? 400, 0), test: checkCount('test', options.test ?? 100, 0) };
  const sequenceLength = checkCount('sequenceLength', options.sequenceLength ?? 50, 2);
  const K = options.intrinsics ?? syntheticIntrinsics(options.width, options.height);
  return Array.from({ length: rooms }, (_, i) => new SyntheticRoom(roomLayout(seed, i), K, counts, sequenceLength, options.supersample ?? true));
}
