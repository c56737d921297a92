'use client';
import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { ErrorAlert } from '../../lib/components/ErrorAlert';
import { ProgressBar } from '../../lib/components/ProgressBar';
import { errorMessage, isUnauthorized } from '../../lib/errors';
import { formatTime } from '../../lib/format';
import { useTRPC } from '../../lib/trpc';
import { JobDetails } from './JobDetails';
import { TokenForm } from './TokenForm';

export default function JobsPage() {
  const trpc = useTRPC();
  const jobs = useQuery(trpc.jobs.list.queryOptions({ limit: 50 }, { refetchInterval: 2000 }));
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<{ message: string; unauthorized: boolean } | null>(null);
  const cancel = useMutation(
    trpc.jobs.cancel.mutationOptions({
      onSuccess: () => void jobs.refetch(),
      onError: (e) => setError({ message: errorMessage(e), unauthorized: isUnauthorized(e) }),
    }),
  );

  return (
    <>
      <h1>Jobs</h1>
      <p className="lead">VPS and quantization jobs, newest first (refreshed every 2 seconds). Click a row for its details.</p>
      <ErrorAlert message={error?.message ?? (jobs.error ? errorMessage(jobs.error) : null)} unauthorized={error?.unauthorized} />
      <section className="card">
        <table className="table jobs">
          <thead>
            <tr>
              <th>kind</th>
              <th className="progress-col">status and progress</th>
              <th>created</th>
              <th>error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {jobs.data?.map((j) => {
              const live = j.status === 'queued' || j.status === 'running';
              return (
                <tr
                  key={j.id}
                  data-testid="job-row"
                  data-job={j.id}
                  data-status={j.status}
                  className={`clickable ${selected === j.id ? 'selected' : ''}`}
                  aria-selected={selected === j.id}
                  tabIndex={0}
                  onClick={() => setSelected(j.id)}
                  onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && setSelected(j.id)}
                >
                  <td>{j.kind}</td>
                  <td>
                    <ProgressBar progress={j.progress} stage={j.stage} status={j.status} />
                  </td>
                  <td className="nowrap">{formatTime(j.createdAt)}</td>
                  <td className="job-error">{j.error}</td>
                  <td>
                    {live && (
                      <button
                        type="button"
                        className="secondary small"
                        data-testid="cancel"
                        disabled={j.cancelRequested || (cancel.isPending && cancel.variables.id === j.id)}
                        onClick={(e) => {
                          e.stopPropagation(); // cancelling is not opening the details
                          setError(null);
                          cancel.mutate({ id: j.id });
                        }}
                      >
                        {j.cancelRequested ? 'Cancelling…' : 'Cancel'}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
            {jobs.data?.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No jobs yet: start one on the Explain (VPS) or Quantize page.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
      {selected && <JobDetails key={selected} id={selected} />}
      <TokenForm />
    </>
  );
}
