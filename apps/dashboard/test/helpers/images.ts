/** Test images: generated shapes scenes as PNG/JPEG data URLs, and files of other types. */
import sharp from 'sharp';
import { generateScene, generateSplitBatch, toRGB8, type SceneAnnotation } from '@gradloc/models';

export const dataUrl = (bytes: Buffer, mime = 'image/png'): string => `data:${mime};base64,${bytes.toString('base64')}`;

/** Test-split scene i as PNG bytes, optionally scaled by an integer factor (nearest neighbour). */
export async function scenePng(index: number, scale = 1, format: 'png' | 'jpeg' = 'png'): Promise<{ bytes: Buffer; scene: SceneAnnotation }> {
  const batch = generateSplitBatch('test', index, 1);
  const scene = generateScene(batch.scenes[0].seed);
  let img = sharp(Buffer.from(toRGB8(scene)), { raw: { width: scene.width, height: scene.height, channels: 3 } });
  if (scale !== 1) img = img.resize(scene.width * scale, scene.height * scale, { kernel: 'nearest' });
  const bytes = await (format === 'png' ? img.png() : img.jpeg({ quality: 95 })).toBuffer();
  return { bytes, scene };
}

export function solidImage(width: number, height: number, format: 'png' | 'jpeg' | 'gif' | 'webp'): Promise<Buffer> {
  const s = sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 200 } } });
  return (format === 'png' ? s.png() : format === 'jpeg' ? s.jpeg() : format === 'gif' ? s.gif() : s.webp()).toBuffer();
}
