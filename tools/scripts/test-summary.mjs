#!/usr/bin/env node
// Sums the vitest JSON reports every workspace package writes (test-results.json) into
// one closing line, so CI logs end with a total: "tests: N passed, N failed, N skipped".
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
// --clean: remove last run's reports first, so a package that did not run is not counted
const clean = process.argv.includes('--clean');
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
// workspace folders: every package under packages/, apps/ and tools/, and e2e/ itself
const folders = [
  ...['packages', 'apps', 'tools'].flatMap((group) => (existsSync(join(root, group)) ? readdirSync(join(root, group)).map((name) => `${group}/${name}`) : [])),
  'e2e',
];
for (const folder of folders) {
  const file = join(root, folder, 'test-results.json');
  if (!existsSync(file)) continue;
  if (clean) {
    rmSync(file);
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  rows.push(`  ${folder}: ${r.numPassedTests} passed, ${r.numFailedTests} failed${r.numPendingTests ? `, ${r.numPendingTests} skipped` : ''}`);
}
if (clean) process.exit(0);
console.log(rows.join('\n'));
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
