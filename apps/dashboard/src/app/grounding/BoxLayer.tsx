'use client';
import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { placeLabels, type Point, type Rect } from '../../lib/labels';
import type { Detection } from '../../lib/types';

interface Props {
  readonly detections: readonly Detection[];
  /** Display pixels per upload pixel. */
  readonly scale: number;
  /** The picture as drawn, in display pixels. */
  readonly bounds: { readonly width: number; readonly height: number };
  readonly colourOf: (query: string) => string;
}

/**
 * The detections drawn over the picture: a box each, and a label each placed where it covers
 * no other label and stays on the picture (lib/labels.ts). Labels are measured as rendered,
 * then placed before the browser paints them.
 */
export function BoxLayer({ detections, scale, bounds, colourOf }: Props) {
  const labels = useRef<(HTMLSpanElement | null)[]>([]);
  const [spots, setSpots] = useState<{ key: readonly Detection[]; at: Point[] } | null>(null);
  const rects = useMemo(
    (): Rect[] => detections.map(({ box: [x0, y0, x1, y1] }) => ({ x: x0 * scale, y: y0 * scale, width: (x1 - x0) * scale, height: (y1 - y0) * scale })),
    [detections, scale],
  );
  // best detection first: it gets the natural spot above its box
  const order = useMemo(() => detections.map((_, i) => i).sort((a, b) => detections[b].score - detections[a].score), [detections]);
  const { width, height } = bounds;

  useLayoutEffect(() => {
    const sizes = order.map((i) => {
      const r = labels.current[i]?.getBoundingClientRect();
      return { width: Math.ceil(r?.width ?? 0), height: Math.ceil(r?.height ?? 0) };
    });
    const at = placeLabels(
      order.map((i) => rects[i]),
      sizes,
      { width, height },
    );
    const byDetection: Point[] = new Array<Point>(detections.length);
    order.forEach((i, k) => (byDetection[i] = at[k]));
    setSpots({ key: detections, at: byDetection });
  }, [detections, rects, order, width, height]);

  const placed = spots?.key === detections ? spots.at : null;
  return (
    <>
      {detections.map((d, i) => {
        const r = rects[i];
        return (
          <div
            key={i}
            data-testid="box"
            className="box"
            style={{ left: r.x, top: r.y, width: r.width, height: r.height, borderColor: colourOf(d.query) }}
            title={`${d.query}: ${d.score.toFixed(3)}`}
          />
        );
      })}
      {detections.map((d, i) => (
        <span
          key={i}
          ref={(el) => {
            labels.current[i] = el;
          }}
          data-testid="box-label"
          className="box-label"
          // measured first (hidden), shown once placed
          style={{ background: colourOf(d.query), left: placed?.[i].x ?? 0, top: placed?.[i].y ?? 0, visibility: placed ? 'visible' : 'hidden' }}
        >
          {d.query} {d.score.toFixed(2)}
        </span>
      ))}
    </>
  );
}
