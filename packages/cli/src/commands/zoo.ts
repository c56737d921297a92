/** `gradloc zoo list` and `gradloc zoo eval <name>`: the models of the models folder and their card metrics. */
import { GradlocError } from '@gradloc/tensor-backend';
import { evaluateModel, listModels, type CatalogEntry } from '@gradloc/models';
import { MODELS_FLAG, modelsOption, optionalInt, optionalString, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { splitName } from './train.js';

const HELP = `Usage: gradloc zoo list [--models DIR]
       gradloc zoo eval <name|DIR> [--models DIR] [--samples N] [--threads N]

list   the models of the models folder, from their cards: name, kind, parameters, metrics
eval   recomputes a model's held-out metrics from its card and model file and prints them as
       one JSON line on stdout (keys: accuracy for classifiers, ap50 and absent_max_score for
       grounders, top1 and text_top1 for dual encoders, ppl and ppl_validation for language models)

  --models DIR    the models folder (default: $GRADLOC_MODELS, else a gradloc checkout's models/)
  --model DIR     evaluate the model folder DIR (the same as giving DIR instead of a name)
  --samples N     held-out samples (default: the count on the card)
  --threads N     onnxruntime intra-op threads`;

const LIST_FLAGS = { ...MODELS_FLAG, help: { type: 'boolean', short: 'h' } } as const;

const EVAL_FLAGS = {
  model: { type: 'string' },
  samples: { type: 'string' },
  threads: { type: 'string' },
  ...MODELS_FLAG,
  help: { type: 'boolean', short: 'h' },
} as const;

/** One line of `zoo list`: name, kind, parameter count and the card's metrics. */
export function describeEntry(e: CatalogEntry): string {
  return `${e.name.padEnd(22)} ${(e.kind ?? '-').padEnd(14)} ${e.card.parameters.toLocaleString('en-US').padStart(10)} params  ${JSON.stringify(e.card.metrics)}`;
}

export const zooCommand: Command = {
  name: 'zoo',
  summary: 'list the models of the models folder; recompute a model card\'s metrics (zoo eval <name>)',
  help: HELP,
  async run(argv, io) {
    const [sub, rest] = splitName(argv);
    if (sub === undefined && (rest.includes('--help') || rest.includes('-h'))) {
      io.out(HELP);
      return 0;
    }
    if (sub === undefined) throw new GradlocError('BAD_INPUT', 'missing zoo command: list or eval (see: gradloc zoo --help)');
    if (sub === 'list') {
      const f = parseFlags('zoo', rest, LIST_FLAGS);
      if (f.help) {
        io.out(HELP);
        return 0;
      }
      for (const e of listModels(modelsOption(f))) io.out(describeEntry(e));
      return 0;
    }
    if (sub !== 'eval') throw new GradlocError('BAD_INPUT', `unknown zoo command '${sub}' (list, eval; see: gradloc zoo --help)`);
    const [name, flagsArgv] = splitName(rest);
    const f = parseFlags('zoo', flagsArgv, EVAL_FLAGS);
    if (f.help) {
      io.out(HELP);
      return 0;
    }
    const spec = optionalString(f, 'model') ?? name;
    if (!spec) throw new GradlocError('BAD_INPUT', 'missing model name (see: gradloc zoo --help)');
    const metrics = await evaluateModel(spec, { ...modelsOption(f), samples: optionalInt('zoo', f, 'samples', 1), threads: optionalInt('zoo', f, 'threads', 1) });
    io.out(JSON.stringify(metrics));
    return 0;
  },
};
