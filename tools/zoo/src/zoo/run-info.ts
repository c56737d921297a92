/** What a card records about the run itself: the machine and the exact command. */
import { arch, cpus, platform } from 'node:os';
import type { RuntimeOptions } from '@gradloc/tensor-backend';
import type { TrainOptions } from '@gradloc/models';

/** e.g. "2 x Intel(R) Xeon(R) CPU @ 2.20GHz, linux x64, node v20.11.0, 2 onnxruntime threads". */
export function machineDescription(threads?: number): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() || 'unknown CPU';
  const ort = threads ? `${threads} onnxruntime threads` : 'onnxruntime default threads';
  return `${cores.length} x ${model}, ${platform()} ${arch()}, node ${process.version}, ${ort}`;
}

/**
 * `npx gradloc train <name>` plus the flags whose value differs from the recipe's default, so
 * the card's command reproduces the run it describes. Flags: [flag, value used, default].
 */
export function trainCommand(name: string, flags: readonly (readonly [string, number, number])[]): string {
  const extra = flags.filter(([, used, dflt]) => used !== dflt).map(([flag, used]) => ` --${flag} ${used}`);
  return `npx gradloc train ${name}${extra.join('')}`;
}

/** The three run settings a recipe has defaults for and `gradloc train` can override. */
export interface RunSettings {
  readonly seed: number;
  readonly steps: number;
  readonly evalSamples: number;
}

/** trainCommand for a run's seed, steps and eval samples against the recipe's defaults. */
export function recipeCommand(name: string, run: RunSettings, recipe: RunSettings): string {
  return trainCommand(name, [
    ['seed', run.seed, recipe.seed],
    ['steps', run.steps, recipe.steps],
    ['eval-samples', run.evalSamples, recipe.evalSamples],
  ]);
}

/** onnxruntime options for a `--threads` flag (absent: onnxruntime's default). */
export const runtimeFor = (threads: number | undefined): RuntimeOptions => (threads ? { threads } : {});

/** A run's settings (the recipe's, command-line options winning), its start time and logger. */
export interface Run extends RunSettings {
  /** performance.now() at the start, for the card's wall time. */
  readonly t0: number;
  readonly log: (line: string) => void;
}

export function runSettings(opts: TrainOptions, r: RunSettings): Run {
  return { t0: performance.now(), seed: opts.seed ?? r.seed, steps: opts.steps ?? r.steps, evalSamples: opts.evalSamples ?? r.evalSamples, log: opts.onLog ?? ((): void => {}) };
}
