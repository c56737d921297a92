/**
 * `gradloc cam --method cfcam` on the shipped shapes-vit (a token layer, LayerNorm'd): every
 * one of 20 test-split scenes must get a non-zero map. The authors' softmax weighting gives an
 * all-zero map on 19 of them (the channel mean of blocks.3.norm1 is negative at every token);
 * CF-CAM's documented fallback recomputes those with the signed raw weights and says so.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeImages, readNpy, writeNpy } from '@gradloc/tensor-backend';
import { generateSplitBatch, SHAPES_NORM } from '@gradloc/models';
import { main } from '../src/index.js';
import { tempDir } from './helpers.js';

const dir = join(import.meta.dirname, '../../../models/shapes-vit');
const shipped = existsSync(join(dir, 'model.onnx'));

describe('gradloc cam on the shipped shapes-vit', () => {
  it.runIf(shipped)('cfcam: a non-zero map for each of 20 test scenes; fallbacks are reported, none is all zeros', async () => {
    const tmp = tempDir();
    const SCENES = 20;
    writeNpy(join(tmp, 'scenes.npy'), normalizeImages(generateSplitBatch('test', 0, SCENES).images, SHAPES_NORM));
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['cam', '--model', join(dir, 'model.onnx'), '--feed', `input=${join(tmp, 'scenes.npy')}`, '--layer', 'blocks.3.norm1', '--method', 'cfcam', '--out', join(tmp, 'cf.npy'), '--threads', '2'], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    expect(code).toBe(0);
    const maps = readNpy(join(tmp, 'cf.npy'));
    expect(maps.dims).toEqual([SCENES, 96, 96]);
    const data = maps.data as Float32Array;
    const n = 96 * 96;
    const maxima = Array.from({ length: SCENES }, (_, b) => Math.max(...data.subarray(b * n, (b + 1) * n)));
    // CF-CAM divides by the max: 1 on every scene, 0 on none
    expect(maxima.filter((m) => m > 0.999)).toHaveLength(SCENES);
    const warnings = err.filter((l) => l.startsWith('gradloc: warning: '));
    expect(warnings.some((l) => l.includes('all zeros'))).toBe(false);
    for (const w of warnings) expect(w).toMatch(/^gradloc: warning: cfcam: item \d+: layer 'blocks\.3\.norm1': the softmax-weighted map .*\(fallback 'signed'\)$/);
  });
});
