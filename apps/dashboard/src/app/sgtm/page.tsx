'use client';
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Downloads } from '../../lib/components/Downloads';
import { ErrorAlert } from '../../lib/components/ErrorAlert';
import { NumberField, SelectField } from '../../lib/components/Fields';
import { JobProgress } from '../../lib/components/JobProgress';
import { ModelSelect } from '../../lib/components/ModelSelect';
import { errorMessage, isUnauthorized } from '../../lib/errors';
import { formatNumber, numberField } from '../../lib/format';
import { useTRPC } from '../../lib/trpc';
import { sgtmResultOf, type JobView, type SgtmResult } from '../../lib/types';
import { RecoveryChart, TradeoffChart } from './SgtmCharts';

const METHODS = ['sgtm', 'routing', 'filter', 'none'] as const;
type Method = (typeof METHODS)[number];
const STATES = [
  { key: 'full', label: 'as trained', ablate: false, calibrate: false },
  { key: 'ablated', label: 'forget parameters zeroed', ablate: true, calibrate: false },
  { key: 'calibrated', label: 'zeroed + LM-head bias recalibrated', ablate: true, calibrate: true },
] as const;
type Losses = { retain_loss: number; forget_loss: number };

function LossTable({ rows, testId }: { rows: readonly { label: string; losses: Losses | null | undefined }[]; testId: string }) {
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          <th>model</th>
          <th>English (retain), nats</th>
          <th>cipher (forget), nats</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.label}>
            <td>{r.label}</td>
            <td data-testid="retain-loss">{r.losses ? formatNumber(r.losses.retain_loss, 3) : '…'}</td>
            <td data-testid="forget-loss">{r.losses ? formatNumber(r.losses.forget_loss, 3) : '…'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function SgtmPage() {
  const trpc = useTRPC();
  const results = useQuery(trpc.sgtm.results.queryOptions());
  const [model, setModel] = useState('sgtm-bilingual');
  const [windows, setWindows] = useState('128');
  const [compared, setCompared] = useState<Record<string, Losses>>({});
  const [comparing, setComparing] = useState(false);
  const evalLosses = useMutation(trpc.sgtm.eval.mutationOptions());
  const [method, setMethod] = useState<Method>('sgtm');
  const [undiscovered, setUndiscovered] = useState('10');
  const [steps, setSteps] = useState('200');
  const [job, setJob] = useState<JobView | null>(null);
  const [trained, setTrained] = useState<SgtmResult | null>(null);
  const start = useMutation(trpc.sgtm.train.mutationOptions());
  const [error, setError] = useState<{ message: string; unauthorized: boolean } | null>(null);
  const queryClient = useQueryClient();

  async function compare() {
    setError(null);
    setCompared({});
    setComparing(true);
    try {
      // one request per state, in order: the table fills as each arrives
      for (const s of STATES) {
        const r = await evalLosses.mutateAsync({ model, ablate: s.ablate, calibrate: s.calibrate, maxWindows: numberField(windows) });
        setCompared((c) => ({ ...c, [s.key]: r }));
      }
    } catch (e) {
      setError({ message: errorMessage(e), unauthorized: false });
    } finally {
      setComparing(false);
    }
  }

  function train() {
    setError(null);
    setTrained(null);
    start.mutate(
      { method, undiscovered: numberField(undiscovered), steps: numberField(steps) },
      { onSuccess: setJob, onError: (e) => setError({ message: errorMessage(e), unauthorized: isUnauthorized(e) }) },
    );
  }

  function ended(view: JobView) {
    if (view.status !== 'succeeded') {
      setError({ message: view.error ?? `the training job ${view.status}`, unauthorized: false });
      return;
    }
    queryClient.fetchQuery(trpc.jobs.get.queryOptions({ id: view.id })).then(
      (j) => setTrained(sgtmResultOf(j)),
      (e: unknown) => setError({ message: errorMessage(e), unauthorized: false }),
    );
  }

  const r = results.data;
  return (
    <>
      <h1>SGTM</h1>
      <p className="lead">
        Selective Gradient Masking trains a language model so that one domain&apos;s knowledge lives in dedicated parameters (the last MLP units and one attention head of every
        layer), which are then zeroed. Here the model reads two parallel languages: English (the retain domain) and a cipher language made from it (the forget domain). Losses are
        mean next-token cross-entropy in nats on each language&apos;s held-out test text: after removal the cipher loss should be high and the English loss unchanged.
      </p>

      <section className="card">
        <h2>Trade-off and recovery</h2>
        {results.isSuccess && !r && <p className="muted" data-testid="sgtm-no-results">No results yet: run npm run sgtm-results -w @gradloc/reports.</p>}
        {r && (
          <>
            <p className="hint">
              Each point is a model trained with some share of the cipher data left unlabelled (the label next to it is that undiscovered rate); SGTM and routing are measured after
              ablation and calibration, filtering and no filtering as trained. {r.steps} training steps per run, median over {Math.max(...r.points.map((p) => p.seeds))} seed(s), {r.evalWindows ?? 'all'} test windows per language.
            </p>
            <TradeoffChart results={r} />
            {r.recovery && (
              <>
                <p className="hint">
                  Fine-tuning on a 50/50 cipher/English mix until the cipher loss falls to the unfiltered model&apos;s: SGTM {r.recovery.sgtm.stepsToRecover ?? `> ${r.recovery.maxSteps}`} steps, RMU{' '}
                  {r.recovery.rmu.stepsToRecover ?? `> ${r.recovery.maxSteps}`} steps{r.recovery.ratio !== null
                    ? ` (${formatNumber(r.recovery.ratio, 1)}x)`
                    : r.recovery.sgtm.stepsToRecover === null && r.recovery.rmu.stepsToRecover
                      ? ` (SGTM more than ${formatNumber(r.recovery.maxSteps / r.recovery.rmu.stepsToRecover, 1)}x)`
                      : ''}
                  .
                </p>
                <RecoveryChart recovery={r.recovery} />
              </>
            )}
          </>
        )}
        {results.error && <p className="job-error">{errorMessage(results.error)}</p>}
      </section>

      <section className="card form">
        <h2>Compare before and after ablation</h2>
        <div className="row">
          <ModelSelect kind="bilingual-lm" value={model} onChange={setModel} testId="sgtm-model" />
          <NumberField label="Test windows per language" testId="sgtm-windows" min={1} max={2000} value={windows} onChange={setWindows} />
          <button type="button" data-testid="sgtm-compare" disabled={comparing} onClick={() => void compare()}>
            {comparing ? 'Measuring…' : 'Compare'}
          </button>
        </div>
        <p className="hint">Each row runs the model on {windows} windows of 64 tokens per language; calibration trains the LM-head bias for 100 steps first, so the last row takes a few seconds.</p>
        {(comparing || Object.keys(compared).length > 0) && <LossTable testId="sgtm-compare-table" rows={STATES.map((s) => ({ label: s.label, losses: compared[s.key] }))} />}
      </section>

      <section className="card form">
        <h2>Train a small model</h2>
        <div className="row">
          <SelectField label="Method" testId="sgtm-method" value={method} options={METHODS} onChange={setMethod} />
          <NumberField label="Undiscovered cipher data %" testId="sgtm-undiscovered" min={0} max={100} value={undiscovered} onChange={setUndiscovered} />
          <NumberField label="Steps (32 x 64 tokens)" testId="sgtm-steps" min={1} max={3000} value={steps} onChange={setSteps} />
          <button type="button" data-testid="sgtm-train" disabled={start.isPending} onClick={train}>
            {start.isPending ? 'Queueing…' : 'Train'}
          </button>
        </div>
        {job && <JobProgress key={job.id} job={job} onEnd={ended} onError={(m) => setError({ message: m, unauthorized: false })} />}
        {trained && (
          <div data-testid="sgtm-trained">
            <LossTable
              testId="sgtm-trained-table"
              rows={[
                { label: 'as trained', losses: trained.full },
                { label: 'forget parameters zeroed', losses: trained.ablated },
                { label: 'zeroed + recalibrated', losses: trained.calibrated },
              ]}
            />
            <p className="hint">
              {trained.method}, {trained.undiscovered}% undiscovered, {trained.steps} steps at {trained.tokensPerSec} tokens/s; losses on {trained.evalWindows} test windows per language.
            </p>
            <Downloads items={Object.entries(trained.files).map(([name, href]) => ({ label: name, href }))} testId="sgtm-downloads" />
          </div>
        )}
      </section>

      <ErrorAlert message={error?.message} unauthorized={error?.unauthorized} />
    </>
  );
}
