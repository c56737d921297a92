/**
 * Why a map is empty, said out loud. A map that comes out all zeros is a valid answer (the
 * method found no positive evidence), so nothing is thrown; but a blank tile or a .npy whose
 * max is 0 must not be silent either. Each pipeline (BaseCAM, FullGrad, the input
 * attributions) records what it learns per batch item while building the map, and
 * `resultWarnings` turns that into `CamResult.warnings`: one line per finding, naming the
 * method, the item and the reason as far as it is known.
 */

/** What one batch item's map went through. */
export interface ItemDiagnosis {
  /** Findings reported whatever the map looks like: a fallback taken, non-finite values zeroed. */
  readonly notes: string[];
  /** Why a part of the map (a layer, a plane) came out zero; reported when the final map is zero. */
  readonly zeroReasons: string[];
}

export function newDiagnoses(batch: number): ItemDiagnosis[] {
  return Array.from({ length: batch }, () => ({ notes: [], zeroReasons: [] }));
}

/** A number for a message: 3 significant digits, exponent form when tiny or huge. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e4 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}

/** In place over [start, end): non-finite values become 0; returns how many there were. */
export function zeroNonFinite(a: Float32Array, start = 0, end = a.length): number {
  let count = 0;
  for (let i = start; i < end; i++) {
    if (!Number.isFinite(a[i])) {
      a[i] = 0;
      count++;
    }
  }
  return count;
}

export function nonFiniteNote(count: number, size: number, where: string): string {
  return `${count} of ${size} values of ${where} were not finite (NaN or +-Infinity, e.g. from non-finite activations or gradients) and were set to 0`;
}

/** Smallest and largest value over [start, end). */
export function rangeOf(a: ArrayLike<number>, start = 0, end = a.length): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = start; i < end; i++) {
    if (a[i] < min) min = a[i];
    if (a[i] > max) max = a[i];
  }
  return { min, max };
}

/**
 * The warnings of a finished result: every note, and for each item whose final map has no
 * positive value (or non-finite values), one line with the recorded reasons.
 */
export function resultWarnings(method: string, maps: Float32Array, batch: number, size: number, diagnoses: readonly ItemDiagnosis[]): string[] {
  const out: string[] = [];
  for (let b = 0; b < batch; b++) {
    const d = diagnoses[b];
    for (const note of d?.notes ?? []) out.push(`${method}: item ${b}: ${note}`);
    let positive = false;
    let nonFinite = 0;
    for (let i = b * size; i < (b + 1) * size; i++) {
      if (!Number.isFinite(maps[i])) nonFinite++;
      else if (maps[i] > 0) positive = true;
    }
    if (nonFinite > 0) out.push(`${method}: item ${b}: the map has ${nonFinite} non-finite values`);
    if (!positive) {
      const reasons = d && d.zeroReasons.length > 0 ? d.zeroReasons.join('; ') : 'no reason was recorded';
      out.push(`${method}: item ${b}: the map is all zeros: ${reasons}`);
    }
  }
  return out;
}
