/**
 * The training loop: each step samples a batch with epsilon-uniform exploration (plus, in the
 * same policy calls, on-policy trajectories for the metrics, as the authors' script does),
 * optionally replaces part of it by replayed trajectories and cuts part of it short
 * (incomplete trajectories, forward-looking losses only), then takes one Adam step. Every
 * `evalEvery` steps it records a curve point: loss, the exact L1 of the sampler when the
 * environment is enumerable, the top-100 mean reward and the modes found on-policy so far.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import { hasModes, isExact, type Environment } from '../env/types.js';
import type { LossName } from '../loss/rules.js';
import { l1Distance, policyDistribution, reachableStates, targetDistribution, type Distribution } from '../metrics/exact.js';
import { SampleStats } from '../metrics/samples.js';
import { ReplayBuffer } from '../sample/replay.js';
import { truncate, type Trajectory } from '../sample/trajectory.js';
import { GFlowNet, type GFlowNetOptions } from './gflownet.js';

/**
 * Exploration per loss: the authors' grid-searched values (set/gflownet.py: TB 0, DB 1, FL-DB
 * 0.5); SubTB and FL-SubTB, absent there, take DB's and FL-DB's.
 */
export const EPSILON_DEFAULTS: Readonly<Record<LossName, number>> = { tb: 0, db: 1, fldb: 0.5, subtb: 1, flsubtb: 0.5 };

export const TRAIN_GFN_DEFAULTS = { steps: 2000, batch: 16, evalEvery: 50 } as const;

export interface CurvePoint {
  readonly step: number;
  /** Training trajectories used so far. */
  readonly trajectories: number;
  /** Mean training loss over the steps since the last point. */
  readonly loss: number;
  /** Exact L1 (sum) between the sampler's terminal distribution and the target (enumerable environments). */
  readonly l1?: number;
  /** Mean reward of the best 100 unique terminal states sampled on-policy so far. */
  readonly topMean: number;
  readonly modes: number;
  readonly unique: number;
}

export interface TrainGfnOptions extends GFlowNetOptions {
  readonly steps?: number;
  /** Training trajectories per step (default 16). */
  readonly batch?: number;
  /** Exploration (default EPSILON_DEFAULTS[loss]). */
  readonly epsilon?: number;
  /** Share of each batch cut at a random length (0 .. 1; forward-looking losses only). */
  readonly incomplete?: number;
  /** Replay: that share of each batch drawn from a buffer of past trajectories. */
  readonly replay?: { readonly capacity: number; readonly share: number };
  /** Steps between curve points (default 50). */
  readonly evalEvery?: number;
  /** Sample on-policy trajectories for the top-100/modes metrics (default true). */
  readonly trackSamples?: boolean;
  readonly onPoint?: (p: CurvePoint, total: number) => void;
  /** Keep the trained GFlowNet open (default false: released). */
  readonly keep?: boolean;
}

export interface TrainGfnResult {
  readonly curve: readonly CurvePoint[];
  readonly seconds: number;
  /** Training trajectories sampled per second (wall time of the whole run). */
  readonly trajectoriesPerSec: number;
  readonly gfn?: GFlowNet;
}

export async function trainGFlowNet(opts: TrainGfnOptions): Promise<TrainGfnResult> {
  const steps = opts.steps ?? TRAIN_GFN_DEFAULTS.steps;
  const batch = opts.batch ?? TRAIN_GFN_DEFAULTS.batch;
  const every = opts.evalEvery ?? TRAIN_GFN_DEFAULTS.evalEvery;
  const eps = opts.epsilon ?? EPSILON_DEFAULTS[opts.loss];
  const cut = opts.incomplete ?? 0;
  for (const [k, v, ok] of [
    ['steps', steps, Number.isInteger(steps) && steps >= 1],
    ['batch', batch, Number.isInteger(batch) && batch >= 1],
    ['evalEvery', every, Number.isInteger(every) && every >= 1],
    ['incomplete', cut, cut >= 0 && cut <= 1],
  ] as const) {
    if (!ok) throw new GradlocError('BAD_INPUT', `${k} is out of range: ${v}`);
  }
  const replayShare = opts.replay?.share ?? 0;
  if (!(replayShare >= 0 && replayShare < 1)) throw new GradlocError('BAD_INPUT', `replay share must be in [0, 1), got ${replayShare}`);
  const gfn = new GFlowNet(opts);
  if (cut > 0 && !gfn.rule.learnsFromIncomplete) {
    await gfn.release();
    throw new GradlocError('BAD_INPUT', `${gfn.rule.label} cannot learn from incomplete trajectories; use fldb or flsubtb`);
  }
  const env: Environment = opts.env;
  const track = opts.trackSamples ?? true;
  const stats = new SampleStats(env, hasModes(env) ? env.modeEnergy : Number.NaN);
  const exact = isExact(env) ? { target: await targetDistribution(env), states: reachableStates(env) } : undefined;
  const replay = replayShare > 0 ? new ReplayBuffer(opts.replay!.capacity) : undefined;
  const curve: CurvePoint[] = [];
  const t0 = performance.now();
  let lossSum = 0;
  let lossN = 0;
  const point = async (step: number): Promise<void> => {
    let l1: number | undefined;
    if (exact) {
      const p: Distribution = await policyDistribution(env, gfn.policy, exact.states);
      l1 = l1Distance(p, exact.target);
    }
    const pt: CurvePoint = { step, trajectories: step * batch, loss: lossN ? lossSum / lossN : Number.NaN, l1, topMean: stats.topMean, modes: stats.modes, unique: stats.unique };
    curve.push(pt);
    lossSum = 0;
    lossN = 0;
    opts.onPoint?.(pt, steps);
  };
  try {
    await point(0);
    for (let step = 1; step <= steps; step++) {
      const fromReplay = replay && replay.size > 0 ? Math.round(batch * replayShare) : 0;
      const fresh = batch - fromReplay;
      const sampled = await gfn.sample(fresh + (track ? batch : 0), { epsilon: [...new Array<number>(fresh).fill(eps), ...new Array<number>(track ? batch : 0).fill(0)] });
      const train = sampled.slice(0, fresh);
      if (track) stats.add(sampled.slice(fresh));
      replay?.add(train);
      let data: Trajectory[] = [...train, ...(replay ? replay.draw(fromReplay, gfn.rand) : [])];
      if (cut > 0) {
        // a trajectory too short to cut is dropped when it is drawn for cutting: with
        // incomplete = 1 no terminal reward ever reaches the loss
        data = data.flatMap((t) => {
          if (gfn.rand() >= cut) return [t];
          const moves = t.states.length - 1 + (t.exited ? 1 : 0);
          return moves < 2 ? [] : [truncate(t, 1 + Math.floor(gfn.rand() * (moves - 1)))];
        });
      }
      if (data.length > 0) {
        lossSum += await gfn.step(data);
        lossN++;
      }
      if (step % every === 0 || step === steps) await point(step);
    }
    const seconds = (performance.now() - t0) / 1000;
    return { curve, seconds, trajectoriesPerSec: (steps * batch) / seconds, gfn: opts.keep ? gfn : undefined };
  } finally {
    if (!opts.keep) await gfn.release();
  }
}
