/**
 * Which gradient rule costs what: builds the gradient graph with every rule wrapped so
 * the nodes it emits are tagged with the forward op they differentiate, runs it under
 * onnxruntime's profiler, and sums kernel times per rule. The plain forward is profiled
 * the same way, so the forward nodes inside the gradient graph can be compared with it
 * (fusions onnxruntime can no longer apply once backward nodes read intermediates).
 *
 * onnxruntime renames nodes it rewrites (NCHWc Conv fusions take the name of an output,
 * plus `_nchwc`; fusions append `/XxxFusion/`; reorders are `ReorderInput/Output_token_N`),
 * so tags are kept for node names and output names alike and suffixes are stripped.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildGradGraph } from '../autodiff/engine.js';
import { gradOf, gradOps } from '../ops/registry.js';
import type { GradRule, RuleOverrides } from '../autodiff/types.js';
import type { Graph } from '../ir/graph.js';
import { encodeModel } from '../onnx/model-io.js';
import { toOrt } from '../runtime/ort-tensor.js';
import { seedFor, type Target } from '../runtime/target.js';
import type { Tensor } from '../tensor/tensor.js';

export interface OpCost {
  readonly op: string;
  /** Mean kernel time per run, ms. */
  readonly ms: number;
  readonly example: string;
}

export interface RuleCost {
  /** Forward op whose rule emitted the nodes, or 'forward', 'engine: ...', 'ORT: ...'. */
  readonly rule: string;
  readonly ms: number;
  /** The heaviest onnxruntime ops among those nodes. */
  readonly ops: readonly OpCost[];
}

export interface GradProfile {
  /** Summed kernel time per run, ms (nodes run one after another; each uses the thread pool). */
  readonly totalMs: number;
  readonly byRule: readonly RuleCost[];
  /** The plain forward session's kernels, by onnxruntime op. */
  readonly plainForward: { readonly totalMs: number; readonly byOp: readonly OpCost[] };
}

interface KernelEvent {
  readonly name: string;
  readonly op: string;
  readonly us: number;
}

/** Kernel events of `runs` profiled runs after one unprofiled-in-effect warm-up run. */
async function profileRuns(model: Uint8Array, feeds: Readonly<Record<string, Tensor>>, runs: number): Promise<KernelEvent[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gradloc-profile-'));
  try {
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      enableProfiling: true,
      profileFilePrefix: join(dir, 'p'),
    });
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) ortFeeds[name] = toOrt(feeds[name]);
    for (let i = 0; i <= runs; i++) await session.run(ortFeeds);
    session.endProfiling();
    await session.release();
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    const events = file ? (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cat?: string; name?: string; dur?: number; args?: { op_name?: string } }[]) : [];
    const nodes = events
      .filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time'))
      .map((e) => ({ name: e.name!.slice(0, -'_kernel_time'.length), op: e.args?.op_name ?? '?', us: e.dur ?? 0 }));
    // every run records the same nodes: drop the first (warm-up: allocation, prepacking)
    return nodes.slice(Math.round(nodes.length / (runs + 1)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Groups events by key, then by op; times per run in ms, heaviest first. */
function group(events: readonly KernelEvent[], key: (e: KernelEvent) => string, runs: number): RuleCost[] {
  const by = new Map<string, { us: number; ops: Map<string, { us: number; example: string }> }>();
  for (const e of events) {
    const k = key(e);
    const r = by.get(k) ?? { us: 0, ops: new Map() };
    r.us += e.us;
    const o = r.ops.get(e.op) ?? { us: 0, example: e.name };
    o.us += e.us;
    r.ops.set(e.op, o);
    by.set(k, r);
  }
  return [...by.entries()]
    .map(([rule, r]) => ({
      rule,
      ms: r.us / 1000 / runs,
      ops: [...r.ops.entries()].map(([op, o]) => ({ op, ms: o.us / 1000 / runs, example: o.example })).sort((a, b) => b.ms - a.ms),
    }))
    .sort((a, b) => b.ms - a.ms);
}

/** The node (or output) name onnxruntime started from, before its fusion and layout suffixes. */
function originalName(raw: string): string {
  return raw
    .replace(/\/[A-Za-z]+Fusion\/.*$/, '') // 'MatMul_3/MatMulScaleFusion/', 'Gemm_2/GemmTransposeFusion//GemmSumFusion/'
    .replace(/_nchwc$/, '')
    .replace(/_token_\d+$/, '')
    .replace(/_new_reshape$/, '');
}

/** Nodes no rule emitted: the engine's gradient sums and outputs, or onnxruntime's own. */
function kindOfUntagged(name: string): string {
  if (name.startsWith('gradloc/')) return 'engine: gradient sums/outputs';
  if (/^Reorder/.test(name)) return 'ORT: NCHWc layout reorders';
  return 'ORT: inserted (inlined functions)';
}

/** Every registered rule wrapped to record which nodes it emitted. */
function taggingOverrides(tag: Map<string, string>): RuleOverrides {
  const overrides: Record<string, GradRule> = {};
  for (const { op, kind } of gradOps()) {
    const og = gradOf(op);
    if (kind !== 'rule' || og?.kind !== 'rule') continue;
    const rule = og.rule;
    overrides[op] = (ctx) => {
      const start = ctx.b.graph.nodes.length;
      const out = rule(ctx);
      for (const n of ctx.b.graph.nodes.slice(start)) {
        tag.set(n.name, op);
        for (const o of n.outputs) tag.set(o, op);
      }
      return out;
    };
  }
  return overrides;
}

export async function profileGradient(
  graph: Graph,
  feeds: Readonly<Record<string, Tensor>>,
  target: Target,
  wrt: readonly string[],
  runs: number,
): Promise<GradProfile> {
  const tag = new Map<string, string>();
  const dims = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, [...v.dims]]));
  const gg = buildGradGraph(graph, dims, { of: target.output, wrt, outputs: [target.output], overrides: taggingOverrides(tag) });
  const forward = new Set<string>();
  for (const n of graph.nodes) {
    forward.add(n.name);
    for (const o of n.outputs) forward.add(o);
  }
  const gradFeeds = { ...feeds, [gg.seed]: seedFor(target, gg.seedType.dtype, gg.seedType.dims) };
  const events = await profileRuns(encodeModel(gg.graph.toModel({ keepValueInfo: false })), gradFeeds, runs);
  const byRule = group(
    events,
    (e) => {
      const base = originalName(e.name);
      return tag.get(e.name) ?? tag.get(base) ?? (forward.has(base) ? 'forward' : kindOfUntagged(base));
    },
    runs,
  );
  const plain = group(await profileRuns(encodeModel(graph.toModel()), feeds, runs), () => 'forward', runs)[0];
  // the heaviest entries are what the report needs; keep the JSON line readable
  return {
    totalMs: byRule.reduce((s, r) => s + r.ms, 0),
    byRule: byRule.map((r) => ({ ...r, ops: r.ops.slice(0, 6) })),
    plainForward: { totalMs: plain?.ms ?? 0, byOp: plain?.ops.slice(0, 12) ?? [] },
  };
}
