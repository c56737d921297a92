/**
 * Assembles a QuantizedMatrix while a quantizer walks the weight matrix: codes and group
 * parameters are stored in the output-major layout of types.ts, outliers collected from the
 * mask. Both quantizers (rtn.ts, gptq.ts) write through it, so the layout lives in one place.
 */
import { groupsOf, type Bits, type Outliers, type QuantizedMatrix } from './types.js';
import { toHalfBits } from './half.js';
import type { GroupParams } from './group-params.js';

export class MatrixBuilder {
  readonly groups: number;
  private readonly codes: Uint8Array;
  private readonly scales: Float32Array;
  private readonly zeros: Uint8Array;

  constructor(
    readonly K: number,
    readonly N: number,
    readonly bits: Bits,
    readonly group: number,
  ) {
    this.groups = groupsOf(K, group);
    this.codes = new Uint8Array(K * N);
    this.scales = new Float32Array(N * this.groups);
    this.zeros = new Uint8Array(N * this.groups);
  }

  setGroup(n: number, g: number, p: GroupParams): void {
    this.scales[n * this.groups + g] = p.scale;
    this.zeros[n * this.groups + g] = p.zero;
  }

  setCode(k: number, n: number, code: number): void {
    this.codes[n * this.K + k] = code;
  }

  /**
   * The finished matrix. `mask[k * N + n]` marks outliers; `kept(k, n)` is the value each
   * keeps (FP16-rounded here). Their codes become the group's zero point, so the dense part
   * adds exactly 0 where the sparse correction adds the kept value.
   */
  finish(mask: Uint8Array | undefined, kept: (k: number, n: number) => number): QuantizedMatrix {
    const ks: number[] = [];
    const ns: number[] = [];
    const vs: number[] = [];
    if (mask) {
      for (let n = 0; n < this.N; n++) {
        for (let k = 0; k < this.K; k++) {
          if (!mask[k * this.N + n]) continue;
          ks.push(k);
          ns.push(n);
          vs.push(toHalfBits(kept(k, n)));
          this.codes[n * this.K + k] = this.zeros[n * this.groups + Math.floor(k / this.group)];
        }
      }
    }
    const outliers: Outliers = { k: Uint32Array.from(ks), n: Uint32Array.from(ns), value: Uint16Array.from(vs) };
    return { K: this.K, N: this.N, bits: this.bits, group: this.group, codes: this.codes, scales: this.scales, zeros: this.zeros, outliers };
  }
}
