/** The catalog of a models folder: the shipped models and their kinds, and what it leaves out. */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listModels, modelDir, readCard } from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'models-catalog-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('listModels', () => {
  it('the shipped models, by name, with the kind each card describes', () => {
    expect(listModels().map((e) => [e.name, e.kind])).toEqual([
      ['brown-gpt', 'language-model'],
      ['filter-bilingual', 'bilingual-lm'],
      ['none-bilingual', 'bilingual-lm'],
      ['ofvl-rooms', 'localizer'],
      ['sgtm-bilingual', 'bilingual-lm'],
      ['shapes-clip', 'dual-encoder'],
      ['shapes-grounder', 'grounder'],
      ['shapes-grounder-gwq4', 'grounder'],
      ['shapes-resnet', 'classifier'],
      ['shapes-vit', 'classifier'],
    ]);
    const resnet = listModels().find((e) => e.name === 'shapes-resnet');
    expect(resnet?.file).toBe(join(modelDir('shapes-resnet'), 'model.onnx'));
    expect(resnet?.card.labels).toHaveLength(6);
  });

  it('of another folder: only sub-folders with model.onnx and card.json; a card of no known kind has kind undefined', () => {
    const root = join(tmp, 'folder');
    for (const d of ['a', 'b', 'c']) mkdirSync(join(root, d), { recursive: true });
    for (const f of ['model.onnx', 'card.json']) copyFileSync(join(modelDir('shapes-resnet'), f), join(root, 'a', f));
    writeFileSync(join(root, 'b', 'model.onnx'), ''); // no card: not in the catalog
    writeFileSync(join(root, 'c', 'model.onnx'), '');
    writeFileSync(join(root, 'c', 'card.json'), JSON.stringify({ ...readCard(join(root, 'a')), labels: [] }));
    expect(listModels({ modelsDir: root }).map((e) => [e.name, e.kind])).toEqual([
      ['a', 'classifier'],
      ['c', undefined],
    ]);
  });
});
