/**
 * Adversarial fine-tuning (the reference's scripts/wiki/finetune.sh, scaled down): fine-tune
 * every parameter, no masking, on data rich in the forget domain (a 50/50 mix here), and
 * count the steps until the held-out forget loss falls to a baseline's (the unfiltered
 * model's). Evaluated every `evalEvery` steps on a fixed subset of test windows.
 */
import { adamw, addNextTokenLoss, GradlocError, Trainer, warmupCosine, type Graph, type RuntimeOptions } from '@gradloc/tensor-backend';
import { labelledBatches, type DomainStreams } from '../data/batches.js';
import { domainLosses } from './losses.js';

export interface RecoveryOptions {
  readonly train: DomainStreams;
  readonly test: DomainStreams;
  readonly context: number;
  /** Forget loss to reach (the unfiltered model's). */
  readonly target: number;
  /** Maximum fine-tuning steps. */
  readonly steps: number;
  readonly evalEvery?: number;
  /** Test windows per evaluation (default 128). */
  readonly evalWindows?: number;
  readonly batch?: number;
  readonly lr?: number;
  readonly forgetShare?: number;
  readonly seed?: number;
  readonly runtime?: RuntimeOptions;
  readonly onEval?: (step: number, forgetLoss: number) => void;
}

export interface RecoveryResult {
  /** First evaluated step whose forget loss <= target; null if none within `steps`. */
  readonly stepsToRecover: number | null;
  readonly target: number;
  readonly curve: readonly { readonly step: number; readonly forget_loss: number; readonly retain_loss: number }[];
}

export const RECOVERY_DEFAULTS = { evalEvery: 10, evalWindows: 128, batch: 32, lr: 5e-4, forgetShare: 0.5, seed: 21 } as const;

export async function fineTuneRecovery(model: Graph, o: RecoveryOptions): Promise<RecoveryResult> {
  if (!(Number.isInteger(o.steps) && o.steps >= 1)) throw new GradlocError('BAD_INPUT', `steps must be a positive integer, got ${o.steps}`);
  const every = o.evalEvery ?? RECOVERY_DEFAULTS.evalEvery;
  const evalOpts = { context: o.context, maxWindows: o.evalWindows ?? RECOVERY_DEFAULTS.evalWindows, runtime: o.runtime };
  const trainer = new Trainer({
    model: addNextTokenLoss(model),
    optimizer: adamw({ weightDecay: 0 }),
    schedule: warmupCosine({ peak: o.lr ?? RECOVERY_DEFAULTS.lr, warmupSteps: Math.min(20, Math.floor(o.steps / 10)), totalSteps: o.steps, floor: o.lr ?? RECOVERY_DEFAULTS.lr }),
    clipNorm: 1,
    seed: o.seed ?? RECOVERY_DEFAULTS.seed,
    runtime: o.runtime,
  });
  const curve: { step: number; forget_loss: number; retain_loss: number }[] = [];
  const check = async (step: number): Promise<boolean> => {
    const l = await domainLosses(trainer.weightsInto(model), o.test, evalOpts);
    curve.push({ step, forget_loss: l.forget_loss, retain_loss: l.retain_loss });
    o.onEval?.(step, l.forget_loss);
    return l.forget_loss <= o.target;
  };
  try {
    if (await check(0)) return { stepsToRecover: 0, target: o.target, curve };
    const batches = labelledBatches(o.train, { context: o.context, batch: o.batch ?? RECOVERY_DEFAULTS.batch, seed: o.seed ?? RECOVERY_DEFAULTS.seed, undiscovered: 1, forgetShare: o.forgetShare ?? RECOVERY_DEFAULTS.forgetShare });
    for (let step = 1; step <= o.steps; step++) {
      const b = batches.next().value!;
      await trainer.step({ input_ids: b.inputIds, targets: b.targets });
      if ((step % every === 0 || step === o.steps) && (await check(step))) return { stepsToRecover: step, target: o.target, curve };
    }
    return { stepsToRecover: null, target: o.target, curve };
  } finally {
    await trainer.release();
  }
}
