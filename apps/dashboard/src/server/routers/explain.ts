import { METHOD_NAMES, VL_METHODS } from '@gradloc/cam-explain';
import { camInput, compareInput, textExplainInput } from '../schemas.js';
import { decodeUpload } from '../services/uploads.js';
import { publicProcedure, router } from '../trpc.js';
import type { Context } from '../context.js';

const picture = async (ctx: Context, image: string) =>
  (await decodeUpload(image, { maxBytes: ctx.services.env.maxUploadBytes, maxPixels: ctx.services.env.maxPixels })).image;

export const explainRouter = router({
  /** The methods explain.cam and explain.compare take. */
  methods: publicProcedure.meta({ description: 'The explanation methods explain.cam and explain.compare take.' }).query(() => METHOD_NAMES),
  /** One method's map as an overlay PNG, with faithfulness metrics. */
  cam: publicProcedure
    .meta({ description: "One method's map of a classifier's prediction: overlay PNG, the prediction's probabilities and faithfulness metrics." })
    .input(camInput).mutation(async ({ ctx, input }) => {
    const t0 = performance.now();
    const r = await ctx.services.explainers.cam(await picture(ctx, input.image), input.method, input);
    return { ...r, ms: Math.round(performance.now() - t0) };
  }),
  /** Several methods side by side on the same prediction, with deletion/insertion curves. */
  compare: publicProcedure
    .meta({ description: 'Several methods side by side on the same prediction, with their deletion and insertion curves.' })
    .input(compareInput).mutation(async ({ ctx, input }) => {
    const t0 = performance.now();
    const r = await ctx.services.explainers.compare(await picture(ctx, input.image), [...new Set(input.methods)], input);
    return { ...r, ms: Math.round(performance.now() - t0) };
  }),
  /** The methods explain.text takes. */
  textMethods: publicProcedure.meta({ description: 'The vision-language methods explain.text takes.' }).query(() => VL_METHODS),
  /** Text to image: which regions match a caption (image map) and which words mattered (token weights), per method. */
  text: publicProcedure
    .meta({ description: 'Image + caption (dual encoder, default shapes-clip) or query (grounder) -> per method (gradeclip, mmel, gradcam, attention, rollout): overlay PNG, map .npy, insertion/deletion AUC, token weights, ms. gradloc clip-explain computes the same.' })
    .input(textExplainInput).mutation(async ({ ctx, input }) => {
    const t0 = performance.now();
    const r = await ctx.services.textExplainers.explain(await picture(ctx, input.image), input.text, [...new Set(input.methods)], input);
    return { ...r, ms: Math.round(performance.now() - t0) };
  }),
});
