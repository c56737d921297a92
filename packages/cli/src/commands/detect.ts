/**
 * `gradloc detect`: open-vocabulary grounding from the shell. Prints the same JSON as the
 * dashboard's grounding.detect ({"detections": [{query, box, score}], "ms"}), boxes in pixels
 * of the image; with --png, the picture with each query's boxes outlined.
 */
import { drawBox, encodePNG, GradlocError, type RgbImage } from '@gradloc/tensor-backend';
import { DEFAULT_DETECTION_THRESHOLD, ground, OnnxGrounder, type PixelDetection } from '@gradloc/vps-search';
import { openGrounder } from '@gradloc/models';
import { MODELS_FLAG, modelsOption, optionalNumber, optionalString, parseFlags, requireString, RUNTIME_FLAGS, runtimeOptions, stringList } from '../args.js';
import type { Command } from '../command.js';
import { readPicture } from '../images.js';
import { writeFiles } from './cam-files.js';

const HELP = `Usage: gradloc detect --model NAME|PATH --image IMG.png --query TEXT [--query TEXT ...]
                      [--threshold T] [--iou I] [--png BOXES.png] [--models DIR]
                      [--ep EP] [--threads N]

Grounding: where in the image each query is. Prints one JSON line, the dashboard's
grounding.detect answer: {"detections": [{"query", "box": [x0, y0, x1, y1], "score"}], "ms"},
boxes in pixels of the image, best first within each query.

  --model M         a zoo grounder (shapes-grounder, shapes-grounder-gwq4), a model folder
                    with card.json, an .onnx file beside one, or a Hugging Face folder of an
                    OWL-ViT, OWLv2 or Grounding DINO export (see README "Bring your own model")
  --query TEXT      a phrase, e.g. "a red circle"; repeat for several (one forward pass)
  --threshold T     keep boxes scoring at least T (default ${DEFAULT_DETECTION_THRESHOLD})
  --iou I           per query, drop a box overlapping a better one by more than I (default 0.5)
  --png FILE        the image with the boxes outlined, one colour per query
  --models DIR      the models folder for a name (default: $GRADLOC_MODELS, else a gradloc
                    checkout's models/)`;

const FLAGS = {
  model: { type: 'string' },
  image: { type: 'string' },
  query: { type: 'string', multiple: true },
  threshold: { type: 'string' },
  iou: { type: 'string' },
  png: { type: 'string' },
  ...RUNTIME_FLAGS,
  ...MODELS_FLAG,
  help: { type: 'boolean', short: 'h' },
} as const;

/** Outline colours by query, in order (distinct on light and dark pictures). */
const PALETTE: readonly (readonly [number, number, number])[] = [
  [255, 255, 255],
  [255, 215, 0],
  [0, 230, 255],
  [255, 64, 160],
  [120, 255, 80],
  [255, 128, 0],
];

/** The picture with every detection's box outlined, a colour per query. */
export function drawDetections(picture: RgbImage, detections: readonly PixelDetection[], queries: readonly string[]): RgbImage {
  let out = picture;
  for (const d of detections) out = drawBox(out, d.box, { colour: PALETTE[queries.indexOf(d.query) % PALETTE.length] });
  return out;
}

export const detectCommand: Command = {
  name: 'detect',
  summary: 'grounding: boxes of text queries in an image (the dashboard\'s grounding.detect)',
  help: HELP,
  async run(argv, io) {
    const f = parseFlags('detect', argv, FLAGS);
    if (f.help) {
      io.out(HELP);
      return 0;
    }
    const spec = requireString('detect', f, 'model');
    const imagePath = requireString('detect', f, 'image');
    const queries = stringList(f, 'query').map((q) => q.trim());
    if (queries.length === 0) throw new GradlocError('BAD_INPUT', 'missing required flag --query (see: gradloc detect --help)');
    if (queries.some((q) => q === '')) throw new GradlocError('BAD_INPUT', 'a --query is empty');
    const threshold = optionalNumber('detect', f, 'threshold', 0, 1);
    const iou = optionalNumber('detect', f, 'iou', 0, 1);
    const png = optionalString(f, 'png');
    // decoded once, under the dashboard's pixel limit, before the model is opened
    const picture = await readPicture(imagePath);
    const source = await openGrounder(spec, { runtime: runtimeOptions('detect', f), ...modelsOption(f) });
    const detector = new OnnxGrounder(source);
    try {
      const t0 = performance.now();
      const r = await ground({ detector, image: picture, queries, threshold, iou });
      const ms = Math.round((performance.now() - t0) * 10) / 10;
      if (png) writeFiles([{ path: png, bytes: await encodePNG(drawDetections(picture, r.detections, queries)) }]);
      io.err(`detect: ${source.name}, ${r.detections.length} box${r.detections.length === 1 ? '' : 'es'} for ${queries.length} quer${queries.length === 1 ? 'y' : 'ies'} (${ms} ms)`);
      io.out(JSON.stringify({ detections: r.detections, ms }));
      return 0;
    } finally {
      await detector.release();
    }
  },
};
