'use client';
import { useEffect, useRef, useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { errorMessage } from '../errors';
import { useTRPC } from '../trpc';
import { isTerminal, type JobView } from '../types';
import { ProgressBar } from './ProgressBar';

interface Props {
  /** The view the job procedure returned: shown until the first event arrives. Key the component by job id. */
  readonly job: JobView;
  /** Called once with the final view when the job succeeds, fails or is cancelled. */
  readonly onEnd?: (view: JobView) => void;
  readonly onError?: (message: string) => void;
}

/** A job followed live over jobs.watch (SSE), with a cancel button while it can still be stopped. */
export function JobProgress({ job, onEnd, onError }: Props) {
  const trpc = useTRPC();
  const [view, setView] = useState<JobView>(job);
  const sub = useSubscription(
    trpc.jobs.watch.subscriptionOptions({ id: job.id }, { enabled: !isTerminal(job.status), onData: setView, onError: (e) => onError?.(errorMessage(e)) }),
  );
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSuccess: setView, onError: (e) => onError?.(errorMessage(e)) }));

  // the parent's callback may change on every render; the end must still be reported once
  const onEndRef = useRef(onEnd);
  useEffect(() => {
    onEndRef.current = onEnd;
  }, [onEnd]);
  const reported = useRef(false);
  useEffect(() => {
    if (isTerminal(view.status) && !reported.current) {
      reported.current = true;
      onEndRef.current?.(view);
    }
  }, [view]);

  const live = !isTerminal(view.status);
  return (
    <div className="job-progress">
      <ProgressBar progress={view.progress} stage={view.stage} status={view.status} />
      <div className="job-meta">
        <span className="muted">
          job <code>{view.id.slice(0, 8)}</code>
          {live && sub.status === 'connecting' ? ' · connecting…' : ''}
          {live && view.cancelRequested ? ' · cancelling…' : ''}
        </span>
        {live && (
          <button type="button" className="secondary small" data-testid="cancel" disabled={cancel.isPending || view.cancelRequested} onClick={() => cancel.mutate({ id: view.id })}>
            Cancel
          </button>
        )}
      </div>
    </div>
  );
}
