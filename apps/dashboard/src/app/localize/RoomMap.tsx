'use client';
/**
 * Top-down map of a room: its rectangle and furniture footprints (the plan's two world axes),
 * the ground-truth test trajectory, and cameras drawn as a dot with a heading line (the
 * camera's viewing direction, z axis, projected onto the plan).
 */

export interface MapCamera {
  readonly position: readonly number[];
  readonly rotation: readonly number[];
  readonly label: string;
  readonly colour: string;
  readonly testId: string;
}

interface Props {
  readonly plan: { readonly axes: readonly number[]; readonly bounds: readonly number[]; readonly boxes: readonly (readonly number[])[] } | null;
  readonly trajectory: readonly (readonly number[])[];
  readonly cameras: readonly MapCamera[];
}

/** The camera's z axis (viewing direction) in world coordinates from [qw, qx, qy, qz]. */
function viewDirection(q: readonly number[]): number[] {
  const [w, x, y, z] = q;
  return [2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)];
}

const SIZE = 360;

export function RoomMap({ plan, trajectory, cameras }: Props) {
  const [a, b] = plan?.axes ?? [0, 1];
  const pts = trajectory.map((p) => [p[a], p[b]]);
  const bounds = plan?.bounds ?? [Math.min(...pts.map((p) => p[0])) - 0.5, Math.min(...pts.map((p) => p[1])) - 0.5, Math.max(...pts.map((p) => p[0])) + 0.5, Math.max(...pts.map((p) => p[1])) + 0.5];
  const [x0, y0, x1, y1] = bounds;
  const scale = (SIZE - 20) / Math.max(x1 - x0, y1 - y0, 1e-6);
  // world axis b grows up the page
  const sx = (x: number): number => 10 + (x - x0) * scale;
  const sy = (y: number): number => SIZE - 10 - (y - y0) * scale;
  return (
    <svg data-testid="room-map" width={SIZE} height={SIZE} viewBox={`0 0 ${SIZE} ${SIZE}`} role="img" aria-label="top-down map of the room">
      <rect x={sx(x0)} y={sy(y1)} width={(x1 - x0) * scale} height={(y1 - y0) * scale} fill="#f6f4ef" stroke="#555" />
      {plan?.boxes.map((bx, i) => <rect key={i} x={sx(bx[0])} y={sy(bx[3])} width={(bx[2] - bx[0]) * scale} height={(bx[3] - bx[1]) * scale} fill="#c9b99a" stroke="#8a7a5a" />)}
      <polyline data-testid="trajectory" points={pts.map((p) => `${sx(p[0])},${sy(p[1])}`).join(' ')} fill="none" stroke="#7a9cc6" strokeWidth={1.5} />
      {cameras.map((c) => {
        const d = viewDirection(c.rotation);
        const n = Math.hypot(d[a], d[b]) || 1;
        const [cx, cy] = [sx(c.position[a]), sy(c.position[b])];
        return (
          <g key={c.testId} data-testid={c.testId}>
            <line x1={cx} y1={cy} x2={cx + (d[a] / n) * 22} y2={cy - (d[b] / n) * 22} stroke={c.colour} strokeWidth={2.5} />
            <circle cx={cx} cy={cy} r={5} fill={c.colour} />
            <title>{c.label}</title>
          </g>
        );
      })}
    </svg>
  );
}
