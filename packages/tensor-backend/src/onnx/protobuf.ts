/**
 * A small schema-driven protobuf codec for ONNX.
 *
 * Why not protobufjs: ONNX round trips must keep fields this code does not know
 * (newer ONNX versions add some every release). Each decoded message keeps the raw
 * bytes of every field its schema does not name in `$unknown`, and the encoder writes
 * them back unchanged. `bytes` fields are zero-copy views into the source buffer, so
 * decoding a 500 MB model does not copy its weights.
 *
 * int64 values are JavaScript numbers (exact up to 2^53). Larger magnitudes only occur
 * as sentinels (INT64_MAX as a Slice end); they are clamped to the int64 range on encode.
 */

export type ScalarType = 'int32' | 'int64' | 'uint64' | 'float' | 'double' | 'string' | 'bytes' | 'bool';

export interface FieldDesc {
  readonly no: number;
  readonly name: string;
  readonly type: ScalarType | 'message';
  readonly repeated?: boolean;
  /** Encode a repeated scalar packed (decoding accepts both forms). */
  readonly packed?: boolean;
  readonly message?: () => MessageDesc;
}

export interface MessageDesc {
  readonly name: string;
  readonly fields: readonly FieldDesc[];
}

/** Fields the schema does not name, as raw wire bytes (tag included). */
export interface Unknown {
  $unknown?: Uint8Array[];
}

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();
const TWO32 = 4294967296;

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Reads a varint as a (possibly negative, two's complement int64) number. */
  varint(): number {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    let b: number;
    // low 28 bits
    for (shift = 0; shift < 28; shift += 7) {
      b = buf[this.pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return lo >>> 0;
    }
    b = buf[this.pos++];
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (shift = 3; shift < 32; shift += 7) {
        b = buf[this.pos++];
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
      if (b! >= 0x80) throw new Error(`protobuf: varint too long at byte ${this.pos}`);
    }
    lo >>>= 0;
    if (hi & 0x80000000) {
      // negative int64
      const nlo = (~lo + 1) >>> 0;
      const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0;
      return -(nhi * TWO32 + nlo);
    }
    return (hi >>> 0) * TWO32 + lo;
  }

  bytes(): Uint8Array {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.buf.length) throw new Error('protobuf: length past end of buffer');
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  float(): number {
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        while (this.buf[this.pos++] >= 0x80);
        return;
      case 1:
        this.pos += 8;
        return;
      case 2: {
        const len = this.varint();
        this.pos += len;
        return;
      }
      case 5:
        this.pos += 4;
        return;
      default:
        throw new Error(`protobuf: unsupported wire type ${wire} at byte ${this.pos}`);
    }
  }
}

const wireOf = (t: ScalarType | 'message'): number =>
  t === 'float' ? 5 : t === 'double' ? 1 : t === 'string' || t === 'bytes' || t === 'message' ? 2 : 0;

function readScalar(r: Reader, t: ScalarType): number | string | Uint8Array | boolean {
  switch (t) {
    case 'int32':
    case 'int64':
    case 'uint64':
      return r.varint();
    case 'bool':
      return r.varint() !== 0;
    case 'float':
      return r.float();
    case 'double':
      return r.double();
    case 'string':
      return textDecoder.decode(r.bytes());
    case 'bytes':
      return r.bytes();
  }
}

const fieldIndex = new WeakMap<MessageDesc, Map<number, FieldDesc>>();
function indexOf(desc: MessageDesc): Map<number, FieldDesc> {
  let m = fieldIndex.get(desc);
  if (!m) {
    m = new Map(desc.fields.map((f) => [f.no, f]));
    fieldIndex.set(desc, m);
  }
  return m;
}

export function decodeMessage<T>(desc: MessageDesc, buf: Uint8Array): T {
  return decodeFrom(desc, new Reader(buf), buf.length) as T;
}

function decodeFrom(desc: MessageDesc, r: Reader, end: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const index = indexOf(desc);
  for (const f of desc.fields) if (f.repeated) out[f.name] = [];
  while (r.pos < end) {
    const start = r.pos;
    const tag = r.varint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    const f = index.get(no);
    if (!f || (wire !== wireOf(f.type) && !(f.repeated && wire === 2))) {
      r.skip(wire);
      ((out.$unknown ??= []) as Uint8Array[]).push(r.buf.subarray(start, r.pos));
      continue;
    }
    let value: unknown;
    if (f.type === 'message') {
      const len = r.varint();
      const sub = r.pos + len;
      value = decodeFrom(f.message!(), r, sub);
      r.pos = sub;
    } else if (f.repeated && wire === 2 && wireOf(f.type) !== 2) {
      // packed repeated scalars
      const len = r.varint();
      const sub = r.pos + len;
      const arr = out[f.name] as unknown[];
      while (r.pos < sub) arr.push(readScalar(r, f.type));
      continue;
    } else {
      value = readScalar(r, f.type);
    }
    if (f.repeated) (out[f.name] as unknown[]).push(value);
    else out[f.name] = value;
  }
  if (r.pos !== end) throw new Error(`protobuf: ${desc.name} overran its length`);
  return out;
}

