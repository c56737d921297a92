import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GradlocError,
  Graph,
  OnnxModel,
  decodeModel,
  encodeModel,
  float32,
  loadModel,
  readNpy,
  saveModel,
  writeFileAtomic,
  tensorFromProto,
} from '../src/index.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'onnx-io');
const tmp = mkdtempSync(join(tmpdir(), 'gradloc-io-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ONNX I/O', () => {
  it('round-trips a model written by the onnx package byte for byte, keeping fields it does not model', () => {
    const bytes = readFileSync(join(fixtures, 'unknown-fields.onnx'));
    const model = decodeModel(bytes);
    // ModelProto.functions (field 25) is not in gradloc's schema: it must survive as unknown bytes
    expect(model.$unknown?.length).toBe(1);
    expect(model.opset_import.map((o) => [o.domain, o.version])).toEqual([
      ['', 15],
      ['local', 1],
    ]);
    expect(Buffer.from(encodeModel(model)).equals(bytes)).toBe(true);
  });

  it('keeps unknown fields through the graph IR and still runs (the local function is intact)', async () => {
    const model = loadModel(join(fixtures, 'unknown-fields.onnx'));
    const g = Graph.fromModel(model);
    const again = g.toModel();
    expect(Buffer.from(encodeModel(again)).equals(readFileSync(join(fixtures, 'unknown-fields.onnx')))).toBe(true);
    const m = OnnxModel.fromProto(again);
    const x = float32([2, 3], [0.1, -0.2, 0.3, 0.4, -0.5, 0.6]);
    const { y } = await m.run({ x });
    for (let i = 0; i < 6; i++) expect(y.data[i]).toBeCloseTo(Math.tanh(2 * Number(x.data[i])), 6);
    await m.release();
  });

  it('reads external data written by the onnx package', async () => {
    const model = loadModel(join(fixtures, 'external.onnx'));
    const w = tensorFromProto(model.graph!.initializer.find((t) => t.name === 'W')!);
    expect(Array.from(w.data)).toEqual(Array.from(readNpy(join(fixtures, 'external_W.npy')).data));
    const m = OnnxModel.fromProto(model);
    const x = float32([1, 4], [1, 0, 0, 0]);
    const g = await m.grad({ x }, 'y[0,0]', ['W']);
    // dy[0,0]/dW = x^T e_0 masked by relu: only W[0,0] can be non-zero
    expect(Array.from(g.W.data).filter((v) => v !== 0).length).toBeLessThanOrEqual(1);
    await m.release();
  });

  it('writes external data that the reader (and onnxruntime) accept, atomically', async () => {
    const model = loadModel(join(fixtures, 'external.onnx'));
    const path = join(tmp, 'copy.onnx');
    saveModel(path, model, { externalData: { location: 'copy.data', threshold: 0 } });
    expect(readdirSync(tmp).sort()).toEqual(['copy.data', 'copy.onnx']);
    // the caller's model is not mutated by saving
    expect(model.graph!.initializer[0].raw_data?.length).toBeGreaterThan(0);
    const back = loadModel(path);
    const w = tensorFromProto(back.graph!.initializer.find((t) => t.name === 'W')!);
    expect(Array.from(w.data)).toEqual(Array.from(readNpy(join(fixtures, 'external_W.npy')).data));
    const a = OnnxModel.fromProto(model);
    const b = OnnxModel.fromProto(back);
    const x = float32([2, 4], [0.5, -1, 2, 0.25, 1, 1, -1, 3]);
    expect(Array.from((await b.run({ x })).y.data)).toEqual(Array.from((await a.run({ x })).y.data));
    await a.release();
    await b.release();
  });

  it('writes external data tensor by tensor at 64-byte offsets and leaves no temp file when saving fails', () => {
    const model = loadModel(join(fixtures, 'external.onnx'));
    const dir = mkdtempSync(join(tmp, 'stream-'));
    saveModel(join(dir, 'm.onnx'), model, { externalData: { location: 'm.data', threshold: 0 } });
    const stored = loadModel(join(dir, 'm.onnx'), { loadExternalData: false }).graph!.initializer;
    const offsets = stored.map((t) => Number(t.external_data.find((e) => e.key === 'offset')!.value));
    expect(offsets.every((o) => o % 64 === 0)).toBe(true);
    const last = stored.at(-1)!;
    const end = offsets.at(-1)! + Number(last.external_data.find((e) => e.key === 'length')!.value);
    expect(readFileSync(join(dir, 'm.data')).length).toBe(end);
    // the model path is a folder: the last rename fails, and the temp files go with the error
    const blocked = mkdtempSync(join(tmp, 'blocked-'));
    mkdirSync(join(blocked, 'm.onnx'));
    expect(() => saveModel(join(blocked, 'm.onnx'), model, { externalData: { location: 'm.data', threshold: 0 } })).toThrow();
    expect(readdirSync(blocked).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // a data file that cannot be created fails before anything is written
    const missing = mkdtempSync(join(tmp, 'missing-'));
    expect(() => saveModel(join(missing, 'm.onnx'), model, { externalData: { location: 'no/such/dir.data', threshold: 0 } })).toThrow();
    expect(readdirSync(missing)).toEqual([]);
  });

  it('makes a missing output folder (inline and external data)', () => {
    const model = loadModel(join(fixtures, 'external.onnx'));
    const root = mkdtempSync(join(tmp, 'made-'));
    saveModel(join(root, 'a', 'b', 'm.onnx'), model);
    saveModel(join(root, 'c', 'm.onnx'), model, { externalData: { location: 'm.data', threshold: 0 } });
    expect(loadModel(join(root, 'a', 'b', 'm.onnx')).graph!.initializer.map((t) => t.raw_data?.length)).toEqual(model.graph!.initializer.map((t) => t.raw_data?.length));
    expect(readdirSync(join(root, 'c')).sort()).toEqual(['m.data', 'm.onnx']);
  });

  it('writeFileAtomic: the folder made, no temp left when the rename fails', () => {
    const root = mkdtempSync(join(tmp, 'atomic-'));
    writeFileAtomic(join(root, 'x', 'f.txt'), 'hello');
    expect(readFileSync(join(root, 'x', 'f.txt'), 'utf8')).toBe('hello');
    mkdirSync(join(root, 'dir'));
    expect(() => writeFileAtomic(join(root, 'dir'), new Uint8Array([1]))).toThrow();
    expect(readdirSync(root).sort()).toEqual(['dir', 'x']);
  });

  it('rejects external data that escapes the model folder or is missing', () => {
    const model = loadModel(join(fixtures, 'external.onnx'), { loadExternalData: false });
    model.graph!.initializer[0].external_data[0].value = '../../etc/passwd';
    const p = join(tmp, 'evil.onnx');
    saveModel(p, model);
    expect(() => loadModel(p)).toThrow(/leaves the model folder/);
    model.graph!.initializer[0].external_data[0].value = 'nope.bin';
    saveModel(p, model);
    expect(() => loadModel(p)).toThrowError(GradlocError);
  });

  it('reports a clear error for a file that is not ONNX', () => {
    const p = join(tmp, 'junk.onnx');
    saveModelBytes(p, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(() => loadModel(p)).toThrow(/not a valid ONNX model/);
    expect(() => loadModel(join(tmp, 'missing.onnx'))).toThrow(/cannot read model/);
    expect(existsSync(join(tmp, 'missing.onnx'))).toBe(false);
  });
});

function saveModelBytes(p: string, bytes: Uint8Array): void {
  // raw bytes, not a model: bypass saveModel on purpose
  writeFileSync(p, bytes);
}
