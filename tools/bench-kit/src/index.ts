/** Timing and memory sampling for the benchmarks of every package (interleaved medians after warm-up, peak RSS), and the README section writer every figure-producing script uses. */

export interface Timing {
  /** Median wall time of one call, ms. */
  readonly medianMs: number;
  readonly minMs: number;
  readonly runs: number;
}

/** Median and minimum of samples (sorts `ms` in place). */
export function summarise(ms: number[]): Timing {
  ms.sort((a, b) => a - b);
  const mid = ms.length >> 1;
  const medianMs = ms.length % 2 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2;
  return { medianMs, minMs: ms[0], runs: ms.length };
}

/**
 * Medians of `runs` timed calls of each function, taken in interleaved blocks of `block`
 * calls. Interleaving makes the ratios robust: a neighbour process that loads these 2
 * shared cores for a while slows the forward and the backward alike instead of whichever
 * phase it overlapped. Blocks are long and start with untimed calls (at least `warmup`,
 * and 100 ms): switching sessions costs, the previous one's thread pool keeps spinning. The median, not the mean: one GC pause must not
 * move the figure.
 */
export async function timeInterleaved<K extends string>(
  fns: Readonly<Record<K, () => Promise<unknown>>>,
  runs: number,
  warmup: number,
  block = 5,
): Promise<Record<K, Timing>> {
  const keys = Object.keys(fns) as K[];
  const ms = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  while (keys.some((k) => ms[k].length < runs)) {
    for (const k of keys) {
      const n = Math.min(block, runs - ms[k].length);
      if (n <= 0) continue;
      // at least `warmup` calls and 100 ms: other sessions' thread pools keep spinning for a while
      const until = performance.now() + 100;
      for (let i = 0; i < warmup || performance.now() < until; i++) await fns[k]();
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await fns[k]();
        ms[k].push(performance.now() - t0);
        rss.sample();
      }
    }
  }
  return Object.fromEntries(keys.map((k) => [k, summarise(ms[k])])) as Record<K, Timing>;
}

/**
 * Peak resident set size, sampled every few ms and after every timed call (the timer
 * cannot fire while the main thread is busy, so the explicit samples catch the rest).
 */
class RssSampler {
  private peak = 0;
  private timer?: NodeJS.Timeout;

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }
  /** Starts a new phase: resets the peak to the current RSS. */
  reset(): void {
    this.peak = 0;
    this.sample();
    this.timer ??= setInterval(() => this.sample(), 5).unref();
  }
  /** Peak RSS of the phase, MB. */
  peakMB(): number {
    this.sample();
    return this.peak / 2 ** 20;
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

export const rss = new RssSampler();

/** Wall time of one async call, ms. */
export async function once<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}
export * from './readme-section.js';
