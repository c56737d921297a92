/**
 * Independent check against PyTorch autograd. Each folder in fixtures/torch/ holds a model
 * exported by torch.onnx.export (opset 13/14/17) and float64 torch.autograd reference
 * gradients w.r.t. inputs, intermediate tensors and weights (see tools/torch-fixtures/).
 * Criterion per gradient tensor: max |ours - ref| <= 1e-4 * max |ref|.
 * The tests only read committed files; they never run Python.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxModel, createSession, encodeModel, formatDims, loadModel, readNpy, type Tensor } from '../src/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'torch');
const TOL = 1e-4;
const RUNTIME = { threads: 1, spinning: false } as const;

interface GradEntry {
  readonly tensor: string;
  readonly kind: 'input' | 'intermediate' | 'weight';
  readonly file: string;
  readonly dims: number[];
  readonly value?: string;
  readonly param?: string;
  readonly transform?: string;
  readonly tap?: string;
  readonly note?: string;
}

interface Meta {
  readonly name: string;
  readonly description: string;
  readonly opset: number;
  readonly inputs: Record<string, string>;
  readonly outputs: Record<string, string>;
  readonly of: string | { output: string; seed: string };
  readonly wrt: string[];
  readonly grads: GradEntry[];
}

interface Diff {
  readonly scaled: number;
  readonly maxDiff: number;
  readonly scale: number;
  readonly problem?: string;
}

/** max |ours - ref| relative to max |ref| (the issue's criterion). */
function diff(ours: Tensor | undefined, ref: Tensor): Diff {
  if (!ours) return { scaled: Infinity, maxDiff: NaN, scale: NaN, problem: 'missing' };
  if (ours.dims.length !== ref.dims.length || ours.dims.some((d, i) => d !== ref.dims[i])) {
    return { scaled: Infinity, maxDiff: NaN, scale: NaN, problem: `dims ${formatDims(ours.dims)}, expected ${formatDims(ref.dims)}` };
  }
  let scale = 0;
  let maxDiff = 0;
  let nan = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const r = Number(ref.data[i]);
    const d = Math.abs(Number(ours.data[i]) - r);
    scale = Math.max(scale, Math.abs(r));
    if (Number.isNaN(d)) nan++;
    else maxDiff = Math.max(maxDiff, d);
  }
  if (nan > 0) return { scaled: Infinity, maxDiff: NaN, scale, problem: `${nan} NaN value(s)` };
  const scaled = scale > 0 ? maxDiff / scale : maxDiff;
  return { scaled, maxDiff, scale };
}

const fmt = (d: Diff): string =>
  d.problem ?? `${d.scaled.toExponential(2)} of max (max diff ${d.maxDiff.toExponential(2)}, max |ref| ${d.scale.toExponential(2)})`;

const fixtures = existsSync(ROOT)
  ? readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(ROOT, e.name, 'meta.json')))
      .map((e) => e.name)
      .sort()
  : [];

function loadFixture(name: string) {
  const dir = join(ROOT, name);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
  const feeds = Object.fromEntries(Object.entries(meta.inputs).map(([k, f]) => [k, readNpy(join(dir, f))]));
  const npy = (f: string): Tensor => readNpy(join(dir, f));
  return { dir, meta, feeds, npy };
}

describe('torch-exported fixtures vs torch.autograd', () => {
  it('has fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });

  for (const name of fixtures) {
    describe(name, () => {
      const { dir, meta, feeds, npy } = loadFixture(name);
      const models: OnnxModel[] = [];
      afterAll(async () => {
        for (const m of models) await m.release();
      });

      it('forward outputs and tapped intermediates match torch (onnxruntime only, no rules needed)', async () => {
        // Expose the intermediates as outputs (untyped: onnxruntime types them itself).
        const proto = loadModel(join(dir, 'model.onnx'));
        const graph = proto.graph!;
        const taps = meta.grads.filter((g) => g.value);
        for (const t of taps) graph.output.push({ name: t.tensor });
        const session = await createSession(encodeModel(proto), RUNTIME);
        try {
          const got = await session.run(feeds);
          const bad: string[] = [];
          for (const [out, file] of Object.entries(meta.outputs)) {
            const d = diff(got[out], npy(file));
            if (!(d.scaled <= TOL)) bad.push(`output ${out}: ${fmt(d)}`);
          }
          for (const t of taps) {
            const d = diff(got[t.tensor], npy(t.value!));
            if (!(d.scaled <= TOL)) bad.push(`value of ${t.tensor} (${t.tap}): ${fmt(d)}`);
          }
          expect(bad, bad.join('\n')).toEqual([]);
        } finally {
          await session.release();
        }
      });

      it(`gradients match torch.autograd to ${TOL} of the largest reference value`, async () => {
        const model = OnnxModel.load(join(dir, 'model.onnx'), RUNTIME);
        models.push(model);
        const of = typeof meta.of === 'string' ? meta.of : { output: meta.of.output, seed: npy(meta.of.seed) };
        const r = await model.vjp({ feeds, of, wrt: meta.wrt, wrtValues: true });
        const rows: { what: string; d: Diff }[] = [];
        for (const [out, file] of Object.entries(meta.outputs)) {
          if (r.outputs[out]) rows.push({ what: `forward ${out}`, d: diff(r.outputs[out], npy(file)) });
        }
        for (const g of meta.grads) {
          const label = g.kind === 'weight' ? `${g.tensor} (${g.param}${g.transform !== 'none' ? `, ${g.transform}` : ''})` : g.kind === 'intermediate' ? `${g.tensor} (${g.tap})` : g.tensor;
          rows.push({ what: `d/d ${g.kind} ${label}`, d: diff(r.grads[g.tensor], npy(g.file)) });
          if (g.value) rows.push({ what: `value ${g.tensor}`, d: diff(r.values[g.tensor], npy(g.value)) });
        }
        const bad = rows.filter((x) => !(x.d.scaled <= TOL)).sort((a, b) => b.d.scaled - a.d.scaled);
        const report = bad.map((x) => `${x.what}: ${fmt(x.d)}`).join('\n');
        expect(bad.length, `${bad.length}/${rows.length} tensors off:\n${report}`).toBe(0);
      });
    });
  }
});
