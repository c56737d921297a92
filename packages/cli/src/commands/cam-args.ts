/** `gradloc cam`'s flags: the help text, parsing and validation into CamCommandOptions. */
import { resolve } from 'node:path';
import { COLORMAP_NAMES, GradlocError, type ColormapName, type RuntimeOptions } from '@gradloc/tensor-backend';
import { LAYER_METHODS, METHOD_NAMES, isMethodName, type MethodName, type TokenLayout } from '@gradloc/cam-explain';
import { RUNTIME_FLAGS, optionalChoice, optionalInt, optionalNumber, optionalString, parseFlags, requireString, runtimeOptions, stringList } from '../args.js';
export interface CamCommandOptions {
  readonly model: string;
  /** `NAME=FILE.npy`, one per model input. */
  readonly feeds: readonly string[];
  /** Layer tensor names, comma lists allowed. */
  readonly layers: readonly string[];
  /** One class for all items, one per item, or each item's top class. */
  readonly classes: number | readonly number[] | 'auto';
  readonly method: MethodName;
  /** The .npy map. */
  readonly out: string;
  readonly png?: string;
  /** Pictures under the heatmap: none, one for every item, or one per item. */
  readonly images: readonly string[];
  readonly metrics: boolean;
  /** With --metrics: also ROAD (slower). */
  readonly road: boolean;
  /** With --metrics: a JSON file of pixel boxes for the pointing game. */
  readonly boxes?: string;
  /** Pointing-game tolerance in pixels. */
  readonly tolerance?: number;
  /** Logits output (default: the model's first output). */
  readonly output?: string;
  /** Image input (default: the first input fed a rank-4 array). */
  readonly input?: string;
  readonly tokens: TokenLayout;
  readonly batchSize?: number;
  readonly eigenSmooth: boolean;
  readonly augSmooth: boolean;
  readonly steps?: number;
  readonly samples?: number;
  readonly colormap: ColormapName;
  readonly alpha: number;
  readonly runtime?: RuntimeOptions;
}

/** Words joined into lines of at most `width` characters, continuation lines indented like the first. */
function wrap(words: readonly string[], indent: number, width = 92): string {
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && indent + line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

const layerMethods = wrap(LAYER_METHODS, 24);

const otherMethods = wrap(METHOD_NAMES.filter((m) => !LAYER_METHODS.includes(m)), 24);

export const CAM_HELP = `Usage: gradloc cam --model M.onnx --feed NAME=X.npy [--feed ...] --layer TENSOR[,TENSOR]
                   --class C|auto --method METHOD --out CAM.npy
                   [--png OVERLAY.png [--image IMG.png]] [--metrics [--road] [--boxes B.json]]
                   [--output NAME] [--input NAME] [--prefix-tokens N] [--grid RxC]
                   [--batch-size N] [--eigen-smooth] [--aug-smooth] [--steps N] [--samples N]
                   [--colormap turbo|jet|viridis] [--alpha A] [--ep EP] [--threads N]

Explains a classifier's class score with a CAM method or an input attribution and writes
the map as .npy: float32 [H, W] with values in [0, 1] at the image input's spatial size
(H x W of its [B, C, H, W] feed), or [B, H, W] for a batch of B > 1.

  --model M.onnx      the model (external data files are read from its folder)
  --feed NAME=X.npy   a value for model input NAME; one per input (dtype conversions as in
                      gradloc grad). The image is the first input fed a rank-4 array.
  --layer TENSORS     target layer(s): any tensor of the graph, usually a block's output
                      (layer4.1, /layer4/layer4.1/relu_1/Relu_output_0); comma-separated
                      and/or repeated; several layers' maps are averaged. Required by
                        ${layerMethods}
                      and ignored by the others. Token tensors [B, N, D] (transformers)
                      are reshaped to a grid: N square, or 1 + square (class token dropped).
  --class C|auto      the class explained: an index, one index per batch item (3,7), or
                      auto = each item's top class (default auto)
  --method METHOD     gradcam (default) or any of
                        ${layerMethods}
                      input attributions and FullGrad (no --layer needed):
                        ${otherMethods}
  --out CAM.npy       the map (float32, in [0, 1])
  --png OUT.png       also render it: the heatmap alone, or over --image; a batch is tiled
                      left to right in one PNG
  --image IMG         picture under the heatmap (PNG, JPEG, WebP...), resized to the map's
                      size; give it once for every item or once per item (repeat the flag)
  --metrics           also print one JSON line on stdout with faithfulness metrics of the
                      map, means over the batch (null where undefined), and the warnings:
                        {"insertion_auc":..,"deletion_auc":..,"average_drop":..,
                         "increase_in_confidence":..,"warnings":[..]}
                      (AUCs of the class probability; average drop and increase in
                      confidence in percent, as in the Grad-CAM++ paper)
  --road              with --metrics: also "road_morf" and "road_lerf" (ROAD; slower)
  --boxes B.json      with --metrics: also "pointing_game", the fraction of items whose map
                      maximum lies on one of their boxes: pixel boxes [x0, y0, x1, y1] (x1, y1
                      exclusive) at the map's size, as [[x0,y0,x1,y1], ...] for every item or
                      [[[x0,y0,x1,y1], ...], ...] with one list per item ([] = not scored)
  --tolerance PX      pointing-game tolerance in pixels (default 15)
  --output NAME       the logits tensor [B, classes] (default: the model's first output)
  --input NAME        the image input (default: the first input fed a rank-4 array)
  --prefix-tokens N   token layers: tokens before the patch tokens (class, register tokens)
  --grid RxC          token layers: the patch grid, rows x columns (default square)
  --batch-size N      perturbed copies per model run (scorecam, ablationcam and --metrics:
                      default 32; input attributions: 16)
  --eigen-smooth      first principal component of the weighted activations instead of their
                      channel sum
  --aug-smooth        average over horizontal flips x brightness 0.9/1/1.1 (6x the cost)
  --steps N           integratedgradients path points (default 32)
  --samples N         smoothgrad noisy copies (default 25)
  --colormap NAME     ${COLORMAP_NAMES.join(', ')} (default jet, as pytorch-grad-cam)
  --alpha A           heatmap weight in the overlay, 0..1 (default 0.5); the blend is then
                      divided by its max, as pytorch-grad-cam's show_cam_on_image does
  --ep EP             execution provider: cpu (default), cuda or webgpu
  --threads N         onnxruntime intra-op threads (default: one per core)
  -h, --help          this text

Output: stdout carries only the --metrics JSON line; a summary goes to stderr. A map that
comes out all zeros (or needed a fallback) is still written, exit code 0, with one line per
finding on stderr, 'gradloc: warning: METHOD: item B: reason' (also in the JSON line's
"warnings" with --metrics). Errors are one line on stderr, 'gradloc: CODE: message', with
exit code 1, and then nothing is written.

Example:
  gradloc cam --model resnet18.onnx --feed input=cat.npy --layer layer4.1 --class auto \\
    --method gradcam --out cam.npy --png cam.png --image cat.png`;

const FLAGS = {
  model: { type: 'string' },
  feed: { type: 'string', multiple: true },
  layer: { type: 'string', multiple: true },
  class: { type: 'string' },
  method: { type: 'string' },
  out: { type: 'string' },
  png: { type: 'string' },
  image: { type: 'string', multiple: true },
  metrics: { type: 'boolean' },
  road: { type: 'boolean' },
  boxes: { type: 'string' },
  tolerance: { type: 'string' },
  output: { type: 'string' },
  input: { type: 'string' },
  'prefix-tokens': { type: 'string' },
  grid: { type: 'string' },
  'batch-size': { type: 'string' },
  'eigen-smooth': { type: 'boolean' },
  'aug-smooth': { type: 'boolean' },
  steps: { type: 'string' },
  samples: { type: 'string' },
  colormap: { type: 'string' },
  alpha: { type: 'string' },
  ...RUNTIME_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

const usage = (message: string): GradlocError => new GradlocError('BAD_INPUT', `${message} (see: gradloc cam --help)`);

/** `auto`, `7` or `3,7` (one per batch item). */
export function parseClasses(spec: string): number | number[] | 'auto' {
  const s = spec.trim();
  if (s.toLowerCase() === 'auto') return 'auto';
  const parts = s.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p) || !Number.isSafeInteger(Number(p)))) {
    throw usage(`--class must be auto, a class index or comma-separated indices (one per batch item), got '${spec}'`);
  }
  const classes = parts.map(Number);
  return classes.length === 1 ? classes[0] : classes;
}

