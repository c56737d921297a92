/**
 * Child process of sessionMemoryMb (latency.ts): RSS growth from loading and running one model.
 * A one-node session is created and run first, so the onnxruntime library, its environment and
 * thread pools are in memory before the baseline is read: what is left is the model's own cost
 * (weights as the session holds them, prepacked buffers, activations of one M = 64 run).
 */
import { readFileSync } from 'node:fs';
import { createSession, encodeModel, Graph, GraphBuilder, tensor } from '@gradloc/tensor-backend';

const [path, vocab, threads] = process.argv.slice(2);
const options = { threads: Number(threads) };

const empty = Graph.create(17, 'warm-up');
const b = new GraphBuilder(empty);
b.output(b.op('Identity', [b.input('x', 'float32', [1])], {}, { outputs: ['y'] }), 'float32', [1]);
const warm = await createSession(encodeModel(empty.toModel()), options);
await warm.run({ x: tensor('float32', [1], [0]) }, ['y']);

const bytes = readFileSync(path);
global.gc?.();
const before = process.memoryUsage().rss;
const session = await createSession(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), options);
await session.run({ input_ids: tensor('int64', [1, 64], Array.from({ length: 64 }, (_, i) => i % Number(vocab))) }, ['logits']);
const after = process.memoryUsage().rss;
process.send?.((after - before) / 2 ** 20, () => process.exit(0));
