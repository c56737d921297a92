/**
 * `gradloc make-gpt`: a GPT-shaped model with random weights at 3M to 500M parameters
 * (@gradloc/models' makeGpt), to measure what quantizing a model of that size costs. One
 * JSON line on stdout; stages on stderr.
 */
import { DEFAULT_GPT_CONTEXT, GPT_SIZES, GPT_SIZE_NAMES, GPT_VOCABS, makeGpt, type GptSize } from '@gradloc/models';
import { MODELS_FLAG, modelsOption, optionalChoice, optionalInt, parseFlags, requireString } from '../args.js';
import type { Command } from '../command.js';

const NOTES: Partial<Record<GptSize, string>> = { '3M': " (brown-gpt's shape)", '500M': ' (1.9 GiB of weights; peak memory about 2 GiB)' };
// from the table makeGpt builds from, so the help cannot drift from it
const SIZE_LINES = GPT_SIZE_NAMES.map((n) => {
  const s = GPT_SIZES[n];
  return `                  ${n.padEnd(5)} dim ${s.dim}, depth ${s.depth}, heads ${s.heads}${NOTES[n] ?? ''}`;
}).join('\n');

const HELP = `Usage: gradloc make-gpt --params ${GPT_SIZE_NAMES.join('|')} --vocab brown --out DIR
                        [--context N] [--seed N] [--force] [--models DIR]

Builds a GPT-2-style model (pre-LN blocks, GELU MLP, LM head tied to the token embedding)
with seeded random weights, to measure quantization at a given size: its timings and
memory depend on the shape, not on the values (its perplexity means nothing). Writes
DIR/model.onnx (the graph), DIR/model.onnx.data (every weight, as external data) and
DIR/tokenizer.json. Prints one JSON line:
{"dir", "params", "weight_bytes", "dim", "depth", "heads", "context", "vocab", "ms"}.

  --params SIZE   parameters, embeddings included (at context ${DEFAULT_GPT_CONTEXT}):
${SIZE_LINES}
  --vocab brown   the word vocabulary of brown-gpt/tokenizer.json (10,000 ids); the only
                  one for now
  --out DIR       a new or empty folder
  --context N     maximum sequence length: position table and causal mask (default ${DEFAULT_GPT_CONTEXT})
  --seed N        seed of the weights (default 0; same seed, same files)
  --force         write into a folder that is not empty (replaces its model.onnx,
                  model.onnx.data and tokenizer.json)
  --models DIR    the models folder holding brown-gpt/tokenizer.json (default:
                  $GRADLOC_MODELS, else a gradloc checkout's models/)`;

const FLAGS = {
  params: { type: 'string' },
  vocab: { type: 'string' },
  out: { type: 'string' },
  context: { type: 'string' },
  seed: { type: 'string' },
  force: { type: 'boolean' },
  ...MODELS_FLAG,
  help: { type: 'boolean', short: 'h' },
} as const;

export const makeGptCommand: Command = {
  name: 'make-gpt',
  summary: 'a GPT-shaped model with random weights (3M to 500M parameters) for quantization at scale',
  help: HELP,
  async run(argv, io) {
    const f = parseFlags('make-gpt', argv, FLAGS);
    if (f.help) {
      io.out(HELP);
      return 0;
    }
    const params = optionalChoice('make-gpt', f, 'params', GPT_SIZE_NAMES) ?? requireString('make-gpt', f, 'params');
    const vocab = optionalChoice('make-gpt', f, 'vocab', GPT_VOCABS) ?? requireString('make-gpt', f, 'vocab');
    const out = requireString('make-gpt', f, 'out');
    const context = optionalInt('make-gpt', f, 'context', 1);
    const seed = optionalInt('make-gpt', f, 'seed', 0);
    const r = makeGpt({ params, vocab, out, context, seed, force: f.force === true, ...modelsOption(f), onStage: (stage, detail) => io.err(`make-gpt: ${stage} ${detail}`) });
    const { dim, depth, heads } = r.shape;
    io.err(`make-gpt: ${r.params} parameters in ${(r.ms / 1000).toFixed(1)} s -> ${r.dir}`);
    io.out(JSON.stringify({ dir: r.dir, params: r.params, weight_bytes: r.weightBytes, dim, depth, heads, context: r.shape.context, vocab: r.shape.vocab, ms: Math.round(r.ms) }));
    return 0;
  },
};
