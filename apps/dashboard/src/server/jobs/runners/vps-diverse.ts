/**
 * vps.diverse as a job: k region sets that each keep one detection, sampled by a GFlowNet
 * trained for the image (vps-search's explainDiverse, what `gradloc vps --diverse K` runs).
 * The result keeps each set's overlay, scores and map file, best first.
 */
import { explainDiverse } from '@gradloc/vps-search';
import type { VpsDiverseInput } from '../../schemas.js';
import { openVpsJob, saveMap, saveOverlay, vpsHeader } from './vps.js';
import type { JobContext } from '../context.js';

export async function runVpsDiverse(input: VpsDiverseInput, ctx: JobContext) {
  const { name, target } = await openVpsJob(input, ctx);
  const r = await explainDiverse({
    ...target,
    k: input.k,
    size: input.size,
    budget: input.budget,
    onProgress: (passes, budget) => ctx.report(0.02 + 0.96 * Math.min(1, passes / budget), `forward passes ${passes}/${budget}`),
  });
  ctx.report(0.99, 'rendering');
  const explanations = [];
  for (const [i, e] of r.explanations.entries()) {
    explanations.push({
      value: e.value,
      insertion: e.insertion,
      deletion: e.deletion,
      regions: [...e.regions],
      /** The set's overlay (PNG): its URL. */
      overlay: await saveOverlay(ctx, name, input.query, `set-${i + 1}-overlay`, e.overlay),
      /** The set's map as .npy. */
      mapUrl: await saveMap(ctx, name, input.query, `set-${i + 1}`, e.map),
    });
  }
  return {
    ...vpsHeader(name, input.query, r),
    explanations,
    diversity: r.diversity,
    size: r.size,
    regions: r.regions,
    forwardPasses: r.forwardPasses,
    ms: Math.round(r.ms),
  };
}

export type VpsDiverseResult = Awaited<ReturnType<typeof runVpsDiverse>>;
