/**
 * `gradloc localize`: camera poses from images with an OFVL multi-scene model, evaluation on
 * held-out frames, and PnP-RANSAC on given correspondences. Thin over @gradloc/ofvl-localize.
 */
import { GradlocError, readImage, readNpy, type Tensor } from '@gradloc/tensor-backend';
import { dataOf, evaluateLocalizer, openLocalizer, quaternionOf, solvePnpRansac } from '@gradloc/ofvl-localize';
import { MODELS_FLAG, RUNTIME_FLAGS, modelsOption, optionalInt, optionalNumber, optionalString, parseFlags, requireString, runtimeOptions } from '../args.js';
import { subcommandRunner, type Command, type Io } from '../command.js';

const HELP = `Usage: gradloc localize pose --model NAME|PATH --image IMG.png [--scene S]
       gradloc localize eval --model NAME|PATH [--scene S] [--max-frames N] [--data DIR]
       gradloc localize pnp --points P.npy --pixels U.npy --focal F --center CX,CY [--threshold PX] [--hypotheses N] [--seed N]

Visual relocalization (OFVL-MS): one network regresses scene coordinates for several rooms;
PnP-RANSAC turns them into the camera pose. Poses are camera-to-world: "position" is the
camera centre in world coordinates (metres), "rotation" the quaternion [qw, qx, qy, qz] of
the camera-to-world rotation (camera x right, y down, z forward).

pose   prints {"scene":..,"position":[x,y,z],"rotation":[qw,qx,qy,qz],"inliers":..,"ms":..}.
         --model NAME|PATH  a zoo model (ofvl-rooms), a folder or model.onnx
         --image IMG        PNG or JPEG; another resolution of the model's aspect ratio is
                            resized (the camera is assumed the same), another aspect refused
         --scene S          the scene to localize in; without it every scene is tried and
                            the one with the most inliers wins ("candidates" lists them)
eval   prints per-scene median translation (cm) and rotation (deg) errors and the share of
       frames within 5 cm and 5 deg, plus their means, on the held-out test frames.
         --scene S          only this scene
         --max-frames N     at most N frames per scene, spread evenly (default all)
         --data DIR         a 7-Scenes/12-Scenes folder (default: the model's own data; the
                            synthetic rooms are regenerated from the model's metadata)
pnp    prints the pose from given 2D-3D correspondences (for your own regressor).
         --points P.npy     [N, 3] world points (float32/float64)
         --pixels U.npy     [N, 2] pixels (u right, v down; integer coordinates at pixel centres)
         --focal F          focal length in pixels (or FX,FY)
         --center CX,CY     principal point in pixels
         --threshold PX     inlier reprojection threshold (default 10)
         --hypotheses N     minimal-set hypotheses (default 256)
         --seed N           sampling seed (default 0)`;

