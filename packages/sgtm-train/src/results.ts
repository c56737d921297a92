/**
 * The measured trade-off and recovery results (written by tools/reports' sgtm-results script
 * into results/tradeoff.json, shipped with the package) and the reader the dashboard uses.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Method } from './train/methods.js';

export interface TradeoffRun {
  readonly method: Method;
  readonly undiscoveredPercent: number;
  readonly seed: number;
  /** The unablated model's test losses. */
  readonly full: { readonly retain_loss: number; readonly forget_loss: number };
  /** After removal: ablated + calibrated for sgtm/routing; the model as trained for filter/none. */
  readonly removed: { readonly retain_loss: number; readonly forget_loss: number };
  /** Ablated without calibration (sgtm/routing only). */
  readonly ablatedRaw?: { readonly retain_loss: number; readonly forget_loss: number };
  readonly tokensPerSec: number;
}

export interface TradeoffPoint {
  readonly method: Method;
  readonly undiscoveredPercent: number;
  /** Medians over the seeds of `removed`. */
  readonly retain_loss: number;
  readonly forget_loss: number;
  readonly seeds: number;
}

export interface RecoveryCurve {
  readonly removal: 'ablation' | 'rmu';
  readonly model: string;
  readonly stepsToRecover: number | null;
  readonly curve: readonly { readonly step: number; readonly forget_loss: number; readonly retain_loss: number }[];
}

export interface SgtmResults {
  readonly generatedAt: string;
  readonly command: string;
  readonly machine: string;
  /** Training steps of every run (batches of 32 x 64 tokens). */
  readonly steps: number;
  readonly evalWindows: number | null;
  readonly runs: readonly TradeoffRun[];
  readonly points: readonly TradeoffPoint[];
  readonly recovery?: {
    readonly target: number;
    readonly maxSteps: number;
    readonly sgtm: RecoveryCurve;
    readonly rmu: RecoveryCurve;
    /** sgtm steps / rmu steps (null if either did not recover). */
    readonly ratio: number | null;
  };
}

/** Path of the shipped results file. */
export const resultsPath = (): string => fileURLToPath(new URL('../results/tradeoff.json', import.meta.url));

/** The shipped results, or undefined before the script first ran. */
export function readResults(path = resultsPath()): SgtmResults | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SgtmResults) : undefined;
}
