import { formatNumber } from '../format';
import type { VpsDiverseResult } from '../types';
import { ColourScale } from './ColourScale';
import { Downloads } from './Downloads';

/** Diverse explanations: the k sampled region sets side by side, best first, each with its F and map. */
export function VpsDiverseView({ result: r }: { result: VpsDiverseResult }) {
  return (
    <div className="vps-diverse" data-testid="vps-diverse">
      <p className="hint">
        {r.explanations.length} sets of {r.size} of {r.regions} regions for “{r.query}” (score {formatNumber(r.score)}), sampled in proportion to a power of the VPS objective F: mean pairwise
        Jaccard distance <span data-testid="vps-diversity">{formatNumber(r.diversity)}</span>, {r.forwardPasses} forward passes, {r.ms} ms.
      </p>
      <div className="gallery">
        {r.explanations.map((e, i) => (
          <figure className="heatmap" key={i} data-testid="vps-diverse-set">
            <img src={e.overlay} alt={`set ${i + 1} for "${r.query}": regions ${e.regions.join(', ')}`} />
            <figcaption>
              #{i + 1} · F <span data-testid="vps-diverse-score">{formatNumber(e.value)}</span> · s<sub>ins</sub> {formatNumber(e.insertion)} · s<sub>del</sub> {formatNumber(e.deletion)}
            </figcaption>
            <Downloads items={[{ label: 'map .npy', href: e.mapUrl }]} testId={`vps-diverse-downloads-${i + 1}`} />
          </figure>
        ))}
      </div>
      <ColourScale />
    </div>
  );
}
