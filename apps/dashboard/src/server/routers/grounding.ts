import { z } from 'zod';
import { generateScene, toRGB8 } from '@gradloc/models';
import { detectInput, modelName } from '../schemas.js';
import { DEFAULT_GROUNDER } from '../services/grounders.js';
import { decodeUpload, pngDataUrl } from '../services/uploads.js';
import { publicProcedure, router } from '../trpc.js';

export const groundingRouter = router({
  /** Image + text queries -> boxes in the uploaded image's pixels. */
  detect: publicProcedure
    .meta({ description: "Image (base64 PNG/JPEG) + text queries -> boxes [x0, y0, x1, y1] in the image's pixels with scores, per query (gradloc detect prints the same JSON)." })
    .input(detectInput).mutation(async ({ ctx, input }) => {
    const t0 = performance.now();
    const { env, grounders } = ctx.services;
    const { image } = await decodeUpload(input.image, { maxBytes: env.maxUploadBytes, maxPixels: env.maxPixels });
    const detections = await grounders.detect(input.model ?? DEFAULT_GROUNDER, image, input.queries, { threshold: input.threshold });
    return { detections, ms: Math.round((performance.now() - t0) * 10) / 10 };
  }),
  /** What a grounder can be asked: its closed vocabulary (null for open-vocabulary models) and what it was trained on. */
  vocabulary: publicProcedure
    .meta({ description: "The words a grounder knows (null for open-vocabulary Hugging Face models) and what it was trained on, from its card." })
    .input(z.object({ model: modelName.optional() }).optional())
    .query(async ({ ctx, input }) => {
      const { name, source } = await ctx.services.grounders.open(input?.model ?? DEFAULT_GROUNDER);
      return {
        model: name,
        words: source.vocabulary ? [...source.vocabulary] : null,
        trainedOn: source.card ? `${source.card.task}. Training data: ${source.card.training.data}` : 'a Hugging Face export: see its own model card',
      };
    }),
  /** A generated `shapes` scene to try the models on, with its objects' referring phrases. */
  sample: publicProcedure
    .meta({ description: 'A generated shapes scene (PNG data URL) with its objects and their phrases, to try the grounders on.' })
    .input(z.object({ seed: z.number().int().min(0).max(2 ** 31 - 1) })).query(async ({ input }) => {
    const scene = generateScene(input.seed);
    return {
      seed: input.seed,
      image: await pngDataUrl({ width: scene.width, height: scene.height, data: toRGB8(scene) }),
      objects: scene.objects.map((o) => ({ phrase: o.phrases[0], shape: o.shape, colour: o.colour, box: [...o.box] })),
      caption: scene.caption,
    };
  }),
});
