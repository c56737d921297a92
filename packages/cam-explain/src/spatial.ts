/**
 * Layer tensors as spatial maps [B, K, h, w]. CNN layers are NCHW already; transformer
 * layers hold tokens [B, N, D]: the prefix tokens (class / distillation / register tokens)
 * are dropped and the rest reshaped row-major to a grid, channels first, as pytorch-grad-cam's
 * `reshape_transform` does for ViTs.
 */
import { GradlocError, type Tensor } from '@gradloc/tensor-backend';

export interface SpatialMap {
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** [batch, channels, height, width], row-major. */
  readonly data: Float32Array;
  /** What the layer tensor was: a feature map [B, C, H, W] or tokens [B, N, D]. */
  readonly source: 'map' | 'tokens';
}

export interface TokenLayout {
  /**
   * Tokens before the patch tokens (1 for a class token). Default: 0 when the token count is a
   * square, else 1 when one less is (the usual ViT class token), else an error asking for it.
   */
  readonly prefixTokens?: number;
  /** Token grid [rows, cols]; default square. */
  readonly grid?: readonly [number, number];
}

export const mapSize = (m: SpatialMap): number => m.height * m.width;

function isSquare(n: number): boolean {
  const r = Math.round(Math.sqrt(n));
  return r * r === n;
}

/** Prefix tokens and grid of a token layer of `tokens` tokens (errors name the layer). */
export function tokenGrid(name: string, tokens: number, layout: TokenLayout): { prefix: number; rows: number; cols: number } {
  const prefix = layout.prefixTokens ?? (isSquare(tokens) ? 0 : isSquare(tokens - 1) ? 1 : -1);
  if (prefix < 0) {
    throw new GradlocError('BAD_INPUT', `layer '${name}' has ${tokens} tokens, not a square grid with 0 or 1 prefix tokens: give prefixTokens and grid`);
  }
  const patches = tokens - prefix;
  const [rows, cols] = layout.grid ?? [Math.round(Math.sqrt(patches)), Math.round(Math.sqrt(patches))];
  if (rows * cols !== patches) {
    throw new GradlocError('BAD_INPUT', `layer '${name}': ${patches} patch tokens (after ${prefix} prefix) do not fill a ${rows}x${cols} grid`);
  }
  return { prefix, rows, cols };
}

/** A float layer tensor as [B, K, h, w]: rank 4 as is, rank 3 tokens via `layout`. */
export function toSpatial(name: string, t: Tensor, layout: TokenLayout = {}): SpatialMap {
  const src = t.data as ArrayLike<number>;
  if (t.dims.length === 4) {
    const [batch, channels, height, width] = t.dims;
    return { batch, channels, height, width, data: t.data instanceof Float32Array ? t.data : Float32Array.from(src), source: 'map' };
  }
  if (t.dims.length === 3) {
    const [batch, tokens, channels] = t.dims;
    const { prefix, rows, cols } = tokenGrid(name, tokens, layout);
    const hw = rows * cols;
    const data = new Float32Array(batch * channels * hw);
    for (let b = 0; b < batch; b++) {
      for (let p = 0; p < hw; p++) {
        const from = (b * tokens + prefix + p) * channels;
        for (let k = 0; k < channels; k++) data[(b * channels + k) * hw + p] = src[from + k];
      }
    }
    return { batch, channels, height: rows, width: cols, data, source: 'tokens' };
  }
  throw new GradlocError('BAD_INPUT', `layer '${name}' has dims [${t.dims.join(',')}]: CAM needs [B, C, H, W] maps or [B, N, D] tokens`);
}

/** Item b's [K, h, w] block of a map (a view, no copy). */
export function itemOf(m: SpatialMap, b: number): Float32Array {
  const n = m.channels * mapSize(m);
  return m.data.subarray(b * n, (b + 1) * n);
}
