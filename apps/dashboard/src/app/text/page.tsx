'use client';
import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { ErrorAlert } from '../../lib/components/ErrorAlert';
import { ImagePicker, type PickedImage } from '../../lib/components/ImagePicker';
import { errorMessage } from '../../lib/errors';
import { useTRPC } from '../../lib/trpc';
import type { Outputs } from '../../lib/types';
import { TokenWeights } from './TokenWeights';

type TextResult = Outputs['explain']['text'];
type VlMethod = Outputs['explain']['textMethods'][number];

const LABELS: Record<string, string> = {
  gradeclip: 'Grad-ECLIP',
  mmel: 'MMEL-style (ours)',
  gradcam: 'Grad-CAM (last block)',
  attention: 'Class-token attention',
  rollout: 'Attention rollout',
};

/** Text to image: which regions match a caption and which of its words mattered, per method, side by side. */
export default function TextPage() {
  const trpc = useTRPC();
  const models = useQuery(trpc.models.list.queryOptions({}));
  const allMethods = useQuery(trpc.explain.textMethods.queryOptions());
  const [picked, setPicked] = useState<PickedImage | null>(null);
  const [text, setText] = useState('');
  const [model, setModel] = useState('shapes-clip');
  const [methods, setMethods] = useState<VlMethod[]>(['gradeclip', 'mmel', 'gradcam', 'attention', 'rollout']);
  const [result, setResult] = useState<(TextResult & { image: string; text: string }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const explain = useMutation(trpc.explain.text.mutationOptions());
  const choices = (models.data ?? []).filter((m) => m.kind === 'dual-encoder' || m.kind === 'grounder');

  function pick(p: PickedImage) {
    setPicked(p);
    setResult(null);
    setError(null);
    if (p.phrases.length) setText(p.phrases[0]);
  }

  function toggle(m: VlMethod) {
    setMethods((now) => (now.includes(m) ? now.filter((x) => x !== m) : [...now, m]));
  }

  function run() {
    if (!picked) return;
    setError(null);
    explain.mutate(
      { image: picked.image, text, model, methods },
      {
        onSuccess: (r) => setResult({ ...r, image: picked.image, text }),
        onError: (e) => {
          setResult(null);
          setError(errorMessage(e));
        },
      },
    );
  }

  const shown = result && picked && result.image === picked.image ? result : null;
  return (
    <>
      <h1>Text to image</h1>
      <p className="lead">
        Type a caption (or, for a grounder, a query): the maps show which regions of the picture make it match, the word weights which words mattered. Grad-ECLIP explains the model&apos;s own
        multi-head attention; MMEL-style is this project&apos;s definition (see cam-explain&apos;s README); the others are the usual baselines.
      </p>
      <section className="card form">
        <ImagePicker onPick={pick} onError={setError} />
        <label className="field wide">
          <span>Caption or query</span>
          <input data-testid="caption" value={text} onChange={(e) => setText(e.target.value)} placeholder="a red circle" />
        </label>
        <div className="row">
          <label className="field">
            <span>Model</span>
            <select data-testid="model" value={model} onChange={(e) => setModel(e.target.value)}>
              {(choices.some((m) => m.name === model) ? choices.map((m) => m.name) : [model, ...choices.map((m) => m.name)]).map((n) => (
                <option key={n} value={n}>
                  {n} {choices.find((m) => m.name === n)?.kind === 'grounder' ? '(grounder)' : ''}
                </option>
              ))}
            </select>
          </label>
          <fieldset className="methods" data-testid="methods">
            {(allMethods.data ?? methods).map((m) => (
              <label key={m} className="check">
                <input type="checkbox" checked={methods.includes(m)} onChange={() => toggle(m)} data-testid={`method-${m}`} />
                {LABELS[m] ?? m}
              </label>
            ))}
          </fieldset>
          <button type="button" data-testid="explain-text" disabled={!picked || !text.trim() || methods.length === 0 || explain.isPending} onClick={run}>
            {explain.isPending ? 'Explaining…' : 'Explain'}
          </button>
        </div>
      </section>

      <ErrorAlert message={error} />

      {picked && !shown && (
        <section className="card">
          <img src={picked.image} alt={picked.name} width={192} className="thumb-large" />
          <p className="muted caption">{picked.name}</p>
        </section>
      )}

      {shown && (
        <section className="card" data-testid="text-result">
          <p className="explained-line" data-testid="text-score">
            {shown.model} ({shown.kind}): {shown.scoreDescription} = <strong>{shown.score.toFixed(4)}</strong> for &ldquo;{shown.text}&rdquo;
            <span className="muted"> · {shown.ms} ms (server) · MMEL-style layer weights: {shown.mmelWeights}</span>
          </p>
          <div className="heatmaps">
            {shown.methods.map((m) => (
              <figure key={m.method} className={`heatmap ${m.warnings.length ? 'degenerate' : ''}`} data-testid="text-map" data-method={m.method}>
                <img src={m.overlay} alt={`${m.method} map for "${shown.text}"`} />
                <figcaption>
                  <strong>{LABELS[m.method] ?? m.method}</strong>
                  <br />
                  <span className="muted">
                    insertion {m.insertionAuc.toFixed(3)} · deletion {m.deletionAuc.toFixed(3)} · {m.ms} ms
                  </span>
                  {m.tokens.length > 0 ? <TokenWeights tokens={m.tokens} /> : <p className="hint">no text side (attention baseline)</p>}
                </figcaption>
                {m.warnings.length > 0 && (
                  <div className="map-warnings" data-testid="map-warnings" role="note">
                    {m.warnings.join(' ')}
                  </div>
                )}
              </figure>
            ))}
          </div>
          <p className="hint">
            Insertion (higher is better) reveals the most salient pixels on a black picture, deletion (lower is better) paints them with random colours, each up to half of the pixels;
            both are the mean explained score along the way.
          </p>
        </section>
      )}
    </>
  );
}
