/**
 * A model folder's calibrated MMEL-style layer logits (`mmel.json`, written by the reports
 * script `npm run vl-results -w @gradloc/reports`): read by `gradloc clip-explain --method
 * mmel` and the dashboard's explain.text, so both use the same weights.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GradlocError } from '@gradloc/tensor-backend';

export const MMEL_FILE = 'mmel.json';

export interface MmelCalibrationFile {
  /** beta, first to last of the last K image blocks (K = its length). */
  readonly layerLogits: readonly number[];
  /** How it was fitted (split, scenes, objective), for people reading the file. */
  readonly fittedOn?: string;
  readonly objective?: { readonly equal: number; readonly fitted: number };
}

/** The folder's calibration, or undefined when it has none. */
export function readMmelCalibration(dir: string): MmelCalibrationFile | undefined {
  const file = join(dir, MMEL_FILE);
  if (!existsSync(file)) return undefined;
  let v: { layerLogits?: unknown };
  try {
    v = JSON.parse(readFileSync(file, 'utf8')) as { layerLogits?: unknown };
  } catch (e) {
    throw new GradlocError('BAD_MODEL', `${file} is not JSON (${(e as Error).message})`);
  }
  const logits = v.layerLogits;
  if (!Array.isArray(logits) || logits.length === 0 || !logits.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new GradlocError('BAD_MODEL', `${file}: layerLogits must be a non-empty list of finite numbers`);
  }
  return v as MmelCalibrationFile;
}

export function writeMmelCalibration(dir: string, c: MmelCalibrationFile): void {
  const file = join(dir, MMEL_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(c, null, 1)}\n`);
  renameSync(`${file}.tmp`, file);
}
