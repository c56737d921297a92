/**
 * `npm run bench -w @gradloc/vps-search`: one VPS explanation at 64 regions on the repo's
 * shapes-grounder (models/shapes-grounder), measured in one run:
 * 1. plain greedy vs the shortlist search (the default), lazy greedy and coarse-to-fine:
 *    forward passes, wall time, insertion / deletion AUC, and whether lazy's order matches;
 * 2. a batch-size sweep of plain greedy (images per model run).
 * The scene is drawn here (a red disk and a blue square on a textured grey), so the benchmark
 * needs neither the zoo nor a dataset; the query words are read from the model's card.
 * --write puts the figures into the README's benchmark section.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { OnnxModel, tensor, type PlanarImage } from '@gradloc/tensor-backend';
import { replaceSection } from '@gradloc/bench-kit';
import { OnnxGrounder } from '../detector/onnx-grounder.js';
import { searchDetection, type SearchKind } from '../vps.js';

const DIR = fileURLToPath(new URL('../../../../models/shapes-grounder/', import.meta.url));
const S = 96;

function scene(): PlanarImage {
  const data = new Float32Array(3 * S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const i = y * S + x;
      const grey = 0.35 + 0.05 * Math.sin(x * 0.7) * Math.cos(y * 0.5);
      let rgb = [grey, grey, grey];
      if ((x - 30) ** 2 + (y - 34) ** 2 < 12 ** 2) rgb = [0.9, 0.1, 0.1];
      else if (x >= 56 && x < 80 && y >= 54 && y < 78) rgb = [0.1, 0.2, 0.9];
      for (let c = 0; c < 3; c++) data[c * S * S + i] = rgb[c];
    }
  }
  return { data, height: S, width: S };
}

async function main(): Promise<void> {
  const load0 = loadavg()[0];
  const card = JSON.parse(readFileSync(`${DIR}card.json`, 'utf8')) as { preprocessing: { vocabulary: string[] } };
  const vocab = card.preprocessing.vocabulary;
  const model = OnnxModel.load(`${DIR}model.onnx`, { threads: 2 });
  const L = model.graph.inputs.find((i) => i.name === 'input_ids')!.dims![1] as number;
  const encodeQuery = (q: string): { input_ids: ReturnType<typeof tensor<'int64'>> } => {
    const ids = ['<bos>', ...q.split(' '), '<eos>'].map((w) => vocab.indexOf(w));
    while (ids.length < L) ids.push(0);
    return { input_ids: tensor('int64', [1, L], ids) };
  };
  const detector = new OnnxGrounder({ model, encodeQuery });
  const image = scene();
  const target = { query: 'a red circle', box: [18 / S, 22 / S, 42 / S, 46 / S] as const };
  const run = (search: SearchKind, batchSize: number) => searchDetection({ detector, image, target, regions: 64, search, batchSize });
  await run('greedy', 32); // warm-up: sessions for the batch shapes
  const plain = await run('greedy', 32);
  const lazy = await run('lazy', 32);
  const shortlist = await run('shortlist', 32);
  const coarse = await run('coarse-to-fine', 32);
  const same = plain.search.order.every((r, i) => r === lazy.search.order[i]);
  const firstDiff = plain.search.order.findIndex((r, i) => r !== lazy.search.order[i]);
  const sweep: string[] = [];
  const rates: string[] = [];
  for (const b of [8, 16, 32, 64]) {
    const r = await run('greedy', b);
    const rate = ((r.metrics.forwardPasses / r.metrics.ms) * 1000).toFixed(0);
    sweep.push(`  batch ${String(b).padStart(2)}: ${(r.metrics.ms / 1000).toFixed(2)} s, ${rate} images/s`);
    rates.push(`${b}: ${rate}`);
  }
  await detector.release();
  const load1 = loadavg()[0];
  const n = plain.regions.count;
  console.log(
    [
      `vps-search bench: ${availableParallelism()} cores, node ${process.version}; load average ${load0.toFixed(2)} -> ${load1.toFixed(2)}`,
      `shapes-grounder, "${target.query}", ${n} SLICO regions (64 requested), black baseline, l1 = l2 = 1`,
      '',
      `  plain greedy: ${plain.metrics.forwardPasses} forward passes (2 + n(n+1) = ${2 + n * (n + 1)}), ${(plain.metrics.ms / 1000).toFixed(2)} s, insertion AUC ${plain.metrics.insertionAuc.toFixed(4)}, deletion AUC ${plain.metrics.deletionAuc.toFixed(4)}`,
      `  lazy greedy:  ${lazy.metrics.forwardPasses} forward passes (${((1 - lazy.metrics.forwardPasses / plain.metrics.forwardPasses) * 100).toFixed(1)}% fewer), ${(lazy.metrics.ms / 1000).toFixed(2)} s (${(plain.metrics.ms / lazy.metrics.ms).toFixed(2)}x faster), insertion AUC ${lazy.metrics.insertionAuc.toFixed(4)}, deletion AUC ${lazy.metrics.deletionAuc.toFixed(4)}`,
      `  shortlist (default): ${shortlist.metrics.forwardPasses} forward passes (${(plain.metrics.forwardPasses / shortlist.metrics.forwardPasses).toFixed(2)}x fewer), ${(shortlist.metrics.ms / 1000).toFixed(2)} s, insertion AUC ${shortlist.metrics.insertionAuc.toFixed(4)}, deletion AUC ${shortlist.metrics.deletionAuc.toFixed(4)}`,
      `  coarse-to-fine: ${coarse.metrics.forwardPasses} forward passes (${(plain.metrics.forwardPasses / coarse.metrics.forwardPasses).toFixed(2)}x fewer), ${(coarse.metrics.ms / 1000).toFixed(2)} s, insertion AUC ${coarse.metrics.insertionAuc.toFixed(4)}, deletion AUC ${coarse.metrics.deletionAuc.toFixed(4)}`,
      `  same order as plain greedy: ${same ? 'yes' : `no (first difference at step ${firstDiff + 1} of ${n})`}`,
      '',
      'Batch-size sweep (plain greedy):',
      ...sweep,
    ].join('\n'),
  );
  if (process.argv.includes('--write')) {
    const row = (name: string, r: typeof plain, passes: string): string =>
      `| ${name} | ${passes} | ${(r.metrics.ms / 1000).toFixed(1)} s | ${r.metrics.insertionAuc.toFixed(3)} | ${r.metrics.deletionAuc.toFixed(3)} |`;
    replaceSection(
      fileURLToPath(new URL('../../README.md', import.meta.url)),
      'vps-bench',
      [
        `shapes-grounder, "${target.query}", ${n} SLICO regions; one run, ${availableParallelism()} cores, load average ${load0.toFixed(2)} -> ${load1.toFixed(2)}; written by \`npm run bench -w @gradloc/vps-search -- --write\`.`,
        '',
        '| | forward passes | wall time | insertion AUC | deletion AUC |',
        '|---|---|---|---|---|',
        row('plain greedy', plain, `${plain.metrics.forwardPasses} (= 2 + n(n+1))`),
        row('shortlist (default)', shortlist, `${shortlist.metrics.forwardPasses} (${(plain.metrics.forwardPasses / shortlist.metrics.forwardPasses).toFixed(2)}x fewer)`),
        row('lazy greedy', lazy, `${lazy.metrics.forwardPasses} (${(plain.metrics.forwardPasses / lazy.metrics.forwardPasses).toFixed(2)}x fewer)`),
        row('coarse-to-fine', coarse, `${coarse.metrics.forwardPasses} (${(plain.metrics.forwardPasses / coarse.metrics.forwardPasses).toFixed(2)}x fewer)`),
        '',
        `Lazy greedy's order the same as plain greedy's: ${same ? 'yes' : `no (first difference at step ${firstDiff + 1} of ${n})`}. Images per second by batch size (plain greedy): ${rates.join(', ')}.`,
      ].join('\n'),
    );
  }
}

await main();
