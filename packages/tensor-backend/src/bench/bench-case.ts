/**
 * One benchmark case, measured in its own process (so peak RSS is the case's own):
 * forward, forward+backward w.r.t. the input, forward+backward w.r.t. all weights,
 * each phase with its own sessions (released before the next, so neither RSS nor
 * spinning thread pools of one phase leak into the next).
 */
import { buildGradGraph } from '../autodiff/engine.js';
import { OnnxModel } from '../runtime/model.js';
import type { Target } from '../runtime/target.js';
import type { BenchCase } from './cases.js';
import { once, rss, timeIt } from './measure.js';
import { profileGradient, type GradProfile } from './profile.js';

export interface BenchSettings {
  readonly runs: number;
  readonly warmup: number;
  /** Profile gradients whose fwd+bwd / fwd ratio exceeds this (Infinity: never, 0: always). */
  readonly profileAbove: number;
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

export async function runCase(c: BenchCase, s: BenchSettings): Promise<CaseResult> {
  rss.reset();
  const built = await once(async () => c.build());
  const graph = built.value;
  const model = OnnxModel.fromGraph(graph);
  const feeds = c.feeds(graph);
  const params = model.floatInitializers().reduce((n, k) => n + model.initializer(k).data.length, 0);
  const dims = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, [...v.dims]]));

  let target: Target = { output: c.output };
  let forward: CaseResult['forward'];
  if (c.target === 'top-logit' || !c.compileOnly) {
    // one forward run: session creation, and the class whose score the image gradient targets
    rss.reset();
    const first = await model.run(feeds, [c.output]);
    if (c.target === 'top-logit') {
      const row = first[c.output].data;
      let best = 0;
      for (let i = 0; i < row.length; i++) if (Number(row[i]) > Number(row[best])) best = i;
      target = { output: c.output, index: [0, best] };
    }
    if (!c.compileOnly) {
      const t = await timeIt(() => model.run(feeds, [c.output]), s.runs, s.warmup);
      forward = { medianMs: t.medianMs, minMs: t.minMs, peakRssMB: rss.peakMB() };
    }
    await model.release();
  }

  const grad = async (wrt: readonly string[]): Promise<GradFigures> => {
    rss.reset();
    const expanded = model.expandWrt(wrt);
    const transform = await once(async () => buildGradGraph(graph, dims, { of: target.output, wrt: expanded, outputs: [c.output] }));
    const opts = { feeds, of: target, wrt, outputs: [c.output] };
    const compiled = await model.compile(opts, target);
    let medianMs: number | null = null;
    let minMs: number | null = null;
    if (!c.compileOnly) {
      const t = await timeIt(() => model.vjp(opts), s.runs, s.warmup);
      medianMs = t.medianMs;
      minMs = t.minMs;
    }
    const peakRssMB = rss.peakMB();
    await model.release();
    const ratio = forward && medianMs !== null ? medianMs / forward.medianMs : null;
    const profile = ratio !== null && ratio > s.profileAbove ? await profileGradient(graph, feeds, target, expanded, 3) : undefined;
    return {
      transformMs: transform.ms,
      compileMs: compiled.compileMs,
      medianMs,
      minMs,
      ratio,
      peakRssMB,
      nodes: compiled.gradGraph.graph.nodes.length,
      profile,
    };
  };

  const input = await grad([c.inputWrt]);
  const weights = await grad(['@initializers']);
  rss.stop();
  return {
    id: c.id,
    title: c.title,
    params,
    forwardNodes: graph.nodes.length,
    buildMs: built.ms,
    forward,
    input,
    weights,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
}
