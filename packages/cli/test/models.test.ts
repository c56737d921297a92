/**
 * The models folder from the command line: `zoo list` / `zoo eval` on the checkout's models and
 * on a folder named by --models or GRADLOC_MODELS (holding a model under a name the checkout
 * does not have), one-line errors for a missing folder, and `train` loading the checkout's
 * recipes at run time (and saying so in one line when there are none).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradlocError } from '@gradloc/tensor-backend';
import { evaluateModel, listModels, modelDir } from '@gradloc/models';
import { loadRecipes } from '../src/recipes.js';
import { expectOneLineError, gradloc, tempDir } from './helpers.js';

let folder: string;

beforeAll(() => {
  // a models folder of one model, a copy of shapes-resnet named my-resnet
  folder = tempDir();
  mkdirSync(join(folder, 'my-resnet'));
  for (const f of ['model.onnx', 'card.json']) copyFileSync(join(modelDir('shapes-resnet'), f), join(folder, 'my-resnet', f));
});

const names = (stdout: string): string[][] => stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(0, 2));

describe('gradloc zoo', () => {
  it("list: the catalog of the checkout's models, one line each with its kind", () => {
    const r = gradloc(['zoo', 'list'], undefined, { GRADLOC_MODELS: undefined });
    expect(r.code).toBe(0);
    expect(names(r.stdout)).toEqual(listModels().map((e) => [e.name, e.kind ?? '-']));
    expect(r.stdout).toMatch(/^shapes-resnet +classifier +705,270 params +\{"accuracy":0\.9845\}$/m);
  });

  it('list --models DIR and GRADLOC_MODELS=DIR: that folder\'s models only, the flag first', () => {
    expect(names(gradloc(['zoo', 'list', '--models', folder]).stdout)).toEqual([['my-resnet', 'classifier']]);
    expect(names(gradloc(['zoo', 'list'], undefined, { GRADLOC_MODELS: folder }).stdout)).toEqual([['my-resnet', 'classifier']]);
    const r = gradloc(['zoo', 'list', '--models', folder], undefined, { GRADLOC_MODELS: join(folder, 'nowhere') });
    expect(names(r.stdout)).toEqual([['my-resnet', 'classifier']]);
  });

  it('eval NAME --models DIR finds a model only that folder has, with the numbers of the same file elsewhere', async () => {
    const r = gradloc(['zoo', 'eval', 'my-resnet', '--models', folder, '--samples', '20', '--threads', '2']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(await evaluateModel(join(folder, 'my-resnet'), { samples: 20, threads: 2 }));
  });

  it.each([
    ['a --models folder that does not exist', ['zoo', 'list', '--models', '/nonexistent/models'], /the models folder \/nonexistent\/models \(given as modelsDir \/ --models\) does not exist/],
    ['a GRADLOC_MODELS folder that does not exist', ['zoo', 'list'], /\/nonexistent\/env-models \(from GRADLOC_MODELS\) does not exist/],
    ['a name the folder does not have', ['zoo', 'eval', 'shapes-resnet', '--models', '<folder>'], /no model 'shapes-resnet' in .* \(models there: my-resnet\)/],
  ])('%s: one MODEL_NOT_FOUND line', (_what, args, message) => {
    const r = gradloc(args.map((a) => (a === '<folder>' ? folder : a)), undefined, { GRADLOC_MODELS: '/nonexistent/env-models' });
    expectOneLineError(r, 'MODEL_NOT_FOUND');
    expect(r.stderr).toMatch(message);
  });
});

describe('gradloc train and the recipes', () => {
  it('loads the checkout\'s recipes at run time: a missing name lists them', () => {
    const r = gradloc(['train']);
    expectOneLineError(r, 'BAD_INPUT');
    expect(r.stderr).toMatch(/missing model name \(recipes: .*shapes-resnet.*brown-gpt/);
  });

  it('without the recipes package, says in one line that recipes come with a checkout', async () => {
    const err = await loadRecipes('@gradloc/no-such-recipes').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GradlocError);
    expect((err as GradlocError).code).toBe('FILE_NOT_FOUND');
    expect((err as GradlocError).message).toBe('training recipes come with a gradloc checkout (tools/zoo); this gradloc has no @gradloc/no-such-recipes');
  });
});
