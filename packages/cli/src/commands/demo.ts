/**
 * `gradloc demo` (what `npm start` runs): builds a tiny ResNet with buildResNet, takes
 * the gradient of the top class score w.r.t. the input image and a residual block's
 * activation in one onnxruntime run, times it, and checks sampled elements against
 * central finite differences. Exit code 1 on FAIL.
 */
import {
  MODEL_META,
  OnnxModel,
  buildResNet,
  formatDims,
  sampleFeeds,
  setWarningHandler,
  toNumbers,
  type Graph,
  type RuntimeOptions,
  type Tensor,
  type VjpOptions,
} from '@gradloc/tensor-backend';
import { RUNTIME_FLAGS, optionalInt, parseFlags, runtimeOptions } from '../args.js';
import { benchGrad } from '../bench.js';
import type { Command, Io } from '../command.js';
import { detach } from '../demo/detach.js';
import { centralDifferences, spread, type FdPoint } from '../demo/finite-diff.js';

/** The activation checked besides the input: the first residual block's output. */
const ACTIVATION = 'layer1.0';
/**
 * float32 central differences: steps near 1e-2 keep rounding noise (~1e-7 / h) near 0.1% of
 * the largest gradient; two steps, because a ReLU/MaxPool kink spoils one (finite-diff.ts).
 */
const STEPS = [1e-2, 5e-3];
/** Max |analytic - numeric| as a fraction of the tensor's largest gradient. */
const TOLERANCE = 0.01;
const TIMED_RUNS = 20;

export interface DemoCheck {
  readonly tensor: string;
  readonly dims: readonly number[];
  readonly maxGrad: number;
  readonly maxAbsError: number;
  /** maxAbsError / maxGrad */
  readonly relError: number;
  readonly points: readonly FdPoint[];
}

export interface DemoReport {
  readonly pass: boolean;
  readonly compileMs: number;
  readonly forwardMs: number;
  readonly forwardBackwardMs: number;
  readonly checks: readonly DemoCheck[];
}

const HELP = `Usage: gradloc demo [--samples N] [--ep cpu|cuda|webgpu] [--threads N]

Builds a tiny ResNet (buildResNet 'tiny': Conv/Relu/MaxPool/residual Add/GlobalAveragePool/
Gemm, seeded weights, 16x16 input), computes the gradient of the top class score w.r.t.
the input image and the activation '${ACTIVATION}', and checks sampled elements against
central finite differences (h = ${STEPS.join(' and ')}). Prints a report on stdout; exits 1 on FAIL.

  --samples N   elements checked per tensor (default 32)
  --ep EP       execution provider (default cpu)
  --threads N   onnxruntime intra-op threads (default: one per core)
  -h, --help    this text`;

export async function demo(io: Io, opts: { samples?: number; runtime?: RuntimeOptions } = {}): Promise<DemoReport> {
  const graph = buildResNet({ depth: 'tiny', imageSize: 16, classes: 10, seed: 1 });
  const model = OnnxModel.fromGraph(graph, opts.runtime ?? {});
  const feeds = sampleFeeds(graph, 7);
  const held: OnnxModel[] = [model];
  try {
    const logits = toNumbers((await model.run(feeds)).logits);
    const cls = logits.indexOf(Math.max(...logits));
    const of = `logits[0,${cls}]`;
    const vjpOpts: VjpOptions = { feeds, of, wrt: ['input', ACTIVATION], outputs: ['logits'], wrtValues: true };
    const compiled = await model.compile(vjpOpts);
    const { grads, values } = await model.vjp(vjpOpts);
    const bench = await benchGrad(model, vjpOpts, TIMED_RUNS, compiled.compileMs);

    const score = (m: OnnxModel, base: Record<string, Tensor>, name: string) => async (x: Tensor) =>
      Number((await m.run({ ...base, [name]: x }, ['logits'])).logits.data[cls]);
    const cut = OnnxModel.fromGraph(detach(graph, ACTIVATION, values[ACTIVATION]), opts.runtime ?? {});
    held.push(cut);
    const cutFeeds = Object.fromEntries(cut.inputNames.map((n) => [n, n === ACTIVATION ? values[ACTIVATION] : feeds[n]]));
    const samples = opts.samples ?? 32;
    const checks = [
      await check('input', score(model, feeds, 'input'), feeds.input, grads.input, samples),
      await check(ACTIVATION, score(cut, cutFeeds, ACTIVATION), values[ACTIVATION], grads[ACTIVATION], samples),
    ];
    const report: DemoReport = {
      pass: checks.every((c) => c.relError < TOLERANCE),
      compileMs: compiled.compileMs,
      forwardMs: bench.forward_ms,
      forwardBackwardMs: bench.forward_backward_ms,
      checks,
    };
    print(io, graph, feeds.input, of, logits[cls], compiled.gradGraph.graph.nodes.length, report);
    return report;
  } finally {
    for (const m of held) await m.release();
  }
}