const FLAGS = {
  model: { type: 'string' },
  image: { type: 'string' },
  scene: { type: 'string' },
  'max-frames': { type: 'string' },
  data: { type: 'string' },
  points: { type: 'string' },
  pixels: { type: 'string' },
  focal: { type: 'string' },
  center: { type: 'string' },
  threshold: { type: 'string' },
  hypotheses: { type: 'string' },
  seed: { type: 'string' },
  ...MODELS_FLAG,
  ...RUNTIME_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

async function poseCommand(argv: readonly string[], io: Io): Promise<number> {
  const f = parseFlags('localize pose', argv, FLAGS);
  const { localizer } = openLocalizer(requireString('localize pose', f, 'model'), { ...modelsOption(f), runtime: runtimeOptions('localize pose', f) });
  try {
    const scene = optionalString(f, 'scene');
    if (scene !== undefined) localizer.scene(scene);
    const image = await readImage(requireString('localize pose', f, 'image'));
    const r = await localizer.localize(image, { scene });
    io.out(
      JSON.stringify({
        scene: r.scene,
        position: r.position.map((v) => round(v, 5)),
        rotation: r.rotation.map((v) => round(v, 6)),
        inliers: r.inliers,
        ms: round(r.ms, 1),
        ...(r.candidates ? { candidates: r.candidates } : {}),
      }),
    );
    return 0;
  } finally {
    await localizer.release();
  }
}

async function evalCommand(argv: readonly string[], io: Io): Promise<number> {
  const f = parseFlags('localize eval', argv, FLAGS);
  const { name, localizer } = openLocalizer(requireString('localize eval', f, 'model'), { ...modelsOption(f), runtime: runtimeOptions('localize eval', f) });
  try {
    const scene = optionalString(f, 'scene');
    if (scene !== undefined) localizer.scene(scene);
    const sources = await dataOf(localizer, optionalString(f, 'data'));
    const t0 = performance.now();
    const ev = await evaluateLocalizer(localizer, sources, {
      scenes: scene === undefined ? undefined : [scene],
      maxFrames: optionalInt('localize eval', f, 'max-frames', 1),
      onProgress: (p) => {
        if (p.done === p.total) io.err(`localize eval: ${name} ${p.scene}: ${p.total} frames`);
      },
    });
    io.err(`localize eval: ${((performance.now() - t0) / 1000).toFixed(1)}s, ${ev.msPerFrame.toFixed(1)} ms per frame (network + PnP)`);
    const row = (m: { medianTranslationCm: number; medianRotationDeg: number; within5cm5deg: number; frames: number }) => ({
      frames: m.frames,
      median_translation_cm: round(m.medianTranslationCm, 2),
      median_rotation_deg: round(m.medianRotationDeg, 3),
      within_5cm_5deg: round(m.within5cm5deg, 4),
    });
    io.out(JSON.stringify({ scenes: Object.fromEntries(ev.scenes.map((s) => [s.scene, row(s)])), mean: row(ev.mean), parameters: ev.parameters }));
    return 0;
  } finally {
    await localizer.release();
  }
}

/** A float [N, cols] array from an .npy file, as a flat array. */
function readMatrix(path: string, cols: number, what: string): ArrayLike<number> {
  let t: Tensor;
  try {
    t = readNpy(path);
  } catch (e) {
    if (e instanceof GradlocError) throw new GradlocError(e.code, `${what} ${path}: ${e.message}`);
    throw e;
  }
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new GradlocError('BAD_INPUT', `${what} ${path}: expected float32 or float64, got ${t.dtype}`);
  if (t.dims.length !== 2 || t.dims[1] !== cols) throw new GradlocError('BAD_INPUT', `${what} ${path}: expected shape [N, ${cols}], got [${t.dims.join(', ')}]`);
  return t.data as Float32Array | Float64Array;
}

/** "A,B" (or "A" when `single` may stand for both) as two finite numbers. */
function numberPair(command: string, flag: string, raw: string, single: boolean): [number, number] {
  const parts = raw.split(',').map((s) => Number(s.trim()));
  const pair = parts.length === 1 && single ? [parts[0], parts[0]] : parts;
  if (pair.length !== 2 || !pair.every(Number.isFinite)) throw new GradlocError('BAD_INPUT', `${command}: --${flag} must be ${single ? 'F or FX,FY' : 'X,Y'} (numbers), got '${raw}'`);
  return [pair[0], pair[1]];
}

async function pnpCommand(argv: readonly string[], io: Io): Promise<number> {
  const c = 'localize pnp';
  const f = parseFlags(c, argv, FLAGS);
  const points = readMatrix(requireString(c, f, 'points'), 3, '--points');
  const pixels = readMatrix(requireString(c, f, 'pixels'), 2, '--pixels');
  const [fx, fy] = numberPair(c, 'focal', requireString(c, f, 'focal'), true);
  const [cx, cy] = numberPair(c, 'center', requireString(c, f, 'center'), false);
  const r = await solvePnpRansac(points, pixels, { fx, fy, cx, cy }, {
    threshold: optionalNumber(c, f, 'threshold', 1e-9, Infinity),
    hypotheses: optionalInt(c, f, 'hypotheses', 1),
    seed: optionalInt(c, f, 'seed', 0),
  });
  io.out(JSON.stringify({ position: r.pose.t.map((v) => round(v, 6)), rotation: quaternionOf(r.pose.R).map((v) => round(v, 7)), inliers: r.inliers, ms: round(r.ms, 1) }));
  return 0;
}

export const localizeCommand: Command = {
  name: 'localize',
  summary: 'Visual relocalization: camera poses with an OFVL multi-scene model, evaluation, PnP-RANSAC',
  help: HELP,
  run: subcommandRunner('localize', HELP, { pose: poseCommand, eval: evalCommand, pnp: pnpCommand }),
};
