import { syntheticRooms, Localizer, evaluateLocalizer } from './dist/index.js';
const loc = Localizer.load('../../models/ofvl-rooms/model.onnx');
const scenes = syntheticRooms({ seed: 1, rooms: 4 });
for (const t of process.argv.slice(2).map(Number)) {
  const t0 = Date.now();
  const ev = await evaluateLocalizer(loc, scenes, { maxFrames: 50, pnp: { threshold: t } });
  console.log(t, JSON.stringify(ev.mean ?? ev).slice(0, 300), (Date.now() - t0) / 1000);
}
