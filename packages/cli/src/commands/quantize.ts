/**
 * `gradloc quantize`: GWQ and its baselines on any ONNX model, written as an ONNX file that
 * stock onnxruntime runs (@gradloc/quant-gwq). One JSON line on stdout; progress on stderr.
 */
import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isHfGrounderFolder } from '@gradloc/models';
import { GradlocError, isExternal, loadModel, OnnxModel, saveModel, type ModelProto } from '@gradloc/tensor-backend';
import { DEFAULT_CALIBRATION_SAMPLES, EXPORT_FORMATS, METHODS, parseCalibrationSpec, QUANTIZED_FILE, quantizeHfFolder, quantizeModel, quantizeModelFile, quantSpec, resolveFormat, OUTLIER_UNITS, SENSITIVITIES, type Method, type QuantizeResult } from '@gradloc/quant-gwq';
import { MODELS_FLAG, modelsOption, optionalChoice, optionalInt, optionalString, parseFlags, requireString, RUNTIME_FLAGS, runtimeOptions, type Flags } from '../args.js';
import type { Command } from '../command.js';
import { stageReporter } from '../progress.js';

const HELP = `Usage: gradloc quantize --model M.onnx|HF-FOLDER --method gwq|rtn|magnitude|hessian|random
                        [--bits B] [--group G] [--outliers P] [--calib SPEC] --out Q.onnx|FOLDER
                        [--gptq] [--sensitivity gradient|abs-sum|fisher] [--format auto|packed|int8|nbits|unpack]
                        [--outlier-unit channel|weight] [--no-embeddings] [--seed N] [--models DIR] [--ep cpu|cuda|webgpu] [--threads N]

Quantizes every MatMul/Gemm weight of an ONNX model to B-bit groups and keeps the most
sensitive P% of each matrix in FP16 as a correction; embedding tables are stored in B-bit
groups too. By default (up to 4 bits) each quantized matrix, outliers included, is written
as one int8 matrix for onnxruntime's integer GEMM (--format). Prints one JSON line:
{"bits_per_weight" (as stored), "size_bytes", "outlier_fraction", "calib_ms", "quant_ms",
"format", ..., "streamed", "peak_rss_bytes"}.

A model whose weights are in external data (e.g. from \`gradloc make-gpt\`) is streamed: weights
are read from the data file only when needed, calibration runs one segment of the graph at a
time (cut between blocks) and each segment's matrices are quantized as soon as its gradients
are in, so memory holds about one segment, not the whole model. Same result as the whole-graph
path. An output above 1.5 GiB keeps its weights in Q.onnx.data beside it.

  --method M        gwq: outliers = largest |calibration gradient| (GWQ)
                    rtn: plain round-to-nearest, no outliers
                    magnitude: largest |w|; hessian: largest E[x^2] w^2 (SpQR/OWQ-style);
                    random: uniform positions (control)
  --bits B          2, 3, 4 or 8 (default 4)
  --group G         group size along the input dimension: 32, 64 or 128 (default: the largest
                    that divides every quantized width, 128 if none does; brown-gpt: 64)
  --outliers P      percent of each matrix kept in FP16 (default 1; "0.5" = 0.5%; ignored by rtn)
  --calib SPEC      CORPUS:SPLIT[:N[:SEED]]: brown:train:${DEFAULT_CALIBRATION_SAMPLES} (language models, next-token
                    loss) or shapes:train:${DEFAULT_CALIBRATION_SAMPLES} (grounders, distillation against the model's own
                    outputs); N is 1..128. Default: brown for a model with only input_ids, else shapes.
                    Used by gwq, hessian and --gptq.
  --gptq            GPTQ error compensation of the low-bit part (uses calibration activations)
  --sensitivity S   GWQ score: gradient = |sum of gradients| (default), abs-sum = sum of
                    per-sample |g|, fisher = sum of g^2
  --outlier-unit U  what P% counts: channel = whole input channels (rows of the weight),
                    applied as one small dense product (default: fast in onnxruntime);
                    weight = single weights, the GWQ paper's element-wise choice, applied
                    as a scatter (several times slower; README "Outliers")
  --no-embeddings   keep embedding tables (Gather on a weight) in FP32; by default they are
                    stored as B-bit groups read by com.microsoft.GatherBlockQuantized
  --format F        auto (default): int8 for codes of up to 4 bits (the weights rounded to
                    int8 at export and run by onnxruntime's integer GEMM: faster than FP32 and
                    the least session memory; a byte a weight on disk), packed otherwise;
                    packed: the smallest file (com.microsoft MatMulNBits for 2/4/8 bits,
                    standard-op unpacking otherwise); int8, nbits or unpack to force one
  --seed N          positions of the random method (default 0)
  --models DIR      the models folder holding brown-gpt/tokenizer.json for brown calibration
                    (default: $GRADLOC_MODELS, else a gradloc checkout's models/)
  --out Q.onnx      written atomically (its folder made if missing); nothing is written on failure

A Hugging Face folder as --model (an OWL-ViT, OWLv2, Grounding DINO or CLIP export; README
"Bring your own model") quantizes its onnx/model.onnx, calibrating on shapes scenes and the 42
colour-shape phrases through the folder's own processor and tokenizer, and writes --out as a
copy of the folder plus onnx/model_quantized.onnx (transformers.js dtype 'q8'). The JSON line
then also has "dir".`;

