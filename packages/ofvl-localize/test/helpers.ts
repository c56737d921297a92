/** Shared fixtures of the package's tests (not a test file itself). */
import type { NetworkSpec } from '../src/index.js';

/** A three-layer network (stride 8, the last layer dilated) small enough for finite differences. */
export const tinyNetwork = (width: number, height: number, channels: readonly [number, number, number], headHidden: number): NetworkSpec => ({
  width,
  height,
  layers: channels.map((cout, i) => ({ cout, k: 3, stride: i < 2 ? 2 : 1 + Number(width > 16), dilation: i === 2 && width <= 16 ? 2 : 1 })),
  headHidden,
});
