/** `gradloc zoo list` and `gradloc zoo eval <name>`: the shipped models and their metrics. */
import { GradlocError } from '@gradloc/tensor-backend';
import { modelDir, readCard, zooModel, zooModels } from '@gradloc/zoo';
import { optionalInt, optionalString, parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { splitName } from './train.js';

const HELP = `Usage: gradloc zoo list
       gradloc zoo eval <name> [--model DIR] [--samples N] [--threads N]

list   the zoo's models with their card metrics
eval   recomputes a model's held-out metrics and prints them as one JSON line on stdout
       (keys: accuracy for classifiers, ap50 and absent_max_score for the grounder, top1
       for the dual encoder, ppl for the language model)

  --model DIR     evaluate the model in DIR instead of models/<name>
  --samples N     held-out samples (default: the count on the card)
  --threads N     onnxruntime intra-op threads`;

const FLAGS = {
  model: { type: 'string' },
  samples: { type: 'string' },
  threads: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const zooCommand: Command = {
  name: 'zoo',
  summary: 'list the shipped models; recompute a model card\'s metrics (zoo eval <name>)',
  help: HELP,
  async run(argv, io) {
    const [sub, rest] = splitName(argv);
    if (sub === undefined && (rest.includes('--help') || rest.includes('-h'))) {
      io.out(HELP);
      return 0;
    }
    if (sub === undefined) throw new GradlocError('BAD_INPUT', 'missing zoo command: list or eval (see: gradloc zoo --help)');
    if (sub === 'list') {
      parseFlags('zoo', rest, { help: { type: 'boolean', short: 'h' } });
      for (const m of zooModels()) {
        let metrics = '(not trained)';
        try {
          metrics = JSON.stringify(readCard(modelDir(m.name)).metrics);
        } catch {
          /* not trained yet: say so */
        }
        io.out(`${m.name.padEnd(16)} ${m.summary}  ${metrics}`);
      }
      return 0;
    }
    if (sub !== 'eval') throw new GradlocError('BAD_INPUT', `unknown zoo command '${sub}' (list, eval; see: gradloc zoo --help)`);
    const [name, flagsArgv] = splitName(rest);
    const f = parseFlags('zoo', flagsArgv, FLAGS);
    if (f.help) {
      io.out(HELP);
      return 0;
    }
    if (!name) throw new GradlocError('BAD_INPUT', 'missing model name (see: gradloc zoo --help)');
    const entry = zooModel(name);
    const dir = optionalString(f, 'model') ?? modelDir(name);
    const metrics = await entry.evaluate(dir, { samples: optionalInt('zoo', f, 'samples', 1), threads: optionalInt('zoo', f, 'threads', 1) });
    io.out(JSON.stringify(metrics));
    return 0;
  },
};
