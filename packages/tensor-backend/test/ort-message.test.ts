/**
 * onnxruntime's load errors reach users without its C++ source locations and signatures: the
 * message keeps the reason (checked on real onnxruntime errors, and on the text forms seen).
 */
import { describe, expect, it } from 'vitest';
import { createSession, decodeModel, encodeModel, Graph, GraphBuilder, OnnxModel, ortMessage, tensor } from '../src/index.js';

function identity(opset: number): Uint8Array {
  const g = Graph.create(opset, 'id');
  const b = new GraphBuilder(g);
  b.output(b.op('Identity', [b.input('x', 'float32', [1])], {}, { outputs: ['y'] }), 'float32', [1]);
  return encodeModel(g.toModel());
}

describe('ortMessage', () => {
  it('drops the source location and the function signature, keeps the reason', () => {
    const load = 'Load model from m.onnx failed:/onnxruntime_src/onnxruntime/core/graph/model.cc:191 onnxruntime::Model::Model(onnx::ModelProto&&, const onnxruntime::PathString&, const onnxruntime::ModelOptions&) Unknown model file format version.';
    expect(ortMessage(new Error(load))).toBe('Load model from m.onnx failed: Unknown model file format version.');
    const typed = '/onnxruntime_src/onnxruntime/core/graph/model_load_utils.h:46 void onnxruntime::model_load_utils::ValidateOpsetForDomain(const std::unordered_map<std::string, int>&, bool, int) Opset 999 is under development.';
    expect(ortMessage(new Error(typed))).toBe('Opset 999 is under development.');
    expect(ortMessage(new Error('no location here\nsecond line'))).toBe('no location here');
  });

  it('on a real onnxruntime refusal (opset 999): one line, no source path', async () => {
    const err = await createSession(identity(999), { threads: 1 }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/^onnxruntime could not load the model: /);
    expect(err?.message).not.toMatch(/onnxruntime_src|::|\n/);
    expect(err?.message).toMatch(/999/);
  });

  it('a model whose session failed to load still releases without throwing', async () => {
    const model = OnnxModel.fromGraph(Graph.fromModel(decodeModel(identity(999))), { threads: 1 });
    await expect(model.run({ x: tensor('float32', [1], [1]) })).rejects.toThrow(/could not load the model/);
    await expect(model.release()).resolves.toBeUndefined();
  });
});
