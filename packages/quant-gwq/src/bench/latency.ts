/**
 * Latency and resident memory of causal-LM sessions, FP32 vs quantized: M = 1 (one token,
 * the decoding shape) and M = 64 (a prefill). Used by the package benchmark and the README
 * table script. Timings are interleaved medians (@gradloc/bench-kit) so a noisy neighbour
 * slows every model alike.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createSession, tensor, type Session } from '@gradloc/tensor-backend';
import { timeInterleaved, type Timing } from '@gradloc/bench-kit';

export const LATENCY_LENGTHS = [1, 64] as const;

export interface LatencyRow {
  readonly m1: Timing;
  readonly m64: Timing;
}

/** Token ids [1, M] (fixed pseudo-random, below `vocab`). */
const ids = (M: number, vocab: number): ReturnType<typeof tensor<'int64'>> => tensor('int64', [1, M], Array.from({ length: M }, (_, i) => (i * 7919 + 13) % vocab));

/** Median latencies of every model at M = 1 and M = 64, interleaved. */
export async function lmLatencies(models: Readonly<Record<string, Uint8Array>>, opts: { vocab: number; runs?: number; threads?: number }): Promise<Record<string, LatencyRow>> {
  const sessions: Record<string, Session> = {};
  for (const [name, bytes] of Object.entries(models)) sessions[name] = await createSession(bytes, { threads: opts.threads ?? 2 });
  try {
    const fns: Record<string, () => Promise<unknown>> = {};
    for (const [name, s] of Object.entries(sessions)) {
      for (const M of LATENCY_LENGTHS) {
        const feeds = { input_ids: ids(M, opts.vocab) };
        fns[`${name}|${M}`] = () => s.run(feeds, ['logits']);
      }
    }
    const t = await timeInterleaved(fns, opts.runs ?? 30, 3);
    return Object.fromEntries(Object.keys(models).map((name) => [name, { m1: t[`${name}|1`], m64: t[`${name}|64`] }]));
  } finally {
    for (const s of Object.values(sessions)) await s.release();
  }
}

/**
 * Resident memory a loaded session adds, in MB: a fresh child process reads its RSS, creates
 * the session from the file, runs it once at M = 64 (so lazily packed weights exist) and
 * reads it again. A child, because a process's RSS never shrinks back after earlier models.
 */
export function sessionMemoryMb(modelPath: string, vocab: number, threads = 2): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./memory-child.js', import.meta.url)), [modelPath, String(vocab), String(threads)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve(Number(m)));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`memory probe for ${modelPath} exited with ${code}`));
    });
  });
}
