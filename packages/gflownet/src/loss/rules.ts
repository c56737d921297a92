/**
 * The five training objectives as declarative rules over ONE residual (loss/graph.ts).
 *
 * Every objective is a weighted sum of squared residuals between two rows i < j of one
 * trajectory, rows being its states (and a sink row after an exit):
 *   delta(i, j) = logF(s_i) + sum_{t=i}^{j-1} log PF(s_t+1 | s_t) - logF(s_j) - sum_{t=i+1}^{j} log PB(s_t-1 | s_t)
 * with the state flow of row r written as   logF(r) = a_r * net(r) + b_r + z_r * log Z.
 * A rule only chooses (a, b, z) per row and the pairs (i, j) with their weights (torchgfn's
 * conventions, its exit-action layout):
 * - terminal row (the sink after an exit, or a terminal state without exit action): a = 0, b = log R(x);
 * - other rows: a = 1, b = 0, or b = -E(s) for the forward-looking variants (F(s) = F~(s) R(s),
 *   the network's output is log F~; at the terminal row log F~ = 0, i.e. F(x) = R(x));
 * - TB: row 0 is log Z (a = 0, z = 1), one pair (0, last) per trajectory, mean over trajectories;
 * - DB / FL-DB: pairs (t, t+1), mean over all transitions;
 * - SubTB(lambda) / FL-SubTB: every pair, weight lambda^(j-i-1) normalised within each trajectory
 *   (torchgfn's "geometric_within"), mean over trajectories.
 * FL-DB's residual is then logF~(s) + log PF - logF~(s') - log PB + E(s') - E(s), the formula.
 */
import { GradlocError } from '@gradloc/tensor-backend';

export const LOSS_NAMES = ['tb', 'db', 'fldb', 'subtb', 'flsubtb'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

export interface RowCoefficients {
  readonly a: number;
  readonly b: number;
  readonly z: number;
}

/** What a rule sees of one trajectory: its rows and their energies. */
export interface RowContext {
  /** Rows of the trajectory (states, plus the sink after an exit). */
  readonly rows: number;
  /** The last row is terminal (flow fixed to R(x)). */
  readonly done: boolean;
  /** E of row r's state (the sink row: E of the terminal state). */
  readonly energy: (r: number) => number;
  /** log R(x) of a done trajectory. */
  readonly logReward: number;
  /** The last row is the sink after an exit action. */
  readonly sink: boolean;
}

export interface Pair {
  readonly i: number;
  readonly j: number;
  /** Weight before the batch normalisation of `normalize`. */
  readonly w: number;
}

export interface LossRule {
  readonly name: LossName;
  readonly label: string;
  /** Trains on trajectories without a terminal state (forward-looking rules only). */
  readonly learnsFromIncomplete: boolean;
  /** Uses the log Z parameter. */
  readonly usesLogZ: boolean;
  row(ctx: RowContext, r: number): RowCoefficients;
  pairs(ctx: RowContext): Pair[];
  /** How the weights of all pairs of the batch are normalised: per trajectory or per pair. */
  readonly normalize: 'trajectories' | 'pairs';
}

/** Flow of row r: terminal rows carry R(x); the others the network (plus -E for FL). */
const flowRow =
  (forwardLooking: boolean, learnedTerminal = false) =>
  (ctx: RowContext, r: number): RowCoefficients =>
    ctx.done && r === ctx.rows - 1 && !learnedTerminal ? { a: 0, b: ctx.logReward, z: 0 } : { a: 1, b: forwardLooking ? -ctx.energy(r) : 0, z: 0 };

const neighbours = (ctx: RowContext): Pair[] => Array.from({ length: ctx.rows - 1 }, (_, t) => ({ i: t, j: t + 1, w: 1 }));

/** All pairs i < j, weights lambda^(j-i-1) summing to 1 within the trajectory. */
const geometric =
  (lambda: number) =>
  (ctx: RowContext): Pair[] => {
    const out: Pair[] = [];
    for (let i = 0; i < ctx.rows; i++) for (let j = i + 1; j < ctx.rows; j++) out.push({ i, j, w: lambda ** (j - i - 1) });
    const total = out.reduce((s, p) => s + p.w, 0);
    return out.map((p) => ({ ...p, w: p.w / total }));
  };

function needDone(name: string, ctx: RowContext): void {
  if (!ctx.done) throw new GradlocError('BAD_INPUT', `${name} needs complete trajectories (a terminal reward); only the forward-looking losses (fldb, flsubtb) learn from incomplete ones`);
}

export type TerminalFlow = 'reward' | 'learned';

export interface RuleOptions {
  /** SubTB's lambda (default 0.9, torchgfn's). */
  readonly lambda?: number;
  /**
   * Forward-looking losses at a terminal state: 'reward' (default, torchgfn's: log F~(x) = 0,
   * so F(x) = R(x)) or 'learned' (the authors' set code: the network's log F~(x), the
   * boundary never imposed; only for environments without an exit action). For comparison
   * with the authors' numbers; 'reward' is the one whose optimum samples proportionally to R.
   */
  readonly terminalFlow?: TerminalFlow;
}

export function lossRule(name: LossName, opts: RuleOptions = {}): LossRule {
  const lambda = opts.lambda ?? 0.9;
  const learnedTerminal = opts.terminalFlow === 'learned';
  if (learnedTerminal && name !== 'fldb' && name !== 'flsubtb') throw new GradlocError('BAD_INPUT', `terminalFlow 'learned' applies to the forward-looking losses only, not ${name}`);
  const flRow = flowRow(true, learnedTerminal);
  const noSink = (ctx: RowContext): void => {
    if (learnedTerminal && ctx.sink) throw new GradlocError('BAD_INPUT', "terminalFlow 'learned' needs an environment without an exit action");
  };
  if (!(lambda > 0) || !Number.isFinite(lambda)) throw new GradlocError('BAD_INPUT', `SubTB lambda must be a finite number > 0, got ${lambda}`);
  switch (name) {
    case 'tb':
      return {
        name,
        label: 'TB',
        learnsFromIncomplete: false,
        usesLogZ: true,
        normalize: 'trajectories',
        row: (ctx, r) => (r === 0 ? { a: 0, b: 0, z: 1 } : flowRow(false)(ctx, r)),
        pairs: (ctx) => (needDone('tb', ctx), [{ i: 0, j: ctx.rows - 1, w: 1 }]),
      };
    case 'db':
    case 'fldb':
      return {
        name,
        label: name === 'db' ? 'DB' : 'FL-DB',
        learnsFromIncomplete: name === 'fldb',
        usesLogZ: false,
        normalize: 'pairs',
        row: name === 'fldb' ? flRow : flowRow(false),
        pairs: (ctx) => (name === 'db' && needDone('db', ctx), noSink(ctx), neighbours(ctx)),
      };
    case 'subtb':
    case 'flsubtb':
      return {
        name,
        label: name === 'subtb' ? 'SubTB' : 'FL-SubTB',
        learnsFromIncomplete: name === 'flsubtb',
        usesLogZ: false,
        normalize: 'trajectories',
        row: name === 'flsubtb' ? flRow : flowRow(false),
        pairs: (ctx) => (name === 'subtb' && needDone('subtb', ctx), noSink(ctx), geometric(lambda)(ctx)),
      };
    default:
      throw new GradlocError('BAD_INPUT', `unknown loss '${String(name)}' (known: ${LOSS_NAMES.join(', ')})`);
  }
}

export const isLossName = (s: string): s is LossName => (LOSS_NAMES as readonly string[]).includes(s);
