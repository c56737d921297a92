/** Typed access to ONNX node attributes, and conversion of JS values into AttributeProtos. */
import { GradlocError } from '../errors.js';
import { tensorFromProto, tensorToProto } from '../onnx/tensor-proto.js';
import { AttrType, type AttributeProto, type GraphProto } from '../onnx/schema.js';
import type { Tensor } from '../tensor/tensor.js';

/** Marks a number as a FLOAT attribute (plain integers become INT). */
export class FloatAttr {
  constructor(readonly value: number) {}
}
export const asFloat = (v: number): FloatAttr => new FloatAttr(v);

export type AttrValue = number | FloatAttr | readonly number[] | readonly FloatAttr[] | string | readonly string[] | Tensor | GraphProto;

const enc = new TextEncoder();
const dec = new TextDecoder();

const emptyAttr = (name: string, type: number): AttributeProto => ({
  name,
  type,
  floats: [],
  ints: [],
  strings: [],
  tensors: [],
  graphs: [],
});

const isTensor = (v: unknown): v is Tensor =>
  typeof v === 'object' && v !== null && 'dtype' in v && 'dims' in v && 'data' in v;

export function toAttribute(name: string, v: AttrValue): AttributeProto {
  if (v instanceof FloatAttr) return { ...emptyAttr(name, AttrType.FLOAT), f: v.value };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { ...emptyAttr(name, AttrType.INT), i: v } : { ...emptyAttr(name, AttrType.FLOAT), f: v };
  }
  if (typeof v === 'string') return { ...emptyAttr(name, AttrType.STRING), s: enc.encode(v) };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { ...emptyAttr(name, AttrType.STRINGS), strings: (v as string[]).map((s) => enc.encode(s)) };
    if (v.some((x) => x instanceof FloatAttr || (typeof x === 'number' && !Number.isInteger(x)))) {
      return { ...emptyAttr(name, AttrType.FLOATS), floats: (v as (number | FloatAttr)[]).map((x) => (x instanceof FloatAttr ? x.value : x)) };
    }
    return { ...emptyAttr(name, AttrType.INTS), ints: [...(v as number[])] };
  }
  if (isTensor(v)) return { ...emptyAttr(name, AttrType.TENSOR), t: tensorToProto('', v) };
  return { ...emptyAttr(name, AttrType.GRAPH), g: v as GraphProto };
}

/** Attribute lookups with defaults; a missing required attribute is a BAD_MODEL error. */
export class Attrs {
  private readonly map: Map<string, AttributeProto>;
  constructor(
    attrs: readonly AttributeProto[],
    private readonly where: string,
  ) {
    this.map = new Map(attrs.map((a) => [a.name ?? '', a]));
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  private need(name: string): AttributeProto {
    const a = this.map.get(name);
    if (!a) throw new GradlocError('BAD_MODEL', `${this.where}: missing attribute '${name}'`);
    return a;
  }
  int(name: string, dflt?: number): number {
    if (!this.map.has(name) && dflt !== undefined) return dflt;
    return Number(this.need(name).i ?? 0);
  }
  float(name: string, dflt?: number): number {
    if (!this.map.has(name) && dflt !== undefined) return dflt;
    return this.need(name).f ?? 0;
  }
  ints(name: string, dflt?: readonly number[]): number[] {
    if (!this.map.has(name) && dflt !== undefined) return [...dflt];
    return this.need(name).ints.map(Number);
  }
  floats(name: string, dflt?: readonly number[]): number[] {
    if (!this.map.has(name) && dflt !== undefined) return [...dflt];
    return [...this.need(name).floats];
  }
  string(name: string, dflt?: string): string {
    if (!this.map.has(name) && dflt !== undefined) return dflt;
    const s = this.need(name).s;
    return s ? dec.decode(s) : '';
  }
  tensor(name: string): Tensor {
    const t = this.need(name).t;
    if (!t) throw new GradlocError('BAD_MODEL', `${this.where}: attribute '${name}' is not a tensor`);
    return tensorFromProto(t);
  }
  raw(name: string): AttributeProto | undefined {
    return this.map.get(name);
  }
}
