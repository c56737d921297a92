/**
 * A GFlowNet: the policy MLP trained by tensor-backend's Trainer through the shared loss graph,
 * and a sampler reading the live weights. One engine call per training step (all trajectories
 * of the batch, all their rows) and one per sampling step.
 */
import { adamw, GradlocError, rng, Trainer, withParamLr, type RuntimeOptions, type SeededRand } from '@gradloc/tensor-backend';
import type { Environment } from '../env/types.js';
import { lossFeeds } from '../loss/feeds.js';
import { lossGraph, type BackwardPolicy } from '../loss/graph.js';
import { lossRule, type LossName, type LossRule, type TerminalFlow } from '../loss/rules.js';
import { LOG_Z, type PolicyOptions } from '../policy/mlp.js';
import { PolicyRunner } from '../policy/runner.js';
import { sampleTrajectories, type SampleOptions } from '../sample/sampler.js';
import type { Trajectory } from '../sample/trajectory.js';

export interface GFlowNetOptions extends PolicyOptions {
  readonly env: Environment;
  readonly loss: LossName;
  /** SubTB's lambda (default 0.9). */
  readonly lambda?: number;
  /** Forward-looking terminal flow (rules.ts; default 'reward', torchgfn's). */
  readonly terminalFlow?: TerminalFlow;
  /** Learned (default) or uniform backward policy. */
  readonly backward?: BackwardPolicy;
  /** Adam learning rate of the policy (default 1e-3, the authors'). */
  readonly lr?: number;
  /** Learning rate of log Z (default 0.1, the authors' and torchgfn's). */
  readonly logZLr?: number;
  /** onnxruntime options (default: one thread, as the authors' torch.set_num_threads(1); small MLPs gain nothing from more). */
  readonly runtime?: RuntimeOptions;
}

export const GFN_DEFAULTS = { lr: 1e-3, logZLr: 0.1, threads: 1 } as const;

export class GFlowNet {
  readonly env: Environment;
  readonly rule: LossRule;
  readonly trainer: Trainer;
  readonly policy: PolicyRunner;
  /** Sampling and data-order randomness (seeded by `seed`). */
  readonly rand: SeededRand;

  constructor(opts: GFlowNetOptions) {
    this.env = opts.env;
    this.rule = lossRule(opts.loss, { lambda: opts.lambda, terminalFlow: opts.terminalFlow });
    const lr = opts.lr ?? GFN_DEFAULTS.lr;
    const logZLr = opts.logZLr ?? GFN_DEFAULTS.logZLr;
    if (!(lr > 0) || !(logZLr > 0)) throw new GradlocError('BAD_INPUT', `learning rates must be > 0, got ${lr} and ${logZLr}`);
    const runtime = opts.runtime ?? { threads: GFN_DEFAULTS.threads };
    const { graph, params } = lossGraph(opts.env, opts);
    this.trainer = new Trainer({
      model: graph,
      params,
      optimizer: withParamLr(adamw({ lr, weightDecay: 0 }), [{ params: LOG_Z, factor: logZLr / lr }]),
      runtime,
      seed: opts.seed ?? 0,
    });
    this.policy = new PolicyRunner(opts.env, opts, () => this.trainer.params(), runtime);
    this.rand = rng((opts.seed ?? 0) + 0x9e3779b9);
  }

  /** `n` trajectories from the current policy (epsilon-uniform exploration when asked). */
  sample(n: number, opts: SampleOptions = {}): Promise<Trajectory[]> {
    return sampleTrajectories(this.env, this.policy, n, this.rand, opts);
  }

  /** One Adam step on the loss of `batch`; returns the loss before the step. */
  async step(batch: readonly Trajectory[]): Promise<number> {
    this.requireUsable(batch);
    const r = await this.trainer.step(lossFeeds(this.env, this.rule, batch));
    return r.loss;
  }

  /** The loss of `batch` with the current weights (no update). */
  async loss(batch: readonly Trajectory[]): Promise<number> {
    this.requireUsable(batch);
    const out = await this.trainer.evaluate(lossFeeds(this.env, this.rule, batch), ['loss']);
    return Number(out.loss.data[0]);
  }

  /** Current log Z (trajectory balance's estimate of the log partition function). */
  get logZ(): number {
    return this.trainer.params().get(LOG_Z)![0];
  }

  release(): Promise<void> {
    return Promise.all([this.trainer.release(), this.policy.release()]).then(() => undefined);
  }

  private requireUsable(batch: readonly Trajectory[]): void {
    if (!this.rule.learnsFromIncomplete && batch.some((t) => !t.done)) {
      throw new GradlocError('BAD_INPUT', `${this.rule.label} cannot learn from incomplete trajectories (no terminal reward); use fldb or flsubtb`);
    }
  }
}
