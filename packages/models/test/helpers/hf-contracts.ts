/**
 * Tiny random-weight Hugging Face folders with the exact input/output contracts, tokenizers
 * and image processors of real transformers.js exports: OWL-ViT, OWLv2, CLIP and Grounding
 * DINO. The graphs are small but real (a patchifying conv, token embeddings, the outputs'
 * names and layouts), so a loader that reads a real folder the wrong way gets other numbers.
 * Also the pieces a test needs to compute the expected answer by hand: the vocabulary, the
 * processor's mean/std. Shared by the loader tests here and the CLI's / dashboard's.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attention, linear, Net, saveModel, tensor, type Graph } from '@gradloc/tensor-backend';

export type HfContract = 'owlvit' | 'owlv2' | 'clip' | 'grounding-dino';

export const CONTRACT_SIZE = 32;
const PATCH = 8;
const DIM = 8;
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
export const WORDS = ['a', 'red', 'green', 'blue', 'circle', 'square', 'star', 'triangle'];

/** Special tokens by contract: CLIP's (OWL-ViT, OWLv2, CLIP) or BERT's (Grounding DINO). */
export function vocabularyOf(kind: HfContract): string[] {
  return kind === 'grounding-dino' ? ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '.', ...WORDS] : ['<|startoftext|>', '<|endoftext|>', '<unk>', ...WORDS];
}

function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function tokenizerFiles(kind: HfContract): Record<string, object> {
  const words = vocabularyOf(kind);
  const vocab = Object.fromEntries(words.map((w, i) => [w, i]));
  const bert = kind === 'grounding-dino';
  const [bos, eos, pad, unk] = bert ? ['[CLS]', '[SEP]', '[PAD]', '[UNK]'] : ['<|startoftext|>', '<|endoftext|>', '<|endoftext|>', '<unk>'];
  const special = (t: string) => ({ id: t, ids: [vocab[t]], tokens: [t] });
  return {
    'tokenizer.json': {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [...new Set([bos, eos, pad, unk])].map((t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: bert ? { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true } : { type: 'Lowercase' },
      pre_tokenizer: bert ? { type: 'BertPreTokenizer' } : { type: 'WhitespaceSplit' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: eos, type_id: 0 } }],
        pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: eos, type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: eos, type_id: 1 } }],
        special_tokens: { [bos]: special(bos), [eos]: special(eos) },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
    },
    'tokenizer_config.json': { tokenizer_class: bert ? 'BertTokenizer' : 'CLIPTokenizer', model_max_length: bert ? 256 : 16, bos_token: bos, eos_token: eos, pad_token: pad, unk_token: unk, do_lower_case: true },
  };
}

function preprocessor(kind: HfContract): object {
  const common = { do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: CLIP_MEAN, image_std: CLIP_STD, do_convert_rgb: true };
  const S = CONTRACT_SIZE;
  switch (kind) {
    case 'owlvit':
      return { ...common, image_processor_type: 'OwlViTImageProcessor', processor_class: 'OwlViTProcessor', do_resize: true, size: { height: S, width: S }, resample: 3, do_center_crop: false, crop_size: S };
    case 'owlv2':
      return { ...common, image_processor_type: 'Owlv2ImageProcessor', processor_class: 'Owlv2Processor', do_resize: true, size: { height: S, width: S }, resample: 2, do_pad: true };
    case 'clip':
      return { ...common, image_processor_type: 'CLIPImageProcessor', processor_class: 'CLIPProcessor', do_resize: true, size: { shortest_edge: S }, resample: 3, do_center_crop: true, crop_size: { height: S, width: S } };
    case 'grounding-dino':
      return { ...common, image_processor_type: 'GroundingDinoImageProcessor', processor_class: 'GroundingDinoProcessor', do_resize: true, size: { height: S, width: S }, resample: 2, do_pad: false, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] };
  }
}