const FLAGS = {
  model: { type: 'string' },
  method: { type: 'string' },
  bits: { type: 'string' },
  group: { type: 'string' },
  outliers: { type: 'string' },
  calib: { type: 'string' },
  out: { type: 'string' },
  gptq: { type: 'boolean' },
  sensitivity: { type: 'string' },
  format: { type: 'string' },
  'outlier-unit': { type: 'string' },
  'no-embeddings': { type: 'boolean' },
  seed: { type: 'string' },
  ...MODELS_FLAG,
  ...RUNTIME_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

/** --outliers is a percentage ("1", "0.5", "1%"). */
export function parseOutlierPercent(flags: Flags): number {
  const raw = optionalString(flags, 'outliers');
  if (raw === undefined) return 0.01;
  const p = Number(raw.trim().replace(/%$/, ''));
  if (!Number.isFinite(p) || p < 0 || p >= 100) throw new GradlocError('BAD_INPUT', `--outliers is a percentage from 0 to below 100 (e.g. 1 or 0.5), got '${raw}'`);
  return p / 100;
}

/** The JSON line's fields (a file or a folder alike). */
function summaryOf(r: Pick<QuantizeResult, 'report'>, method: Method, gptq: boolean, sizeBytes: number): Record<string, unknown> {
  const { report } = r;
  return {
    bits_per_weight: report.bitsPerWeight,
    size_bytes: sizeBytes,
    outlier_fraction: report.outlierFraction,
    calib_ms: Math.round(report.calibMs),
    quant_ms: Math.round(report.quantMs),
    method,
    bits: report.bits,
    group: report.group,
    gptq,
    // the form(s) the matrices were written in (int8, nbits, unpack)
    format: [...new Set(report.matrices.map((m) => m.format))].join('+'),
    matrices: report.matrices.length,
    weights: report.weights,
    embeddings: report.embeddings.length,
  };
}

export const quantizeCommand: Command = {
  name: 'quantize',
  summary: 'GWQ / RTN / magnitude / Hessian / random-outlier weight quantization of an ONNX model',
  help: HELP,
  async run(argv, io) {
    const f = parseFlags('quantize', argv, FLAGS);
    if (f.help) {
      io.out(HELP);
      return 0;
    }
    const path = requireString('quantize', f, 'model');
    const out = requireString('quantize', f, 'out');
    const method: Method = optionalChoice('quantize', f, 'method', METHODS) ?? 'gwq';
    const bits = optionalInt('quantize', f, 'bits', 1) ?? 4;
    const group = optionalInt('quantize', f, 'group', 1);
    const outliers = parseOutlierPercent(f);
    const sensitivity = optionalChoice('quantize', f, 'sensitivity', SENSITIVITIES);
    const format = optionalChoice('quantize', f, 'format', EXPORT_FORMATS);
    const seed = optionalInt('quantize', f, 'seed', 0);
    const gptq = f.gptq === true;
    const outlierUnit = optionalChoice('quantize', f, 'outlier-unit', OUTLIER_UNITS);
    const embeddings = f['no-embeddings'] === true ? false : undefined;
    // checked before any model or data is loaded
    resolveFormat(quantSpec(bits, group ?? 128), format);
    const calib = optionalString(f, 'calib');
    if (calib !== undefined) parseCalibrationSpec(calib);
    const runtime = runtimeOptions('quantize', f);
    if (isHfGrounderFolder(path)) {
      const progress = stageReporter(io, 'quantize:');
      try {
        const r = await quantizeHfFolder({ dir: path, out, method, bits, group, outliers, outlierUnit, embeddings, sensitivity, gptq, calibration: calib, format, seed, runtime, onProgress: (stage, done, total) => progress.update(stage, done, total) });
        progress.done();
        io.err(`quantize: ${r.report.matrices.length} matrices of ${path}, ${method} ${r.report.bits}-bit g${r.report.group} -> ${r.dir}/${QUANTIZED_FILE}`);
        io.out(JSON.stringify({ ...summaryOf(r, method, gptq, statSync(join(r.dir, QUANTIZED_FILE)).size), dir: r.dir }));
        return 0;
      } finally {
        progress.done();
      }
    }
    const progress = stageReporter(io, 'quantize:');
    const options = {
      ...modelsOption(f),
      method,
      bits,
      group,
      outliers,
      outlierUnit,
      embeddings,
      sensitivity,
      gptq,
      calibration: calib,
      format,
      seed,
      runtime,
      onProgress: (stage: 'calibrate' | 'quantize', done: number, total: number) => progress.update(stage, done, total),
    };
    // a model with external data may be larger than memory: read it one weight and one
    // calibration segment at a time (quant-gwq's quantizeModelFile)
    const streamed = loadModel(path, { loadExternalData: false }).graph!.initializer.some(isExternal);
    const model = streamed ? undefined : OnnxModel.load(path, runtime);
    try {
      const { graph, report, calibration } = model ? await quantizeModel({ model, modelPath: path, ...options }) : await quantizeModelFile({ path, ...options });
      progress.done();
      const bytes = saveQuantized(out, graph.toModel());
      io.err(
        `quantize: ${report.matrices.length} matrices, ${report.weights} weights, ${method} ${report.bits}-bit g${report.group}${gptq ? ' + GPTQ' : ''}` +
          (calibration?.spec ? `, calibration ${calibration.spec.corpus}:${calibration.spec.split} x ${calibration.samples}` : '') +
          (streamed ? ', streamed' : '') +
          ` -> ${out}`,
      );
      io.out(JSON.stringify({ ...summaryOf({ report }, method, gptq, bytes), streamed, peak_rss_bytes: process.resourceUsage().maxRSS * 1024 }));
      return 0;
    } finally {
      progress.done();
      await model?.release();
    }
  },
};

/** Above this the output keeps its weights in `<out>.data` (protobuf messages stop at 2 GiB). */
const INLINE_LIMIT = 1.5 * 2 ** 30;

/** Writes the quantized model; returns the bytes written (the model file and its data file, if any). */
function saveQuantized(out: string, proto: ModelProto): number {
  const weights = proto.graph!.initializer.reduce((a, t) => a + (t.raw_data?.length ?? 0), 0);
  const location = `${basename(out)}.data`;
  const external = weights > INLINE_LIMIT;
  saveModel(out, proto, external ? { externalData: { location } } : {});
  return statSync(out).size + (external ? statSync(join(dirname(out), location)).size : 0);
}
