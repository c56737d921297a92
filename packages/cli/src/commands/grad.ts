/**
 * `gradloc grad`: gradients of one model output (an element, a scalar, or a VJP with a
 * seed) w.r.t. any tensors, written as .npy files. Everything is computed and checked
 * before the first byte is written; see output.ts for how files land.
 */
import {
  GradlocError,
  OnnxModel,
  asFloat32,
  encodeNpy,
  formatDims,
  readNpy,
  setWarningHandler,
  type RuntimeOptions,
  type Target,
  type Tensor,
  type VjpOptions,
} from '@gradloc/tensor-backend';
import { RUNTIME_FLAGS, optionalInt, optionalString, parseFlags, requireList, requireString, runtimeOptions, stringList } from '../args.js';
import type { Command, Io } from '../command.js';
import { loadFeeds } from '../feeds.js';
import { parseOf, resolveWrt, tensorNames } from '../names.js';
import { checkOutputDir, safeNames, writeOutputs, type OutputFile } from '../output.js';
import { benchGrad, type BenchResult } from '../bench.js';

/** Tensors listed in the summary; `@initializers` can mean hundreds. */
const SUMMARY_ROWS = 12;

export interface GradOptions {
  readonly model: string;
  /** `NAME=FILE.npy`, one per model input. */
  readonly feeds: readonly string[];
  readonly of: string;
  readonly seed?: string;
  /** Tensor names, comma lists or `@initializers`. */
  readonly wrt: readonly string[];
  readonly out: string;
  readonly bench?: number;
  readonly runtime?: RuntimeOptions;
}

export interface GradResult {
  /** wrt tensor name -> file written (relative to the output dir). */
  readonly files: ReadonlyMap<string, string>;
  readonly compileMs: number;
  readonly runMs: number;
  readonly bench?: BenchResult;
}

const HELP = `Usage: gradloc grad --model M.onnx --feed NAME=FILE.npy [--feed ...] --of TARGET
                    --wrt NAME[,NAME...] --out DIR [--seed DY.npy] [--bench N]
                    [--ep cpu|cuda|webgpu] [--threads N]

Computes the gradient of one target w.r.t. tensors of an ONNX model and writes them as
.npy files.

  --model M.onnx      the model (external data files are read from its folder)
  --feed NAME=F.npy   a value for model input NAME; one per input. float64 npy files are
                      converted to float32 (and float32 to float64) and int32 to int64
                      when the model asks for that type; other mismatches are errors.
  --of TARGET         what to differentiate:
                        logits[0,105]   one element (negative indices count from the end)
                        loss            a scalar (one-element) tensor
                        logits --seed d.npy   the vector-Jacobian product d^T J
                      TARGET may be any tensor of the graph, not only an output.
  --seed DY.npy       seed for a VJP: same dims as the --of tensor, any float dtype
  --wrt NAMES         graph inputs, intermediate tensors, initializers, or @initializers
                      (every float initializer); comma-separated and/or repeated.
                      Names are used verbatim: ':' '/' '.' are fine.
  --out DIR           output dir (created if missing; other files in it are left alone)
  --bench N           also time N runs after a warm-up and print one JSON line on stdout:
                      {"forward_ms","forward_backward_ms","compile_ms","threads",
                       "best_forward_ms","best_forward_threads","ratio_vs_best_forward"}
                      (medians; forward = plain model, forward_backward = one gradient run,
                      compile_ms = first build of the gradient graph and its session;
                      best_forward = a plain onnxruntime forward at its fastest thread count,
                      1 .. every core; ratio = forward_backward / best_forward)
  --ep EP             execution provider (default cpu; unavailable ones fall back to cpu)
  --threads N         onnxruntime intra-op threads (default: every core, os.availableParallelism())
  -h, --help          this text

Writes, per wrt tensor, DIR/<safe>.npy (the gradient) and DIR/values/<safe>.npy (its
forward value), both float32. <safe> is the tensor name with every character outside
[A-Za-z0-9._-] replaced by '_'; two names with the same <safe> (ignoring case) are an
error. Nothing is written unless everything succeeds.

Output: stdout carries only machine-readable lines (the --bench JSON); the summary goes
to stderr. Errors are one line on stderr, 'gradloc: CODE: message', with exit code 1.

Example:
  gradloc grad --model resnet.onnx --feed input=img.npy --of 'logits[0,281]' \\
    --wrt input,/layer4/relu/Relu_output_0 --out grads/`;

