import { JET_GRADIENT } from '../colormap';

/** The colour key of the maps: the jet colormap from 0 (low) to 1 (high), as the server draws them. */
export function ColourScale({ what = 'importance' }: { what?: string }) {
  return (
    <figure className="colour-scale" data-testid="colour-scale">
      <div
        className="colour-bar"
        data-testid="colour-bar"
        role="img"
        aria-label={`Colour scale (jet): dark blue = 0, low ${what}; cyan, yellow in between; dark red = 1, high ${what}`}
        style={{ background: JET_GRADIENT }}
      />
      <div className="colour-ticks" aria-hidden="true">
        <span>0</span>
        <span>0.5</span>
        <span>1</span>
      </div>
      <figcaption>
        <span className="colour-ends">
          <span>0 = low</span>
          <span>1 = high</span>
        </span>
        <span>
          map value: {what} (jet colormap)
        </span>
      </figcaption>
    </figure>
  );
}
