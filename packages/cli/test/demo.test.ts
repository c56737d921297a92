/** `gradloc demo` (what `npm start` runs): a readable report that ends in PASS, exit 0. */
import { describe, expect, it } from 'vitest';
import { gradloc } from './helpers.js';

describe('gradloc demo', () => {
  it('reports timings and a finite-difference check that passes', () => {
    const t0 = Date.now();
    const r = gradloc(['demo', '--threads', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const key of ['model', 'ops', 'target', 'compile', 'forward', 'fwd+bwd', 'check']) expect(r.stdout).toMatch(new RegExp(`^${key.replace('+', '\\+')}\\s`, 'm'));
    expect(r.stdout).toMatch(/^  input\s.*max error/m);
    expect(r.stdout).toMatch(/^  layer1\.0\s.*max error/m);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^PASS: /);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('--help describes it; unknown flags are errors', () => {
    expect(gradloc(['demo', '--help']).stdout).toContain('finite differences');
    const bad = gradloc(['demo', '--fast']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('gradloc: BAD_INPUT: unknown flag --fast (see: gradloc demo --help)');
  });
});
