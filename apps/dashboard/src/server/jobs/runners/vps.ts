/**
 * vps.explain as a job: Visual Precision Search of one detection of a grounder, as
 * `gradloc vps` does it. The result keeps the overlay, the metrics and both curves.
 */
import { overlay, resizeMap } from '@gradloc/cam-explain';
import { bestDetection, explainDetection, normalizedBox, planarFromRgb, targetScore } from '@gradloc/vps-search';
import type { VpsInput } from '../../schemas.js';
import { Grounders } from '../../services/grounders.js';
import { decodeUpload, pngDataUrl } from '../../services/uploads.js';
import { span, type JobContext } from '../context.js';

export async function runVps(input: VpsInput, ctx: JobContext) {
  const { services } = ctx;
  ctx.report(0, 'decoding the image');
  const { image: picture } = await decodeUpload(input.image, { maxBytes: services.env.maxUploadBytes, maxPixels: services.env.maxPixels });
  const given = input.box ? normalizedBox(input.box, picture.width, picture.height, `box [${input.box.join(', ')}]`) : undefined;
  ctx.report(0.01, 'opening the model');
  const { name, detector } = await services.grounders.open(input.model);
  const image = planarFromRgb(picture, detector.width, detector.height);
  const [own] = await detector.detect(Grounders.batchOf(image), input.query);
  const box = given ?? bestDetection(own).box;
  const score = targetScore(own, box);
  const r = await explainDetection({
    detector,
    image,
    target: { query: input.query, box },
    regions: input.regions,
    baseline: input.baseline,
    lazy: input.lazy,
    onProgress: (step, total) => ctx.report(span(0.02, 0.98, step, total), `search step ${step}/${total}`),
  });
  ctx.report(0.99, 'rendering');
  const map = resizeMap({ width: image.width, height: image.height, data: r.map }, picture.width, picture.height);
  return {
    model: name,
    query: input.query,
    box: box.map((v, i) => Math.round(v * (i % 2 ? picture.height : picture.width))),
    score,
    missed: score < 0.1,
    overlay: await pngDataUrl(overlay(picture, map)),
    insertionAuc: r.metrics.insertionAuc,
    deletionAuc: r.metrics.deletionAuc,
    highestConfidence: r.metrics.highestConfidence,
    forwardPasses: r.metrics.forwardPasses,
    ms: Math.round(r.metrics.ms),
    regions: r.regions.count,
    curves: { fractions: [...r.curves.area], insertion: [...r.curves.insertion], deletion: [...r.curves.deletion] },
  };
}

export type VpsResult = Awaited<ReturnType<typeof runVps>>;
