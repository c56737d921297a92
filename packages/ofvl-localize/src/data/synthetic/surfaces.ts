/**
 * The texture of every surface of a room, in BoxCaster's numbering (box * 6 + face). Each face
 * draws from its own seed, so a face looks the same whatever else the room holds.
 */
import { rng } from '@gradloc/tensor-backend';
import type { Texture } from './canvas.js';
import { ceilingTexture, floorTexture, furnitureFinish, furnitureTexture, wallTexture, type FaceDetail } from './materials.js';
import { mixSeed } from './noise.js';
import { PLANE_AXES } from './raycast.js';
import type { Box, Furniture, RoomLayout } from './room.js';

/** Width and height (metres) of face `face` of `box` along its PLANE_AXES. */
export function faceSize(box: Box, face: number): [number, number] {
  const [u, v] = PLANE_AXES[face >> 1];
  return [box.max[u] - box.min[u], box.max[v] - box.min[v]];
}

function detailOf(item: Furniture, face: number): FaceDetail {
  if (face === 5) return 'top';
  if (face !== item.front) return 'plain';
  return item.kind === 'shelf' ? 'books' : item.kind === 'cabinet' || item.kind === 'desk' ? 'doors' : 'plain';
}

/** Textures of all surfaces; null for furniture bottoms (they stand on the floor, never seen). */
export function roomTextures(layout: RoomLayout): (Texture | null)[] {
  const { seed, index, room, furniture, palette } = layout;
  const out: (Texture | null)[] = [];
  for (let face = 0; face < 6; face++) {
    const rand = rng(mixSeed(seed, index, 0, face));
    const [w, h] = faceSize(room, face);
    out.push(face < 4 ? wallTexture(w, h, rand, palette) : face === 4 ? floorTexture(w, h, rand, palette) : ceilingTexture(w, h, rand, palette));
  }
  furniture.forEach((item, k) => {
    const finish = furnitureFinish(rng(mixSeed(seed, index, k + 1, 0xf1)), palette);
    for (let face = 0; face < 6; face++) {
      if (face === 4) {
        out.push(null);
        continue;
      }
      const [w, h] = faceSize(item, face);
      out.push(furnitureTexture(w, h, detailOf(item, face), finish, rng(mixSeed(seed, index, k + 1, face)), palette));
    }
  });
  return out;
}

/** Bytes held by a room's textures (reported, so callers know what a source keeps). */
export const textureBytes = (textures: readonly (Texture | null)[]): number => textures.reduce((n, t) => n + (t ? t.data.length : 0), 0);
