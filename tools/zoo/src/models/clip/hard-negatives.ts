/**
 * Hard negative captions (in the spirit of NegCLIP, Yuksekgonul et al. 2023): the caption of a
 * scene with ONE thing changed - an object's shape, its colour, one more or one fewer of it,
 * or two objects' colours swapped. Random in-batch captions almost always differ in colour,
 * so without these the image tower learns colours and barely looks at shapes (a first
 * 600-step run matched "a red ring" to "a red cross"); a near-miss caption next to the true
 * one makes every attribute pay.
 *
 * Only existing groups grow ("a red circle" -> "two red circles"), never new ones from
 * nothing, so a negative has at most as many groups as objects (<= 4 by default) and fits
 * the same token length as real captions.
 */
import type { Rand } from '@gradloc/tensor-backend';
import { COLOURS, sceneCaptions, SHAPES, type ColourName, type ShapeName } from '@gradloc/models';

export interface CaptionedObject {
  readonly shape: ShapeName;
  readonly colour: ColourName;
  readonly area: number;
}

type Edit = (objects: CaptionedObject[], k: number, rand: Rand) => CaptionedObject[] | undefined;

const pick = <T>(items: readonly T[], rand: Rand): T => items[Math.floor(rand() * items.length)];
const other = <T>(items: readonly T[], not: T, rand: Rand): T => pick(items.filter((x) => x !== not), rand);

const changeShape: Edit = (o, k, rand) => o.map((x, i) => (i === k ? { ...x, shape: other(SHAPES, x.shape, rand) } : x));

/** Drawn uniformly; a shape change is listed twice, as shape is the attribute the model is slowest to see. */
const EDITS: readonly Edit[] = [
  changeShape,
  changeShape,
  (o, k, rand) => o.map((x, i) => (i === k ? { ...x, colour: other(COLOURS, x.colour, rand) } : x)),
  // one more identical object (same area: captions order by the largest member of a group)
  (o, k) => [...o, o[k]],
  (o, k) => (o.length > 1 ? o.filter((_, i) => i !== k) : undefined),
  // swap the colours of object k and another of a different colour and shape (binding)
  (o, k) => {
    const j = o.findIndex((x, i) => i !== k && x.colour !== o[k].colour && x.shape !== o[k].shape);
    if (j < 0) return undefined;
    const swapped = [...o];
    swapped[k] = { ...o[k], colour: o[j].colour };
    swapped[j] = { ...o[j], colour: o[k].colour };
    return swapped;
  },
];

/** Tries of random edits before falling back to a random single-object caption. */
const ATTEMPTS = 16;

/**
 * A caption for `objects` with one random edit, in ordering `order` (0: largest first, 1:
 * reverse, as the positive shows it) and never one of `taken` (every caption a scene of the
 * batch could show, so a negative is never another image's positive). In the rare case that
 * every edit tried is taken, a random single-object caption that is not.
 */
export function negativeCaption(objects: readonly CaptionedObject[], order: number, taken: ReadonlySet<string>, rand: Rand): string {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const edited = pick(EDITS, rand)([...objects], Math.floor(rand() * objects.length), rand);
    if (!edited) continue;
    const captions = sceneCaptions(edited);
    const caption = captions[Math.min(order, captions.length - 1)];
    if (!taken.has(caption)) return caption;
  }
  const singles = COLOURS.flatMap((colour) => SHAPES.flatMap((shape) => sceneCaptions([{ shape, colour, area: 1 }])));
  const free = singles.filter((c) => !taken.has(c));
  return pick(free.length > 0 ? free : singles, rand);
}
