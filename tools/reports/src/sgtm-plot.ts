/** The SGTM README's figure as a standalone SVG: the trade-off scatter and the recovery curves. */
import type { SgtmResults } from '@gradloc/sgtm-train';

const COLORS: Record<string, string> = { sgtm: '#d62728', routing: '#ff7f0e', filter: '#1f77b4', none: '#7f7f7f', rmu: '#2ca02c' };
const W = 420;
const H = 300;
const M = { l: 52, r: 12, t: 28, b: 40 };

interface Axis {
  readonly min: number;
  readonly max: number;
}

const span = (xs: number[], pad = 0.06): Axis => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const d = hi - lo || 1;
  return { min: lo - pad * d, max: hi + pad * d };
};
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function frame(x0: number, title: string, xl: string, yl: string, ax: Axis, ay: Axis): { px: (v: number) => number; py: (v: number) => number; svg: string[] } {
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

export function tradeoffSvg(r: SgtmResults): string {
  const out: string[] = [];
  const pts = r.points;
  const ax = span(pts.map((p) => p.retain_loss));
  const ay = span(pts.map((p) => p.forget_loss));
  const left = frame(0, 'after removal (upper-left is better)', 'retain loss (English, nats)', 'forget loss (cipher, nats)', ax, ay);
  out.push(...left.svg);
  const methods = [...new Set(pts.map((p) => p.method))];
  methods.forEach((m, i) => {
    const ps = pts.filter((p) => p.method === m).sort((a, b) => a.undiscoveredPercent - b.undiscoveredPercent);
    const c = COLORS[m] ?? '#000';
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${ps.map((p) => `${left.px(p.retain_loss)},${left.py(p.forget_loss)}`).join(' ')}"/>`);
    for (const p of ps) {
      out.push(`<circle cx="${left.px(p.retain_loss)}" cy="${left.py(p.forget_loss)}" r="3.5" fill="${c}"/>`);
      out.push(`<text x="${left.px(p.retain_loss) + 5}" y="${left.py(p.forget_loss) - 4}" font-size="9" fill="${c}">${p.undiscoveredPercent}%</text>`);
    }
    // legend in the lower-right corner: high retain loss and low forget loss, where no method lands
    out.push(`<text x="${W - M.r - 8}" y="${H - M.b - 10 - 13 * (methods.length - 1 - i)}" text-anchor="end" font-size="11" fill="${c}">● ${m}</text>`);
  });
  let width = W;
  if (r.recovery) {
    const rec = r.recovery;
    const curves = [rec.sgtm, rec.rmu];
    const all = curves.flatMap((c) => c.curve);
    const rx = { min: 0, max: Math.max(...all.map((p) => p.step)) };
    const ry = span([...all.map((p) => p.forget_loss), rec.target]);
    const right = frame(W, 'fine-tuning recovery', 'fine-tuning steps', 'forget loss (cipher, nats)', rx, ry);
    out.push(...right.svg);
    out.push(`<line x1="${right.px(rx.min)}" x2="${right.px(rx.max)}" y1="${right.py(rec.target)}" y2="${right.py(rec.target)}" stroke="#000" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${right.px(rx.max) - 4}" y="${right.py(rec.target) - 4}" text-anchor="end" font-size="10">unfiltered model</text>`);
    curves.forEach((c, i) => {
      const color = c.removal === 'rmu' ? COLORS.rmu : COLORS.sgtm;
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${c.curve.map((p) => `${right.px(p.step)},${right.py(p.forget_loss)}`).join(' ')}"/>`);
      const label = c.removal === 'rmu' ? 'RMU' : 'SGTM (ablated)';
      out.push(`<text x="${2 * W - M.r - 8}" y="${M.t + 16 + 13 * i}" text-anchor="end" font-size="11" fill="${color}">● ${label}: ${c.stepsToRecover ?? `> ${rec.maxSteps}`} steps</text>`);
    });
    width = 2 * W;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/>${out.join('')}</svg>\n`;
}