async function check(tensor: string, score: (x: Tensor) => Promise<number>, x: Tensor, grad: Tensor, samples: number): Promise<DemoCheck> {
  const g = toNumbers(grad);
  const maxGrad = Math.max(...g.map(Math.abs));
  const points = await centralDifferences(score, x, grad, spread(g.length, samples), STEPS);
  const maxAbsError = Math.max(...points.map((p) => Math.abs(p.analytic - p.numeric)));
  return { tensor, dims: grad.dims, maxGrad, maxAbsError, relError: maxGrad > 0 ? maxAbsError / maxGrad : Infinity, points };
}

function print(io: Io, graph: Graph, input: Tensor, of: string, score: number, gradNodes: number, r: DemoReport): void {
  const counts = new Map<string, number>();
  for (const n of graph.nodes) counts.set(n.op, (counts.get(n.op) ?? 0) + 1);
  const ops = [...counts].map(([op, k]) => (k > 1 ? `${op} x${k}` : op)).join(', ');
  const ms = (v: number): string => `${v.toFixed(2)} ms`;
  const pct = (v: number): string => `${(v * 100).toPrecision(2)}%`;
  const lines = [
    'gradloc demo: gradient of a class score, computed as an ONNX graph on onnxruntime',
    '',
    `model      tiny ResNet (buildResNet from @gradloc/tensor-backend, seed 1), ${input.dtype}, input ${formatDims(input.dims)}`,
    `ops        ${graph.nodes.length} nodes: ${ops}`,
    `target     ${of} (top class, score ${score.toFixed(4)})`,
    `wrt        input ${formatDims(r.checks[0].dims)}, ${ACTIVATION} ${formatDims(r.checks[1].dims)} (first residual block output)`,
    `compile    ${ms(r.compileMs)} (gradient graph of ${gradNodes} nodes + onnxruntime session)`,
    `forward    ${ms(r.forwardMs)} (median of ${TIMED_RUNS})`,
    `fwd+bwd    ${ms(r.forwardBackwardMs)} (median of ${TIMED_RUNS}; forward and gradients in one run)`,
    `check      central differences (h = ${STEPS.join(', ')}; the closer estimate), ${r.checks[0].points.length} elements per tensor`,
    ...r.checks.map(
      (c) =>
        `  ${c.tensor.padEnd(9)} max|grad| ${c.maxGrad.toExponential(2)}  max error ${c.maxAbsError.toExponential(2)} (${pct(c.relError)} of max|grad|)`,
    ),
    '',
    `${r.pass ? 'PASS' : 'FAIL'}: max error ${pct(Math.max(...r.checks.map((c) => c.relError)))} of max|grad| (tolerance ${pct(TOLERANCE)})`,
  ];
  for (const l of lines) io.out(l);
}

const FLAGS = {
  samples: { type: 'string' },
  ...RUNTIME_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'gradients of a tiny ResNet, timed and checked against finite differences',
  help: HELP,
  async run(argv, io) {
    const f = parseFlags('demo', argv, FLAGS);
    if (f.help) {
      io.out(HELP);
      return 0;
    }
    const runtime = runtimeOptions('demo', f);
    setWarningHandler((m) => io.err(`gradloc: warning: ${m}`));
    const report = await demo(io, { samples: optionalInt('demo', f, 'samples', 1), runtime });
    return report.pass ? 0 : 1; // the report's last line says why
  },
};
