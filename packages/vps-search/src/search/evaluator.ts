/**
 * Scores region sets in batches: for each set S, s_ins(S) = the target's score with only S
 * revealed and s_del(S) = its score with S removed, and F(S) = l1 * s_ins + l2 * (1 - s_del).
 * Every composite image is one forward pass (counted, since the search's cost is in them);
 * a term whose weight is 0 is not computed.
 */
import { tensor, type PlanarImage } from '@gradloc/tensor-backend';
import type { DetectionTarget, Detector } from '../detector/types.js';
import type { Regions } from '../regions/types.js';
import { targetScore } from '../score.js';
import { composeInto } from './compose.js';

export interface Objective {
  /** Weight of s_ins (default 1). */
  readonly lambda1?: number;
  /** Weight of 1 - s_del (default 1; the paper's scripts also use 0). */
  readonly lambda2?: number;
}

export interface SetScores {
  readonly insertion: number[];
  readonly deletion: number[];
  readonly value: number[];
}

export class SetEvaluator {
  forwardPasses = 0;
  readonly lambda1: number;
  readonly lambda2: number;

  constructor(
    readonly detector: Detector,
    readonly image: PlanarImage,
    readonly baseline: Float32Array,
    readonly regions: Regions,
    readonly target: DetectionTarget,
    objective: Objective,
    /** Images per model run. */
    readonly batchSize: number,
  ) {
    this.lambda1 = objective.lambda1 ?? 1;
    this.lambda2 = objective.lambda2 ?? 1;
  }

  value(insertion: number, deletion: number): number {
    return this.lambda1 * insertion + this.lambda2 * (1 - deletion);
  }

  /** Target scores of composites: `reveal` true keeps only the set, false removes it. */
  async scores(sets: readonly Uint8Array[], reveal: boolean): Promise<number[]> {
    const { height: h, width: w } = this.image;
    const size = 3 * h * w;
    const out: number[] = [];
    for (let start = 0; start < sets.length; start += this.batchSize) {
      const chunk = sets.slice(start, start + this.batchSize);
      const data = new Float32Array(chunk.length * size);
      chunk.forEach((set, i) => {
        if (reveal) composeInto(data, i * size, this.regions.labels, set, this.image.data, this.baseline);
        else composeInto(data, i * size, this.regions.labels, set, this.baseline, this.image.data);
      });
      const predictions = await this.detector.detect(tensor('float32', [chunk.length, 3, h, w], data), this.target.query);
      for (const p of predictions) out.push(targetScore(p, this.target.box));
      this.forwardPasses += chunk.length;
    }
    return out;
  }

  /** s_ins, s_del and F of every set (terms with weight 0 are reported as NaN and not run). */
  async evaluate(sets: readonly Uint8Array[]): Promise<SetScores> {
    const insertion = this.lambda1 !== 0 ? await this.scores(sets, true) : sets.map(() => Number.NaN);
    const deletion = this.lambda2 !== 0 ? await this.scores(sets, false) : sets.map(() => Number.NaN);
    const value = sets.map((_, i) => this.lambda1 * (this.lambda1 !== 0 ? insertion[i] : 0) + this.lambda2 * (this.lambda2 !== 0 ? 1 - deletion[i] : 0));
    return { insertion, deletion, value };
  }
}

/** The set S plus region r, as a membership mask over regions. */
export function withRegion(set: Uint8Array, r: number): Uint8Array {
  const s = new Uint8Array(set);
  s[r] = 1;
  return s;
}
