/** What a search run returns: the selection order and the scores along it. */

export interface SearchStep {
  /** The region selected at this step. */
  readonly region: number;
  /** F(S_k) = l1 * s_ins + l2 * (1 - s_del) after adding it. */
  readonly value: number;
  /** s_ins(S_k): the target's score with only S_k revealed (NaN when l1 = 0). */
  readonly insertion: number;
  /** s_del(S_k): the target's score with S_k removed (NaN when l2 = 0). */
  readonly deletion: number;
  /** Forward passes this step took. */
  readonly forwardPasses: number;
}

export interface SearchResult {
  /** Regions in selection order (all of them unless maxSteps stopped the search early). */
  readonly order: readonly number[];
  readonly steps: readonly SearchStep[];
  /** Scores of the empty set: s_ins(empty) = the baseline image's, s_del(empty) = the original image's. */
  readonly initial: { readonly insertion: number; readonly deletion: number; readonly value: number };
  readonly forwardPasses: number;
  readonly ms: number;
}

export interface SearchControl {
  /** Stop after this many selections (default: every region). */
  readonly maxSteps?: number;
  readonly onProgress?: (step: number, total: number) => void;
}
