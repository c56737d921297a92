import { formatNumber } from '../format';
import type { VpsResult } from '../types';
import { LineChart } from './LineChart';

/** A finished Visual Precision Search: the attribution map over the picture and how faithful it is. */
export function VpsResultView({ result: r }: { result: VpsResult }) {
  return (
    <div className="vps-result">
      <figure className="heatmap">
        <img data-testid="vps-map" src={r.overlay} alt={`VPS map for "${r.query}"`} />
        <figcaption>
          “{r.query}” · box [{r.box.join(', ')}] · score {formatNumber(r.score)}
          {r.missed ? ' (the model barely finds it: the map explains a weak detection)' : ''}
        </figcaption>
      </figure>
      <div>
        <dl className="facts" data-testid="vps-metrics">
          <dt>insertion AUC</dt>
          <dd>{formatNumber(r.insertionAuc)}</dd>
          <dt>deletion AUC</dt>
          <dd>{formatNumber(r.deletionAuc)}</dd>
          <dt>highest confidence</dt>
          <dd>{formatNumber(r.highestConfidence)}</dd>
          <dt>forward passes</dt>
          <dd>{r.forwardPasses}</dd>
          <dt>regions</dt>
          <dd>{r.regions}</dd>
          <dt>model</dt>
          <dd>{r.model}</dd>
          <dt>search time</dt>
          <dd>{r.ms} ms</dd>
        </dl>
        <LineChart
          testId="vps-curves"
          title="VPS insertion and deletion curves"
          width={380}
          height={230}
          xLabel="fraction of pixels"
          yLabel="detection score"
          xDomain={[0, 1]}
          series={[
            { label: 'insertion', colour: '#0072b2', points: r.curves.fractions.map((f, i) => [f, r.curves.insertion[i]] as const) },
            { label: 'deletion', colour: '#0072b2', dashed: true, points: r.curves.fractions.map((f, i) => [f, r.curves.deletion[i]] as const) },
          ]}
        />
      </div>
    </div>
  );
}
