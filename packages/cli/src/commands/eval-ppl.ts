/**
 * `gradloc eval-ppl`: perplexity of any causal LM ONNX file on a Brown split, with the same
 * function the zoo uses for brown-gpt's card (so a quantized model is scored exactly like
 * the original).
 */
import { GradlocError, OnnxModel } from '@gradloc/tensor-backend';
import { brownPerplexity, lmContext, parseBrownSplit, type BrownSplit } from '@gradloc/models';
import { MODELS_FLAG, RUNTIME_FLAGS, modelsOption, optionalInt, parseFlags, requireString, runtimeOptions } from '../args.js';
import type { Command } from '../command.js';

const HELP = `Usage: gradloc eval-ppl --model M.onnx --data brown:test [--context N] [--stride N]
                        [--batch N] [--max-windows N] [--models DIR] [--ep cpu|cuda|webgpu] [--threads N]

Perplexity of a causal language model on a split of the Brown corpus, printed as one JSON
line on stdout: {"ppl":...}. Details (windows, tokens, time) go to stderr.

The model must take 'input_ids' int64 [batch, seq] and return 'logits' [batch, seq, vocab]
(position t scores token t+1), with the vocabulary of brown-gpt/tokenizer.json in the models
folder (10,000 ids); any model with that interface works, e.g. a quantized brown-gpt.

  --model M.onnx      the model
  --data brown:SPLIT  brown:test, brown:validation or brown:train
  --context N         window length (default: the model's fixed seq dim, its gradloc.dim.seq
                      metadata, a card.json beside it, else 64)
  --stride N          window step, 1..context (default: context; smaller gives every scored
                      token at least context - stride tokens of history)
  --batch N           windows per model run (default 32)
  --max-windows N     score only N windows spread evenly over the split (quick looks; the
                      stderr summary says so)
  --models DIR        the models folder holding brown-gpt/tokenizer.json (default:
                      $GRADLOC_MODELS, else a gradloc checkout's models/)
  --ep EP, --threads N  execution provider and onnxruntime intra-op threads

perplexity = exp(total NLL / predicted tokens) over every next-token target of the split's
token stream (documents in corpus order, each starting with <doc>); <unk> targets count like
any other token.`;

const FLAGS = {
  model: { type: 'string' },
  data: { type: 'string' },
  context: { type: 'string' },
  stride: { type: 'string' },
  batch: { type: 'string' },
  'max-windows': { type: 'string' },
  ...MODELS_FLAG,
  ...RUNTIME_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

/** `brown:<split>`: the only corpus for now, named so others can be added without a new flag. */
export function parseLmData(spec: string): BrownSplit {
  const [corpus, split, ...rest] = spec.split(':');
  if (corpus.toLowerCase() !== 'brown' || split === undefined || rest.length > 0) {
    throw new GradlocError('BAD_INPUT', `--data must be brown:test, brown:validation or brown:train, got '${spec}'`);
  }
  return parseBrownSplit(split);
}

export const evalPplCommand: Command = {
  name: 'eval-ppl',
  summary: 'perplexity of a causal LM on the Brown corpus (brown:test, ...)',
  help: HELP,
  async run(argv, io) {
    const f = parseFlags('eval-ppl', argv, FLAGS);
    if (f.help) {
      io.out(HELP);
      return 0;
    }
    const path = requireString('eval-ppl', f, 'model');
    const split = parseLmData(requireString('eval-ppl', f, 'data'));
    const batch = optionalInt('eval-ppl', f, 'batch', 1);
    const maxWindows = optionalInt('eval-ppl', f, 'max-windows', 1);
    const stride = optionalInt('eval-ppl', f, 'stride', 1);
    const contextFlag = optionalInt('eval-ppl', f, 'context', 1);
    const model = OnnxModel.load(path, runtimeOptions('eval-ppl', f));
    try {
      const context = contextFlag ?? lmContext(model, path);
      const t0 = performance.now();
      const r = await brownPerplexity(model, { split, context, stride, batch, maxWindows, ...modelsOption(f) });
      const sec = (performance.now() - t0) / 1000;
      const subset = r.windows < r.totalWindows ? ` (SUBSET: --max-windows ${maxWindows} of ${r.totalWindows} windows)` : '';
      io.err(`eval-ppl: brown:${split}, context ${r.context}, stride ${r.stride}: ${r.windows} windows, ${r.predicted} predicted tokens${subset}, ${sec.toFixed(1)}s`);
      io.out(JSON.stringify({ ppl: r.ppl }));
      return 0;
    } finally {
      await model.release();
    }
  },
};
