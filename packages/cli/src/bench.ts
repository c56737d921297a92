/**
 * Timing for --bench: medians of N runs after one warm-up each, so session creation and
 * first-run allocation are excluded; compile time is reported separately, as measured.
 * The gradient run is also compared with a plain onnxruntime forward of the same model at
 * its best intra-op thread count (1 .. every core, each timed alone in its own session), so
 * the ratio does not flatter the default settings.
 */
import { createSession, defaultThreads, median, type OnnxModel, type VjpOptions } from '@gradloc/tensor-backend';

export interface BenchResult {
  readonly forward_ms: number;
  readonly forward_backward_ms: number;
  readonly compile_ms: number;
  /** Intra-op threads of the two runs above (the model's setting, else the default: every core). */
  readonly threads: number;
  /** Plain onnxruntime forward at its fastest thread count, and that count. */
  readonly best_forward_ms: number;
  readonly best_forward_threads: number;
  /** forward_backward_ms / best_forward_ms. */
  readonly ratio_vs_best_forward: number;
}

export async function benchGrad(model: OnnxModel, opts: VjpOptions, n: number, compileMs: number): Promise<BenchResult> {
  const best = await bestPlainForward(model, opts, n);
  const forward = await timeRuns(n, () => model.run(opts.feeds));
  const both = await timeRuns(n, () => model.vjp(opts));
  return {
    forward_ms: round(forward),
    forward_backward_ms: round(both),
    compile_ms: round(compileMs),
    threads: model.options.threads ?? defaultThreads(),
    best_forward_ms: round(best.ms),
    best_forward_threads: best.threads,
    ratio_vs_best_forward: Math.round((both / best.ms) * 1000) / 1000,
  };
}

/** The fastest median forward over intra-op thread counts 1 .. every core, one session at a time. */
async function bestPlainForward(model: OnnxModel, opts: VjpOptions, n: number): Promise<{ ms: number; threads: number }> {
  let best = { ms: Infinity, threads: 1 };
  for (let threads = 1; threads <= defaultThreads(); threads++) {
    const session = await createSession(model.bytes, { ...model.options, threads });
    try {
      const ms = await timeRuns(n, () => session.run(opts.feeds));
      if (ms < best.ms) best = { ms, threads };
    } finally {
      await session.release();
    }
  }
  return best;
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

// re-exported: the CLI's public API had its own copy before tensor-backend's
export { median };

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
