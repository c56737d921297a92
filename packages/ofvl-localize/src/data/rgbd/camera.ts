/**
 * Intrinsics of the RGB-D datasets and their scaling to other image sizes, plus
 * back-projection of depth into world scene coordinates.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import type { Intrinsics, Pose } from '../../geometry/pose.js';

/**
 * 7-Scenes colour camera as DSAC and its successors use it: f = 525, principal point (320, 240)
 * at 640 x 480. (The Kinect's depth camera differs, f ~ 585, and depth is not registered to
 * colour; like DSAC we read depth as if it were, an error of a few pixels.)
 */
export const SEVEN_SCENES_INTRINSICS: Intrinsics = { fx: 525, fy: 525, cx: 320, cy: 240, width: 640, height: 480 };

/**
 * `K` for the same camera at width x height pixels. With pixel centres at integer
 * coordinates, resizing by s maps x to (x + 0.5) s - 0.5, so the principal point moves that
 * way and the focal lengths scale by s (per axis).
 */
export function scaleIntrinsics(K: Intrinsics, width: number, height: number): Intrinsics {
  if (width === K.width && height === K.height) return K;
  const sx = width / K.width;
  const sy = height / K.height;
  return { fx: K.fx * sx, fy: K.fy * sy, cx: (K.cx + 0.5) * sx - 0.5, cy: (K.cy + 0.5) * sy - 0.5, width, height };
}

/**
 * The colour intrinsics in a 12-Scenes info.txt (`m_colorWidth`, `m_colorHeight` and the
 * 4x4 row-major `m_calibrationColorIntrinsic`).
 */
export function parseInfoText(text: string, path: string): Intrinsics {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const need = (key: string): string => {
    const v = fields.get(key);
    if (v === undefined) throw new GradlocError('BAD_INPUT', `${path}: no ${key} line (expected a 12-Scenes info.txt)`);
    return v;
  };
  const k = need('m_calibrationColorIntrinsic').split(/\s+/).map(Number);
  const width = Number(need('m_colorWidth'));
  const height = Number(need('m_colorHeight'));
  if (k.length !== 16 || k.some((x) => !Number.isFinite(x)) || !(width > 0 && height > 0)) {
    throw new GradlocError('BAD_INPUT', `${path}: m_calibrationColorIntrinsic must be 16 numbers and the colour size positive`);
  }
  return { fx: k[0], fy: k[5], cx: k[2], cy: k[6], width, height };
}

/**
 * World coordinates [h, w, 3] of each pixel with depth d > 0 (metres along the optical axis):
 * X = R ((u - cx) d / fx, (v - cy) d / fy, d) + t; NaN where the depth is 0 (unknown).
 */
export function backProject(depth: Float32Array, K: Intrinsics, pose: Pose): Float32Array {
  const { width, height } = K;
  const coords = new Float32Array(width * height * 3);
  const R = pose.R;
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const i = v * width + u;
      const d = depth[i];
      if (!(d > 0)) {
        coords[3 * i] = coords[3 * i + 1] = coords[3 * i + 2] = NaN;
        continue;
      }
      const x = ((u - K.cx) / K.fx) * d;
      const y = ((v - K.cy) / K.fy) * d;
      coords[3 * i] = R[0] * x + R[1] * y + R[2] * d + pose.t[0];
      coords[3 * i + 1] = R[3] * x + R[4] * y + R[5] * d + pose.t[1];
      coords[3 * i + 2] = R[6] * x + R[7] * y + R[8] * d + pose.t[2];
    }
  }
  return coords;
}
