/** The benchmark's human-readable table, target verdicts and bottleneck listing. */
import type { CaseResult, GradFigures } from './bench-case.js';
import { CASES } from './cases.js';

/** Targets from the issue. */
export const TARGETS = {
  /** forward+backward <= 3x forward */
  maxRatio: 3,
  /** gradient compile of a ResNet-50-sized graph < 1 s */
  maxResNet50CompileMs: 1000,
} as const;

/** A figure for a table cell ('-' when missing). */
export const f = (v: number | null | undefined, digits = 1): string => (v === undefined || v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits));

/** Rows as aligned columns (first left-aligned, the rest right-aligned). */
export function pad(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

export function table(results: readonly CaseResult[]): string {
  const rows = [
    ['model', 'params', 'fwd ms', 'f+b input ms', 'x fwd (min)', 'f+b weights ms', 'x fwd (min)', 'transform ms in/W', 'compile ms in/W', 'RSS MB fwd/in/W', 'max RSS MB'],
  ];
  for (const r of results) {
    // the ratio of minima shows what a quiet machine gives when neighbours load the cores
    const minRatio = (x: GradFigures | undefined): number | null => (x?.minMs != null && r.forward ? x.minMs / r.forward.minMs : null);
    const g = (x: GradFigures | undefined): [string, string] => [f(x?.medianMs), `${f(x?.ratio, 2)} (${f(minRatio(x), 2)})`];
    rows.push([
      r.title,
      `${(r.params / 1e6).toFixed(2)}M`,
      f(r.forward?.medianMs),
      ...g(r.input),
      ...g(r.weights),
      `${f(r.input?.transformMs, 0)}/${f(r.weights?.transformMs, 0)}`,
      `${f(r.input?.compileMs, 0)}/${f(r.weights?.compileMs, 0)}`,
      `${f(r.forward?.peakRssMB, 0)}/${f(r.input?.peakRssMB, 0)}/${f(r.weights?.peakRssMB, 0)}`,
      f(r.maxRssMB, 0),
    ]);
  }
  return pad(rows);
}

export interface Verdict {
  readonly target: string;
  readonly value: number;
  readonly limit: number;
  readonly pass: boolean;
}

/** The f+b / fwd limit of a case's input or weights gradient: the case's own, else TARGETS.maxRatio. */
export function ratioLimit(id: string, kind: 'input' | 'weights'): number {
  const own = kind === 'input' ? CASES.find((c) => c.id === id)?.inputLimit : undefined;
  return own ?? TARGETS.maxRatio;
}

export function verdicts(results: readonly CaseResult[]): Verdict[] {
  const out: Verdict[] = [];
  for (const r of results) {
    for (const [kind, g] of [['input', r.input], ['weights', r.weights]] as const) {
      if (g && g.ratio !== null) {
        const limit = ratioLimit(r.id, kind);
        out.push({ target: `${r.id} f+b(${kind})/fwd`, value: g.ratio, limit, pass: g.ratio <= limit });
      }
    }
    if (r.id.startsWith('resnet50') && r.input) {
      out.push({ target: `${r.id} compile(input) ms`, value: r.input.compileMs, limit: TARGETS.maxResNet50CompileMs, pass: r.input.compileMs < TARGETS.maxResNet50CompileMs });
    }
  }
  return out;
}

/**
 * One line for the cases with their own input limit (the small-model figures): each one's
 * f+b(input) / fwd with its limit, from the same run as the rest of the table.
 */
export function ownLimitSummary(results: readonly CaseResult[]): string | undefined {
  const cells = results
    .filter((r) => CASES.find((c) => c.id === r.id)?.inputLimit !== undefined && r.input?.ratio != null)
    .map((r) => `${r.title} ${f(r.input!.ratio, 2)}x (limit ${ratioLimit(r.id, 'input')})`);
  return cells.length ? `Small models, batch 1, f+b(input) / fwd: ${cells.join('; ')}` : undefined;
}

/**
 * What the limits leave once onnxruntime's convolution kernels are paid, for the cases with
 * their own input limit (from their profiles, in units of the plain forward's kernel time):
 * the forward and the convolutions' backward alone, the room the limit leaves for everything
 * else (MaxPool backward, ReLU masks, layout reorders, sums, and the dispatch of every extra
 * kernel), and what that takes now.
 */
export function convolutionRoom(results: readonly CaseResult[]): string | undefined {
  const lines: string[] = [];
  for (const r of results) {
    const p = r.input?.profile;
    if (CASES.find((c) => c.id === r.id)?.inputLimit === undefined || !p || p.plainForward.totalMs <= 0) continue;
    const fwd = p.plainForward.totalMs;
    const convRules = p.byRule.filter((c) => c.rule === 'forward' || c.rule === 'Conv');
    const convs = convRules.reduce((s, c) => s + c.ms, 0) / fwd;
    const limit = ratioLimit(r.id, 'input');
    const rest = p.byRule.filter((c) => !convRules.includes(c) && c.ms >= 0.05).map((c) => `${c.rule.replace(/^(ORT|engine): /, '')} ${f(c.ms)}`);
    lines.push(
      `  ${r.title}: kernels ${f(p.totalMs / fwd, 2)}x the forward's; forward + Conv backward alone ${f(convs, 2)}x, leaving ${f(limit - convs, 2)}x (${f((limit - convs) * fwd)} ms) under the limit ${limit} for the rest, which takes ${f(p.totalMs / fwd - convs, 2)}x (${rest.join(', ')} ms) plus the dispatch of its kernels (wall / kernel time ${f((r.input?.ratio ?? NaN) / (p.totalMs / fwd), 2)}x the forward's)`,
    );
  }
  return lines.length ? ['What the limits leave after the convolutions (onnxruntime profile of the same gradient graphs, kernel ms per run):', ...lines].join('\n') : undefined;
}

export function bottlenecks(results: readonly CaseResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    for (const [kind, g] of [['input', r.input], ['weights', r.weights]] as const) {
      if (!g?.profile) continue;
      const p = g.profile;
      lines.push(`${r.title}, gradient w.r.t. ${kind}: ${f(p.totalMs)} ms of kernels per run; the plain forward session: ${f(p.plainForward.totalMs)} ms`);
      for (const c of p.byRule.slice(0, 8)) {
        const ops = c.ops.slice(0, 4).map((o) => `${o.op} ${f(o.ms)}`).join(', ');
        lines.push(`  ${c.rule.padEnd(30)} ${f(c.ms).padStart(7)} ms   ${ops}`);
      }
      const plain = p.plainForward.byOp.slice(0, 6).map((o) => `${o.op} ${f(o.ms)}`).join(', ');
      lines.push(`  ${'(plain forward, for contrast)'.padEnd(30)} ${f(p.plainForward.totalMs).padStart(7)} ms   ${plain}`);
    }
  }
  return lines.join('\n');
}
