import { syntheticRooms, Localizer, sampleOf, DEFAULT_NETWORK } from './dist/index.js';
const loc = Localizer.load('../../models/ofvl-rooms/model.onnx');
const scenes = syntheticRooms({ seed: 1, rooms: 4 });
for (const s of scenes) for (const split of ['train', 'test']) {
  const errs = [];
  for (let i = 0; i < 40; i++) {
    const f = await s.frame(split, Math.floor(i * s.count[split] / 40));
    const smp = sampleOf(f, DEFAULT_NETWORK);
    const [p] = await loc.predict([f.image], s.name);
    const n = smp.mask.length;
    for (let c = 0; c < n; c++) if (smp.mask[c] > 0) { let d = 0; for (let k = 0; k < 3; k++) d += (p.coords[k * n + c] - smp.target[k * n + c]) ** 2; errs.push(Math.sqrt(d)); }
  }
  errs.sort((a, b) => a - b);
  const q = (x) => (errs[Math.floor(x * errs.length)] * 100).toFixed(1);
  console.log(s.name, split, 'cells', errs.length, 'p25', q(0.25), 'median', q(0.5), 'p75', q(0.75), 'p90', q(0.9), 'share<10cm', (errs.filter(e => e < 0.1).length / errs.length).toFixed(2));
}
