/**
 * Fuzzed inputs for scripts/fuzz.mjs, deterministic by seed: broken uploads (truncated or
 * corrupted PNG/JPEG, other file types, decompression bombs, impossible dimensions) and broken
 * ONNX models (truncated, corrupted, and structurally wrong: huge or negative dims, data of the
 * wrong size, unknown ops, cycles, dangling names, bad types, external data outside the folder).
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { encodeModel, Graph, GraphBuilder, rng, tensor } from '@gradloc/tensor-backend';

// the project's one seeded PRNG (tensor-backend's mulberry32): the same sequences as before
export { rng };
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];

// ---- PNG pieces ----
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}
const PNG_SIG = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
function png(width, height, idat) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width >>> 0, 0);
  ihdr.writeUInt32BE(height >>> 0, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([PNG_SIG, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** The valid images the mutations start from. */
export async function baseImages() {
  const noise = Buffer.alloc(96 * 96 * 3);
  const r = rng(1);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(r() * 256);
  const raw = { raw: { width: 96, height: 96, channels: 3 } };
  const small = { raw: { width: 8, height: 8, channels: 3 } };
  return {
    png: await sharp(noise, raw).png().toBuffer(),
    jpeg: await sharp(noise, raw).jpeg().toBuffer(),
    gif: await sharp(noise.subarray(0, 192), small).gif().toBuffer(),
    webp: await sharp(noise, raw).webp().toBuffer(),
    tiff: await sharp(noise, raw).tiff().toBuffer(),
    // 8000 x 8000 RGB of zeros: 192 MB of pixels in a file of about 190 KB
    bomb: png(8000, 8000, deflateSync(Buffer.alloc(8000 * (1 + 8000 * 3)), { level: 9 })),
  };
}

/** The JPEG with its frame header's height and width set (a decompression bomb when large). */
function jpegDims(jpeg, height, width) {
  const b = Buffer.from(jpeg);
  for (let i = 2; i + 9 < b.length; ) {
    if (b[i] !== 0xff) break;
    const marker = b[i + 1];
    const len = b.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc3) {
      b.writeUInt16BE(height & 0xffff, i + 5);
      b.writeUInt16BE(width & 0xffff, i + 7);
      return b;
    }
    i += 2 + len;
  }
  return b;
}

export const UPLOAD_KINDS = ['truncated', 'corrupted', 'wrong type', 'bomb', 'impossible size'];

