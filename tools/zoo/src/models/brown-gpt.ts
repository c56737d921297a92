/**
 * brown-gpt: a small GPT-2-style word-level language model of the Brown corpus.
 *
 * Sized for the project's 2-core CPU budget (under 30 minutes of training): 4 blocks of width
 * 192 over 64-token windows, LM head tied to the 10,000-word embedding (3.7M parameters, over
 * half of them the embedding, which is what weight quantization should be tested on). It
 * trains on the loss graph (`withLoss`) and ships the forward graph without loss, so the file
 * is a plain causal LM: input_ids [batch, seq] -> logits [batch, seq, vocab].
 */
import { OnnxModel, Trainer, adamw, buildGPT, fit, warmupCosine, type Graph, type Tensor } from '@gradloc/tensor-backend';
import {
  brownTokenizerPath,
  evalWindows,
  evaluateLanguageModel,
  lmBatches,
  loadBrownTokenizer,
  perplexity,
  type TrainOptions,
  type TrainReport,
  type WordTokenizer,
} from '@gradloc/models';
import { countParameters, shipModel, withTrainedWeights } from '../zoo/export.js';
import { registerModel } from '../zoo/registry.js';
import { trainCommand } from '../zoo/run-info.js';
import { brownGptCard } from './brown-gpt/card.js';
import { BROWN_GPT, BROWN_GPT_NAME } from './brown-gpt/config.js';

/** Biases and LayerNorm gains/shifts are not decayed (GPT-2 / nanoGPT practice). */
const NO_DECAY = /bias$|(^|\.)ln_\w*\.weight$/;

const buildBrownGpt = (tokenizer: WordTokenizer, seed: number, withLoss: boolean): Graph =>
  buildGPT({ vocab: tokenizer.size, context: BROWN_GPT.context, dim: BROWN_GPT.dim, depth: BROWN_GPT.depth, heads: BROWN_GPT.heads, seed, withLoss });

function* trainFeeds(tokenizer: WordTokenizer, seed: number): Generator<Record<string, Tensor>> {
  for (const b of lmBatches({ split: 'train', context: BROWN_GPT.context, batch: BROWN_GPT.batch, seed, tokenizer })) yield { input_ids: b.inputIds, targets: b.targets };
}

async function train(opts: TrainOptions): Promise<TrainReport> {
  const t0 = performance.now();
  const seed = opts.seed ?? BROWN_GPT.seed;
  const steps = opts.steps ?? BROWN_GPT.steps;
  const log = opts.onLog ?? ((): void => undefined);
  const runtime = { threads: opts.threads, spinning: false };
  const warmupSteps = Math.min(BROWN_GPT.warmupSteps, Math.floor(steps / 10));
  // the shipped tokenizer, brown-gpt/tokenizer.json of the models folder
  const tokenizer = loadBrownTokenizer(brownTokenizerPath(opts));
  const lossGraph = buildBrownGpt(tokenizer, seed, true);
  log(`${countParameters(lossGraph)} parameters; ${steps} steps of ${BROWN_GPT.batch} x ${BROWN_GPT.context} tokens`);
  const trainer = new Trainer({
    model: lossGraph,
    optimizer: adamw({ weightDecay: BROWN_GPT.weightDecay, noDecay: NO_DECAY }),
    schedule: warmupCosine({ peak: BROWN_GPT.peakLr, warmupSteps, totalSteps: steps, floor: BROWN_GPT.floorLr }),
    clipNorm: 1,
    seed,
    runtime,
  });
  const monitorPlan = evalWindows({ split: 'validation', context: BROWN_GPT.context, tokenizer });
  const monitorWindows = Math.min(BROWN_GPT.monitorWindows, opts.evalSamples ?? Infinity);
  try {
    await fit({
      trainer,
      train: trainFeeds(tokenizer, seed),
      steps,
      evalEvery: BROWN_GPT.monitorEvery,
      evaluate: async (t) => {
        const logitsOf = async (b: { inputIds: Tensor<'int64'>; targets: Tensor<'int64'> }): Promise<Tensor> =>
          (await t.evaluate({ input_ids: b.inputIds, targets: b.targets }, ['logits'])).logits;
        const r = await perplexity(monitorPlan, logitsOf, { maxWindows: monitorWindows });
        return { [`ppl_validation_${r.windows}w`]: r.ppl };
      },
      samplesOf: (f) => f.input_ids.dims[0] * f.input_ids.dims[1],
      onProgress: (p) =>
        opts.onProgress?.({ step: p.step, total: p.total, loss: p.loss, lr: p.lr, throughput: p.samplesPerSec, unit: 'tokens', etaSec: p.etaSec, metrics: p.metrics }),
    });
    const forward = withTrainedWeights(buildBrownGpt(tokenizer, seed, false), trainer);
    log('training done; scoring validation and test');
    const model = OnnxModel.fromGraph(forward, runtime);
    const caps = opts.evalSamples === undefined ? undefined : { validation: opts.evalSamples, test: opts.evalSamples };
    const { metrics, windows } = await evaluateLanguageModel(model, { context: BROWN_GPT.context, windows: caps, modelsDir: opts.modelsDir }).finally(() => model.release());
    const wallTimeSec = Math.round((performance.now() - t0) / 100) / 10;
    // --eval-samples 0 stands for the default: every window
    const command = trainCommand(BROWN_GPT_NAME, [['seed', seed, BROWN_GPT.seed], ['steps', steps, BROWN_GPT.steps], ['eval-samples', opts.evalSamples ?? 0, 0]]);
    const facts = { command, threads: opts.threads, subset: caps !== undefined, seed, steps, warmupSteps, metrics, windows, wallTimeSec };
    shipModel(opts.outDir, forward, brownGptCard(forward, tokenizer, facts));
    return { metrics, wallTimeSec, steps };
  } finally {
    await trainer.release();
  }
}

registerModel({
  name: BROWN_GPT_NAME,
  summary: `GPT word-level LM of the Brown corpus (${BROWN_GPT.depth}x${BROWN_GPT.dim}, context ${BROWN_GPT.context}); ppl on test`,
  train,
});
