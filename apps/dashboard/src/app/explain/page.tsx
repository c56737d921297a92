'use client';
import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { ImagePicker, type PickedImage } from '../../lib/components/ImagePicker';
import { ModelSelect } from '../../lib/components/ModelSelect';
import { QueryErrorAlert, useVocabulary } from '../../lib/components/Vocabulary';
import { errorMessage } from '../../lib/errors';
import { useTRPC } from '../../lib/trpc';
import type { CompareResult, MethodName } from '../../lib/types';
import { CompareView } from './CompareView';
import { VPS_MODEL, VpsSection } from './VpsSection';

const DEFAULT_METHODS: readonly MethodName[] = ['gradcam', 'gradcam++', 'saliency'];
const MAX_METHODS = 6;
/** The class select's value for "the model's top class" (classes are their indices). */
const TOP_CLASS = '';

export default function ExplainPage() {
  const trpc = useTRPC();
  const methodList = useQuery(trpc.explain.methods.queryOptions());
  const [picked, setPicked] = useState<PickedImage | null>(null);
  const [model, setModel] = useState('shapes-resnet');
  const [target, setTarget] = useState(TOP_CLASS);
  const [methods, setMethods] = useState<readonly MethodName[]>(DEFAULT_METHODS);
  const [vpsQuery, setVpsQuery] = useState('');
  const [result, setResult] = useState<{ image: string; model: string; data: CompareResult } | null>(null);
  const [error, setError] = useState<{ message: string; unauthorized: boolean } | null>(null);
  const compare = useMutation(trpc.explain.compare.mutationOptions());
  const labels = useQuery(trpc.models.get.queryOptions({ name: model })).data?.card?.labels ?? [];
  const vpsWords = useVocabulary(VPS_MODEL).data?.words ?? null;

  const report = (message: string | null, unauthorized = false) => setError(message ? { message, unauthorized } : null);
  const names = methodList.data ?? DEFAULT_METHODS;

  function pick(p: PickedImage) {
    setPicked(p);
    setResult(null);
    setError(null);
    if (p.phrases.length) setVpsQuery(p.phrases[0]);
  }

  function chooseModel(name: string) {
    setModel(name);
    setTarget(TOP_CLASS); // another model has other classes
  }

  function toggle(name: MethodName, on: boolean) {
    setMethods((prev) => (on ? [...prev, name] : prev.filter((m) => m !== name)));
  }

  function run() {
    if (!picked) return;
    setError(null);
    compare.mutate(
      // in the server's order, so the heatmaps and the table keep a stable order
      { image: picked.image, methods: names.filter((n) => methods.includes(n)), model, target: target === TOP_CLASS ? undefined : Number(target) },
      {
        onSuccess: (data) => setResult({ image: picked.image, model, data }),
        onError: (e) => {
          setResult(null);
          report(errorMessage(e));
        },
      },
    );
  }

  const shown = result && picked && result.image === picked.image ? result : null;

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
          <ModelSelect kind="classifier" value={model} onChange={chooseModel} label="Classifier" />
          <label className="field">
            <span>Class to explain</span>
            <select data-testid="target" value={target} onChange={(e) => setTarget(e.target.value)}>
              <option value={TOP_CLASS}>top class (the prediction)</option>
              {labels.map((label, i) => (
                <option key={`${i}-${label}`} value={String(i)}>
                  {label}
                </option>
              ))}
            </select>
          </label>
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

      <QueryErrorAlert message={error?.message} words={vpsWords} unauthorized={error?.unauthorized} />

      {shown && <CompareView result={shown.data} model={shown.model} />}

      <VpsSection image={picked?.image ?? null} query={vpsQuery} onQuery={setVpsQuery} onError={report} />
    </>
  );
}
