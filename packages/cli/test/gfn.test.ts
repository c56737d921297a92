/**
 * `gradloc gfn bench`: one JSON line per method with the median curve and steps to the
 * threshold, computed by training (a short run on the enumerable set task); bad input fails in
 * one line.
 */
import { describe, expect, it } from 'vitest';
import { expectOneLineError, gradloc } from './helpers.js';

describe('gradloc gfn bench', () => {
  it('prints one JSON line per method with its curve and steps-to-threshold', () => {
    const r = gradloc(['gfn', 'bench', '--env', 'set-exact', '--methods', 'fldb,tb', '--seeds', '2', '--steps', '300', '--eval-every', '100', '--threshold', '0.2']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.method)).toEqual(['fldb', 'tb']);
    for (const l of lines) {
      expect(l.metric).toBe('l1');
      expect(l.seeds).toEqual([0, 1]);
      const curve = l.curve as { step: number; value: number }[];
      expect(curve.map((p) => p.step)).toEqual([0, 100, 200, 300]);
      // the untrained sampler is far from the target; training gets closer
      expect(curve[3].value).toBeLessThan(curve[0].value);
      const perSeed = l.per_seed_steps_to_threshold as (number | null)[];
      expect(perSeed).toHaveLength(2);
      const met = curve.find((p) => p.step > 0 && p.value <= 0.2);
      if (l.steps_to_threshold !== null) expect(met).toBeDefined();
    }
    expect(r.stderr).toMatch(/set-exact fldb seed 1/);
  });

  it('refuses an unknown method or environment, and incomplete trajectories for DB alone', () => {
    expectOneLineError(gradloc(['gfn', 'bench', '--env', 'set-exact', '--methods', 'fldb,xx']), 'BAD_INPUT');
    expectOneLineError(gradloc(['gfn', 'bench', '--env', 'moons', '--methods', 'fldb']), 'BAD_INPUT');
    expectOneLineError(gradloc(['gfn', 'bench', '--methods', 'fldb']), 'BAD_INPUT');
    expectOneLineError(gradloc(['gfn', 'bench', '--env', 'set-exact', '--methods', 'db', '--incomplete', '2']), 'BAD_INPUT');
    expectOneLineError(gradloc(['gfn', 'bench', '--env', 'set-exact', '--methods', 'fldb', '--terminal-flow', 'free']), 'BAD_INPUT');
    expectOneLineError(gradloc(['gfn', 'bench', '--env', 'hypergrid', '--methods', 'fldb', '--terminal-flow', 'learned', '--steps', '5']), 'BAD_INPUT');
  });

  it("--terminal-flow learned reproduces the authors' variant: its sampler stays far from the target on set-exact", () => {
    const run = (flow: string): number => {
      const r = gradloc(['gfn', 'bench', '--env', 'set-exact', '--methods', 'fldb', '--seeds', '1', '--steps', '400', '--eval-every', '400', '--terminal-flow', flow]);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout.trim()) as { final: number }).final;
    };
    expect(run('reward')).toBeLessThan(0.1);
    expect(run('learned')).toBeGreaterThan(0.15);
  });
});