/** The contract's graph; weights from `seed`. */
export function contractGraph(kind: HfContract, seed = 1): Graph {
  const net = new Net({ seed }, `tiny-${kind}`);
  const { graph: g, b } = net;
  const r = rand(seed);
  const weight = (dims: number[], scale: number, hint: string): string => b.initializer(tensor('float32', dims, Array.from({ length: dims.reduce((a, d) => a * d, 1) }, () => r() * scale)), hint);
  const S = CONTRACT_SIZE;
  const grid = S / PATCH;
  const P = grid * grid;
  const V = vocabularyOf(kind).length;
  const dino = kind === 'grounding-dino';

  let pixels = b.input('pixel_values', 'float32', ['batch', 3, S, S]);
  if (dino) {
    // pixel_mask [B, H, W]: padded pixels are zeroed, as the real model ignores them
    const mask = b.input('pixel_mask', 'int64', ['batch', S, S]);
    pixels = b.op('Mul', [pixels, b.op('Unsqueeze', [b.op('Cast', [mask], { to: 1 }), b.ints([1])])]);
  }
  const conv = b.op('Conv', [pixels, weight([DIM, 3, PATCH, PATCH], 0.3, 'patch_embed')], { strides: [PATCH, PATCH] }); // [B, D, g, g]
  const patches = b.op('Transpose', [b.op('Reshape', [conv, b.ints([0, DIM, P])])], { perm: [0, 2, 1] }); // [B, P, D]
  // one attention block, as every real image tower has (the explainers look for them)
  const [q, k, v] = ['q', 'k', 'v'].map((n) => linear(net, patches, `vision.attn.${n}`, { din: DIM, dout: DIM }));
  const tokens = b.op('Add', [patches, linear(net, attention(net, q, k, v, { heads: 2, dim: DIM }), 'vision.attn.proj', { din: DIM, dout: DIM })]);

  const textRows = dino ? 'batch' : 'texts';
  const ids = b.input('input_ids', 'int64', [textRows, 'sequence_length']);
  const mask = b.input('attention_mask', 'int64', [textRows, 'sequence_length']);
  let text = b.op('Gather', [weight([V, DIM], 2, 'token_embed'), ids], { axis: 0 }); // [T?, L, D]
  if (dino) text = b.op('Add', [text, b.op('Gather', [weight([2, DIM], 0.5, 'type_embed'), b.input('token_type_ids', 'int64', ['batch', 'sequence_length'])], { axis: 0 })]);
  const maskF = b.op('Cast', [mask], { to: 1 });
  // one attention block over the text too, padded keys masked (the text side of the explainers)
  const keyMask = b.op('Unsqueeze', [b.op('Cast', [mask], { to: 9 }), b.ints([1, 2])]); // [rows, 1, 1, L]
  const [tq, tk, tv] = ['q', 'k', 'v'].map((n) => linear(net, text, `text.attn.${n}`, { din: DIM, dout: DIM }));
  text = b.op('Add', [text, linear(net, attention(net, tq, tk, tv, { heads: 2, dim: DIM, mask: keyMask }), 'text.attn.proj', { din: DIM, dout: DIM })]);

  if (kind === 'clip') {
    const l2 = (x: string): string => b.op('Div', [x, b.op('Sqrt', [b.op('ReduceSum', [b.op('Mul', [x, x]), b.ints([-1])], { keepdims: 1 })])]);
    const image = l2(b.op('MatMul', [b.op('ReduceMean', [tokens], { axes: [1], keepdims: 0 }), weight([DIM, DIM], 1, 'visual_projection')]));
    const summed = b.op('ReduceSum', [b.op('Mul', [text, b.op('Unsqueeze', [maskF, b.ints([2])])]), b.ints([1])], { keepdims: 0 });
    const pooled = b.op('Div', [summed, b.op('ReduceSum', [maskF, b.ints([1])], { keepdims: 1 })]);
    const textEmb = l2(b.op('MatMul', [pooled, weight([DIM, DIM], 1, 'text_projection')]));
    b.op('Identity', [image], {}, { outputs: ['image_embeds'] });
    b.op('Identity', [textEmb], {}, { outputs: ['text_embeds'] });
    const logits = b.op('Mul', [b.op('MatMul', [image, b.op('Transpose', [textEmb], { perm: [1, 0] })]), b.constant(tensor('float32', [], [10]))], {}, { outputs: ['logits_per_image'] });
    b.op('Transpose', [logits], { perm: [1, 0] }, { outputs: ['logits_per_text'] });
    b.output('logits_per_image', 'float32', ['batch', 'texts']);
    b.output('logits_per_text', 'float32', ['texts', 'batch']);
    b.output('text_embeds', 'float32', ['texts', DIM]);
    b.output('image_embeds', 'float32', ['batch', DIM]);
    return g;
  }

  const classEmb = b.op('MatMul', [tokens, weight([DIM, DIM], 1, 'class_head')]); // [B, P, D]
  if (dino) {
    // logits over the text's tokens, [B, P, L]; padded tokens far below every real one
    const raw = b.op('MatMul', [classEmb, b.op('Transpose', [text], { perm: [0, 2, 1] })]);
    const off = b.op('Mul', [b.op('Sub', [b.constant(tensor('float32', [], [1])), maskF]), b.constant(tensor('float32', [], [-1e4]))]);
    b.op('Add', [raw, b.op('Unsqueeze', [off, b.ints([1])])], {}, { outputs: ['logits'] });
    b.output('logits', 'float32', ['batch', P, 'sequence_length']);
  } else {
    const summed = b.op('ReduceSum', [b.op('Mul', [text, b.op('Unsqueeze', [maskF, b.ints([2])])]), b.ints([1])], { keepdims: 0 });
    const queries = b.op('Div', [summed, b.op('ReduceSum', [maskF, b.ints([1])], { keepdims: 1 })], {}, { outputs: ['text_embeds'] }); // [Q, D]
    b.op('MatMul', [classEmb, b.op('Transpose', [queries], { perm: [1, 0] })], {}, { outputs: ['logits'] });
    b.op('Reshape', [tokens, b.ints([0, grid, grid, DIM])], {}, { outputs: ['image_embeds'] });
    b.output('logits', 'float32', ['batch', P, 'texts']);
    b.output('text_embeds', 'float32', ['texts', DIM]);
    b.output('image_embeds', 'float32', ['batch', grid, grid, DIM]);
  }
  b.op('Sigmoid', [b.op('Add', [b.op('MatMul', [tokens, weight([DIM, 4], 1, 'box_head')]), weight([4], 1, 'box_bias')])], {}, { outputs: ['pred_boxes'] });
  b.output('pred_boxes', 'float32', ['batch', P, 4]);
  return g;
}

/** Writes the folder: config.json, preprocessor_config.json, tokenizer files, onnx/model.onnx. */
export function writeContractFolder(dir: string, kind: HfContract, seed = 1): void {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  saveModel(join(dir, 'onnx', 'model.onnx'), contractGraph(kind, seed).toModel());
  const files: Record<string, object> = {
    'config.json': { model_type: kind, architectures: [{ owlvit: 'OwlViTForObjectDetection', owlv2: 'Owlv2ForObjectDetection', clip: 'CLIPModel', 'grounding-dino': 'GroundingDinoForObjectDetection' }[kind]] },
    'preprocessor_config.json': preprocessor(kind),
    ...tokenizerFiles(kind),
  };
  for (const [name, json] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(json, null, 2));
}
