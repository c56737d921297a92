import { LineChart, type LegendEntry, type Series } from '../../lib/components/LineChart';
import { colourAt } from '../../lib/colours';
import { formatNumber, formatPercent } from '../../lib/format';
import type { CompareResult } from '../../lib/types';

/** explain.compare's answer: the prediction, the maps side by side, their faithfulness and curves. */
export function CompareView({ result }: { result: CompareResult }) {
  const { prediction, methods } = result;
  const top = [...prediction.probabilities].sort((a, b) => b.p - a.p).slice(0, 5);
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
          <strong>{prediction.label}</strong> <span className="muted">({formatPercent(prediction.score)})</span>
        </p>
        <ul className="probs">
          {top.map((p) => (
            <li key={p.label}>
              <span className="prob-label">{p.label}</span>
              <span className="prob-bar" style={{ width: `${Math.max(1, p.p * 100)}%` }} />
              <span className="num">{formatPercent(p.p)}</span>
            </li>
          ))}
        </ul>
      </section>

      <section className="card">
        <h2>Heatmaps</h2>
        <div className="heatmaps">
          {methods.map((m) => (
            <figure key={m.method} className="heatmap">
              <img data-testid="heatmap" src={m.overlay} alt={m.method} />
              <figcaption>
                <strong>{m.method}</strong> · {m.ms} ms
              </figcaption>
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
