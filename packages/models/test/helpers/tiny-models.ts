/**
 * Model folders whose metrics are known without running them: a classifier that always
 * answers one class, and a language model whose next-token distribution is uniform. Each is
 * a small ONNX graph plus a card.json in the zoo's format.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Graph, GraphBuilder, saveModel, tensor } from '@gradloc/tensor-backend';
import { SHAPES, SHAPES_MEAN, SHAPES_STD, writeCard, type Card, type CardTensor } from '../../src/index.js';

function card(name: string, inputs: CardTensor[], outputs: CardTensor[], extra: Partial<Card>): Card {
  return {
    name,
    task: 'test fixture',
    architecture: 'constant',
    parameters: 0,
    inputs,
    outputs,
    preprocessing: {},
    training: { command: 'none', seed: 0, steps: 0, batch: 0, optimizer: 'none', schedule: 'none', data: 'none', wallTimeSec: 0, machine: 'none' },
    metrics: {},
    evaluation: { command: 'none', split: 'test', samples: 0 },
    ...extra,
  };
}

/** input [batch, 3, 96, 96] -> logits [batch, 6] = 0 except 1 at `favourite`, whatever the image. */
export function writeConstantClassifier(dir: string, favourite: number, samples: number): void {
  mkdirSync(dir, { recursive: true });
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  b.input('input', 'float32', ['batch', 3, 96, 96]);
  const flat = b.op('Flatten', ['input'], { axis: 1 });
  const zeros = b.op('MatMul', [flat, b.initializer(tensor('float32', [3 * 96 * 96, SHAPES.length]))]);
  b.op('Add', [zeros, b.initializer(tensor('float32', [SHAPES.length], SHAPES.map((_, i) => (i === favourite ? 1 : 0))))], {}, { outputs: ['logits'] });
  b.output('logits', 'float32', ['batch', SHAPES.length]);
  saveModel(join(dir, 'model.onnx'), g.toModel());
  writeCard(
    dir,
    card(
      'constant-classifier',
      [{ name: 'input', dtype: 'float32', dims: ['batch', 3, 96, 96], meaning: 'image' }],
      [{ name: 'logits', dtype: 'float32', dims: ['batch', SHAPES.length], meaning: 'class scores' }],
      {
        labels: SHAPES,
        preprocessing: { size: 96, normalization: { mean: SHAPES_MEAN, std: SHAPES_STD } },
        evaluation: { command: 'none', split: 'test', samples },
      },
    ),
  );
}

/** input_ids [batch, seq] -> logits [batch, seq, vocab] all zero: every next token has probability 1 / vocab. */
export function writeUniformLm(dir: string, vocab: number, context: number): void {
  mkdirSync(dir, { recursive: true });
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  b.input('input_ids', 'int64', ['batch', 'seq']);
  const ids = b.op('Cast', ['input_ids'], { to: 1 });
  const column = b.op('Unsqueeze', [ids, b.ints([2])]);
  b.op('MatMul', [column, b.initializer(tensor('float32', [1, vocab]))], {}, { outputs: ['logits'] });
  b.output('logits', 'float32', ['batch', 'seq', vocab]);
  saveModel(join(dir, 'model.onnx'), g.toModel());
  writeCard(
    dir,
    card(
      'uniform-lm',
      [{ name: 'input_ids', dtype: 'int64', dims: ['batch', 'seq'], meaning: 'token ids' }],
      [{ name: 'logits', dtype: 'float32', dims: ['batch', 'seq', vocab], meaning: 'next-token logits' }],
      { preprocessing: { context }, evaluation: { command: 'none', split: 'test', samples: 0, windows: { validation: 3, test: 4 } } },
    ),
  );
}
