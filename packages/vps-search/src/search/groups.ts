/**
 * Groups of neighbouring regions for the coarse-to-fine search: the region adjacency graph is
 * merged bottom-up (the group with the fewest regions joins its adjacent group with the
 * fewest regions; ties by fewer pixels, then lower id) until `count` groups are left. Groups
 * are connected wherever the regions are, and deterministic.
 */
import { regionSizes, type Regions } from '../regions/types.js';

/** Pairs of 4-adjacent regions, as one neighbour set per region. */
export function regionAdjacency(r: Regions): Set<number>[] {
  const adj = Array.from({ length: r.count }, () => new Set<number>());
  const { labels, width, height } = r;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const a = labels[y * width + x];
      const right = x + 1 < width ? labels[y * width + x + 1] : a;
      const down = y + 1 < height ? labels[(y + 1) * width + x] : a;
      for (const b of [right, down]) {
        if (b !== a) {
          adj[a].add(b);
          adj[b].add(a);
        }
      }
    }
  }
  return adj;
}

/** `count` groups (each a list of region ids, ascending) covering every region once. */
export function groupRegions(r: Regions, count: number): number[][] {
  const target = Math.max(1, Math.min(r.count, Math.round(count)));
  const sizes = regionSizes(r);
  const adj = regionAdjacency(r);
  // group id per region; groups[g] = its members (null once merged away)
  const groups: (number[] | null)[] = [...Array(r.count).keys()].map((k) => [k]);
  const pixels = Array.from(sizes);
  const neighbours: Set<number>[] = adj.map((s) => new Set(s));
  let alive = r.count;
  const smaller = (a: number, b: number): boolean =>
    groups[a]!.length !== groups[b]!.length ? groups[a]!.length < groups[b]!.length : pixels[a] !== pixels[b] ? pixels[a] < pixels[b] : a < b;
  while (alive > target) {
    let g = -1;
    for (let i = 0; i < groups.length; i++) if (groups[i] && (g < 0 || smaller(i, g))) g = i;
    // a group with no neighbour (an island) joins the smallest other group
    const pool = neighbours[g].size > 0 ? [...neighbours[g]] : groups.flatMap((m, i) => (m && i !== g ? [i] : []));
    let h = pool[0];
    for (const c of pool) if (smaller(c, h)) h = c;
    const [keep, gone] = g < h ? [g, h] : [h, g];
    groups[keep] = [...groups[keep]!, ...groups[gone]!].sort((a, b) => a - b);
    pixels[keep] += pixels[gone];
    groups[gone] = null;
    for (const n of neighbours[gone]) {
      neighbours[n].delete(gone);
      if (n !== keep) {
        neighbours[n].add(keep);
        neighbours[keep].add(n);
      }
    }
    neighbours[keep].delete(gone);
    neighbours[keep].delete(keep);
    neighbours[gone].clear();
    alive--;
  }
  return groups.filter((m): m is number[] => m !== null);
}
