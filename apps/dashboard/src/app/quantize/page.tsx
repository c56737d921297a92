'use client';
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorAlert } from '../../lib/components/ErrorAlert';
import { NumberField, SelectField } from '../../lib/components/Fields';
import { JobProgress } from '../../lib/components/JobProgress';
import { ModelSelect } from '../../lib/components/ModelSelect';
import { QuantTable } from '../../lib/components/QuantTable';
import { errorMessage, isUnauthorized } from '../../lib/errors';
import { formatNumber, numberField } from '../../lib/format';
import { useTRPC } from '../../lib/trpc';
import { quantResultOf, type JobView, type QuantResult } from '../../lib/types';
import { PplChart } from './PplChart';

const METHODS = ['gwq', 'rtn', 'magnitude', 'hessian', 'random'] as const;
const BITS = [2, 3, 4, 8] as const;
type Method = (typeof METHODS)[number];
type Bits = (typeof BITS)[number];

export default function QuantizePage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [model, setModel] = useState('brown-gpt');
  const [method, setMethod] = useState<Method>('gwq');
  const [bits, setBits] = useState<Bits>(4);
  const [outliers, setOutliers] = useState('1');
  const [calib, setCalib] = useState('8');
  const [windows, setWindows] = useState('64');
  const [gptq, setGptq] = useState(false);
  const [job, setJob] = useState<JobView | null>(null);
  const [error, setError] = useState<{ message: string; unauthorized: boolean } | null>(null);

  const start = useMutation(trpc.quant.run.mutationOptions());
  const history = useQuery(trpc.jobs.list.queryOptions({ kind: 'quant', status: 'succeeded', limit: 200, results: true }));
  const rows = (history.data ?? []).flatMap((j) => {
    const result = quantResultOf(j);
    return result ? [{ id: j.id, result }] : [];
  });
  const results: QuantResult[] = rows.map((r) => r.result);
  const card = useQuery(trpc.models.get.queryOptions({ name: model })).data?.card;
  const cardPpl = card?.metrics.ppl;
  /** RTN rounds every weight: it keeps no outliers, whatever the field says. */
  const keepsOutliers = method !== 'rtn';

  function run() {
    setError(null);
    start.mutate(
      { model, method, bits, outliers: keepsOutliers ? numberField(outliers) : 0, calibSamples: numberField(calib), evalWindows: numberField(windows), gptq },
      { onSuccess: setJob, onError: (e) => setError({ message: errorMessage(e), unauthorized: isUnauthorized(e) }) },
    );
  }

  function ended(view: JobView) {
    if (view.status === 'failed') setError({ message: view.error ?? 'the quantization job failed', unauthorized: false });
    // the history (here and on the Jobs page) changes only when a job ends
    void queryClient.invalidateQueries(trpc.jobs.list.pathFilter());
  }

  return (
    <>
      <h1>Quantize</h1>
      <p className="lead">
        Quantize the language model&apos;s weights and measure what it costs in perplexity on the Brown test set. GWQ keeps the small share of weights that calibration gradients mark as
        most important (the outliers) in FP16 and quantizes the rest.
      </p>
      <section className="card form">
        <div className="row">
          <ModelSelect kind="language-model" value={model} onChange={setModel} testId="quant-model" />
          <SelectField label="Method" testId="quant-method" value={method} options={METHODS} onChange={setMethod} />
          <SelectField label="Bits" testId="quant-bits" value={bits} options={BITS} onChange={setBits} />
          <NumberField label="Outliers % (FP16)" testId="quant-outliers" min={0} max={10} step={0.1} value={keepsOutliers ? outliers : '0'} onChange={setOutliers} disabled={!keepsOutliers} />
        </div>
        {!keepsOutliers && <p className="hint">RTN rounds every weight to the grid: it keeps no FP16 outliers.</p>}
        <div className="row">
          <NumberField label="Calibration samples" testId="quant-calib" min={1} max={64} value={calib} onChange={setCalib} />
          <NumberField label="Eval windows" testId="quant-windows" min={1} max={2000} value={windows} onChange={setWindows} />
          <label className="check">
            <input type="checkbox" data-testid="quant-gptq" checked={gptq} onChange={(e) => setGptq(e.target.checked)} />
            GPTQ error compensation
          </label>
          <button type="button" data-testid="quant-run" disabled={start.isPending} onClick={run}>
            {start.isPending ? 'Queueing…' : 'Quantize'}
          </button>
        </div>
        {job && <JobProgress key={job.id} job={job} onEnd={ended} onError={(m) => setError({ message: m, unauthorized: false })} />}
      </section>

      <ErrorAlert message={error?.message} unauthorized={error?.unauthorized} />

      <section className="card">
        <h2>Results</h2>
        <p className="hint">
          One row per finished quantization job. Each row&apos;s perplexity and its FP32 reference are measured on the same Brown test windows, the number the
          job was asked for (lower is better); sizes are the ONNX files&apos; in MiB (1024² bytes).
        </p>
        {cardPpl !== undefined && (
          <p className="hint" data-testid="card-ppl">
            The {model} card gives FP32 perplexity <strong>{formatNumber(cardPpl, 2)}</strong> on all{card?.evaluation.windows ? ` ${card.evaluation.windows.test}` : ''} Brown test windows (
            <code>{card?.evaluation.command}</code>); the table&apos;s FP32 column differs where a job scored fewer windows.
          </p>
        )}
        <QuantTable rows={rows} testId="quant-table" />
        {history.isSuccess && rows.length === 0 && <p className="muted">No finished quantization jobs yet.</p>}
        {history.error && <p className="job-error">{errorMessage(history.error)}</p>}
        {results.length > 0 && <PplChart results={results} methods={METHODS} />}
      </section>
    </>
  );
}
