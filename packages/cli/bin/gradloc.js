#!/usr/bin/env node
// The `gradloc` bin. npm links bins before `prepare` compiles dist/, and skips a bin whose
// file is missing, so the link must point at this tracked file rather than dist/bin.js.
try {
  await import('../dist/bin.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/bin.js')) throw e;
  process.stderr.write('gradloc: BAD_INPUT: the CLI is not built yet; run `npm run build` (or `npm ci`) in the repo root\n');
  process.exitCode = 1;
}
