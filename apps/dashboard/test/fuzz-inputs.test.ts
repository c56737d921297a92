/**
 * The fuzz script's inputs (scripts/fuzz-inputs.mjs) in process, a sample of each kind: every
 * broken upload is decoded or refused in one line by decodeUpload, and every broken model is
 * loaded or refused in one line by the engine's loader and onnxruntime. The full run (1,000
 * uploads over HTTP, 200 models through the CLI) is `npm run fuzz`; this keeps its generators
 * and the first line of defence honest in CI.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GradlocError, OnnxModel, tensor } from '@gradloc/tensor-backend';
import { baseImages, fuzzModel, fuzzUpload, MODEL_KINDS, UPLOAD_KINDS } from '../scripts/fuzz-inputs.mjs';
import { decodeUpload } from '../src/server/services/uploads.js';

const limits = { maxBytes: 8 * 1024 * 1024, maxPixels: 4096 * 4096 };
const dir = mkdtempSync(join(tmpdir(), 'gradloc-fuzz-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A refusal the user can read: our error type, one line, no stack. */
function expectClear(e: unknown): void {
  expect(e).toBeInstanceOf(GradlocError);
  const m = (e as Error).message;
  expect(m.length).toBeGreaterThan(0);
  expect(m).not.toMatch(/\n|onnxruntime_src|\bat .+:\d+:\d+/);
}

describe('fuzzed inputs, in process', () => {
  it('uploads: 100 (20 of each kind) decoded or refused in one line', async () => {
    const base = await baseImages();
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const u = fuzzUpload(i, base);
      seen.add(u.kind);
      try {
        const d = await decodeUpload(u.text, limits);
        expect(d.image.width * d.image.height).toBeLessThanOrEqual(limits.maxPixels);
      } catch (e) {
        expectClear(e);
      }
    }
    expect([...seen].sort()).toEqual([...UPLOAD_KINDS].sort());
  });

  it('models: 45 (15 of each kind) loaded and run, or refused in one line', async () => {
    for (let i = 0; i < 45; i++) {
      const m = fuzzModel(i);
      const sub = join(dir, String(i));
      const path = join(sub, 'model.onnx');
      mkdirSync(sub, { recursive: true });
      writeFileSync(path, m.bytes);
      let model: OnnxModel | undefined;
      try {
        model = OnnxModel.load(path, { threads: 1 });
        await model.run({ x: tensor('float32', [1, 3, 8, 8], new Float32Array(192).fill(0.5)) });
      } catch (e) {
        expectClear(e);
      } finally {
        await model?.release();
      }
    }
    expect(MODEL_KINDS).toHaveLength(3);
  });
});
