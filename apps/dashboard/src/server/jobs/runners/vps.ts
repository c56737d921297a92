/**
 * vps.explain as a job: Visual Precision Search of one detection of a grounder, through the
 * same entry point as `gradloc vps` (vps-search's explainDetection). The result keeps the
 * overlay (the explained box drawn on it), the metrics and both curves.
 */
import { encodeNpy, encodePNG, tensor, type RgbImage } from '@gradloc/tensor-backend';
import { explainDetection, type BaselineKind } from '@gradloc/vps-search';
import type { VpsInput } from '../../schemas.js';
import { jobUpload } from '../uploads.js';
import { span, type JobContext } from '../context.js';
import { jobFileName } from '../files.js';

/** What both VPS jobs start with: the grounder and the target as explainDetection/explainDiverse take it. */
export async function openVpsJob(input: { image: string; model?: string; query: string; box?: number[]; regions: number; baseline: BaselineKind }, ctx: JobContext) {
  const { services } = ctx;
  ctx.report(0, 'decoding the image');
  const picture = await jobUpload(services, input.image);
  ctx.report(0.01, 'opening the model');
  const { name, detector } = await services.grounders.open(input.model);
  return { name, target: { detector, image: picture, query: input.query, box: input.box, regions: input.regions, baseline: input.baseline } };
}

/** The fields both VPS results open with: which model explained which detection. */
export const vpsHeader = (model: string, query: string, r: { box: number[]; score: number; missed: boolean }) => ({ model, query, box: r.box, score: r.score, missed: r.missed });

/** Keeps a map (float32 [H, W] in [0, 1] at the upload's size) as a job file; returns its URL. */
export const saveMap = (ctx: JobContext, model: string, query: string, what: string, map: { width: number; height: number; data: Float32Array }): Promise<string> =>
  ctx.saveFile(jobFileName([model, 'vps', query, what], 'npy'), encodeNpy(tensor('float32', [map.height, map.width], map.data)));

/** Keeps an overlay as a PNG job file; returns its URL (the result holds the URL, not the image). */
export const saveOverlay = async (ctx: JobContext, model: string, query: string, what: string, overlay: RgbImage): Promise<string> =>
  ctx.saveFile(jobFileName([model, 'vps', query, what], 'png'), await encodePNG(overlay));

export async function runVps(input: VpsInput, ctx: JobContext) {
  const { name, target } = await openVpsJob(input, ctx);
  const r = await explainDetection({
    ...target,
    search: input.search ?? (input.lazy ? 'lazy' : undefined),
    onProgress: (step, total) => ctx.report(span(0.02, 0.98, step, total), `search step ${step}/${total}`),
  });
  ctx.report(0.99, 'rendering');
  return {
    ...vpsHeader(name, input.query, r),
    /** The overlay (PNG, the explained box drawn on it): its URL. */
    overlay: await saveOverlay(ctx, name, input.query, 'overlay', r.overlay),
    /** The attribution map as .npy. */
    mapUrl: await saveMap(ctx, name, input.query, 'map', r.map),
    insertionAuc: r.insertionAuc,
    deletionAuc: r.deletionAuc,
    highestConfidence: r.highestConfidence,
    forwardPasses: r.forwardPasses,
    ms: Math.round(r.ms),
    regions: r.regions,
    curves: { fractions: [...r.curves.area], insertion: [...r.curves.insertion], deletion: [...r.curves.deletion] },
  };
}

export type VpsResult = Awaited<ReturnType<typeof runVps>>;
