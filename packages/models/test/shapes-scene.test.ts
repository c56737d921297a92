/** The `shapes` scene generator: determinism, honest boxes/areas/colours, occlusion and label rules. */
import { describe, expect, it } from 'vitest';
import {
  BACKGROUND_MAX,
  BACKGROUNDS,
  COLOUR_RGB,
  COLOURS,
  DEFAULT_SHAPES_OPTIONS,
  generateScene,
  SHAPES,
  toRGBA8,
  visibleMasks,
  type Scene,
} from '../src/data/shapes/index.js';

const SIZE = 96;
const PLANE = SIZE * SIZE;
const scenes: Scene[] = Array.from({ length: 300 }, (_, s) => generateScene(s));
const pixel = (scene: Scene, i: number): [number, number, number] => [scene.image[i], scene.image[PLANE + i], scene.image[2 * PLANE + i]];
const maxDiff = (a: readonly number[], b: readonly number[]): number => Math.max(...a.map((v, k) => Math.abs(v - b[k])));
const nearestColour = (rgb: readonly number[]): string =>
  COLOURS.reduce((best, c) => (maxDiff(rgb, COLOUR_RGB[c]) < maxDiff(rgb, COLOUR_RGB[best]) ? c : best));

describe('shapes scenes', () => {
  it('are a pure function of the seed', () => {
    const a = generateScene(12345);
    const b = generateScene(12345);
    expect(Buffer.from(a.image.buffer).equals(Buffer.from(b.image.buffer))).toBe(true);
    expect(JSON.stringify({ ...a, image: null })).toBe(JSON.stringify({ ...b, image: null }));
    const c = generateScene(12346);
    expect(Buffer.from(a.image.buffer).equals(Buffer.from(c.image.buffer))).toBe(false);
  });

  it('are CHW float32 images in [0, 1] with 1-4 objects', () => {
    for (const s of scenes) {
      expect(s.image).toBeInstanceOf(Float32Array);
      expect(s.image.length).toBe(3 * PLANE);
      expect([s.width, s.height]).toEqual([SIZE, SIZE]);
      expect(s.image.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(s.objects.length).toBeGreaterThanOrEqual(1);
      expect(s.objects.length).toBeLessThanOrEqual(4);
    }
    // Every object count, shape, colour and background actually occurs.
    expect(new Set(scenes.map((s) => s.objects.length)).size).toBe(4);
    expect(new Set(scenes.flatMap((s) => s.objects.map((o) => o.shape))).size).toBe(SHAPES.length);
    expect(new Set(scenes.flatMap((s) => s.objects.map((o) => o.colour))).size).toBe(COLOURS.length);
    expect(new Set(scenes.map((s) => s.background)).size).toBe(DEFAULT_SHAPES_OPTIONS.backgrounds.length);
  });

  it('boxes are the tight extent of each object’s visible pixels, and areas match the masks', () => {
    for (const s of scenes.slice(0, 150)) {
      visibleMasks(s).forEach((mask, k) => {
        const o = s.objects[k];
        const [x0, y0, x1, y1] = o.box;
        let area = 0;
        let outside = 0;
        const rows = new Set<number>();
        const cols = new Set<number>();
        for (let y = 0; y < SIZE; y++) {
          for (let x = 0; x < SIZE; x++) {
            const m = mask[y * SIZE + x];
            area += m;
            if (m < 0.5) continue;
            if (x < x0 || x >= x1 || y < y0 || y >= y1) outside++;
            rows.add(y);
            cols.add(x);
          }
        }
        expect(outside, `seed ${s.seed} object ${k}: pixels outside its box`).toBe(0);
        for (const edge of [y0, y1 - 1]) expect(rows.has(edge)).toBe(true);
        for (const edge of [x0, x1 - 1]) expect(cols.has(edge)).toBe(true);
        expect(area).toBeCloseTo(o.area, 2);
      });
    }
  });

  it('keeps every object at least minVisible visible, and some objects are occluded', () => {
    const objects = scenes.flatMap((s) => s.objects);
    for (const o of objects) {
      expect(o.visibleFraction).toBeGreaterThanOrEqual(DEFAULT_SHAPES_OPTIONS.minVisible);
      expect(o.visibleFraction).toBeLessThanOrEqual(1 + 1e-6);
    }
    expect(objects.filter((o) => o.visibleFraction < 0.95).length).toBeGreaterThan(objects.length / 20);
  });

  it('sizes span roughly 12 to 48 pixels of extent', () => {
    const extents = scenes.flatMap((s) => s.objects.filter((o) => o.visibleFraction === 1).map((o) => Math.max(o.box[2] - o.box[0], o.box[3] - o.box[1])));
    expect(Math.min(...extents)).toBeLessThanOrEqual(14);
    expect(Math.max(...extents)).toBeGreaterThanOrEqual(40);
  });

  it('object pixels are near their nominal colour but not one exact value', () => {
    for (const s of scenes.slice(0, 100)) {
      visibleMasks(s).forEach((mask, k) => {
        const o = s.objects[k];
        const inside: [number, number, number][] = [];
        mask.forEach((m, i) => m > 0.999 && inside.push(pixel(s, i)));
        const nearest = inside.filter((p) => nearestColour(p) === o.colour).length;
        expect(nearest / inside.length, `seed ${s.seed} ${o.colour} ${o.shape}`).toBeGreaterThan(0.97);
        const mean = [0, 1, 2].map((ch) => inside.reduce((a, p) => a + p[ch], 0) / inside.length);
        expect(maxDiff(mean, COLOUR_RGB[o.colour])).toBeLessThan(0.12);
        expect(new Set(inside.map((p) => p.join())).size).toBeGreaterThan(inside.length / 2);
      });
    }
  });

  it('backgrounds are muted and never pass for an object colour', () => {
    // Objects are saturated (chroma >= ~0.45) or white (>= ~0.8); backgrounds are tinted greys.
    let brightest = 0;
    let chroma = 0;
    let nearest = Infinity;
    for (let seed = 0; seed < 100; seed++) {
      const s = generateScene(seed, { noise: 0 });
      const covered = new Float32Array(PLANE);
      for (const m of visibleMasks(s)) m.forEach((v, i) => (covered[i] += v));
      for (let i = 0; i < PLANE; i++) {
        if (covered[i] > 0) continue;
        const p = pixel(s, i);
        brightest = Math.max(brightest, ...p);
        chroma = Math.max(chroma, Math.max(...p) - Math.min(...p));
        for (const c of COLOURS) nearest = Math.min(nearest, maxDiff(p, COLOUR_RGB[c]));
      }
    }
    expect(brightest).toBeLessThanOrEqual(BACKGROUND_MAX + 1e-6);
    expect(chroma).toBeLessThan(0.15);
    // The closest call is a mid grey against purple, still 0.2+ away in some channel.
    expect(nearest).toBeGreaterThan(0.2);
  });

  it('largest is the object of largest visible area, by the margin', () => {
    for (const s of scenes) {
      const top = s.objects[s.largest].area;
      s.objects.forEach((o, k) => k !== s.largest && expect(top).toBeGreaterThanOrEqual(DEFAULT_SHAPES_OPTIONS.largestMargin * o.area));
    }
  });

  it('the largest object is about uniformly distributed over shapes', () => {
    const counts = new Map<string, number>();
    for (const s of scenes) counts.set(s.objects[s.largest].shape, (counts.get(s.objects[s.largest].shape) ?? 0) + 1);
    for (const shape of SHAPES) expect(counts.get(shape) ?? 0).toBeGreaterThan(scenes.length / SHAPES.length / 2);
  });

  it('honours options and rejects bad ones', () => {
    const s = generateScene(7, { size: 64, minObjects: 3, maxObjects: 3, shapes: ['star'], colours: ['blue'], backgrounds: ['checker'] });
    expect(s.image.length).toBe(3 * 64 * 64);
    expect(s.objects.length).toBe(3);
    expect(s.objects.every((o) => o.shape === 'star' && o.colour === 'blue')).toBe(true);
    expect(s.background).toBe('checker');
    expect(s.caption).toBe('three blue stars');
    expect(() => generateScene(0, { minObjects: 3, maxObjects: 2 })).toThrow(/minObjects/);
    expect(() => generateScene(0, { shapes: ['hexagon' as 'star'] })).toThrow(/hexagon/);
    expect(() => generateScene(0, { size: 8 })).toThrow(/size/);
    expect(() => generateScene(0, { maxObject: 2 } as never)).toThrow(/unknown option 'maxObject'/);
  });

  it('toRGBA8 interleaves the planes as opaque 8-bit pixels', () => {
    const s = scenes[0];
    const rgba = toRGBA8(s);
    expect(rgba.length).toBe(4 * PLANE);
    for (const i of [0, 1234, PLANE - 1]) {
      expect([rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2], rgba[4 * i + 3]]).toEqual([...pixel(s, i).map((v) => Math.round(v * 255)), 255]);
    }
  });
});

