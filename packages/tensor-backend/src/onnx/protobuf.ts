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

/**
 * Encoding is two passes: sizes first (cached per message object), then one write into an
 * exactly sized buffer, so multi-hundred-MB weight payloads are copied once.
 */
const varintLen = (v: number): number => {
  if (v < 0) return 10; // negative int64: two's complement over 64 bits
  if (v >= 2 ** 63) return 9; // clamped to INT64_MAX (63 bits) when written
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
};

const utf8Len = (s: string): number => Buffer.byteLength(s, 'utf8');

function scalarSize(t: ScalarType, v: unknown): number {
  switch (t) {
    case 'int32':
    case 'int64':
    case 'uint64':
      return varintLen(v as number);
    case 'bool':
      return 1;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'string': {
      const n = utf8Len(v as string);
      return varintLen(n) + n;
    }
    case 'bytes': {
      const n = (v as Uint8Array).length;
      return varintLen(n) + n;
    }
  }
}

function messageSize(desc: MessageDesc, msg: Record<string, unknown>, sizes: WeakMap<object, number>): number {
  let n = 0;
  for (const f of inWireOrder(desc)) {
    const v = msg[f.name];
    if (v === undefined || v === null) continue;
    const tagLen = varintLen(f.no * 8 + wireOf(f.type));
    const one = (x: unknown): number => {
      if (f.type !== 'message') return scalarSize(f.type, x);
      const sub = messageSize(f.message!(), x as Record<string, unknown>, sizes);
      return varintLen(sub) + sub;
    };
    if (f.repeated) {
      const arr = v as unknown[];
      if (arr.length === 0) continue;
      if (f.packed && f.type !== 'message' && wireOf(f.type) !== 2) {
        let payload = 0;
        for (const x of arr) payload += scalarSize(f.type as ScalarType, x);
        sizes.set(arr, payload);
        n += varintLen(f.no * 8 + 2) + varintLen(payload) + payload;
      } else for (const x of arr) n += tagLen + one(x);
    } else n += tagLen + one(v);
  }
  const unknown = msg.$unknown as Uint8Array[] | undefined;
  if (unknown) for (const u of unknown) n += u.length;
  sizes.set(msg, n);
  return n;
}

class Writer {
  pos = 0;
  readonly view: DataView;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  varint(v: number): void {
    if (v >= 0 && v < 0x80000000) {
      let x = v;
      while (x >= 0x80) {
        this.buf[this.pos++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
      this.buf[this.pos++] = x;
      return;
    }
    // general int64 path (negative or large), two's complement over 64 bits, clamped
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
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  bytes(bytes: Uint8Array): void {
    this.varint(bytes.length);
    this.raw(bytes);
  }

  string(s: string): void {
    const n = utf8Len(s);
    this.varint(n);
    this.pos += textEncoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + n)).written;
  }

  float(v: number): void {
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  double(v: number): void {
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
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
      w.string(v as string);
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

function encodeInto(desc: MessageDesc, w: Writer, msg: Record<string, unknown>, sizes: WeakMap<object, number>): void {
  const sub = (f: FieldDesc, x: unknown): void => {
    w.varint(sizes.get(x as object)!);
    encodeInto(f.message!(), w, x as Record<string, unknown>, sizes);
  };
  for (const f of inWireOrder(desc)) {
    const v = msg[f.name];
    if (v === undefined || v === null) continue;
    const tag = f.no * 8 + wireOf(f.type);
    if (f.repeated) {
      const arr = v as unknown[];
      if (arr.length === 0) continue;
      if (f.packed && f.type !== 'message' && wireOf(f.type) !== 2) {
        w.varint(f.no * 8 + 2);
        w.varint(sizes.get(arr)!);
        for (const x of arr) writeScalar(w, f.type as ScalarType, x);
        continue;
      }
      for (const x of arr) {
        w.varint(tag);
        if (f.type === 'message') sub(f, x);
        else writeScalar(w, f.type, x);
      }
      continue;
    }
    w.varint(tag);
    if (f.type === 'message') sub(f, v);
    else writeScalar(w, f.type, v);
  }
  const unknown = msg.$unknown as Uint8Array[] | undefined;
  if (unknown) for (const u of unknown) w.raw(u);
}

export function encodeMessage(desc: MessageDesc, msg: object): Uint8Array {
  const sizes = new WeakMap<object, number>();
  const size = messageSize(desc, msg as Record<string, unknown>, sizes);
  const w = new Writer(new Uint8Array(size));
  encodeInto(desc, w, msg as Record<string, unknown>, sizes);
  if (w.pos !== size) throw new Error(`protobuf: encoded ${w.pos} bytes, sized ${size}`);
  return w.buf;
}
