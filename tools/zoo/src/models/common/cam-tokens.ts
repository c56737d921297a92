/**
 * Where a shipped ViT's CAM reads its tokens, for the card: the last block's first LayerNorm,
 * not the block's output. After the last block only the class token reaches the head (or the
 * embedding), so the patch tokens there have zero gradient; this is why pytorch-grad-cam's ViT
 * example targets blocks[-1].norm1.
 */
export interface CamTokens {
  readonly layer: string;
  readonly dims: readonly (number | string)[];
  readonly prefixTokens: number;
  readonly grid: readonly [number, number];
  readonly patch: number;
  readonly reshape: string;
}

/** `prefix` names the tower (e.g. 'vision.'); one class token, a `grid` x `grid` patch grid. */
export function vitCamTokens(prefix: string, depth: number, grid: number, dim: number, patch: number): CamTokens {
  return {
    layer: `${prefix}blocks.${depth - 1}.norm1`,
    dims: ['batch', 1 + grid * grid, dim],
    prefixTokens: 1,
    grid: [grid, grid],
    patch,
    reshape: `drop the first token (class token), reshape the remaining ${grid * grid} row-major to [batch, ${grid}, ${grid}, ${dim}]`,
  };
}