/** Growable output buffer with length-prefix patching for nested messages. */
class Writer {
  buf = new Uint8Array(1 << 16);
  pos = 0;
  private view = new DataView(this.buf.buffer);

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(v: number): void {
    this.ensure(10);
    if (v >= 0 && v < 0x80000000) {
      let x = v;
      while (x >= 0x80) {
        this.buf[this.pos++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
      this.buf[this.pos++] = x;
      return;
    }
    // general int64 path (negative or large), two's complement over 64 bits
    let big = BigInt(Math.trunc(v));
    const MAX = (1n << 63n) - 1n;
    const MIN = -(1n << 63n);
    if (big > MAX) big = MAX;
    if (big < MIN) big = MIN;
    let u = BigInt.asUintN(64, big);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  bytes(bytes: Uint8Array): void {
    this.varint(bytes.length);
    this.raw(bytes);
  }

  float(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  double(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Reserves room for a length varint, runs body, then writes the length in place. */
  nested(body: () => void): void {
    // Reserve 5 bytes (lengths < 2^35); shift the body down if the varint is shorter.
    this.ensure(5);
    const lenPos = this.pos;
    this.pos += 5;
    const start = this.pos;
    body();
    const len = this.pos - start;
    let n = 1;
    for (let x = len; x >= 0x80; x = Math.floor(x / 128)) n++;
    if (n < 5) this.buf.copyWithin(lenPos + n, start, this.pos);
    let x = len;
    let p = lenPos;
    while (x >= 0x80) {
      this.buf[p++] = (x % 128) | 0x80;
      x = Math.floor(x / 128);
    }
    this.buf[p] = x;
    this.pos -= 5 - n;
  }
}

function writeScalar(w: Writer, t: ScalarType, v: unknown): void {
  switch (t) {
    case 'int32':
    case 'int64':
    case 'uint64':
      w.varint(v as number);
      return;
    case 'bool':
      w.varint(v ? 1 : 0);
      return;
    case 'float':
      w.float(v as number);
      return;
    case 'double':
      w.double(v as number);
      return;
    case 'string':
      w.bytes(textEncoder.encode(v as string));
      return;
    case 'bytes':
      w.bytes(v as Uint8Array);
      return;
  }
}

/** Fields in field-number order, as protobuf serializers emit them (byte-exact round trips). */
const sortedFields = new WeakMap<MessageDesc, readonly FieldDesc[]>();
function inWireOrder(desc: MessageDesc): readonly FieldDesc[] {
  let f = sortedFields.get(desc);
  if (!f) {
    f = [...desc.fields].sort((a, b) => a.no - b.no);
    sortedFields.set(desc, f);
  }
  return f;
}

function encodeInto(desc: MessageDesc, w: Writer, msg: Record<string, unknown>): void {
  for (const f of inWireOrder(desc)) {
    const v = msg[f.name];
    if (v === undefined || v === null) continue;
    const tag = f.no * 8 + wireOf(f.type);
    if (f.repeated) {
      const arr = v as unknown[];
      if (arr.length === 0) continue;
      if (f.packed && f.type !== 'message' && wireOf(f.type) !== 2) {
        w.varint(f.no * 8 + 2);
        w.nested(() => {
          for (const x of arr) writeScalar(w, f.type as ScalarType, x);
        });
        continue;
      }
      for (const x of arr) {
        w.varint(tag);
        if (f.type === 'message') w.nested(() => encodeInto(f.message!(), w, x as Record<string, unknown>));
        else writeScalar(w, f.type, x);
      }
      continue;
    }
    w.varint(tag);
    if (f.type === 'message') w.nested(() => encodeInto(f.message!(), w, v as Record<string, unknown>));
    else writeScalar(w, f.type, v);
  }
  const unknown = msg.$unknown as Uint8Array[] | undefined;
  if (unknown) for (const u of unknown) w.raw(u);
}

export function encodeMessage(desc: MessageDesc, msg: object): Uint8Array {
  const w = new Writer();
  encodeInto(desc, w, msg as Record<string, unknown>);
  return w.buf.slice(0, w.pos);
}
