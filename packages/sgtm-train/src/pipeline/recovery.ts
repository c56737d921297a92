/**
 * `gradloc sgtm finetune-recovery`: how many fine-tuning steps on forget-rich data bring a
 * model whose forget knowledge was removed back to the unfiltered model's forget loss.
 * The removal is ablation of the forget parameters (SGTM, routing), or RMU applied to the
 * model (`rmu: true`, on an unfiltered model as the reference does).
 */
import type { RuntimeOptions } from '@gradloc/tensor-backend';
import { applyRmu } from '../baselines/rmu.js';
import { ablate } from '../eval/ablate.js';
import { domainLosses } from '../eval/losses.js';
import { fineTuneRecovery, RECOVERY_DEFAULTS, type RecoveryResult } from '../eval/recovery.js';
import type { OpenedModel } from './open-model.js';
import { domainStreams } from './streams.js';

export interface RecoveryRunOptions {
  /** The model whose forget knowledge is removed before fine-tuning. */
  readonly model: OpenedModel;
  /** The unfiltered model whose forget loss is the target. */
  readonly baseline: OpenedModel;
  readonly steps: number;
  /** Remove with RMU instead of ablation. */
  readonly rmu?: boolean;
  readonly evalEvery?: number;
  readonly evalWindows?: number;
  readonly runtime?: RuntimeOptions;
  readonly onLog?: (line: string) => void;
}

export interface RecoveryReport extends RecoveryResult {
  readonly removal: 'ablation' | 'rmu';
  readonly baselineForgetLoss: number;
}

export async function recoveryRun(o: RecoveryRunOptions): Promise<RecoveryReport> {
  const { model } = o;
  const train = domainStreams('train', model.tokenizer);
  const test = domainStreams('test', model.tokenizer);
  const evalWindows = o.evalWindows ?? RECOVERY_DEFAULTS.evalWindows;
  const base = await domainLosses(o.baseline.graph, domainStreams('test', o.baseline.tokenizer), { context: o.baseline.context, maxWindows: evalWindows, runtime: o.runtime });
  o.onLog?.(`target: ${o.baseline.name}'s forget loss ${base.forget_loss.toFixed(3)} on ${evalWindows} test windows`);
  const start = o.rmu
    ? await applyRmu(model.graph, train, { layout: model.layout, context: model.context, runtime: o.runtime })
    : ablate(model.graph, model.split.forget);
  o.onLog?.(`${o.rmu ? 'RMU applied' : 'forget parameters ablated'}; fine-tuning on a 50/50 forget/retain mix`);
  const r = await fineTuneRecovery(start, {
    train,
    test,
    context: model.context,
    target: base.forget_loss,
    steps: o.steps,
    evalEvery: o.evalEvery,
    evalWindows,
    runtime: o.runtime,
    onEval: (step, loss) => o.onLog?.(`step ${step}: forget loss ${loss.toFixed(3)}`),
  });
  return { ...r, removal: o.rmu ? 'rmu' : 'ablation', baselineForgetLoss: base.forget_loss };
}
