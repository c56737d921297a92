#!/usr/bin/env node
/**
 * `prepack` of the publishable packages: deletes outputs in dist/ whose source in src/ no
 * longer exists (a renamed or removed module leaves its old .js, .d.ts and .map behind, since
 * tsc -b never cleans), so `npm pack` ships only what the current sources build. Run in the
 * package's folder (npm runs lifecycle scripts there).
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const pkg = process.cwd();
const dist = join(pkg, 'dist');
const OUTPUT = /\.(d\.ts\.map|d\.ts|js\.map|js)$/;
let removed = 0;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
      continue;
    }
    if (!OUTPUT.test(name)) continue;
    const source = join(pkg, 'src', relative(dist, path).replace(OUTPUT, '.ts'));
    if (!existsSync(source)) {
      rmSync(path);
      removed++;
    }
  }
}

if (existsSync(dist)) walk(dist);
if (removed) console.error(`prune-dist: removed ${removed} stale file(s) from ${relative(process.cwd(), dist) || 'dist'}`);
