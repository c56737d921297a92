/**
 * sgtm.*: the shipped bilingual models' losses (equal to @gradloc/models' evaluateModel, an
 * independent route), ablation removing the cipher, a training job with live progress and
 * downloadable files on a real SQLite database, and validation before any job exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateModel } from '@gradloc/models';
import { downloadResponse } from '../src/server/jobs/files.js';
import { JobStore, JobWorker, type JobView, type SgtmResult } from '../src/server/index.js';
import { testApp, type TestApp } from './helpers/setup.js';

let app: TestApp;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => app?.close());

const rejection = (p: Promise<unknown>): Promise<Error & { code?: string }> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error & { code?: string }) => e,
  );

describe('sgtm.eval', () => {
  it("gives the shipped model's losses as evaluateModel computes them, and ablation removes the cipher but not English", async () => {
    const full = await app.caller().sgtm.eval({ model: 'sgtm-bilingual', maxWindows: 8 });
    expect({ retain_loss: full.retain_loss, forget_loss: full.forget_loss }).toEqual(await evaluateModel('sgtm-bilingual', { samples: 8 }));
    expect(full.tokens).toEqual({ retain: 8 * 64, forget: 8 * 64 });
    const ablated = await app.caller().sgtm.eval({ model: 'sgtm-bilingual', ablate: true, maxWindows: 8 });
    expect(ablated.forget_loss - full.forget_loss).toBeGreaterThan(2);
    expect(Math.abs(ablated.retain_loss - full.retain_loss)).toBeLessThan(0.1);
  });

  it('names unknown and non-bilingual models', async () => {
    const unknown = await rejection(app.caller().sgtm.eval({ model: 'no-such-model' }));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toMatch(/no model 'no-such-model' among the bilingual-lms; registered: .*sgtm-bilingual/);
    const other = await rejection(app.caller().sgtm.eval({ model: 'brown-gpt' }));
    expect(other.code).toBe('BAD_REQUEST');
    expect(other.message).toMatch(/'brown-gpt' is a language-model, not a bilingual-lm/);
  });
});

describe('sgtm.train', () => {
  it('refuses bad input before any job exists', async () => {
    for (const bad of [{ undiscovered: 150 }, { undiscovered: -1 }, { steps: 0 }, { method: 'bogus' }]) {
      const e = await rejection(app.caller().sgtm.train(bad as never));
      expect(e.code).toBe('BAD_REQUEST');
    }
    expect((await rejection(app.caller().sgtm.train({ undiscovered: 150 }))).message).toMatch(/percentage in \[0, 100\]/);
    expect((await app.caller().jobs.list({ kind: 'sgtm' })).length).toBe(0);
  });

  it('trains as a job with step progress; the result has the losses before and after ablation and the model files', async () => {
    const store = app.jobs;
    const worker = new JobWorker(store, app.services, { concurrency: 1, heartbeatMs: 50, log: () => undefined });
    const job = await app.caller().sgtm.train({ method: 'sgtm', undiscovered: 10, steps: 30, evalWindows: 2 });
    const seen: JobView[] = [];
    const watching = (async () => {
      for await (const v of await app.caller().jobs.watch({ id: job.id })) seen.push(v);
    })();
    await worker.start();
    await watching;
    await worker.stop(true);
    const done = seen.at(-1)!;
    expect(done.status).toBe('succeeded');
    expect(seen.some((v) => v.status === 'running' && /^step \d+\/30: loss \d/.test(v.stage ?? ''))).toBe(true);
    const r = (await app.caller().jobs.get({ id: job.id })).result as SgtmResult;
    expect(r.full.forget_loss).toBeGreaterThan(0);
    expect(r.ablated?.forget_loss).toBeGreaterThan(r.full.forget_loss);
    expect(r.calibrated).not.toBeNull();
    expect(r.tokensPerSec).toBeGreaterThan(0);
    for (const url of Object.values(r.files)) {
      const res = await downloadResponse(app.services.blobs, url);
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    const card = (await (await downloadResponse(app.services.blobs, r.files['card.json'])).json()) as { metrics: Record<string, number> };
    expect(card.metrics).toEqual(r.full);
  });
});

describe('sgtm.results', () => {
  it('returns the shipped results file (or null before it exists)', async () => {
    const res = await app.caller().sgtm.results();
    if (res) expect(res.points.length).toBeGreaterThan(0);
    else expect(res).toBeNull();
  });
});
