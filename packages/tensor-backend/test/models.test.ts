/** Model builders: real architectures' parameter counts, determinism, options and feeds. */
import { describe, expect, it } from 'vitest';
import { buildGPT, buildResNet, buildViT, GradlocError, OnnxModel, sampleFeeds, type Graph } from '../src/index.js';

/** Trainable parameters: float initializers except BatchNorm running statistics (buffers in PyTorch). */
function paramCount(g: Graph): number {
  let n = 0;
  for (const [name, t] of g.initializers) {
    if (t.data_type !== 1 && t.data_type !== 11) continue;
    if (/running_(mean|var)$/.test(name)) continue;
    n += t.dims.reduce((a, b) => a * Number(b), 1);
  }
  return n;
}

const opsOf = (g: Graph): Set<string> => new Set(g.nodes.map((n) => n.op));

describe('model builders', () => {
  it('have the parameter counts of torchvision ResNet-18/50 and timm ViT-Ti/16', () => {
    expect(paramCount(buildResNet({ depth: 18, imageSize: 224, classes: 1000, seed: 1, batchNorm: true }))).toBe(11_689_512);
    expect(paramCount(buildResNet({ depth: 50, imageSize: 224, classes: 1000, seed: 1, batchNorm: true }))).toBe(25_557_032);
    expect(paramCount(buildViT({ imageSize: 224, patch: 16, dim: 192, depth: 12, heads: 3, classes: 1000, seed: 1 }))).toBe(5_717_416);
  });

  it('write the ops real exports contain', () => {
    const r = opsOf(buildResNet({ depth: 'tiny', imageSize: 16, classes: 3, seed: 1 }));
    for (const op of ['Conv', 'Relu', 'MaxPool', 'Add', 'GlobalAveragePool', 'Flatten', 'Gemm']) expect(r).toContain(op);
    expect(r).not.toContain('BatchNormalization');
    const v = opsOf(buildViT({ imageSize: 16, patch: 4, dim: 8, depth: 1, heads: 2, classes: 3, seed: 1 }));
    for (const op of ['Conv', 'Concat', 'ReduceMean', 'Sub', 'Pow', 'Sqrt', 'Div', 'Erf', 'Softmax', 'Transpose', 'Gather', 'Gemm']) expect(v).toContain(op);
    expect(v).not.toContain('LayerNormalization');
    const gpt = opsOf(buildGPT({ vocab: 7, context: 4, dim: 8, depth: 1, heads: 2, seed: 1, withLoss: true }));
    for (const op of ['Gather', 'Range', 'Split', 'Where', 'Softmax', 'SoftmaxCrossEntropyLoss', 'Erf']) expect(gpt).toContain(op);
  });

  it('are deterministic in the seed', () => {
    const w = (seed: number): number[] => {
      const g = buildResNet({ depth: 'tiny', imageSize: 16, classes: 3, seed });
      const t = g.initializers.get('layer1.0.conv1.weight')!;
      return Array.from(new Float32Array(t.raw_data!.slice().buffer)).slice(0, 8);
    };
    expect(w(4)).toEqual(w(4));
    expect(w(4)).not.toEqual(w(5));
  });

  it('keep only weights as float initializers (scalars are Constant nodes)', () => {
    const g = buildGPT({ vocab: 7, context: 4, dim: 8, depth: 1, heads: 2, seed: 1, withLoss: true });
    const floats = OnnxModel.fromGraph(g).floatInitializers();
    expect(floats.every((n) => /\.(weight|bias)$/.test(n))).toBe(true);
  });

  it('decomposed LayerNorm computes what LayerNormalization does', async () => {
    const cfg = { imageSize: 16, patch: 4, dim: 16, depth: 2, heads: 2, classes: 5, seed: 2, dtype: 'float64' } as const;
    const a = OnnxModel.fromGraph(buildViT(cfg));
    const b = OnnxModel.fromGraph(buildViT({ ...cfg, layerNorm: 'op' }));
    const feeds = sampleFeeds(a.graph, 1);
    const ya = (await a.run(feeds)).logits.data;
    const yb = (await b.run(feeds)).logits.data;
    for (let i = 0; i < ya.length; i++) expect(Math.abs(Number(ya[i]) - Number(yb[i]))).toBeLessThan(1e-10);
    await a.release();
    await b.release();
  });

  it('refuse float64 where onnxruntime has no double kernel (Erf, Conv) with a clear error', () => {
    const errorOf = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const cases = [
      () => buildGPT({ vocab: 7, context: 4, dim: 8, depth: 1, heads: 2, seed: 1, dtype: 'float64', gelu: 'erf' }),
      () => buildViT({ imageSize: 8, patch: 4, dim: 8, depth: 1, heads: 2, classes: 3, seed: 1, dtype: 'float64', patchEmbed: 'conv' }),
      () => buildResNet({ depth: 'tiny', imageSize: 16, classes: 3, seed: 1, dtype: 'float64' }),
    ];
    for (const fn of cases) {
      const err = errorOf(fn);
      expect(err).toBeInstanceOf(GradlocError);
      expect((err as GradlocError).code).toBe('BAD_INPUT');
      expect((err as GradlocError).message).toMatch(/no float64 kernel/);
    }
  });

  it('sampleFeeds gives token ids in range and resolves symbolic dims', () => {
    const g = buildGPT({ vocab: 7, context: 6, dim: 8, depth: 1, heads: 2, seed: 1, withLoss: true });
    const f = sampleFeeds(g, 3, { dims: { batch: 2 } });
    expect(f.input_ids.dims).toEqual([2, 6]); // seq defaults to the context
    expect(f.targets.dtype).toBe('int64');
    for (const v of f.input_ids.data) expect(Number(v) >= 0 && Number(v) < 7).toBe(true);
    expect(sampleFeeds(g, 3).input_ids.data).toEqual(sampleFeeds(g, 3).input_ids.data);
  });
});
