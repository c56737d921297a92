import { describe, expect, it } from 'vitest';
import type { AttrMap } from '../src/index.js';
import { float64, Graph, GraphBuilder, inferTypes, int64, toNumbers } from '../src/index.js';
import type { OpInput } from '../src/testing/index.js';
import { checkOp, ints, uniform } from './window-helpers.js';

/** Pad has float64 kernels: h = 1e-6 central differences of a linear op are good to ~1e-9. */
const TOL = 1e-7;

interface PadCase {
  readonly name: string;
  readonly x: number[];
  readonly pads: number[];
  readonly mode?: string;
  readonly opset: number;
  readonly axes?: number[];
  /** Feed constant_value as a differentiable input. */
  readonly value?: boolean;
}

function padInputs(c: PadCase): { inputs: (OpInput | null)[]; attrs: AttrMap } {
  const x = { name: 'x', value: uniform(c.x, 21, 'float64') };
  const mode = c.mode ?? 'constant';
  if (c.opset < 11) return { inputs: [x], attrs: { mode, pads: c.pads, value: c.value ? 0.5 : undefined } };
  const inputs = [
    x,
    { name: 'pads', value: ints(c.pads), constant: true },
    c.value ? { name: 'cv', value: float64([], [0.25]) } : null,
    c.axes ? { name: 'axes', value: ints(c.axes), constant: true } : null,
  ];
  while (inputs[inputs.length - 1] === null) inputs.pop(); // Pad before 18 has no 4th input
  return { inputs, attrs: { mode } };
}

const cases: PadCase[] = [
  { name: 'constant, positive pads, constant_value differentiated', x: [2, 3, 4], pads: [0, 1, 2, 1, 0, 3], opset: 11, value: true },
  { name: 'constant, negative pads crop', x: [2, 5, 6], pads: [0, -1, 2, 0, 1, -2], opset: 13, value: true },
  { name: 'constant, opset 18 axes input with a negative axis', x: [2, 3, 4], pads: [1, -1, 2, 1], axes: [1, -1], opset: 18 },
  { name: 'constant, opset 10 attribute form with a crop', x: [3, 4], pads: [1, -1, 0, 2], opset: 10 },
  { name: 'reflect', x: [1, 2, 5, 6], pads: [0, 0, 2, 4, 0, 0, 4, 1], mode: 'reflect', opset: 13 },
  { name: 'reflect at opset 11, begin-only', x: [2, 4, 3], pads: [0, 3, 1, 0, 0, 0], mode: 'reflect', opset: 11 },
  { name: 'edge, pads longer than the axis', x: [2, 3, 4], pads: [0, 5, 1, 1, 2, 6], mode: 'edge', opset: 13 },
  { name: 'wrap (opset 19)', x: [2, 3, 4], pads: [0, 2, 4, 0, 3, 1], mode: 'wrap', opset: 19 },
];

describe('Pad gradient against finite differences (float64)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { inputs, attrs } = padInputs(c);
      const r = await checkOp({ op: 'Pad', inputs, attrs, opset: c.opset });
      expect(r.maxScaledError).toBeLessThan(TOL);
    });
  }

  it('folds a constant-mode Pad of a small known tensor (shape arithmetic)', () => {
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    const v = b.constant(int64([2], [3, 4]));
    b.op('Pad', [v, b.ints([1, 0]), b.constant(int64([], [1]))], {}, { outputs: ['padded'] });
    expect(toNumbers(inferTypes(g, {}).value('padded')!)).toEqual([1, 3, 4]);
  });
});
