/**
 * The hypergrid of Bengio et al. (2021) as torchgfn's `HyperGrid` with its original reward: a
 * state is a point of {0 .. H-1}^D, forward action d adds 1 to coordinate d, action D exits;
 * backward action d subtracts 1. With ax_d = |s_d / (H - 1) - 0.5|,
 *   R(s) = R0 + R1 * prod_d [0.25 < ax_d] + R2 * prod_d [0.3 < ax_d < 0.4]
 * (torchgfn's 1e-12 margins included), defined on every state, so the forward-looking losses
 * apply (the energy is not additive). Modes: R(x) >= R0 + R1 + R2. The policy reads the point
 * as D one-hot vectors of length H (torchgfn's KHotPreprocessor).
 */
import { GradlocError } from '@gradloc/tensor-backend';
import type { Enumerable, Environment, HasModes, State } from './types.js';

export interface HyperGridOptions {
  /** Dimensions D (default 2). */
  readonly ndim?: number;
  /** Points per dimension H (default 8). */
  readonly height?: number;
  readonly r0?: number;
  readonly r1?: number;
  readonly r2?: number;
}

const EPS = 1e-12;

export class HyperGrid implements Environment, Enumerable, HasModes {
  readonly name: string;
  readonly ndim: number;
  readonly height: number;
  readonly inputSize: number;
  readonly forwardActions: number;
  readonly backwardActions: number;
  readonly exitAction: number;
  readonly modeEnergy: number;
  private readonly r: readonly [number, number, number];

  constructor(opts: HyperGridOptions = {}) {
    this.ndim = opts.ndim ?? 2;
    this.height = opts.height ?? 8;
    if (!Number.isInteger(this.ndim) || this.ndim < 1) throw new GradlocError('BAD_INPUT', `hypergrid: ndim must be an integer >= 1, got ${this.ndim}`);
    if (!Number.isInteger(this.height) || this.height < 2) throw new GradlocError('BAD_INPUT', `hypergrid: height must be an integer >= 2, got ${this.height}`);
    this.r = [opts.r0 ?? 0.1, opts.r1 ?? 0.5, opts.r2 ?? 2];
    if (!(this.r[0] > 0) || this.r.some((v) => !(v >= 0) || !Number.isFinite(v))) throw new GradlocError('BAD_INPUT', `hypergrid: R0 must be > 0 and R1, R2 >= 0, got ${this.r.join(', ')}`);
    this.name = `hypergrid-${this.ndim}x${this.height}`;
    this.inputSize = this.ndim * this.height;
    this.forwardActions = this.ndim + 1;
    this.backwardActions = this.ndim;
    this.exitAction = this.ndim;
    // the threshold with a relative margin: float noise in R never hides a mode
    this.modeEnergy = -Math.log(this.r[0] + this.r[1] + this.r[2]) + 1e-9;
  }

  initial(): State {
    return new Int32Array(this.ndim);
  }

  encode(s: State, out: Float32Array, offset: number): void {
    out.fill(0, offset, offset + this.inputSize);
    for (let d = 0; d < this.ndim; d++) out[offset + d * this.height + s[d]] = 1;
  }

  forwardMask(s: State, out: Uint8Array, offset: number): number {
    let n = 1;
    for (let d = 0; d < this.ndim; d++) {
      const ok = s[d] < this.height - 1;
      out[offset + d] = ok ? 1 : 0;
      if (ok) n++;
    }
    out[offset + this.ndim] = 1;
    return n;
  }

  backwardMask(s: State, out: Uint8Array, offset: number): number {
    let n = 0;
    for (let d = 0; d < this.ndim; d++) {
      const ok = s[d] > 0;
      out[offset + d] = ok ? 1 : 0;
      if (ok) n++;
    }
    return n;
  }

  step(s: State, a: number): State {
    if (a < 0 || a >= this.ndim || s[a] >= this.height - 1) throw new GradlocError('BAD_INPUT', `hypergrid: action ${a} is not valid at (${s.join(', ')})`);
    const c = s.slice();
    c[a]++;
    return c;
  }

  backwardOf(_s: State, a: number): number {
    return a;
  }

  /** R(s) of one point. */
  reward(s: State): number {
    let outer = true;
    let band = true;
    for (let d = 0; d < this.ndim; d++) {
      const ax = Math.abs(s[d] / (this.height - 1) - 0.5);
      outer &&= 0.25 + EPS < ax;
      band &&= 0.3 + EPS < ax && ax < 0.4 - EPS;
    }
    return this.r[0] + (outer ? this.r[1] : 0) + (band ? this.r[2] : 0);
  }

  energies(states: readonly State[]): Float64Array {
    return Float64Array.from(states, (s) => -Math.log(this.reward(s)));
  }

  key(s: State): string {
    return s.join(',');
  }

  terminalCount(): number {
    return this.height ** this.ndim;
  }

  /** Every point (each is terminal through the exit): H^D of them. */
  terminals(): State[] {
    const total = this.terminalCount();
    if (total > 1e7) throw new GradlocError('BAD_INPUT', `hypergrid: ${total} states are too many to enumerate`);
    const out: State[] = [];
    for (let k = 0; k < total; k++) {
      const s = new Int32Array(this.ndim);
      let r = k;
      for (let d = this.ndim - 1; d >= 0; d--) {
        s[d] = r % this.height;
        r = Math.floor(r / this.height);
      }
      out.push(s);
    }
    return out;
  }
}
