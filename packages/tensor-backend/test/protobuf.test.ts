import { describe, expect, it } from 'vitest';
import { TensorDesc, NodeDesc, type NodeProto, type TensorProto } from '../src/index.js';
import { decodeMessage, encodeMessage } from '../src/onnx/protobuf.js';

const tensorProto = (int64: number[]): TensorProto => ({
  name: 'ends',
  dims: [int64.length],
  data_type: 7,
  float_data: [],
  int32_data: [],
  string_data: [],
  int64_data: int64,
  double_data: [],
  uint64_data: [],
  external_data: [],
});

describe('protobuf codec', () => {
  it('round-trips int64 edge values: negatives, > 2^32, and the INT64_MAX/MIN sentinels (clamped)', () => {
    const values = [0, 1, -1, 127, 128, -128, 2 ** 31, -(2 ** 31), 2 ** 40 + 3, -(2 ** 40) - 3, 2 ** 53 - 1, 9223372036854775807, -9223372036854775808];
    const bytes = encodeMessage(TensorDesc, tensorProto(values));
    const back = decodeMessage<TensorProto>(TensorDesc, bytes);
    expect(back.int64_data.slice(0, 11)).toEqual(values.slice(0, 11));
    // 2^63 is not representable as int64: it is written as INT64_MAX, which reads back as 2^63 in doubles
    expect(back.int64_data[11]).toBe(2 ** 63);
    expect(back.int64_data[12]).toBe(-(2 ** 63));
    // re-encoding is stable (sizes and bytes)
    expect(Buffer.from(encodeMessage(TensorDesc, back)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('round-trips strings with multi-byte characters and nested messages', () => {
    const node: NodeProto = {
      input: ['x', 'größe/ℝ'],
      output: ['y'],
      name: 'n→1',
      op_type: 'Add',
      attribute: [{ name: 'axes', ints: [-1, 2], floats: [], strings: [], tensors: [], graphs: [], type: 7 }],
    };
    const back = decodeMessage<NodeProto>(NodeDesc, encodeMessage(NodeDesc, node));
    expect(back.input).toEqual(node.input);
    expect(back.name).toBe('n→1');
    expect(back.attribute[0].ints).toEqual([-1, 2]);
  });

  it('accepts packed and unpacked encodings of the same repeated field', () => {
    // dims (field 1) unpacked: 08 02 08 03 ; int64_data (field 7) packed: 3a 02 05 06
    const unpacked = new Uint8Array([0x08, 0x02, 0x08, 0x03, 0x10, 0x07, 0x3a, 0x02, 0x05, 0x06]);
    const t = decodeMessage<TensorProto>(TensorDesc, unpacked);
    expect(t.dims).toEqual([2, 3]);
    expect(t.int64_data).toEqual([5, 6]);
    // dims packed (0a 02 02 03) decodes to the same
    const packed = new Uint8Array([0x0a, 0x02, 0x02, 0x03, 0x10, 0x07, 0x38, 0x05, 0x38, 0x06]);
    const u = decodeMessage<TensorProto>(TensorDesc, packed);
    expect(u.dims).toEqual([2, 3]);
    expect(u.int64_data).toEqual([5, 6]);
  });

  it('fails clearly on truncated input', () => {
    const bytes = encodeMessage(TensorDesc, tensorProto([1, 2, 3]));
    expect(() => decodeMessage(TensorDesc, bytes.subarray(0, bytes.length - 2))).toThrow(/protobuf/);
  });
});