const FLAGS = {
  model: { type: 'string' },
  feed: { type: 'string', multiple: true },
  of: { type: 'string' },
  seed: { type: 'string' },
  wrt: { type: 'string', multiple: true },
  out: { type: 'string' },
  bench: { type: 'string' },
  ...RUNTIME_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses argv into options; null when help was asked for. */
export function parseGradArgs(argv: readonly string[]): GradOptions | null {
  const f = parseFlags('grad', argv, FLAGS);
  if (f.help) return null;
  return {
    model: requireString('grad', f, 'model'),
    feeds: stringList(f, 'feed'),
    of: requireString('grad', f, 'of'),
    wrt: requireList('grad', f, 'wrt'),
    out: requireString('grad', f, 'out'),
    seed: optionalString(f, 'seed'),
    bench: optionalInt('grad', f, 'bench', 1),
    runtime: runtimeOptions('grad', f),
  };
}

export async function grad(opts: GradOptions, io: Io): Promise<GradResult> {
  checkOutputDir(opts.out);
  const model = OnnxModel.load(opts.model, opts.runtime ?? {});
  try {
    const known = tensorNames(model);
    const parsed = parseOf(opts.of, known);
    if (parsed.index && opts.seed) throw new GradlocError('BAD_INPUT', `--of ${opts.of} picks one element; --seed goes with a whole tensor (--of ${parsed.output})`);
    const target: Target = opts.seed ? { output: parsed.output, seed: readNpy(opts.seed) } : parsed;
    const wrt = resolveWrt(model, opts.wrt, known);
    const files = safeNames(wrt);
    const feeds = loadFeeds(model, opts.feeds);

    const vjpOpts: VjpOptions = { feeds, of: target, wrt, outputs: [target.output], wrtValues: true };
    const compiled = await model.compile(vjpOpts, target);
    const t0 = performance.now();
    const r = await model.vjp(vjpOpts);
    const runMs = performance.now() - t0;
    const bench = opts.bench ? await benchGrad(model, vjpOpts, opts.bench, compiled.compileMs) : undefined;

    const out: OutputFile[] = [];
    for (const w of wrt) {
      out.push({ path: `${files.get(w)}.npy`, bytes: encodeNpy(asFloat32(r.grads[w])) });
      out.push({ path: `values/${files.get(w)}.npy`, bytes: encodeNpy(asFloat32(r.values[w])) });
    }
    writeOutputs(opts.out, out);

    summarize(io, opts, target, r.outputs[target.output], r.grads, files, compiled.compileMs, runMs);
    if (bench) io.out(JSON.stringify(bench));
    return { files: new Map([...files].map(([k, v]) => [k, `${v}.npy`])), compileMs: compiled.compileMs, runMs, bench };
  } finally {
    await model.release();
  }
}

function summarize(
  io: Io,
  opts: GradOptions,
  target: Target,
  value: Tensor | undefined,
  grads: Record<string, Tensor>,
  files: ReadonlyMap<string, string>,
  compileMs: number,
  runMs: number,
): void {
  const what = target.seed ? `${target.output} (VJP with seed ${opts.seed})` : opts.of;
  const at = value && !target.seed ? ` = ${elementOf(value, target.index).toPrecision(6)}` : '';
  io.err(`gradient of ${what}${at} w.r.t. ${files.size} tensor${files.size > 1 ? 's' : ''} (compile ${compileMs.toFixed(1)} ms, first forward+backward run ${runMs.toFixed(1)} ms)`);
  const rows = [...files].map(([name, safe]) => {
    const g = grads[name];
    let max = 0;
    for (let i = 0; i < g.data.length; i++) max = Math.max(max, Math.abs(Number(g.data[i])));
    return [name, `${g.dtype} ${formatDims(g.dims)}`, `max|grad| ${max.toExponential(3)}  -> ${safe}.npy`];
  });
  const shown = rows.slice(0, SUMMARY_ROWS);
  const widths = [0, 1].map((c) => Math.min(40, Math.max(...shown.map((r) => r[c].length))));
  for (const r of shown) io.err(`  ${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`);
  if (rows.length > shown.length) io.err(`  ... and ${rows.length - shown.length} more`);
  io.err(`wrote ${files.size * 2} files to ${opts.out} (gradients as <name>.npy, forward values in values/)`);
}

/** The element an index picks (or the only element of a scalar). */
function elementOf(t: Tensor, index: readonly number[] | undefined): number {
  let flat = 0;
  (index ?? []).forEach((v, i) => {
    flat = flat * t.dims[i] + (v < 0 ? v + t.dims[i] : v);
  });
  return Number(t.data[flat]);
}

export const gradCommand: Command = {
  name: 'grad',
  summary: 'gradient of an output element, scalar or VJP w.r.t. inputs, activations or weights',
  help: HELP,
  async run(argv, io) {
    const opts = parseGradArgs(argv);
    if (!opts) {
      io.out(HELP);
      return 0;
    }
    setWarningHandler((m) => io.err(`gradloc: warning: ${m}`));
    await grad(opts, io);
    return 0;
  },
};
