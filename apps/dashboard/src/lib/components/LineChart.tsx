/**
 * A small hand-written SVG line chart: linear x, linear or log y, dashed series, markers,
 * horizontal reference lines and a legend. Enough for the pages' curves without a chart library.
 */
export interface Series {
  readonly label: string;
  readonly colour: string;
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
  readonly markers?: boolean;
}

export interface ReferenceLine {
  readonly y: number;
  readonly label: string;
  readonly colour?: string;
}

export interface LegendEntry {
  readonly label: string;
  readonly colour: string;
  readonly dashed?: boolean;
}

interface Props {
  readonly testId: string;
  readonly title: string;
  readonly series: readonly Series[];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xDomain?: readonly [number, number];
  readonly yDomain?: readonly [number, number];
  readonly logY?: boolean;
  readonly references?: readonly ReferenceLine[];
  /** Default: one entry per series. */
  readonly legend?: readonly LegendEntry[];
  readonly width?: number;
  readonly height?: number;
}

const PAD = { left: 58, right: 16, top: 14, bottom: 44 };

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) out.push(v);
    }
  }
  return out.length >= 2 ? out : [lo, hi];
}

function extent(values: readonly number[], fallback: readonly [number, number]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return [fallback[0], fallback[1]];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) [lo, hi] = [lo - Math.abs(lo || 1) * 0.1, hi + Math.abs(hi || 1) * 0.1];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** The fewest decimals that still write every tick exactly (ticks 0.25 apart need two, 1 apart none). */
function tickFormatter(ticks: readonly number[]): (v: number) => string {
  for (let d = 0; d <= 6; d++) {
    if (ticks.every((v) => Math.abs(Number(v.toFixed(d)) - v) <= 1e-9 * Math.max(1, Math.abs(v)))) return (v) => v.toFixed(d);
  }
  return (v) => String(Number(v.toPrecision(4)));
}

/** Legend entries laid out in rows under the plot (text width estimated: SVG cannot measure before render). */
function legendLayout(entries: readonly LegendEntry[], width: number): { entry: LegendEntry; x: number; row: number }[] {
  const out: { entry: LegendEntry; x: number; row: number }[] = [];
  let x = PAD.left;
  let row = 0;
  for (const entry of entries) {
    const w = 34 + entry.label.length * 6.6 + 16;
    if (x + w > width - PAD.right && x > PAD.left) {
      x = PAD.left;
      row += 1;
    }
    out.push({ entry, x, row });
    x += w;
  }
  return out;
}

export function LineChart({ testId, title, series, xLabel, yLabel, xDomain, yDomain, logY = false, references = [], legend, width = 520, height = 300 }: Props) {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = [...series.flatMap((s) => s.points.map((p) => p[1])), ...references.map((r) => r.y)].filter((v) => !logY || v > 0);
  const [x0, x1] = xDomain ?? extent(xs, [0, 1]);
  let [y0, y1] = yDomain ?? extent(ys, [0, 1]);
  if (logY && ys.length) [y0, y1] = [Math.min(...ys) / 1.15, Math.max(...ys) * 1.15];
  const ty = (v: number): number => (logY ? Math.log10(Math.max(v, 1e-9)) : v);
  const innerW = width - PAD.left - PAD.right;
  const innerH = height - PAD.top - PAD.bottom;
  const sx = (v: number): number => PAD.left + ((v - x0) / (x1 - x0 || 1)) * innerW;
  const sy = (v: number): number => PAD.top + innerH - ((ty(v) - ty(y0)) / (ty(y1) - ty(y0) || 1)) * innerH;
  const xTicks = niceTicks(x0, x1);
  const yTicks = logY && ys.length ? logTicks(y0, y1) : niceTicks(y0, y1);
  const xText = tickFormatter(xTicks);
  const yText = tickFormatter(yTicks);
  const placed = legendLayout(legend ?? series.map((s) => ({ label: s.label, colour: s.colour, dashed: s.dashed })), width);
  const legendRows = placed.length ? Math.max(...placed.map((p) => p.row)) + 1 : 0;
  const total = height + legendRows * 18 + (legendRows ? 6 : 0);

  return (
    <svg className="chart" data-testid={testId} viewBox={`0 0 ${width} ${total}`} width={width} height={total} role="img" aria-label={title}>
      <title>{title}</title>
      <g className="grid">
        {yTicks.map((v) => (
          <line key={`y${v}`} x1={PAD.left} x2={width - PAD.right} y1={sy(v)} y2={sy(v)} />
        ))}
      </g>
      <g className="axis">
        <line x1={PAD.left} x2={width - PAD.right} y1={PAD.top + innerH} y2={PAD.top + innerH} />
        <line x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={PAD.top + innerH} />
        {xTicks.map((v) => (
          <text key={`xt${v}`} x={sx(v)} y={PAD.top + innerH + 16} textAnchor="middle">
            {xText(v)}
          </text>
        ))}
        {yTicks.map((v) => (
          <text key={`yt${v}`} x={PAD.left - 6} y={sy(v) + 4} textAnchor="end">
            {yText(v)}
          </text>
        ))}
        <text className="axis-label" x={PAD.left + innerW / 2} y={height - 8} textAnchor="middle">
          {xLabel}
        </text>
        <text className="axis-label" transform={`translate(14 ${PAD.top + innerH / 2}) rotate(-90)`} textAnchor="middle">
          {yLabel}
        </text>
      </g>
      {references.map((r) => (
        <g key={`ref${r.label}`} className="reference">
          <line x1={PAD.left} x2={width - PAD.right} y1={sy(r.y)} y2={sy(r.y)} stroke={r.colour ?? '#555'} strokeDasharray="2 3" />
          <text x={width - PAD.right - 4} y={sy(r.y) - 4} textAnchor="end" fill={r.colour ?? '#555'}>
            {r.label}
          </text>
        </g>
      ))}
      {series.map((s, i) => (
        <g key={`${s.label}-${i}`} data-series={s.label}>
          <polyline
            fill="none"
            stroke={s.colour}
            strokeWidth={2}
            strokeDasharray={s.dashed ? '6 4' : undefined}
            points={s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}
          />
          {s.markers && s.points.map(([x, y], j) => <circle key={j} cx={sx(x)} cy={sy(y)} r={3.5} fill={s.colour} />)}
        </g>
      ))}
      <g className="legend">
        {placed.map(({ entry, x, row }) => {
          const y = height + 6 + row * 18;
          return (
            <g key={`${entry.label}-${entry.colour}-${entry.dashed ? 'd' : 's'}`} className="legend-item">
              <line x1={x} x2={x + 26} y1={y} y2={y} stroke={entry.colour} strokeWidth={2.5} strokeDasharray={entry.dashed ? '5 3' : undefined} />
              <text x={x + 32} y={y + 4}>
                {entry.label}
              </text>
            </g>
          );
        })}
      </g>
    </svg>
  );
}
