'use client';
import { useQuery } from '@tanstack/react-query';
import { QuantTable } from '../../lib/components/QuantTable';
import { VpsDiverseView } from '../../lib/components/VpsDiverseView';
import { VpsResultView } from '../../lib/components/VpsResultView';
import { errorMessage } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import { useTRPC } from '../../lib/trpc';
import { isTerminal, quantResultOf, vpsDiverseResultOf, vpsResultOf } from '../../lib/types';

/** The stored input without the uploaded picture (megabytes of base64 help nobody). */
function inputSummary(input: unknown): string {
  // an upload is a URL of the job's file; older rows hold it inline
  return JSON.stringify(input, (key, value: unknown) => (key === 'image' && typeof value === 'string' && value.length > 200 ? `(image, ${value.length} characters)` : value), 2);
}

export function JobDetails({ id }: { id: string }) {
  const trpc = useTRPC();
  // refreshed until the job ends, so opening a running job shows its result when it arrives
  const job = useQuery(trpc.jobs.get.queryOptions({ id }, { refetchInterval: (q) => (q.state.data && isTerminal(q.state.data.status) ? false : 2000) }));
  if (job.isPending) return <section className="card muted">Loading job…</section>;
  if (job.error) return <section className="card job-error">{errorMessage(job.error)}</section>;
  const j = job.data;
  const vps = vpsResultOf(j);
  const quant = quantResultOf(j);
  const diverse = vpsDiverseResultOf(j);
  return (
    <section className="card" data-testid="job-details">
      <h2>
        {j.kind} job <code>{j.id}</code>
      </h2>
      <dl className="facts">
        <dt>status</dt>
        <dd>{j.status}</dd>
        <dt>created</dt>
        <dd>{formatTime(j.createdAt)}</dd>
        <dt>started</dt>
        <dd>{formatTime(j.startedAt)}</dd>
        <dt>finished</dt>
        <dd>{formatTime(j.finishedAt)}</dd>
        <dt>attempts</dt>
        <dd>{j.attempts}</dd>
        {j.error && (
          <>
            <dt>error</dt>
            <dd className="job-error">{j.error}</dd>
          </>
        )}
      </dl>
      {vps && <VpsResultView result={vps} />}
      {diverse && <VpsDiverseView result={diverse} />}
      {quant && <QuantTable rows={[{ id: j.id, result: quant }]} />}
      <details>
        <summary>Input</summary>
        <pre className="json">{inputSummary(j.input)}</pre>
      </details>
    </section>
  );
}
