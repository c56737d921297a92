import { ColourScale } from '../../lib/components/ColourScale';
import { Downloads, type DownloadSpec } from '../../lib/components/Downloads';
import { LineChart, type LegendEntry, type Series } from '../../lib/components/LineChart';
import { colourAt } from '../../lib/colours';
import { base64Blob, csvBlob, dataUrlBlob, fileName, jsonBlob } from '../../lib/download';
import { formatNumber, formatPercent } from '../../lib/format';
import type { CompareResult } from '../../lib/types';

type MethodResult = CompareResult['methods'][number];

/** The downloads of one method's map: the overlay and the heatmap as shown, the map as numbers. */
function mapDownloads(model: string, label: string, m: MethodResult): DownloadSpec[] {
  const name = (what: string, ext: string) => fileName([model, m.method, label, what], ext);
  return [
    { label: 'overlay PNG', filename: name('overlay', 'png'), make: () => dataUrlBlob(m.overlay) },
    { label: 'heatmap PNG', filename: name('heatmap', 'png'), make: () => dataUrlBlob(m.heatmap) },
    { label: 'map .npy', filename: name('map', 'npy'), make: () => base64Blob(m.mapNpy) },
  ];
}

/** The comparison table and the curves, as CSV (one row a method / a curve point) and as JSON. */
function tableDownloads(model: string, result: CompareResult): DownloadSpec[] {
  const { prediction, methods } = result;
  const explained = { model, class: prediction.label, classIndex: prediction.classIndex, probability: prediction.score };
  const rows = methods.map((m) => ({
    model,
    class: prediction.label,
    class_index: prediction.classIndex,
    method: m.method,
    insertion_auc: m.insertionAuc,
    deletion_auc: m.deletionAuc,
    ms: m.ms,
    warnings: m.warnings.join(' | '),
  }));
  const points = methods.flatMap((m) => m.curves.fractions.map((f, i) => ({ method: m.method, fraction: f, insertion: m.curves.insertion[i], deletion: m.curves.deletion[i] })));
  const name = (what: string, ext: string) => fileName([model, prediction.label, what], ext);
  return [
    { label: 'table CSV', filename: name('comparison', 'csv'), make: () => csvBlob(rows) },
    {
      label: 'table JSON',
      filename: name('comparison', 'json'),
      make: () => jsonBlob({ ...explained, methods: methods.map((m) => ({ method: m.method, insertionAuc: m.insertionAuc, deletionAuc: m.deletionAuc, ms: m.ms, warnings: m.warnings })) }),
    },
    { label: 'curves CSV', filename: name('curves', 'csv'), make: () => csvBlob(points, ['method', 'fraction', 'insertion', 'deletion']) },
    { label: 'curves JSON', filename: name('curves', 'json'), make: () => jsonBlob({ ...explained, methods: methods.map((m) => ({ method: m.method, ...m.curves })) }) },
  ];
}

/** explain.compare's answer: the prediction, the maps side by side, their faithfulness and curves. */
export function CompareView({ result, model }: { result: CompareResult; model: string }) {
  const { prediction, methods } = result;
  const ranked = [...prediction.probabilities].sort((a, b) => b.p - a.p);
  const topClass = ranked[0];
  const isTop = topClass?.label === prediction.label;
  // the five likeliest classes, and the explained one wherever it ranks
  const shownProbs = ranked.filter((p, i) => i < 5 || p.label === prediction.label);
  const series: Series[] = methods.flatMap((m, i) => [
    { label: `${m.method} insertion`, colour: colourAt(i), points: m.curves.fractions.map((f, j) => [f, m.curves.insertion[j]] as const) },
    { label: `${m.method} deletion`, colour: colourAt(i), dashed: true, points: m.curves.fractions.map((f, j) => [f, m.curves.deletion[j]] as const) },
  ]);
  const legend: LegendEntry[] = [
    ...methods.map((m, i) => ({ label: m.method, colour: colourAt(i) })),
    { label: 'insertion', colour: '#777' },
    { label: 'deletion', colour: '#777', dashed: true },
  ];

  return (
    <>
      <section className="card">
        <h2>Prediction</h2>
        <p className="prediction" data-testid="prediction">
          Top class: <strong data-testid="top-class">{topClass?.label}</strong> <span className="muted">({formatPercent(topClass?.p ?? 0)})</span>
        </p>
        <p className="explained-line" data-testid="explained">
          The maps explain class <strong data-testid="explained-class">{prediction.label}</strong> <span className="muted">({formatPercent(prediction.score)})</span>
          {isTop ? ', the top class.' : ', which is not the top class: they show what speaks for it, however unlikely.'}
        </p>
        <ul className="probs">
          {shownProbs.map((p) => (
            <li key={p.label} className={p.label === prediction.label ? 'is-explained' : undefined} aria-current={p.label === prediction.label ? 'true' : undefined}>
              <span className="prob-label">{p.label}</span>
              <span className="prob-bar" style={{ width: `${Math.max(1, p.p * 100)}%` }} />
              <span className="num">{formatPercent(p.p)}</span>
            </li>
          ))}
        </ul>
      </section>

      <section className="card">
        <h2>Heatmaps for class {prediction.label}</h2>
        <div className="scale-row">
          <ColourScale />
          <p className="hint">Each map is scaled to [0, 1] on its own and drawn with this colormap over the picture; the heatmap PNG is the map alone, the .npy the numbers.</p>
        </div>
        <div className="heatmaps">
            {methods.map((m) => (
              <figure key={m.method} className={`heatmap ${m.warnings.length ? 'degenerate' : ''}`} data-testid="map-tile" data-method={m.method}>
                <img data-testid="heatmap" src={m.overlay} alt={`${m.method} map for class ${prediction.label} over the picture`} />
                <figcaption>
                  <strong>{m.method}</strong> · {m.ms} ms
                </figcaption>
                {m.warnings.length > 0 && (
                  <div className="map-warnings" data-testid="map-warnings" role="note">
                    <strong>This map is empty or degenerate:</strong>
                    <ul>
                      {m.warnings.map((w) => (
                        <li key={w}>{w}</li>
                      ))}
                    </ul>
                  </div>
                )}
                <Downloads items={mapDownloads(model, prediction.label, m)} testId="map-downloads" />
              </figure>
            ))}
        </div>
        <p className="muted">Server time for all methods: {result.ms} ms.</p>
      </section>

      <section className="card split">
        <div>
          <h2>Faithfulness</h2>
          <p className="hint">Insertion AUC: higher is better (the class score climbs fast as the most important pixels are added). Deletion AUC: lower is better.</p>
          <table className="table" data-testid="metrics-table">
            <thead>
              <tr>
                <th>method</th>
                <th className="num">insertion AUC</th>
                <th className="num">deletion AUC</th>
                <th className="num">ms</th>
              </tr>
            </thead>
            <tbody>
              {methods.map((m, i) => (
                <tr key={m.method}>
                  <td>
                    <span className="swatch" style={{ background: colourAt(i) }} />
                    {m.method}
                  </td>
                  <td className="num">{formatNumber(m.insertionAuc)}</td>
                  <td className="num">{formatNumber(m.deletionAuc)}</td>
                  <td className="num">{m.ms}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Downloads items={tableDownloads(model, result)} testId="table-downloads" />
        </div>
        <LineChart
          testId="curves"
          title={`Insertion and deletion curves for class ${prediction.label}`}
          series={series}
          legend={legend}
          xLabel="fraction of pixels"
          yLabel="class score"
          xDomain={[0, 1]}
        />
      </section>
    </>
  );
}
