/** Opening an SGTM-trained (or any GPT-shaped) model: the graph, its tokenizer, its split. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GradlocError, Graph, loadModel } from '@gradloc/tensor-backend';
import { loadBilingualTokenizer, resolveModel, type BilingualTokenizer, type ModelsOptions } from '@gradloc/models';
import { withLogitBias } from '../model/graphs.js';
import { gptLayout, requireContext, type GptLayout } from '../split/gpt-layout.js';
import { splitParameters, type ParamSplit } from '../split/param-split.js';
import { splitOf } from './metadata.js';

export interface OpenedModel {
  readonly name: string;
  readonly dir: string;
  /** The forward graph with an LM-head bias. */
  readonly graph: Graph;
  readonly layout: GptLayout;
  readonly context: number;
  readonly split: ParamSplit;
  readonly tokenizer: BilingualTokenizer;
}

export interface OpenOptions extends ModelsOptions {
  /** Tokenizer file (default tokenizer.json beside the model). */
  readonly tokenizer?: string;
}

/** `spec`: a zoo name, a model folder or an .onnx file (see resolveModel). */
export function openSgtmModel(spec: string, opts: OpenOptions = {}): OpenedModel {
  const found = resolveModel(spec, opts);
  const raw = Graph.fromModel(loadModel(found.file));
  // the shape first: a model that is not a GPT is the more useful error
  const layout = gptLayout(raw);
  const tokPath = opts.tokenizer ?? join(found.dir, 'tokenizer.json');
  if (!existsSync(tokPath)) throw new GradlocError('FILE_NOT_FOUND', `no bilingual tokenizer at ${tokPath} (it belongs beside the model)`);
  const graph = withLogitBias(raw, layout);
  const tokenizer = loadBilingualTokenizer(tokPath);
  const vocab = graph.outputs.find((o) => o.name === layout.logits)?.dims?.[2];
  if (vocab !== tokenizer.size) throw new GradlocError('BAD_MODEL', `${found.file} predicts ${String(vocab)} tokens, the tokenizer ${tokPath} has ${tokenizer.size}`);
  return { name: found.name, dir: found.dir, graph, layout, context: requireContext(layout), split: splitParameters(layout, splitOf(raw)), tokenizer };
}
