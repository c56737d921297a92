/**
 * One benchmark case, measured in its own process (so peak RSS is the case's own):
 * forward, forward+backward w.r.t. the input, forward+backward w.r.t. all weights.
 * Sessions are created one after another (compile time and the RSS each adds are taken
 * then), then all three are timed in interleaved blocks (measure.ts).
 */
import { buildGradGraph } from '../autodiff/engine.js';
import { OnnxModel, type VjpOptions } from '../runtime/model.js';
import type { Target } from '../runtime/target.js';
import type { BenchCase } from './cases.js';
import { once, rss, timeInterleaved, type Timing } from '@gradloc/bench-kit';
import { profileGradient, type GradProfile } from './profile.js';
import { ratioLimit } from './report.js';

export interface BenchSettings {
  readonly runs: number;
  readonly warmup: number;
  /** Profile gradients: 'missed' those whose f+b / fwd ratio misses its limit (report.ts ratioLimit). */
  readonly profile: 'missed' | 'all' | 'none';
}

export interface GradFigures {
  /** Engine transform only (shape inference + rules + prune), ms. */
  readonly transformMs: number;
  /** OnnxModel.compile: transform + serialise + onnxruntime session creation, ms. */
  readonly compileMs: number;
  /** null when only compiled. */
  readonly medianMs: number | null;
  readonly minMs: number | null;
  /** medianMs / forward medianMs (null when only compiled). */
  readonly ratio: number | null;
  /** Peak RSS once this session exists (the earlier phases' sessions included), MB. */
  readonly peakRssMB: number;
  readonly nodes: number;
  readonly profile?: GradProfile;
}

export interface CaseResult {
  readonly id: string;
  readonly title: string;
  readonly params: number;
  readonly forwardNodes: number;
  readonly buildMs: number;
  readonly forward?: { readonly medianMs: number; readonly minMs: number; readonly peakRssMB: number };
  readonly input?: GradFigures;
  readonly weights?: GradFigures;
  /** Process peak RSS (getrusage maxrss), MB. */
  readonly maxRssMB: number;
}

interface Compiled {
  readonly opts: VjpOptions;
  readonly wrt: string[];
  readonly transformMs: number;
  readonly compileMs: number;
  readonly nodes: number;
  readonly peakRssMB: number;
}

export async function runCase(c: BenchCase, s: BenchSettings): Promise<CaseResult> {
  rss.reset();
  const built = await once(async () => c.build());
  const graph = built.value;
  const model = OnnxModel.fromGraph(graph);
  const feeds = c.feeds(graph);
  const params = model.floatInitializers().reduce((n, k) => n + model.initializer(k).data.length, 0);
  const dims = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, [...v.dims]]));

  // One forward run: the forward session, and the class whose score the image gradient targets.
  const first = await model.run(feeds, [c.output]);
  let target: Target = { output: c.output };
  if (c.target === 'top-logit') {
    const row = first[c.output].data;
    let best = 0;
    for (let i = 0; i < row.length; i++) if (Number(row[i]) > Number(row[best])) best = i;
    target = { output: c.output, index: [0, best] };
  }
  const forwardRssMB = rss.peakMB();

  const compile = async (wrt: readonly string[]): Promise<Compiled> => {
    const expanded = model.expandWrt(wrt);
    const transform = await once(async () => buildGradGraph(graph, dims, { of: target.output, wrt: expanded, outputs: [c.output] }));
    const opts: VjpOptions = { feeds, of: target, wrt, outputs: [c.output] };
    const compiled = await model.compile(opts, target);
    await model.vjp(opts); // first run: allocations, prepacking
    return {
      opts,
      wrt: expanded,
      transformMs: transform.ms,
      compileMs: compiled.compileMs,
      nodes: compiled.gradGraph.graph.nodes.length,
      peakRssMB: rss.peakMB(),
    };
  };
  const input = await compile([c.inputWrt]);
  const weights = await compile(['@initializers']);

  let times: Record<'forward' | 'input' | 'weights', Timing> | undefined;
  if (!c.compileOnly) {
    times = await timeInterleaved(
      {
        forward: () => model.run(feeds, [c.output]),
        input: () => model.vjp(input.opts),
        weights: () => model.vjp(weights.opts),
      },
      s.runs,
      s.warmup,
    );
  }
  await model.release();

  const figures = async (kind: 'input' | 'weights', k: Compiled, t: Timing | undefined): Promise<GradFigures> => {
    const ratio = t && times ? t.medianMs / times.forward.medianMs : null;
    const above = s.profile === 'all' ? 0 : s.profile === 'none' ? Infinity : ratioLimit(c.id, kind);
    const profile = ratio !== null && ratio > above ? await profileGradient(graph, feeds, target, k.wrt, 3) : undefined;
    const { transformMs, compileMs, nodes, peakRssMB } = k;
    return { transformMs, compileMs, medianMs: t?.medianMs ?? null, minMs: t?.minMs ?? null, ratio, peakRssMB, nodes, profile };
  };
  const result: CaseResult = {
    id: c.id,
    title: c.title,
    params,
    forwardNodes: graph.nodes.length,
    buildMs: built.ms,
    forward: times ? { medianMs: times.forward.medianMs, minMs: times.forward.minMs, peakRssMB: forwardRssMB } : undefined,
    input: await figures('input', input, times?.input),
    weights: await figures('weights', weights, times?.weights),
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
  rss.stop();
  return result;
}
