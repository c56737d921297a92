/**
 * `gradloc cam`: a class-activation map (or an input attribution) of a classifier's class
 * score, written as a float32 .npy map in [0, 1] at the image input's size, optionally
 * rendered as a PNG (heatmap, or overlay on a picture) and scored with faithfulness metrics.
 * As in `grad`, everything is computed, encoded and checked before the first byte is written.
 */
import { GradlocError, MODEL_META, OnnxModel, encodeNpy, encodePNG, formatDims, setWarningHandler, tensor } from '@gradloc/tensor-backend';
import { LAYER_METHODS, explain, imageInput, type CamResult, type LayerSpec, type MethodName, type MetricsReport } from '@gradloc/cam-explain';
import type { Command, Io } from '../command.js';
import { loadFeeds } from '../feeds.js';
import { tensorNames } from '../names.js';
import { checkOutputFiles } from '../output.js';
import { CAM_HELP, parseCamArgs, type CamCommandOptions } from './cam-args.js';
import { readText, readImages, renderPng, parseBoxes, writeFiles } from './cam-files.js';

export interface CamCommandResult {
  readonly result: CamResult;
  /** The class explained per batch item. */
  readonly classes: readonly number[] | undefined;
  readonly metrics?: MetricsReport;
}

/**
 * --layer values: comma lists split, except a value that is itself a tensor name (names may
 * hold commas); each must be a tensor of the graph. Duplicates dropped, order kept.
 */
function resolveLayers(model: OnnxModel, values: readonly string[], known: ReadonlySet<string>, method: MethodName): string[] {
  const parts = values.flatMap((v) => (known.has(v) ? [v] : v.split(',').map((p) => (known.has(p) ? p : p.trim())))).filter((p) => p !== '');
  if (parts.length === 0) {
    const suggested = model.graph.metadata.find((p) => p.key === MODEL_META.targetLayer)?.value;
    const hint = suggested ? `; this model suggests --layer ${suggested}` : ' (usually the last block output, e.g. layer4.1 or /layer4/layer4.1/relu_1/Relu_output_0)';
    throw new GradlocError('BAD_INPUT', `--method ${method} needs --layer TENSOR, the layer whose activations it weighs${hint}`);
  }
  for (const p of parts) {
    if (!known.has(p)) throw new GradlocError('UNKNOWN_TENSOR', `--layer '${p}': no tensor of that name in the model (not an input, initializer or node output)`);
  }
  return [...new Set(parts)];
}

/** Classes of a rank-2 output with a fixed class count are checked before any compute. */
function checkClasses(model: OnnxModel, output: string, classes: CamCommandOptions['classes']): void {
  if (classes === 'auto') return;
  const dims = model.graph.outputs.find((o) => o.name === output)?.dims;
  const count = dims?.length === 2 ? dims[1] : undefined;
  if (typeof count !== 'number') return; // symbolic or not an output: explain() checks at run time
  for (const c of typeof classes === 'number' ? [classes] : classes) {
    if (c >= count) throw new GradlocError('BAD_INPUT', `--class ${c} is out of range: '${output}' has ${count} classes (0..${count - 1})`);
  }
}

