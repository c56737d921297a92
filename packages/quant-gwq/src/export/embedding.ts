/**
 * Embedding tables. A token embedding is often the largest tensor of a language model (brown-gpt:
 * 1.9M of its 3.7M parameters) and only ever read a row at a time, so quantizing the matrices
 * alone leaves most of the file in FP32. `quantizeEmbeddings` replaces each
 * Gather(table [V, D] float32 initializer, ids) by com.microsoft.GatherBlockQuantized over the
 * table's RTN codes: blocks of `group` along D within each row, the same byte layout as
 * MatMulNBits (a row of the table is a column of B), dequantized as (code - zero) * scale when
 * gathered. No outliers and no calibration: a Gather's gradient touches only the rows a
 * calibration batch reads, so GWQ has nothing to rank most rows by.
 */
import { GradlocError, tensor, tensorFromProto, type Graph, type Node } from '@gradloc/tensor-backend';
import { isNBitsBlockSize, packMatMulNBits, packZeroPoints } from '../quant/pack.js';
import { quantizeRtn } from '../quant/rtn.js';
import type { QuantSpec } from '../quant/spec.js';
import { groupsOf, type Bits } from '../quant/types.js';
import { MS_DOMAIN } from './matmul-nbits.js';
import { dropUnusedInitializers, spliceReplace } from './splice.js';

/** Widths onnxruntime-node 1.30's CPU GatherBlockQuantized takes for uint8 data. */
export const GATHER_BITS: readonly Bits[] = [2, 4, 8];

/** Whether GatherBlockQuantized can hold codes of this spec. */
export const embeddingsSupported = (spec: QuantSpec): boolean => GATHER_BITS.includes(spec.bits) && isNBitsBlockSize(spec.group);

export interface EmbeddingReport {
  readonly weight: string;
  /** Rows (vocabulary) and row width. */
  readonly V: number;
  readonly D: number;
  /** Codes + float32 scales + packed zero points, per weight. */
  readonly bitsPerWeight: number;
}

/** Gathers on axis 0 of a float32 [V, D] initializer that nothing else reads (tables the group may fit). */
function tableGathers(graph: Graph): { node: Node; V: number; D: number }[] {
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  return graph.nodes.flatMap((node) => {
    if (node.op !== 'Gather' || node.domain !== '' || node.attrs.int('axis', 0) !== 0) return [];
    const table = graph.initializers.get(node.inputs[0]);
    if (!table || (table.data_type ?? 1) !== 1 || table.dims.length !== 2) return [];
    const [V, D] = table.dims.map(Number);
    if (readers.get(node.inputs[0]) !== 1 || outputs.has(node.inputs[0])) return [];
    return [{ node, V, D }];
  });
}

/** Row widths of the tables quantizeEmbeddings could take (they help choose the default group). */
export const embeddingWidths = (graph: Graph, accept: (name: string, size: number) => boolean = () => true): number[] =>
  tableGathers(graph)
    .filter(({ node, V, D }) => accept(node.inputs[0], V * D))
    .map((t) => t.D);

/** Tables quantizeEmbeddings takes: tableGathers whose width is a multiple of the group, accepted by the filter. */
function embeddingGathers(graph: Graph, spec: QuantSpec, accept: (name: string, size: number) => boolean): { node: Node; V: number; D: number }[] {
  return tableGathers(graph).filter(({ node, V, D }) => D % spec.group === 0 && accept(node.inputs[0], V * D));
}

/**
 * Replaces every eligible embedding Gather in place (see embeddingGathers) and reports what
 * each stores. `accept` filters by table name and size (the caller's SiteFilter).
 */
export function quantizeEmbeddings(graph: Graph, spec: QuantSpec, accept: (name: string, size: number) => boolean = () => true): EmbeddingReport[] {
  if (!embeddingsSupported(spec)) {
    throw new GradlocError('BAD_INPUT', `GatherBlockQuantized takes bits ${GATHER_BITS.join('/')} and power-of-two groups >= 16 (got ${spec.bits} bits, group ${spec.group})`);
  }
  return embeddingGathers(graph, spec, accept).map(({ node, V, D }) => {
    const name = node.inputs[0];
    const table = tensorFromProto(graph.initializers.get(name)!).data as Float32Array;
    // rows of the table are the "output columns" of a [D, V] matrix: blocks run along D
    const t = new Float32Array(V * D);
    for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) t[d * V + v] = table[v * D + d];
    const q = quantizeRtn(t, D, V, spec);
    const p = packMatMulNBits(q);
    const zeros = packZeroPoints(q);
    const blocks = groupsOf(D, spec.group);
    spliceReplace(graph, node, (b) => {
      const inputs = [
        b.initializer(tensor('uint8', [V, (D * spec.bits) / 8], p.B), `${name}.qweight`),
        node.inputs[1],
        b.initializer(tensor('float32', [V, blocks], p.scales), `${name}.scales`),
        b.initializer(tensor('uint8', [V, zeros.length / V], zeros), `${name}.zero_points`),
      ];
      const attrs = { bits: spec.bits, block_size: spec.group, gather_axis: 0, quantize_axis: 1 };
      b.node('GatherBlockQuantized', inputs, attrs, { domain: MS_DOMAIN, outputs: [node.outputs[0]], name: node.name || undefined });
      if (!b.graph.opsets.has(MS_DOMAIN)) b.graph.opsets.set(MS_DOMAIN, 1);
    });
    dropUnusedInitializers(graph, [name]);
    const bits = p.B.length * 8 + V * blocks * 32 + zeros.length * 8;
    return { weight: name, V, D, bitsPerWeight: bits / (V * D) };
  });
}
