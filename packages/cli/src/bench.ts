/**
 * Timing for --bench: medians of N runs after one warm-up each, so session creation and
 * first-run allocation are excluded; compile time is reported separately, as measured.
 */
import type { OnnxModel, VjpOptions } from '@gradloc/tensor-backend';

export interface BenchResult {
  readonly forward_ms: number;
  readonly forward_backward_ms: number;
  readonly compile_ms: number;
}

export async function benchGrad(model: OnnxModel, opts: VjpOptions, n: number, compileMs: number): Promise<BenchResult> {
  const forward = await timeRuns(n, () => model.run(opts.feeds));
  const both = await timeRuns(n, () => model.vjp(opts));
  return { forward_ms: round(forward), forward_backward_ms: round(both), compile_ms: round(compileMs) };
}

async function timeRuns(n: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
