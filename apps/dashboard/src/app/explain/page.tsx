'use client';
import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { ErrorAlert } from '../../lib/components/ErrorAlert';
import { ImagePicker, type PickedImage } from '../../lib/components/ImagePicker';
import { ModelSelect } from '../../lib/components/ModelSelect';
import { errorMessage } from '../../lib/errors';
import { useTRPC } from '../../lib/trpc';
import type { CompareResult, MethodName } from '../../lib/types';
import { CompareView } from './CompareView';
import { VpsSection } from './VpsSection';

const DEFAULT_METHODS: readonly MethodName[] = ['gradcam', 'gradcam++', 'saliency'];
const MAX_METHODS = 6;

export default function ExplainPage() {
  const trpc = useTRPC();
  const methodList = useQuery(trpc.explain.methods.queryOptions());
  const [picked, setPicked] = useState<PickedImage | null>(null);
  const [model, setModel] = useState('shapes-resnet');
  const [methods, setMethods] = useState<readonly MethodName[]>(DEFAULT_METHODS);
  const [vpsQuery, setVpsQuery] = useState('');
  const [result, setResult] = useState<{ image: string; data: CompareResult } | null>(null);
  const [error, setError] = useState<{ message: string; unauthorized: boolean } | null>(null);
  const compare = useMutation(trpc.explain.compare.mutationOptions());

  const report = (message: string | null, unauthorized = false) => setError(message ? { message, unauthorized } : null);
  const names = methodList.data ?? DEFAULT_METHODS;

  function pick(p: PickedImage) {
    setPicked(p);
    setResult(null);
    setError(null);
    if (p.phrases.length) setVpsQuery(p.phrases[0]);
  }

  function toggle(name: MethodName, on: boolean) {
    setMethods((prev) => (on ? [...prev, name] : prev.filter((m) => m !== name)));
  }

  function run() {
    if (!picked) return;
    setError(null);
    compare.mutate(
      // in the server's order, so the heatmaps and the table keep a stable order
      { image: picked.image, methods: names.filter((n) => methods.includes(n)), model },
      {
        onSuccess: (data) => setResult({ image: picked.image, data }),
        onError: (e) => {
          setResult(null);
          report(errorMessage(e));
        },
      },
    );
  }

  const shown = result && picked && result.image === picked.image ? result.data : null;

  return (
    <>
      <h1>Explain</h1>
      <p className="lead">Why did the classifier predict what it did? Compare CAM and attribution maps on the same prediction, with deletion and insertion curves.</p>
      <section className="card form">
        <div className="row top">
          <ImagePicker onPick={pick} onError={(m) => report(m)} />
          {picked && <img className="thumb" src={picked.image} alt={picked.name} title={picked.name} />}
        </div>
        <div className="row">
          <ModelSelect kind="classifier" value={model} onChange={setModel} label="Classifier" />
        </div>
        <fieldset className="methods">
          <legend>
            Methods <span className="muted">(at most {MAX_METHODS})</span>
          </legend>
          {names.map((n) => (
            <label key={n} className="check">
              <input type="checkbox" data-testid={`method-${n}`} checked={methods.includes(n)} onChange={(e) => toggle(n, e.target.checked)} />
              {n}
            </label>
          ))}
        </fieldset>
        <div className="row">
          <button type="button" data-testid="explain" disabled={!picked || compare.isPending} onClick={run}>
            {compare.isPending ? 'Explaining…' : 'Explain'}
          </button>
          {methods.length > MAX_METHODS && <span className="hint">{methods.length} methods chosen: the server compares at most {MAX_METHODS}.</span>}
        </div>
      </section>

      <ErrorAlert message={error?.message} unauthorized={error?.unauthorized} />

      {shown && <CompareView result={shown} />}

      <VpsSection image={picked?.image ?? null} query={vpsQuery} onQuery={setVpsQuery} onError={report} />
    </>
  );
}
