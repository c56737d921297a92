/**
 * `gradloc train <name>`: trains a zoo model from scratch into <models folder>/<name> (or
 * --out). The recipes come with a gradloc checkout only (recipes.ts).
 */
import { join } from 'node:path';
import { GradlocError } from '@gradloc/tensor-backend';
import { modelsDir } from '@gradloc/models';
import { MODELS_FLAG, modelsOption, optionalInt, optionalString, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { formatDuration, progressReporter } from '../progress.js';
import { loadRecipes } from '../recipes.js';

const HELP = `Usage: gradloc train <name> [--out DIR] [--models DIR] [--seed N] [--steps N] [--eval-samples N] [--threads N]

Trains a zoo model from scratch on data the project generates and writes DIR/model.onnx and
DIR/card.json (default DIR: <models folder>/<name>). Progress goes to stderr: a bar on a
terminal, plain lines otherwise. The final metrics are printed as one JSON line on stdout.
The training recipes come with a gradloc checkout (tools/zoo), not with an installed gradloc.

  --out DIR           where to write (files are replaced atomically at the end)
  --models DIR        the models folder (default: $GRADLOC_MODELS, else the checkout's models/);
                      also where a recipe finds the models it starts from
  --seed N            training seed (default: the recipe's, recorded on the card)
  --steps N           override the recipe's step count (quick looks; the card records it)
  --eval-samples N    held-out samples for the final evaluation (default: the recipe's)
  --threads N         onnxruntime intra-op threads`;

const FLAGS = {
  out: { type: 'string' },
  seed: { type: 'string' },
  steps: { type: 'string' },
  'eval-samples': { type: 'string' },
  threads: { type: 'string' },
  ...MODELS_FLAG,
  help: { type: 'boolean', short: 'h' },
} as const;

/** Splits a leading positional (the model name) off argv. */
export function splitName(argv: readonly string[]): [string | undefined, string[]] {
  if (argv.length > 0 && !argv[0].startsWith('-')) return [argv[0], argv.slice(1)];
  return [undefined, [...argv]];
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a zoo model from scratch (a gradloc checkout\'s recipes)',
  help: HELP,
  async run(argv, io) {
    const [name, rest] = splitName(argv);
    const f = parseFlags('train', rest, FLAGS);
    if (f.help) {
      io.out(HELP);
      return 0;
    }
    const recipes = await loadRecipes();
    if (!name) {
      throw new GradlocError('BAD_INPUT', `missing model name (recipes: ${recipes.zooModels().map((m) => m.name).join(', ')}; see: gradloc train --help)`);
    }
    const entry = recipes.zooModel(name);
    const models = modelsOption(f);
    const outDir = optionalString(f, 'out') ?? join(modelsDir(models), name);
    const progress = progressReporter(io, name);
    const t0 = Date.now();
    const report = await entry.train({
      outDir,
      ...models,
      seed: optionalInt('train', f, 'seed', 0),
      steps: optionalInt('train', f, 'steps', 1),
      evalSamples: optionalInt('train', f, 'eval-samples', 1),
      threads: optionalInt('train', f, 'threads', 1),
      onProgress: progress.update,
      onLog: (line) => io.err(`${name}: ${line}`),
    });
    progress.done();
    io.err(`${name}: trained ${report.steps} steps in ${formatDuration((Date.now() - t0) / 1000)}; wrote ${outDir}/model.onnx and card.json`);
    io.out(JSON.stringify(report.metrics));
    return 0;
  },
};
