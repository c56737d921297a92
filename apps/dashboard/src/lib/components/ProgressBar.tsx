import type { JobView } from '../types';

type Props = Pick<JobView, 'progress' | 'stage' | 'status'>;

/** A job's progress; the stage and status live inside the bar's element so they are read with it. */
export function ProgressBar({ progress, stage, status }: Props) {
  const pct = Math.round(Math.min(1, Math.max(0, progress)) * 100);
  return (
    <div role="progressbar" data-testid="progress" data-status={status} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-valuetext={`${pct}% ${status}: ${stage}`} className="progress">
      <div className="progress-track">
        <div className={`progress-bar status-${status}`} style={{ width: `${pct}%` }} />
      </div>
      <div className="progress-text">
        <span className={`badge status-${status}`}>{status}</span>
        <span className="stage">{stage || (status === 'queued' ? 'waiting for a worker' : '')}</span>
        <span className="pct">{pct}%</span>
      </div>
    </div>
  );
}