/** `RxC`, e.g. `14x14`. */
export function parseGrid(spec: string): [number, number] {
  const m = /^\s*(\d+)\s*[xX]\s*(\d+)\s*$/.exec(spec);
  const [rows, cols] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!(rows > 0 && cols > 0)) throw usage(`--grid must be ROWSxCOLS with positive whole numbers, e.g. 14x14, got '${spec}'`);
  return [rows, cols];
}

/** Parses argv into options; null when help was asked for. */
export function parseCamArgs(argv: readonly string[]): CamCommandOptions | null {
  const f = parseFlags('cam', argv, FLAGS);
  if (f.help) return null;
  const methodName = optionalString(f, 'method') ?? 'gradcam';
  if (!isMethodName(methodName)) throw usage(`unknown method '${methodName}' (methods: ${METHOD_NAMES.join(', ')})`);
  for (const flag of ['road', 'boxes', 'tolerance']) if (f[flag] !== undefined && f.metrics !== true) throw usage(`--${flag} goes with --metrics`);
  const png = optionalString(f, 'png');
  const images = stringList(f, 'image');
  if (images.length > 0 && png === undefined) throw usage('--image goes with --png (the overlay it is drawn under)');
  const out = requireString('cam', f, 'out');
  if (png !== undefined && resolve(png) === resolve(out)) throw usage(`--png and --out are the same file ${out}`);
  const prefixTokens = optionalInt('cam', f, 'prefix-tokens', 0);
  const grid = optionalString(f, 'grid');
  return {
    model: requireString('cam', f, 'model'),
    feeds: stringList(f, 'feed'),
    layers: stringList(f, 'layer'),
    classes: parseClasses(optionalString(f, 'class') ?? 'auto'),
    method: methodName,
    out,
    png,
    images,
    metrics: f.metrics === true,
    road: f.road === true,
    boxes: optionalString(f, 'boxes'),
    tolerance: optionalNumber('cam', f, 'tolerance', 0, Number.MAX_SAFE_INTEGER),
    output: optionalString(f, 'output'),
    input: optionalString(f, 'input'),
    tokens: { prefixTokens, grid: grid === undefined ? undefined : parseGrid(grid) },
    batchSize: optionalInt('cam', f, 'batch-size', 1),
    eigenSmooth: f['eigen-smooth'] === true,
    augSmooth: f['aug-smooth'] === true,
    steps: optionalInt('cam', f, 'steps', 1),
    samples: optionalInt('cam', f, 'samples', 1),
    colormap: optionalChoice('cam', f, 'colormap', COLORMAP_NAMES) ?? 'jet',
    alpha: optionalNumber('cam', f, 'alpha', 0, 1) ?? 0.5,
    runtime: runtimeOptions('cam', f),
  };
}
