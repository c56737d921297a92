/**
 * `npm run bench -w @gradloc/cam-explain`: what an explanation costs, as ratios measured in
 * one run (interleaved medians, so a noisy neighbour slows both sides alike).
 *
 * 1. Grad-CAM per image on ResNet-18 at 224x224 (layer4, the usual target) vs one plain
 *    forward pass of the same model (target: <= 3.5x).
 * 2. Score-CAM on the same layer (512 masked forwards per image): batched (32 per run) vs
 *    one masked image per run, in masked images per second.
 * 3. Grad-ECLIP (image and text side) on the shipped shapes-clip vs one plain forward pass of
 *    the model (both towers; target: <= 3x), and the other vision-language methods' times.
 *
 * `-- --write` also writes the README's bench section (between its cam-bench markers).
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildResNet, float32, OnnxModel, rng, normal, tensor } from '@gradloc/tensor-backend';
import { replaceSection, timeInterleaved } from '@gradloc/bench-kit';
import { gradEclip } from '../vl/grad-eclip.js';
import { explainImageText, VL_METHODS } from '../vl/image-text.js';
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
  const vl = await visionLanguage();
  const load1 = loadavg()[0];
  const rows = [
    `| ResNet-18 forward (${SIZE}x${SIZE}) | ${t.forward.medianMs.toFixed(1)} ms |`,
    `| Grad-CAM, \`auto\` class, ${LAYER} | ${t.gradcam.medianMs.toFixed(1)} ms = **${ratio.toFixed(2)}x** the forward (target <= 3.5x) |`,
    `| Score-CAM, ${channels} masked forwards | ${score.batched.toFixed(1)} images/s batched (32 per run) vs ${score.single.toFixed(1)} one by one (${(score.batched / score.single).toFixed(2)}x) |`,
    ...(vl
      ? [
          `| shapes-clip forward (image + caption) | ${vl.forwardMs.toFixed(2)} ms |`,
          `| Grad-ECLIP, image + text side | ${vl.gradEclipMs.toFixed(2)} ms = **${(vl.gradEclipMs / vl.forwardMs).toFixed(2)}x** the forward (target <= 3x) |`,
          ...Object.entries(vl.methods).map(([m, ms]) => `| clip-explain ${m} (warm, without metrics) | ${ms.toFixed(2)} ms |`),
        ]
      : ['| shapes-clip | not found (models/shapes-clip): vision-language rows skipped |']),
  ];
  const body = [
    `${availableParallelism()} cores, node ${process.version}, load average ${load0.toFixed(2)} -> ${load1.toFixed(2)}; medians of ${t.forward.runs} interleaved runs (\`npm run bench -w @gradloc/cam-explain -- --write\`):`,
    '',
    '| | |',
    '|---|---|',
    ...rows,
  ].join('\n');
  console.log(body);
  if (process.argv.includes('--write')) {
    replaceSection(join(PACKAGE, 'README.md'), 'cam-bench', body);
    console.log('wrote README.md (cam-bench section)');
  }
  console.log(
    JSON.stringify({
      bench: '@gradloc/cam-explain',
      load: { before: load0, after: load1 },
      forwardMs: t.forward.medianMs,
      gradcamMs: t.gradcam.medianMs,
      gradcamVsForward: ratio,
      scorecamImagesPerSec: score,
      visionLanguage: vl,
    }),
  );
  await model.release();
}

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Grad-ECLIP vs the plain forward on the shipped shapes-clip, and every VL method warm. */
async function visionLanguage(): Promise<{ forwardMs: number; gradEclipMs: number; methods: Record<string, number> } | undefined> {
  const file = join(PACKAGE, '..', '..', 'models', 'shapes-clip', 'model.onnx');
  if (!existsSync(file)) return undefined;
  const model = OnnxModel.load(file);
  const rand = rng(2);
  const feeds = {
    pixel_values: float32([1, 3, 96, 96], Float32Array.from({ length: 3 * 96 * 96 }, () => rand())),
    input_ids: tensor('int64', [1, 16], [2, 4, 17, 24, 3, ...Array<number>(11).fill(0)]), // <bos> a red circle <eos>
  };
  const t = await timeInterleaved(
    {
      forward: () => model.run(feeds, ['image_embeds', 'text_embeds']),
      gradeclip: () => gradEclip({ model }, feeds),
    },
    25,
    3,
  );
  const methods: Record<string, number> = {};
  for (const m of VL_METHODS) {
    const req = { model, feeds, score: { kind: 'similarity' } } as const;
    await explainImageText(req, m);
    const times: number[] = [];
    for (let i = 0; i < 9; i++) {
      const t0 = performance.now();
      await explainImageText(req, m);
      times.push(performance.now() - t0);
    }
    methods[m] = times.sort((a, b) => a - b)[4];
  }
  await model.release();
  return { forwardMs: t.forward.medianMs, gradEclipMs: t.gradeclip.medianMs, methods };
}

await main();
