/**
 * localize.*: the shipped ofvl-rooms model behind the API. A test frame's pose through
 * localize.pose equals what @gradloc/ofvl-localize's Localizer computes on the same pixels (an
 * independent route: the package directly, not the services); "which scene?" picks the scene
 * with the most inliers; bad input answers with the package's one-line messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '@gradloc/tensor-backend';
import { openLocalizer, type Localizer } from '@gradloc/ofvl-localize';
import { testApp, type TestApp } from './helpers/setup.js';

let app: TestApp;
let direct: Localizer;
beforeAll(async () => {
  app = await testApp();
  direct = openLocalizer('ofvl-rooms', { runtime: { threads: 1 } }).localizer;
});
afterAll(async () => {
  await direct?.release();
  await app?.close();
});

const rejection = (p: Promise<unknown>): Promise<Error & { code?: string }> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error & { code?: string }) => e,
  );

describe('localize', () => {
  it('lists the scenes with floor plans and test trajectories', async () => {
    const r = await app.caller().localize.scenes();
    expect(r.model).toBe('ofvl-rooms');
    expect(r.scenes.map((s) => s.name)).toEqual(['room-1', 'room-2', 'room-3', 'room-4']);
    for (const s of r.scenes) {
      expect(s.plan?.boxes.length).toBeGreaterThan(0);
      expect(s.trajectory).toHaveLength(s.testFrames);
    }
    expect(r.parameters).toBe(direct.parameters);
  });

  it('pose of a test frame equals the Localizer on the same image, with or without the scene', async () => {
    const frame = await app.caller().localize.frame({ scene: 'room-3', index: 7 });
    const image = await decodeImage(Buffer.from(frame.image.split(',')[1], 'base64'));
    const expected = await direct.localize(image, { scene: 'room-3' });
    const got = await app.caller().localize.pose({ image: frame.image, scene: 'room-3' });
    expect(got.scene).toBe('room-3');
    expect(got.inliers).toBe(expected.inliers);
    got.position.forEach((v, i) => expect(v).toBeCloseTo(expected.position[i], 4));
    const any = await app.caller().localize.pose({ image: frame.image });
    expect(any.candidates?.map((c) => c.scene)).toEqual(['room-1', 'room-2', 'room-3', 'room-4']);
    expect(any.inliers).toBe(Math.max(...any.candidates!.map((c) => c.inliers)));
  });

  it('answers bad input with one-line messages', async () => {
    const frame = await app.caller().localize.frame({ scene: 'room-1', index: 0 });
    const unknown = await rejection(app.caller().localize.pose({ image: frame.image, scene: 'kitchen' }));
    expect(unknown.code).toBe('BAD_REQUEST');
    expect(unknown.message).toBe("unknown scene 'kitchen' (this model knows room-1, room-2, room-3, room-4)");
    const range = await rejection(app.caller().localize.frame({ scene: 'room-1', index: 100 }));
    expect(range.message).toMatch(/has 100 test frames \(0\.\.99\)/);
    const model = await rejection(app.caller().localize.scenes({ model: 'shapes-resnet' }));
    expect(model.message).toMatch(/'shapes-resnet' is a classifier, not a localizer/);
  });
});
