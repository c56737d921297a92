/**
 * `npm run bench -w @gradloc/cam-explain`: what an explanation costs, as ratios measured in
 * one run (interleaved medians, so a noisy neighbour slows both sides alike).
 *
 * 1. Grad-CAM per image on ResNet-18 at 224x224 (layer4, the usual target) vs one plain
 *    forward pass of the same model (target: <= 3.5x).
 * 2. Score-CAM on the same layer (512 masked forwards per image): batched (32 per run) vs
 *    one masked image per run, in masked images per second.
 */
import { availableParallelism, loadavg } from 'node:os';
import { buildResNet, float32, OnnxModel, rng, normal } from '@gradloc/tensor-backend';
import { timeInterleaved } from '@gradloc/bench-kit';
import { classTarget } from '../target.js';
import { GradCAM } from '../cam/methods/gradient-weighted.js';
import { ScoreCAM } from '../cam/methods/perturbation.js';

const SIZE = 224;
const LAYER = 'layer4.1';

async function main(): Promise<void> {
  const load0 = loadavg()[0];
  const model = OnnxModel.fromGraph(buildResNet({ depth: 18, channels: 64, imageSize: SIZE, classes: 1000, seed: 0 }));
  const rand = rng(1);
  const input = float32([1, 3, SIZE, SIZE], Float32Array.from({ length: 3 * SIZE * SIZE }, () => normal(rand)));
  const feeds = { input };
  const target = classTarget({ output: 'logits', classes: 'auto' });
  const gradcam = new GradCAM();
  const request = { model, feeds, target, layers: [{ name: LAYER }] };
  const t = await timeInterleaved(
    {
      forward: () => model.run(feeds, ['logits']),
      gradcam: () => gradcam.explain(request),
    },
    15,
    2,
  );
  const ratio = t.gradcam.medianMs / t.forward.medianMs;

  const perRun = { batched: new ScoreCAM({ batchSize: 32 }), single: new ScoreCAM({ batchSize: 1 }) };
  const channels = 512;
  const score: Record<string, number> = {};
  for (const [name, method] of Object.entries(perRun)) {
    await method.explain(request); // compile / warm up the batch shape
    const t0 = performance.now();
    await method.explain(request);
    score[name] = channels / ((performance.now() - t0) / 1000);
  }
  const load1 = loadavg()[0];
  const lines = [
    `cam-explain bench: ${availableParallelism()} cores, node ${process.version}; load average ${load0.toFixed(2)} -> ${load1.toFixed(2)}`,
    '',
    `ResNet-18 ${SIZE}x${SIZE}, layer ${LAYER}, one image (medians of ${t.forward.runs}):`,
    `  forward                ${t.forward.medianMs.toFixed(1)} ms`,
    `  Grad-CAM (auto class)  ${t.gradcam.medianMs.toFixed(1)} ms   ${ratio.toFixed(2)}x forward (target <= 3.5x)`,
    '',
    `Score-CAM, ${channels} masked forwards per image:`,
    `  batch 32  ${score.batched.toFixed(1)} masked images/s`,
    `  batch 1   ${score.single.toFixed(1)} masked images/s   (batching: ${(score.batched / score.single).toFixed(2)}x)`,
  ];
  console.log(lines.join('\n'));
  console.log(
    JSON.stringify({
      bench: '@gradloc/cam-explain',
      load: { before: load0, after: load1 },
      forwardMs: t.forward.medianMs,
      gradcamMs: t.gradcam.medianMs,
      gradcamVsForward: ratio,
      scorecamImagesPerSec: score,
    }),
  );
  await model.release();
}

await main();