/** The i-th fuzzed upload: { kind, what, text } (text: the data URL or string the API receives). */
export function fuzzUpload(i, base) {
  const r = rng(1000 + i);
  const kind = UPLOAD_KINDS[i % UPLOAD_KINDS.length];
  const url = (bytes, mime = 'image/png') => `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
  const src = r() < 0.5 ? ['png', base.png, 'image/png'] : ['jpeg', base.jpeg, 'image/jpeg'];
  switch (kind) {
    case 'truncated': {
      const n = Math.floor(r() * src[1].length);
      return { kind, what: `${src[0]} cut to ${n} of ${src[1].length} bytes`, text: url(src[1].subarray(0, n), src[2]) };
    }
    case 'corrupted': {
      const b = Buffer.from(src[1]);
      const flips = 1 + Math.floor(r() * 32);
      const head = r() < 0.5;
      for (let k = 0; k < flips; k++) b[Math.floor(r() * (head ? Math.min(64, b.length) : b.length))] ^= 1 + Math.floor(r() * 255);
      return { kind, what: `${src[0]} with ${flips} bytes changed${head ? ' in its header' : ''}`, text: url(b, src[2]) };
    }
    case 'wrong type': {
      const random = Buffer.from(Array.from({ length: 1 + Math.floor(r() * 4096) }, () => Math.floor(r() * 256)));
      const cases = [
        ['gif', url(base.gif)],
        ['webp', url(base.webp)],
        ['tiff', url(base.tiff)],
        ['BMP header', url(Buffer.concat([Buffer.from('BM'), random]))],
        ['SVG', url(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="99999" height="99999"><rect/></svg>'), 'image/svg+xml')],
        ['PDF header', url(Buffer.concat([Buffer.from('%PDF-1.4\n'), random]))],
        ['random bytes', url(random)],
        ['text', url(Buffer.from('hello, this is not an image'))],
        ['empty data URL', 'data:image/png;base64,'],
        ['not base64', `data:image/png;base64,${'#$%&'.repeat(1 + Math.floor(r() * 50))}`],
        ['a URL, not data', 'https://example.com/cat.png'],
        ['JSON', JSON.stringify({ image: 'x' })],
        ['a PNG signature alone', url(PNG_SIG)],
        ['a JPEG start marker alone', url(Buffer.from([0xff, 0xd8, 0xff]), 'image/jpeg')],
      ];
      const [what, text] = pick(r, cases);
      return { kind, what, text };
    }
    case 'bomb': {
      const cases = [
        ['PNG 8000x8000 of zeros (190 KB)', url(base.bomb)],
        ['JPEG declaring 65500x65500', url(jpegDims(base.jpeg, 65500, 65500), 'image/jpeg')],
        ['JPEG declaring 30000x30000', url(jpegDims(base.jpeg, 30000, 30000), 'image/jpeg')],
        ['PNG declaring 50000x50000 over a small stream', url(png(50000, 50000, deflateSync(Buffer.alloc(1 << 20))))],
      ];
      const [what, text] = pick(r, cases);
      return { kind, what, text };
    }
    case 'impossible size': {
      const dims = pick(r, [[0, 0], [0, 96], [96, 0], [2 ** 31 - 1, 1], [1, 2 ** 31 - 1], [2 ** 32 - 1, 2 ** 32 - 1], [1, 100000], [100000, 1]]);
      const data = deflateSync(Buffer.alloc(Math.min(1 << 16, 96 * 97 * 3)));
      return { kind, what: `PNG declaring ${dims[0]}x${dims[1]}`, text: url(png(dims[0], dims[1], data)) };
    }
  }
  throw new Error(`no kind ${kind}`);
}

// ---- ONNX ----

/** A small valid model: x [1, 3, 8, 8] -> Conv -> Relu -> GlobalAveragePool -> Flatten -> Gemm -> y [1, 4]. */
export function baseModel() {
  const g = Graph.create(17, 'fuzz-base');
  const b = new GraphBuilder(g);
  const r = rng(7);
  const w = (dims) => tensor('float32', dims, Float32Array.from({ length: dims.reduce((a, d) => a * d, 1) }, () => r() - 0.5));
  const x = b.input('x', 'float32', [1, 3, 8, 8]);
  const c = b.op('Relu', [b.op('Conv', [x, b.initializer(w([4, 3, 3, 3]), 'conv.weight'), b.initializer(w([4]), 'conv.bias')], { pads: [1, 1, 1, 1] })]);
  const f = b.op('Flatten', [b.op('GlobalAveragePool', [c])]);
  b.output(b.op('Gemm', [f, b.initializer(w([4, 4]), 'fc.weight'), b.initializer(w([4]), 'fc.bias')], { transB: 1 }, { outputs: ['y'] }), 'float32', [1, 4]);
  return g;
}

export const MODEL_KINDS = ['truncated', 'corrupted', 'structural'];

/** The i-th fuzzed model: { kind, what, bytes }. */
export function fuzzModel(i) {
  const r = rng(5000 + i);
  const kind = MODEL_KINDS[i % MODEL_KINDS.length];
  const valid = encodeModel(baseModel().toModel());
  if (kind === 'truncated') {
    const n = Math.floor(r() * valid.length);
    return { kind, what: `cut to ${n} of ${valid.length} bytes`, bytes: valid.subarray(0, n) };
  }
  if (kind === 'corrupted') {
    const b = Buffer.from(valid);
    const flips = 1 + Math.floor(r() * 16);
    for (let k = 0; k < flips; k++) b[Math.floor(r() * b.length)] ^= 1 + Math.floor(r() * 255);
    return { kind, what: `${flips} bytes changed`, bytes: b };
  }
  const m = baseModel().toModel();
  const g = m.graph;
  const init = (name) => g.initializer.find((t) => t.name === name);
  const cases = [
    ['an initializer declaring 10^12 elements', () => { init('fc.weight').dims = [1_000_000, 1_000_000]; }],
    ['a negative dimension', () => { init('conv.bias').dims = [-4]; }],
    ['raw data shorter than its dims', () => { init('conv.weight').raw_data = init('conv.weight').raw_data.subarray(0, 10); }],
    ['an unknown op', () => { g.node[0].op_type = 'NoSuchOp'; }],
    ['an op of an unknown domain', () => { g.node[0].domain = 'com.example'; }],
    ['a cycle', () => { g.node[0].input[0] = g.node[1].output[0]; }],
    ['a dangling input name', () => { g.node[2].input[0] = 'nowhere'; }],
    ['element type 99', () => { init('fc.bias').data_type = 99; }],
    ['an input of element type 0', () => { g.input[0].type.tensor_type.elem_type = 0; }],
    ['opset 999', () => { m.opset_import[0].version = 999; }],
    ['no nodes', () => { g.node = []; }],
    ['no outputs', () => { g.output = []; }],
    ['external data outside the folder', () => { const t = init('fc.weight'); t.raw_data = undefined; t.data_location = 1; t.external_data = [{ key: 'location', value: '../../../etc/passwd' }]; }],
    ['external data that does not exist', () => { const t = init('fc.weight'); t.raw_data = undefined; t.data_location = 1; t.external_data = [{ key: 'location', value: 'missing.bin' }, { key: 'length', value: '64' }]; }],
    ['a duplicate output name', () => { g.node[1].output[0] = g.node[0].output[0]; }],
    ['a Conv with a wrong weight rank', () => { init('conv.weight').dims = [4, 27]; }],
    ['an input with 10^9 x 10^9 dims', () => { g.input[0].type.tensor_type.shape.dim = [{ dim_value: 1e9 }, { dim_value: 1e9 }]; }],
  ];
  const [what, mutate] = cases[Math.floor(i / MODEL_KINDS.length) % cases.length];
  mutate();
  return { kind, what, bytes: encodeModel(m) };
}
