/**
 * Valid random inputs for a graph: N(0, 1) floats (normalised images, embeddings) and
 * integer ids inside the range the builder recorded in the model's metadata.
 */
import { GradlocError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { randInt, randn, rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { MODEL_META } from './net.js';

export interface SampleFeedsOptions {
  /** Sizes of symbolic dims by dim_param (e.g. `{ batch: 2, seq: 16 }`); default from metadata, else 1. */
  readonly dims?: Readonly<Record<string, number>>;
}

/** One feed per graph input, deterministic in `seed`. */
export function sampleFeeds(graph: Graph, seed: number, opts: SampleFeedsOptions = {}): Record<string, Tensor> {
  const meta = new Map(graph.metadata.map((p) => [p.key ?? '', p.value ?? '']));
  const rand = rng(seed);
  const feeds: Record<string, Tensor> = {};
  for (const inp of graph.inputs) {
    const dims = (inp.dims ?? []).map((d) => {
      if (typeof d === 'number') return d;
      const fromOpts = d === null ? undefined : opts.dims?.[d];
      const fromMeta = d === null ? undefined : meta.get(MODEL_META.dim(d));
      return fromOpts ?? (fromMeta !== undefined ? Number(fromMeta) : 1);
    });
    if (inp.dtype === 'float32' || inp.dtype === 'float64') {
      feeds[inp.name] = randn(inp.dtype, dims, rand);
    } else if (inp.dtype === 'int64' || inp.dtype === 'int32') {
      const range = meta.get(MODEL_META.range(inp.name));
      if (!range) throw new GradlocError('BAD_INPUT', `integer input '${inp.name}' has no '${MODEL_META.range(inp.name)}' metadata giving its valid range`);
      const [lo, hi] = range.split(',').map(Number);
      feeds[inp.name] = randInt(dims, rand, lo, hi, inp.dtype);
    } else {
      throw new GradlocError('DTYPE_MISMATCH', `cannot sample input '${inp.name}' of type ${inp.dtype}`);
    }
  }
  return feeds;
}
