/** Child process of sessionMemoryMb (latency.ts): RSS growth from loading and running one model. */
import { readFileSync } from 'node:fs';
import { createSession, tensor } from '@gradloc/tensor-backend';

const [path, vocab, threads] = process.argv.slice(2);
const bytes = readFileSync(path);
global.gc?.();
const before = process.memoryUsage().rss;
const session = await createSession(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), { threads: Number(threads) });
await session.run({ input_ids: tensor('int64', [1, 64], Array.from({ length: 64 }, (_, i) => i % Number(vocab))) }, ['logits']);
const after = process.memoryUsage().rss;
process.send?.((after - before) / 2 ** 20, () => process.exit(0));
