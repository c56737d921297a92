'use client';
import { useState } from 'react';
import { skipToken, useMutation, useQuery } from '@tanstack/react-query';
import { NumberField } from '../../lib/components/Fields';
import { JobProgress } from '../../lib/components/JobProgress';
import { VpsResultView } from '../../lib/components/VpsResultView';
import { errorMessage, isUnauthorized } from '../../lib/errors';
import { numberField } from '../../lib/format';
import { useTRPC } from '../../lib/trpc';
import { vpsResultOf, type JobView } from '../../lib/types';

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
  const [job, setJob] = useState<JobView | null>(null);
  const [done, setDone] = useState<JobView | null>(null);
  const start = useMutation(trpc.vps.explain.mutationOptions());
  const details = useQuery(trpc.jobs.get.queryOptions(done?.status === 'succeeded' ? { id: done.id } : skipToken));
  const result = details.data ? vpsResultOf(details.data) : null;

  function run() {
    if (!image) return;
    onError(null);
    setDone(null);
    start.mutate(
      { image, query, regions: numberField(regions), model: VPS_MODEL },
      { onSuccess: setJob, onError: (e) => onError(errorMessage(e), isUnauthorized(e)) },
    );
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
        <button type="button" data-testid="vps-run" disabled={!image || start.isPending} onClick={run}>
          {start.isPending ? 'Queueing…' : 'Run VPS'}
        </button>
      </div>
      {job && <JobProgress key={job.id} job={job} onEnd={ended} onError={(m) => onError(m)} />}
      {details.error && <p className="job-error">{errorMessage(details.error)}</p>}
      {result && <VpsResultView result={result} />}
    </section>
  );
}
