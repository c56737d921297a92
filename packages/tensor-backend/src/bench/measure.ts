/** Timing and memory sampling for the benchmark: medians after warm-up, peak RSS. */

export interface Timing {
  /** Median wall time of one call, ms. */
  readonly medianMs: number;
  readonly minMs: number;
  readonly runs: number;
}

/**
 * Median of `runs` timed calls after `warmup` untimed ones. The median, not the mean:
 * one GC pause or a neighbour process on these 2 shared cores must not move the figure.
 */
export async function timeIt(fn: () => Promise<unknown>, runs: number, warmup: number): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
    rss.sample();
  }
  ms.sort((a, b) => a - b);
  const mid = ms.length >> 1;
  const medianMs = ms.length % 2 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2;
  return { medianMs, minMs: ms[0], runs };
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
