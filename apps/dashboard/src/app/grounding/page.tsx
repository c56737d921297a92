'use client';
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { ErrorAlert } from '../../lib/components/ErrorAlert';
import { NumberField } from '../../lib/components/Fields';
import { ImagePicker, type PickedImage } from '../../lib/components/ImagePicker';
import { ModelSelect } from '../../lib/components/ModelSelect';
import { colourAt } from '../../lib/colours';
import { errorMessage } from '../../lib/errors';
import { formatNumber, numberField } from '../../lib/format';
import { useTRPC } from '../../lib/trpc';
import type { Detection } from '../../lib/types';

const DISPLAY_WIDTH = 384;

/** One query a line, or several on a line separated by commas. */
const parseQueries = (text: string): string[] =>
  text
    .split(/[\n,]/)
    .map((q) => q.trim())
    .filter(Boolean);

interface Result {
  /** The image the boxes belong to (a new pick must not show stale boxes). */
  readonly image: string;
  readonly queries: readonly string[];
  readonly detections: readonly Detection[];
  readonly ms: number;
}

export default function GroundingPage() {
  const trpc = useTRPC();
  const [picked, setPicked] = useState<PickedImage | null>(null);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  const [broken, setBroken] = useState(false);
  const [queries, setQueries] = useState('');
  const [model, setModel] = useState('shapes-grounder-gwq4');
  const [threshold, setThreshold] = useState('0.15');
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  const detect = useMutation(trpc.grounding.detect.mutationOptions());

  function pick(p: PickedImage) {
    setPicked(p);
    setSize(null);
    setBroken(false);
    setResult(null);
    setError(null);
    if (p.phrases.length) setQueries(p.phrases.join('\n'));
  }

  function run() {
    if (!picked) return;
    const list = parseQueries(queries);
    setError(null);
    detect.mutate(
      { image: picked.image, queries: list, model, threshold: numberField(threshold) },
      {
        onSuccess: (r) => setResult({ image: picked.image, queries: list, detections: r.detections, ms: r.ms }),
        onError: (e) => {
          setResult(null);
          setError(errorMessage(e));
        },
      },
    );
  }

  const shown = result && picked && result.image === picked.image ? result : null;
  const queryColour = (q: string): string => colourAt(Math.max(0, shown?.queries.indexOf(q) ?? 0));

  return (
    <>
      <h1>Grounding</h1>
      <p className="lead">Find the objects a phrase refers to. The default grounder is the GWQ 4-bit model; pick the FP32 one to compare.</p>
      <section className="card form">
        <ImagePicker onPick={pick} onError={setError} />
        <label className="field wide">
          <span>Queries (one a line, or comma-separated)</span>
          <textarea data-testid="queries" rows={4} value={queries} onChange={(e) => setQueries(e.target.value)} placeholder={'a red circle\nthe blue star'} />
        </label>
        <div className="row">
          <ModelSelect kind="grounder" value={model} onChange={setModel} />
          <NumberField label="Threshold" testId="threshold" min={0} max={1} step={0.05} value={threshold} onChange={setThreshold} />
          <button type="button" data-testid="detect" disabled={!picked || detect.isPending} onClick={run}>
            {detect.isPending ? 'Detecting…' : 'Detect'}
          </button>
        </div>
      </section>

      <ErrorAlert message={error} />

      {picked && (
        <section className="card result-grid">
          <div>
            <div className="canvas" data-testid="grounding-canvas" style={{ width: DISPLAY_WIDTH }}>
              {broken ? (
                <p className="placeholder">The browser cannot show this file (the server will say whether it is an image).</p>
              ) : (
                <img
                  src={picked.image}
                  alt={picked.name}
                  width={DISPLAY_WIDTH}
                  onLoad={(e) => setSize({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })}
                  onError={() => setBroken(true)}
                />
              )}
              {shown &&
                size &&
                shown.detections.map((d, i) => {
                  // server boxes are in the uploaded image's pixels; the picture is shown DISPLAY_WIDTH wide
                  const scale = DISPLAY_WIDTH / size.width;
                  const [x0, y0, x1, y1] = d.box;
                  const colour = queryColour(d.query);
                  return (
                    <div
                      key={i}
                      data-testid="box"
                      className="box"
                      style={{ left: x0 * scale, top: y0 * scale, width: (x1 - x0) * scale, height: (y1 - y0) * scale, borderColor: colour }}
                      title={`${d.query}: ${d.score.toFixed(3)}`}
                    >
                      <span className="box-label" style={{ background: colour }}>
                        {d.query} {d.score.toFixed(2)}
                      </span>
                    </div>
                  );
                })}
            </div>
            <p className="muted caption">{picked.name}</p>
          </div>
          {shown && (
            <div>
              <h2>Detections</h2>
              <p className="muted" data-testid="detect-ms">
                {shown.detections.length} box{shown.detections.length === 1 ? '' : 'es'} in {shown.ms} ms (server)
              </p>
              <table className="table" data-testid="detections-table">
                <thead>
                  <tr>
                    <th>query</th>
                    <th className="num">score</th>
                    <th>box [x0, y0, x1, y1] px</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.detections.map((d, i) => (
                    <tr key={i}>
                      <td>
                        <span className="swatch" style={{ background: queryColour(d.query) }} />
                        {d.query}
                      </td>
                      <td className="num">{formatNumber(d.score)}</td>
                      <td>{d.box.map((v) => v.toFixed(1)).join(', ')}</td>
                    </tr>
                  ))}
                  {shown.detections.length === 0 && (
                    <tr>
                      <td colSpan={3} className="muted">
                        Nothing above the threshold; try lowering it.
                      </td>
                    </tr>
                  )}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </>
  );
}
