/**
 * localize.*: visual relocalization with an OFVL multi-scene model (@gradloc/ofvl-localize):
 * the pose of an uploaded image (in a given scene, or "which scene?": every scene tried, the
 * most inliers wins), the model's scenes with floor plans and test trajectories, and test
 * frames to try.
 */
import { z } from 'zod';
import { quaternionOf } from '@gradloc/ofvl-localize';
import { GradlocError } from '@gradloc/tensor-backend';
import { imageField, modelName } from '../schemas.js';
import { decodeUpload, pngDataUrl } from '../services/uploads.js';
import { publicProcedure, router } from '../trpc.js';

const sceneName = z.string().min(1).max(100);
const r = (x: number, digits: number): number => Number(x.toFixed(digits));

export const localizeRouter = router({
  pose: publicProcedure
    .meta({ description: 'Image (base64 PNG/JPEG) [+ scene] -> the camera-to-world pose: scene, position [x, y, z] (m), rotation [qw, qx, qy, qz], inliers, ms; without a scene every scene is tried (candidates lists their inliers). gradloc localize pose prints the same JSON.' })
    .input(z.object({ image: imageField, scene: sceneName.optional(), model: modelName.optional() }))
    .mutation(async ({ ctx, input }) => {
      const { env, localizers } = ctx.services;
      const { localizer } = localizers.get(input.model);
      if (input.scene !== undefined) localizer.scene(input.scene);
      const { image } = await decodeUpload(input.image, { maxBytes: env.maxUploadBytes, maxPixels: env.maxPixels });
      const p = await localizer.localize(image, { scene: input.scene });
      return { scene: p.scene, position: p.position.map((v) => r(v, 5)), rotation: p.rotation.map((v) => r(v, 6)), inliers: p.inliers, ms: r(p.ms, 1), ...(p.candidates ? { candidates: p.candidates } : {}) };
    }),
  scenes: publicProcedure
    .meta({ description: "A localizer's scenes: floor plan (room rectangle and furniture footprints in the plan's two world axes), test-trajectory camera positions and frame counts." })
    .input(z.object({ model: modelName.optional() }).optional())
    .query(async ({ ctx, input }) => {
      const o = ctx.services.localizers.get(input?.model);
      const data = await o.data;
      return {
        model: o.name,
        parameters: o.localizer.parameters,
        scenes: await Promise.all(
          o.localizer.meta.scenes.map(async (s) => {
            const source = data.find((d) => d.name === s.name);
            const poses = source ? await source.poses('test') : [];
            return { name: s.name, plan: s.plan ?? null, testFrames: poses.length, trajectory: poses.map((p) => p.t.map((v) => r(v, 3))) };
          }),
        ),
      };
    }),
  frame: publicProcedure
    .meta({ description: 'A held-out test frame of a scene (PNG data URL) with its true camera position and rotation, to try localize.pose on.' })
    .input(z.object({ model: modelName.optional(), scene: sceneName, index: z.number().int().min(0) }))
    .query(async ({ ctx, input }) => {
      const source = await ctx.services.localizers.scene(input.model, input.scene);
      if (input.index >= source.count.test) throw new GradlocError('BAD_INPUT', `scene '${input.scene}' has ${source.count.test} test frames (0..${source.count.test - 1})`);
      const f = await source.frame('test', input.index);
      return { scene: input.scene, index: input.index, image: await pngDataUrl(f.image), position: f.pose.t.map((v) => r(v, 5)), rotation: quaternionOf(f.pose.R).map((v) => r(v, 6)) };
    }),
});