describe('extra backgrounds (opted into by options)', () => {
  /** Background pixels of a scene with no objects near them: the top-left 8 x 8 corner when no box reaches it. */
  const corner = (kind: 'plain' | 'noise' | 'texture', seed: number) => {
    for (let s = seed; ; s++) {
      const scene = generateScene(s, { backgrounds: [kind], noise: 0, maxObjects: 1, maxObjectSize: 16 });
      if (scene.objects.every((o) => o.box[0] > 16 || o.box[1] > 16)) {
        const px = (x: number, y: number, c: number): number => scene.image[c * 96 * 96 + y * 96 + x];
        return { px, scene };
      }
    }
  };
  const spread = (xs: number[]): number => Math.max(...xs) - Math.min(...xs);

  it('plain: one flat colour, up to a light grey below any white object', () => {
    for (let seed = 0; seed < 20; seed++) {
      const { px } = corner('plain', seed * 100);
      const values = Array.from({ length: 64 }, (_, i) => px(i % 8, Math.floor(i / 8), 0));
      expect(spread(values)).toBe(0);
      expect(px(0, 0, 0)).toBeLessThanOrEqual(0.8);
    }
  });

  it('noise: neighbouring pixels differ (grain); texture: they barely do (smooth), yet it varies across the picture', () => {
    const step = (kind: 'noise' | 'texture'): number => {
      const { px } = corner(kind, 7);
      let sum = 0;
      for (let x = 0; x < 8; x++) sum += Math.abs(px(x + 1, 0, 1) - px(x, 0, 1));
      return sum / 8;
    };
    expect(step('noise')).toBeGreaterThan(5 * step('texture'));
    const { scene } = corner('texture', 3);
    const row = Array.from({ length: 96 }, (_, x) => scene.image[96 * 96 + x]);
    expect(spread(row)).toBeGreaterThan(0.02);
  });

  it('default scenes never draw them, and a bad name is refused', () => {
    for (let seed = 0; seed < 200; seed++) expect(BACKGROUNDS).toContain(generateScene(seed).background);
    expect(() => generateScene(1, { backgrounds: ['marble' as never] })).toThrow(/unknown backgrounds entry 'marble'/);
  });
});
