/**
 * The default thread count, measured: a plain forward of ResNet-18 at 224 px with the
 * engine's default intra-op threads (every core) against each explicit count 1 .. every
 * core, timed interleaved in one process. The default should match the best count.
 */
import { createSession, defaultThreads } from '../runtime/session.js';
import { buildResNet } from '../models/resnet.js';
import { sampleFeeds } from '../models/feeds.js';
import { encodeModel } from '../onnx/model-io.js';
import { timeInterleaved, type Timing } from '@gradloc/bench-kit';

export interface ThreadsResult {
  readonly cores: number;
  readonly defaultThreads: number;
  /** Forward medians by setting: 'default' and '1' .. String(cores). */
  readonly forward: Readonly<Record<string, Timing>>;
  readonly bestThreads: number;
  /** default median / best explicit median (1 = the default is the best setting). */
  readonly defaultVsBest: number;
}

export async function runThreads(runs: number, warmup: number): Promise<ThreadsResult> {
  const graph = buildResNet({ depth: 18, imageSize: 224, classes: 1000, seed: 1 });
  const bytes = encodeModel(graph.toModel());
  const feeds = sampleFeeds(graph, 1, { dims: { batch: 1 } });
  const cores = defaultThreads();
  const settings: Record<string, number | undefined> = { default: undefined };
  for (let t = 1; t <= cores; t++) settings[String(t)] = t;
  const sessions = Object.fromEntries(
    await Promise.all(Object.entries(settings).map(async ([k, threads]) => [k, await createSession(bytes, threads === undefined ? { spinning: false } : { threads, spinning: false })] as const)),
  );
  try {
    const forward = await timeInterleaved(Object.fromEntries(Object.entries(sessions).map(([k, s]) => [k, () => s.run(feeds)])), runs, warmup);
    let bestThreads = 1;
    for (let t = 2; t <= cores; t++) if (forward[String(t)].medianMs < forward[String(bestThreads)].medianMs) bestThreads = t;
    return { cores, defaultThreads: cores, forward, bestThreads, defaultVsBest: forward.default.medianMs / forward[String(bestThreads)].medianMs };
  } finally {
    for (const s of Object.values(sessions)) await s.release();
  }
}
