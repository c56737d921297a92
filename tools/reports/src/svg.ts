/** Small SVG chart helpers the report scripts share: panels with axes, ticks and labels. */

export const W = 420;
export const H = 300;
export const M = { l: 52, r: 12, t: 28, b: 40 };

export interface Axis {
  readonly min: number;
  readonly max: number;
}

/** The range of `xs` with `pad` of it added on both sides. */
export const span = (xs: number[], pad = 0.06): Axis => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const d = hi - lo || 1;
  return { min: lo - pad * d, max: hi + pad * d };
};
export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A W x H panel at x offset x0: title, frame, 5 ticks per axis, axis labels; px/py map data to pixels. */
export function frame(x0: number, title: string, xl: string, yl: string, ax: Axis, ay: Axis): { px: (v: number) => number; py: (v: number) => number; svg: string[] } {
  const px = (v: number): number => x0 + M.l + ((v - ax.min) / (ax.max - ax.min)) * (W - M.l - M.r);
  const py = (v: number): number => M.t + (1 - (v - ay.min) / (ay.max - ay.min)) * (H - M.t - M.b);
  const svg = [`<text x="${x0 + W / 2}" y="16" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  svg.push(`<rect x="${x0 + M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="none" stroke="#999"/>`);
  for (let i = 0; i <= 4; i++) {
    const vx = ax.min + ((ax.max - ax.min) * i) / 4;
    const vy = ay.min + ((ay.max - ay.min) * i) / 4;
    svg.push(`<text x="${px(vx)}" y="${H - M.b + 14}" text-anchor="middle" font-size="10">${ax.max - ax.min > 20 ? vx.toFixed(0) : vx.toFixed(2)}</text>`);
    svg.push(`<text x="${x0 + M.l - 4}" y="${py(vy) + 3}" text-anchor="end" font-size="10">${vy.toFixed(2)}</text>`);
  }
  svg.push(`<text x="${x0 + M.l + (W - M.l - M.r) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${esc(xl)}</text>`);
  svg.push(`<text transform="translate(${x0 + 12},${M.t + (H - M.t - M.b) / 2}) rotate(-90)" text-anchor="middle" font-size="11">${esc(yl)}</text>`);
  return { px, py, svg };
}

/** The whole figure: panels side by side on a white background. */
export const svgDocument = (width: number, body: readonly string[]): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/>${body.join('')}</svg>\n`;
