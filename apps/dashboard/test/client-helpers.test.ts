/**
 * The pages' presentation helpers (src/lib, plain TypeScript): client-side files, the colour
 * scale's stops against the server's own colormap, and the placement of box labels.
 */
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, jet, tensor } from '@gradloc/tensor-backend';
import { base64Blob, dataUrlBlob, fileName, toCsv } from '../src/lib/download.js';
import { JET_GRADIENT, JET_STOPS } from '../src/lib/colormap.js';
import { intersects, placeLabels, type Rect, type Size } from '../src/lib/labels.js';

describe('client-side files', () => {
  it('writes CSV with a header row, quoting what needs it and keeping numbers whole', () => {
    const csv = toCsv([
      { method: 'gradcam', auc: 0.123456789, warnings: 'map is "empty", all zeros' },
      { method: 'a\nb', auc: 1e-7, warnings: null },
    ]);
    expect(csv).toBe('method,auc,warnings\r\ngradcam,0.123456789,"map is ""empty"", all zeros"\r\n"a\nb",1e-7,\r\n');
    expect(toCsv([{ a: 1, b: 2 }], ['b', 'a'])).toBe('b,a\r\n2,1\r\n');
    expect(toCsv([], ['x', 'y'])).toBe('x,y\r\n');
  });

  it('turns data URLs and base64 back into the bytes and type they carry', async () => {
    const npy = encodeNpy(tensor('float32', [2, 3], Float32Array.from([0, 0.5, 1, 0.25, 0.75, 0.125])));
    const b64 = Buffer.from(npy).toString('base64');
    const blob = base64Blob(b64);
    expect(blob.type).toBe('application/octet-stream');
    const back = decodeNpy(new Uint8Array(await blob.arrayBuffer()));
    expect(back.dims).toEqual([2, 3]);
    expect([...(back.data as Float32Array)]).toEqual([0, 0.5, 1, 0.25, 0.75, 0.125]);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const fromUrl = dataUrlBlob(`data:image/png;base64,${png.toString('base64')}`);
    expect(fromUrl.type).toBe('image/png');
    expect(Buffer.from(await fromUrl.arrayBuffer()).equals(png)).toBe(true);
    expect(() => dataUrlBlob('https://example.com/x.png')).toThrow(/not a base64 data URL/);
  });

  it('names files from their parts', () => {
    expect(fileName(['shapes-resnet', 'gradcam++', 'Triangle', 'overlay'], 'png')).toBe('shapes-resnet-gradcamplusplus-triangle-overlay.png');
    expect(fileName(['shapes-grounder-gwq4', 'vps', 'a red circle', null, 'map'], 'npy')).toBe('shapes-grounder-gwq4-vps-a-red-circle-map.npy');
    expect(fileName(['', undefined], 'csv')).toBe('download.csv');
  });
});

describe('the colour scale', () => {
  it('is the jet colormap the server draws maps with, at every byte level', () => {
    // the CSS gradient interpolates linearly between the stops: so must jet, to the byte
    const at = (t: number): number[] => {
      const k = JET_STOPS.findIndex(([s], i) => i > 0 && t <= s);
      const [t0, c0] = JET_STOPS[k - 1];
      const [t1, c1] = JET_STOPS[k];
      return c0.map((v, ch) => v + ((c1[ch] - v) * (t - t0)) / (t1 - t0));
    };
    let worst = 0;
    for (let i = 0; i <= 255; i++) {
      const t = i / 255;
      const want = jet(t);
      at(t).forEach((v, ch) => (worst = Math.max(worst, Math.abs(v - want[ch]))));
    }
    expect(worst).toBeLessThanOrEqual(1); // rounding of the server's bytes
    expect(JET_STOPS[0][0]).toBe(0);
    expect(JET_STOPS.at(-1)?.[0]).toBe(1);
    expect(JET_GRADIENT).toMatch(/^linear-gradient\(to right, rgb\(0 0 128\) 0\.0%, .* rgb\(128 0 0\) 100\.0%\)$/);
  });
});

describe('box labels', () => {
  const bounds: Size = { width: 384, height: 384 };
  const size: Size = { width: 110, height: 16 };
  const labelRects = (boxes: readonly Rect[], sizes: readonly Size[]): Rect[] => placeLabels(boxes, sizes, bounds).map((p, i) => ({ ...p, ...sizes[i] }));
  const expectApartAndInside = (rects: readonly Rect[]) => {
    rects.forEach((a, i) => {
      expect(a.x).toBeGreaterThanOrEqual(0);
      expect(a.y).toBeGreaterThanOrEqual(0);
      expect(a.x + a.width).toBeLessThanOrEqual(bounds.width);
      expect(a.y + a.height).toBeLessThanOrEqual(bounds.height);
      rects.slice(i + 1).forEach((b) => expect(intersects(a, b), `${JSON.stringify(a)} and ${JSON.stringify(b)}`).toBe(false));
    });
  };

  it('puts a lone label just above its box, left-aligned', () => {
    expect(placeLabels([{ x: 100, y: 100, width: 60, height: 60 }], [size], bounds)).toEqual([{ x: 100, y: 84 }]);
  });

  it('moves a label inside its box when the box touches the top of the picture, and left when it would stick out on the right', () => {
    expect(placeLabels([{ x: 330, y: 0, width: 50, height: 50 }], [size], bounds)).toEqual([{ x: 384 - 110, y: 0 }]);
  });

  it('never lets labels of close or identical boxes cover each other, nor leave the picture', () => {
    // three queries finding the same object, two neighbours, a box in a corner: the naive spots collide
    const boxes: Rect[] = [
      { x: 100, y: 100, width: 80, height: 80 },
      { x: 100, y: 100, width: 80, height: 80 },
      { x: 101, y: 99, width: 80, height: 82 },
      { x: 150, y: 110, width: 70, height: 70 },
      { x: 120, y: 170, width: 60, height: 60 },
      { x: 0, y: 0, width: 30, height: 30 },
      { x: 360, y: 370, width: 24, height: 14 },
    ];
    const sizes = boxes.map((_, i) => ({ width: 90 + 7 * i, height: 16 }));
    const naive = boxes.map((b, i) => ({ x: b.x, y: b.y - 16, ...sizes[i] }));
    expect(naive.some((a, i) => naive.some((b, j) => i !== j && intersects(a, b)))).toBe(true);
    expectApartAndInside(labelRects(boxes, sizes));
  });

  it('still finds room for many labels on one box (stacking, then any free spot)', () => {
    const boxes = Array.from({ length: 30 }, (): Rect => ({ x: 150, y: 150, width: 40, height: 40 }));
    expectApartAndInside(labelRects(boxes, boxes.map(() => size)));
  });
});
