import type { Graph } from '@gradloc/tensor-backend';

export interface BaseImages {
  readonly png: Buffer;
  readonly jpeg: Buffer;
  readonly gif: Buffer;
  readonly webp: Buffer;
  readonly tiff: Buffer;
  readonly bomb: Buffer;
}
export interface FuzzedUpload {
  readonly kind: string;
  readonly what: string;
  /** The data URL (or other string) the API receives. */
  readonly text: string;
}
export interface FuzzedModel {
  readonly kind: string;
  readonly what: string;
  readonly bytes: Uint8Array;
}

export function rng(seed: number): () => number;
export function baseImages(): Promise<BaseImages>;
export const UPLOAD_KINDS: readonly string[];
export function fuzzUpload(i: number, base: BaseImages): FuzzedUpload;
export function baseModel(): Graph;
export const MODEL_KINDS: readonly string[];
export function fuzzModel(i: number): FuzzedModel;
