/** Drawing on RGB images: box outlines (the detection a map explains, drawn over its overlay). */
import { checkImage, type RgbImage } from './types.js';

export interface BoxStyle {
  /** Outline colour (default white). */
  readonly colour?: readonly [number, number, number];
  /** Line width in pixels (default: 1 per 128 px of the shorter side, at least 2). */
  readonly width?: number;
}

/**
 * A copy of `image` with the outline of `box` = [x0, y0, x1, y1] in pixels (x1, y1 exclusive)
 * drawn inside the box's edges, clipped to the image. A dark halo one pixel outside the
 * outline keeps it visible on light and dark maps alike.
 */
export function drawBox(image: RgbImage, box: readonly [number, number, number, number], style: BoxStyle = {}): RgbImage {
  checkImage(image, 'image');
  const { width: W, height: H } = image;
  const data = Uint8Array.from(image.data);
  const lw = Math.max(1, Math.round(style.width ?? Math.max(2, Math.min(W, H) / 128)));
  const colour = style.colour ?? [255, 255, 255];
  const clampX = (v: number): number => Math.min(W, Math.max(0, Math.round(v)));
  const clampY = (v: number): number => Math.min(H, Math.max(0, Math.round(v)));
  const [x0, y0, x1, y1] = [clampX(box[0]), clampY(box[1]), clampX(box[2]), clampY(box[3])];
  if (x1 <= x0 || y1 <= y0) return { width: W, height: H, data };
  const paint = (ax: number, ay: number, bx: number, by: number, rgb: readonly number[]): void => {
    for (let y = Math.max(0, ay); y < Math.min(H, by); y++) {
      for (let x = Math.max(0, ax); x < Math.min(W, bx); x++) data.set(rgb, (y * W + x) * 3);
    }
  };
  const ring = (ax: number, ay: number, bx: number, by: number, t: number, rgb: readonly number[]): void => {
    paint(ax, ay, bx, ay + t, rgb);
    paint(ax, by - t, bx, by, rgb);
    paint(ax, ay, ax + t, by, rgb);
    paint(bx - t, ay, bx, by, rgb);
  };
  ring(x0 - 1, y0 - 1, x1 + 1, y1 + 1, 1, [0, 0, 0]);
  ring(x0 + lw, y0 + lw, x1 - lw, y1 - lw, 1, [0, 0, 0]);
  ring(x0, y0, x1, y1, lw, colour);
  return { width: W, height: H, data };
}