export async function cam(opts: CamCommandOptions, io: Io): Promise<CamCommandResult> {
  // fail before any compute when an output cannot be written where asked
  checkOutputFiles([opts.out, opts.png]);
  const model = OnnxModel.load(opts.model, opts.runtime ?? {});
  try {
    const known = tensorNames(model);
    const output = opts.output ?? model.outputNames[0];
    if (output === undefined) throw new GradlocError('BAD_MODEL', 'the model has no outputs');
    if (!known.has(output)) throw new GradlocError('UNKNOWN_TENSOR', `--output '${output}': no tensor of that name in the model`);
    if (opts.input !== undefined && !model.inputNames.includes(opts.input)) {
      throw new GradlocError('UNKNOWN_TENSOR', `--input '${opts.input}': the model has no input of that name (inputs: ${model.inputNames.join(', ')})`);
    }
    const usesLayers = LAYER_METHODS.includes(opts.method);
    const layerNames = usesLayers ? resolveLayers(model, opts.layers, known, opts.method) : [];
    checkClasses(model, output, opts.classes);
    const feeds = loadFeeds(model, opts.feeds);
    const { name: input, tensor: image } = imageInput(model, feeds, opts.input);
    const batch = image.dims[0];
    if (Array.isArray(opts.classes) && opts.classes.length !== batch) {
      throw new GradlocError('BAD_INPUT', `--class gives ${opts.classes.length} classes for a batch of ${batch} (give one class, or one per item)`);
    }
    if (opts.images.length > 1 && opts.images.length !== batch) {
      throw new GradlocError('BAD_INPUT', `${opts.images.length} --image files for a batch of ${batch} (give one for all items, or one per item)`);
    }
    const images = await readImages(opts.images);
    const boxes = opts.boxes === undefined ? undefined : parseBoxes(readText(opts.boxes, '--boxes'), batch, `--boxes ${opts.boxes}`);

    const layers: LayerSpec[] = layerNames.map((name) => ({ name, tokens: opts.tokens }));
    // one forward pass inside explain() fixes 'auto' classes, so the map, the report and the
    // metrics are all of the same classes
    const { result, classes, metrics, ms } = await explain({
      model,
      input: { feeds, input },
      method: opts.method,
      methodOptions: { eigenSmooth: opts.eigenSmooth, augSmooth: opts.augSmooth, steps: opts.steps, samples: opts.samples },
      batchSize: opts.batchSize,
      layers,
      output,
      target: opts.classes,
      metrics: opts.metrics ? { road: opts.road, boxes, tolerance: opts.tolerance } : false,
      overlay: false,
    });

    const { height, width } = result;
    const dims = result.batch === 1 ? [height, width] : [result.batch, height, width];
    const files = [{ path: opts.out, bytes: encodeNpy(tensor('float32', dims, result.maps)) }];
    if (opts.png !== undefined) files.push({ path: opts.png, bytes: await encodePNG(renderPng(result, images, opts.colormap, opts.alpha)) });
    writeFiles(files);

    const perItem = [...classes];
    const scores = Array.from(result.scores, (s, b) => `class ${perItem[b]} p=${s.toPrecision(4)}`).join(', ');
    const where = usesLayers ? `at ${layerNames.join(', ')}` : opts.layers.length > 0 ? `(--layer ignored: ${opts.method} does not use one)` : '';
    io.err(`${opts.method} of '${output}' ${where}: ${scores} (${ms.toFixed(0)} ms)`);
    io.err(`wrote ${opts.out} (float32 ${formatDims(dims)})${opts.png !== undefined ? ` and ${opts.png} (${images.length > 0 ? 'overlay' : 'heatmap'}, ${opts.colormap})` : ''}`);
    // an all-zero map is written (it is a valid answer) but never silently: the reasons go to
    // stderr, and into the JSON line when --metrics prints one (stdout carries no other line)
    for (const w of result.warnings) io.err(`gradloc: warning: ${w}`);
    if (metrics) io.out(JSON.stringify({ ...metrics, warnings: result.warnings }));
    return { result, classes: perItem, metrics };
  } finally {
    await model.release();
  }
}

export const camCommand: Command = {
  name: 'cam',
  summary: 'class-activation map (Grad-CAM family, FullGrad, input attributions) as .npy/PNG',
  help: CAM_HELP,
  async run(argv, io) {
    const opts = parseCamArgs(argv);
    if (!opts) {
      io.out(CAM_HELP);
      return 0;
    }
    setWarningHandler((m) => io.err(`gradloc: warning: ${m}`));
    await cam(opts, io);
    return 0;
  },
};
