/**
 * NumPy .npy (format 1.0-3.0) read/write. Little- and big-endian, C and Fortran order
 * on read; writes little-endian C order, version 1.0 (2.0 when the header needs it).
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-write.js';
import { GradlocError } from '../errors.js';
import { ARRAY_OF, BYTES, type DType } from './dtype.js';
import { sizeOf, type Tensor } from './tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<string, DType> = {
  f4: 'float32',
  f8: 'float64',
  f2: 'float16',
  i1: 'int8',
  u1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  i8: 'int64',
  u8: 'uint64',
  b1: 'bool',
};
const DESCR_OF = Object.fromEntries(Object.entries(DESCR).map(([k, v]) => [v, k])) as Record<DType, string>;

export function decodeNpy(bytes: Uint8Array, what = 'npy data'): Tensor {
  const bad = (m: string): never => {
    throw new GradlocError('BAD_INPUT', `${what}: ${m}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) bad('not a .npy file (bad magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    headerLen = view.getUint32(8, true);
    offset = 12;
  } else return bad(`unsupported .npy version ${major}`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(offset, offset + headerLen));
  const descr = /'descr'\s*:\s*'([<>|=])([a-z]\d+)'/.exec(header) ?? bad(`unsupported dtype in header ${header.trim()}`);
  const fortran = /'fortran_order'\s*:\s*True/.test(header);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header) ?? bad('header has no shape');
  const dims = shapeMatch[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const dtype = DESCR[descr[2]] ?? bad(`dtype '${descr[2]}' is not supported`);
  const n = sizeOf(dims);
  const width = BYTES[dtype];
  const start = offset + headerLen;
  if (bytes.length - start < n * width) bad(`holds ${bytes.length - start} data bytes, shape (${dims.join(', ')}) needs ${n * width}`);
  // copy into an aligned buffer (also swaps big-endian data)
  const raw = new Uint8Array(n * width);
  raw.set(bytes.subarray(start, start + n * width));
  if (descr[1] === '>' && width > 1) {
    for (let i = 0; i < raw.length; i += width) raw.subarray(i, i + width).reverse();
  }
  let data = new ARRAY_OF[dtype](raw.buffer, 0, n);
  if (fortran && dims.length > 1) data = fromFortran(data, dims);
  return { dtype, dims, data };
}

function fromFortran<T extends ArrayLike<unknown> & { length: number }>(src: T, dims: number[]): T {
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const r = dims.length;
  const idx = new Array<number>(r).fill(0);
  const fstride = new Array<number>(r);
  let s = 1;
  for (let i = 0; i < r; i++) {
    fstride[i] = s;
    s *= dims[i];
  }
  for (let c = 0; c < src.length; c++) {
    let f = 0;
    for (let i = 0; i < r; i++) f += idx[i] * fstride[i];
    (out as unknown as unknown[])[c] = (src as unknown as unknown[])[f];
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i] < dims[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

export function encodeNpy(t: Tensor): Uint8Array {
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  const endian = BYTES[t.dtype] === 1 ? '|' : '<';
  let header = `{'descr': '${endian}${DESCR_OF[t.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const v2 = header.length + 11 > 65535;
  const pre = v2 ? 12 : 10;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = header.padEnd(total - pre - 1, ' ') + '\n';
  const body = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(total + body.length);
  out.set(MAGIC);
  out[6] = v2 ? 2 : 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (v2) view.setUint32(8, header.length, true);
  else view.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), pre);
  out.set(body, total);
  return out;
}

export function readNpy(path: string): Tensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new GradlocError('FILE_NOT_FOUND', `cannot read ${path}`);
  }
  return decodeNpy(bytes, path);
}

/** Writes atomically (temp file + rename) so a failed run never leaves half a file. */
export function writeNpy(path: string, t: Tensor): void {
  writeFileAtomic(path, encodeNpy(t));
}
