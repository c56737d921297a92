/**
 * `node dist/scale-latency.js FP32.onnx Q.onnx RUNS`: one token (M = 1) and 64 tokens (M = 64)
 * through a GPT from `gradloc make-gpt` and its quantized copy, timed on plain onnxruntime
 * sessions opened from the files (external data read by onnxruntime itself, as a user's
 * session would; no gradloc code in the timed path). Interleaved runs after 3 warm-ups each;
 * prints one JSON line of medians in ms. quant-scale.ts runs it in a child process so neither
 * model adds to the quantize process's peak memory.
 */
import { median } from '@gradloc/tensor-backend';
import * as ort from 'onnxruntime-node';

const TOKENS = [1, 64] as const;

async function main(): Promise<void> {
  const [fp32Path, quantizedPath, runsText = '20'] = process.argv.slice(2);
  const runs = Number(runsText);
  if (!fp32Path || !quantizedPath || !(Number.isInteger(runs) && runs >= 1)) throw new Error('usage: scale-latency FP32.onnx Q.onnx RUNS');
  // the library's default threads (one per core), as `gradloc` sessions use
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
  const fp32 = await ort.InferenceSession.create(fp32Path, options);
  const quantized = await ort.InferenceSession.create(quantizedPath, options);
  const out: Record<string, { fp32: number; quantized: number }> = {};
  for (const m of TOKENS) {
    const ids = new ort.Tensor('int64', BigInt64Array.from({ length: m }, (_, i) => BigInt((i * 37) % 1000)), [1, m]);
    const time = async (s: ort.InferenceSession): Promise<number> => {
      const t0 = performance.now();
      await s.run({ input_ids: ids });
      return performance.now() - t0;
    };
    for (let i = 0; i < 3; i++) {
      await time(fp32);
      await time(quantized);
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < runs; i++) {
      a.push(await time(fp32));
      b.push(await time(quantized));
    }
    out[`m${m}`] = { fp32: median(a), quantized: median(b) };
  }
  await fp32.release();
  await quantized.release();
  console.log(JSON.stringify(out));
}

await main();
