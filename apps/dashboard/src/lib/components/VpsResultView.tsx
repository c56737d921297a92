import { csvBlob, dataUrlBlob, fileName, jsonBlob } from '../download';
import { formatNumber } from '../format';
import type { VpsResult } from '../types';
import { ColourScale } from './ColourScale';
import { Downloads, type DownloadSpec } from './Downloads';
import { LineChart } from './LineChart';

/** The overlay as shown, the map as numbers (kept by the job on the server), the curves as CSV and JSON. */
function vpsDownloads(r: VpsResult): DownloadSpec[] {
  const name = (what: string, ext: string) => fileName([r.model, 'vps', r.query, what], ext);
  const points = r.curves.fractions.map((f, i) => ({ fraction: f, insertion: r.curves.insertion[i], deletion: r.curves.deletion[i] }));
  return [
    // kept by the job on the server (a URL); results from before that hold the PNG inline
    r.overlay.startsWith('data:') ? { label: 'overlay PNG', filename: name('overlay', 'png'), make: () => dataUrlBlob(r.overlay) } : { label: 'overlay PNG', href: r.overlay },
    // results written before jobs kept files have no map to download
    ...(r.mapUrl ? [{ label: 'map .npy', href: r.mapUrl }] : []),
    { label: 'curves CSV', filename: name('curves', 'csv'), make: () => csvBlob(points, ['fraction', 'insertion', 'deletion']) },
    {
      label: 'curves JSON',
      filename: name('curves', 'json'),
      make: () =>
        jsonBlob({
          model: r.model,
          query: r.query,
          box: r.box,
          score: r.score,
          insertionAuc: r.insertionAuc,
          deletionAuc: r.deletionAuc,
          highestConfidence: r.highestConfidence,
          regions: r.regions,
          forwardPasses: r.forwardPasses,
          curves: r.curves,
        }),
    },
  ];
}

/** A finished Visual Precision Search: the attribution map over the picture and how faithful it is. */
export function VpsResultView({ result: r }: { result: VpsResult }) {
  return (
    <div className="vps-result">
      <figure className="heatmap">
        <img data-testid="vps-map" src={r.overlay} alt={`VPS map for "${r.query}" over the picture, the explained box outlined`} />
        <figcaption>
          “{r.query}” · box [{r.box.map((v) => formatNumber(v, 1)).join(', ')}] (outlined) · score {formatNumber(r.score)}
          {r.missed ? ' (the model barely finds it: the map explains a weak detection)' : ''}
        </figcaption>
        <ColourScale />
        <Downloads items={vpsDownloads(r)} testId="vps-downloads" />
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
