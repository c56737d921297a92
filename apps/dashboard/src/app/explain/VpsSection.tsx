'use client';
import { useState } from 'react';
import { skipToken, useMutation, useQuery } from '@tanstack/react-query';
import { NumberField } from '../../lib/components/Fields';
import { JobProgress } from '../../lib/components/JobProgress';
import { VpsDiverseView } from '../../lib/components/VpsDiverseView';
import { VpsResultView } from '../../lib/components/VpsResultView';
import { errorMessage, isUnauthorized } from '../../lib/errors';
import { numberField } from '../../lib/format';
import { useTRPC } from '../../lib/trpc';
import { vpsDiverseResultOf, vpsResultOf, type JobView } from '../../lib/types';

/** VPS runs on the grounder the Grounding page defaults to: the quantized one is the fast one. */
export const VPS_MODEL = 'shapes-grounder-gwq4';

interface Props {
  readonly image: string | null;
  readonly query: string;
  readonly onQuery: (q: string) => void;
  readonly onError: (message: string | null, unauthorized?: boolean) => void;
}

/**
 * Visual Precision Search of one detection. It is a job (hundreds of forward passes), so the
 * page follows it live and fetches the result once it has succeeded.
 */
export function VpsSection({ image, query, onQuery, onError }: Props) {
  const trpc = useTRPC();
  const [regions, setRegions] = useState('16');
  const [k, setK] = useState('4');
  const [job, setJob] = useState<JobView | null>(null);
  const [done, setDone] = useState<JobView | null>(null);
  const start = useMutation(trpc.vps.explain.mutationOptions());
  const startDiverse = useMutation(trpc.vps.diverse.mutationOptions());
  const details = useQuery(trpc.jobs.get.queryOptions(done?.status === 'succeeded' ? { id: done.id } : skipToken));
  const result = details.data ? vpsResultOf(details.data) : null;
  const diverse = details.data ? vpsDiverseResultOf(details.data) : null;
  const pending = start.isPending || startDiverse.isPending;

  function run(kind: 'greedy' | 'diverse') {
    if (!image) return;
    onError(null);
    setDone(null);
    const input = { image, query, regions: numberField(regions), model: VPS_MODEL };
    const callbacks = { onSuccess: setJob, onError: (e: unknown) => onError(errorMessage(e), isUnauthorized(e)) };
    if (kind === 'diverse') startDiverse.mutate({ ...input, k: numberField(k) }, callbacks);
    else start.mutate(input, callbacks);
  }

  function ended(view: JobView) {
    setDone(view);
    if (view.status === 'failed') onError(view.error ?? 'the VPS job failed');
  }

  return (
    <section className="card">
      <h2>Visual Precision Search (grounder)</h2>
      <p className="hint">
        Explains one detection of <code>{VPS_MODEL}</code> on the same image: the picture is cut into regions and searched for the smallest set that keeps the detection. Fewer regions
        run faster.
      </p>
      <div className="row">
        <label className="field grow">
          <span>Query</span>
          <input type="text" data-testid="vps-query" value={query} onChange={(e) => onQuery(e.target.value)} placeholder="a red circle" />
        </label>
        <NumberField label="Regions" testId="vps-regions" min={4} max={256} value={regions} onChange={setRegions} />
        <button type="button" data-testid="vps-run" disabled={!image || pending} onClick={() => run('greedy')}>
          {start.isPending ? 'Queueing…' : 'Run VPS'}
        </button>
      </div>
      <div className="row">
        <p className="hint grow">
          Diverse explanations: instead of one greedy order, a GFlowNet trained on this image samples several different region sets that each keep the detection (as many
          forward passes as a full greedy order).
        </p>
        <NumberField label="Sets" testId="vps-k" min={2} max={8} value={k} onChange={setK} />
        <button type="button" data-testid="vps-diverse-run" disabled={!image || pending} onClick={() => run('diverse')}>
          {startDiverse.isPending ? 'Queueing…' : 'Diverse explanations'}
        </button>
      </div>
      {job && <JobProgress key={job.id} job={job} onEnd={ended} onError={(m) => onError(m)} />}
      {details.error && <p className="job-error">{errorMessage(details.error)}</p>}
      {result && <VpsResultView result={result} />}
      {diverse && <VpsDiverseView result={diverse} />}
    </section>
  );
}
