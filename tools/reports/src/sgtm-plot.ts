/** The SGTM README's figure as a standalone SVG: the trade-off scatter and the recovery curves. */
import type { SgtmResults } from '@gradloc/sgtm-train';
import { frame, H, M, span, svgDocument, W } from './svg.js';

const COLORS: Record<string, string> = { sgtm: '#d62728', routing: '#ff7f0e', filter: '#1f77b4', none: '#7f7f7f', rmu: '#2ca02c' };
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
  return svgDocument(width, out);
}
