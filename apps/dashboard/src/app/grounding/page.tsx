'use client';
import { useMemo, useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Downloads } from '../../lib/components/Downloads';
import { NumberField } from '../../lib/components/Fields';
import { ImagePicker, type PickedImage } from '../../lib/components/ImagePicker';
import { ModelSelect } from '../../lib/components/ModelSelect';
import { QueryErrorAlert, useVocabulary, WordList } from '../../lib/components/Vocabulary';
import { colourAt } from '../../lib/colours';
import { csvBlob, fileName, jsonBlob } from '../../lib/download';
import { errorMessage } from '../../lib/errors';
import { formatNumber, numberField } from '../../lib/format';
import { useTRPC } from '../../lib/trpc';
import type { Detection } from '../../lib/types';
import { BoxLayer } from './BoxLayer';

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
  readonly name: string;
  readonly model: string;
  readonly threshold: number | undefined;
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
  const vocabulary = useVocabulary(model);
  const words = vocabulary.data?.words ?? null;

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
    const t = numberField(threshold);
    setError(null);
    detect.mutate(
      { image: picked.image, queries: list, model, threshold: t },
      {
        onSuccess: (r) => setResult({ image: picked.image, name: picked.name, model, threshold: t, queries: list, detections: r.detections, ms: r.ms }),
        onError: (e) => {
          setResult(null);
          setError(errorMessage(e));
        },
      },
    );
  }

  const shown = result && picked && result.image === picked.image ? result : null;
  const queryColour = (q: string): string => colourAt(Math.max(0, shown?.queries.indexOf(q) ?? 0));
  const bounds = useMemo(() => (size ? { width: DISPLAY_WIDTH, height: (size.height * DISPLAY_WIDTH) / size.width } : null), [size]);

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
        <div className="grounder-info" data-testid="grounder-info">
          {vocabulary.data ? (
            <>
              <p className="hint" data-testid="trained-on">
                <strong>What {vocabulary.data.model} was trained on:</strong> {vocabulary.data.trainedOn.replace(/\.$/, '')}. It finds what it was trained to find on pictures like
                these; on photographs or other drawings its boxes and scores mean little.
              </p>
              {vocabulary.data.words ? (
                <>
                  <p className="hint">It knows only these {vocabulary.data.words.length} words; a query with any other word is refused:</p>
                  <WordList words={vocabulary.data.words} />
                </>
              ) : (
                <p className="hint">Open vocabulary: it reads any phrase.</p>
              )}
            </>
          ) : (
            <p className="hint">{vocabulary.error ? errorMessage(vocabulary.error) : 'Loading what this grounder knows…'}</p>
          )}
        </div>
      </section>

      <QueryErrorAlert message={error} words={words} />

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
              {shown && size && bounds && <BoxLayer detections={shown.detections} scale={DISPLAY_WIDTH / size.width} bounds={bounds} colourOf={queryColour} />}
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
              <DetectionDownloads result={shown} />
            </div>
          )}
        </section>
      )}
    </>
  );
}

/** The detections as a table file (one row a box, in the upload's pixels) and as JSON with the request. */
function DetectionDownloads({ result: r }: { result: Result }) {
  const rows = r.detections.map((d) => ({ query: d.query, score: d.score, x0: d.box[0], y0: d.box[1], x1: d.box[2], y1: d.box[3] }));
  return (
    <Downloads
      testId="detections-downloads"
      items={[
        { label: 'CSV', filename: fileName([r.model, 'detections'], 'csv'), make: () => csvBlob(rows, ['query', 'score', 'x0', 'y0', 'x1', 'y1']) },
        {
          label: 'JSON',
          filename: fileName([r.model, 'detections'], 'json'),
          make: () => jsonBlob({ model: r.model, image: r.name, threshold: r.threshold ?? null, queries: r.queries, detections: r.detections, ms: r.ms }),
        },
      ]}
    />
  );
}
