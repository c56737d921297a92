import { LineChart, type Series } from '../../lib/components/LineChart';
import { colourAt } from '../../lib/colours';
import type { SgtmResults } from '../../lib/types';

const METHOD_LABELS: Record<string, string> = { sgtm: 'SGTM (ablated + calibrated)', routing: 'gradient routing (ablated + calibrated)', filter: 'data filtering', none: 'no filtering' };

/** Retain against forget loss after removal, one line per method through the undiscovered rates. */
export function TradeoffChart({ results }: { results: SgtmResults }) {
  const methods = [...new Set(results.points.map((p) => p.method))];
  const series: Series[] = methods.map((m, i) => ({
    label: METHOD_LABELS[m] ?? m,
    colour: colourAt(i),
    markers: true,
    points: results.points
      .filter((p) => p.method === m)
      .sort((a, b) => a.undiscoveredPercent - b.undiscoveredPercent)
      .map((p) => [p.retain_loss, p.forget_loss] as const),
  }));
  return <LineChart testId="sgtm-tradeoff" title="After removal: retain loss (English) against forget loss (cipher)" series={series} xLabel="retain loss, nats (lower is better)" yLabel="forget loss, nats (higher is better)" width={600} height={340} />;
}

/** Forget loss during adversarial fine-tuning: how fast the removed language comes back. */
export function RecoveryChart({ recovery }: { recovery: NonNullable<SgtmResults['recovery']> }) {
  const series: Series[] = [recovery.sgtm, recovery.rmu].map((c, i) => ({
    label: `${c.removal === 'rmu' ? 'RMU' : 'SGTM (ablated)'}: ${c.stepsToRecover ?? `> ${recovery.maxSteps}`} steps`,
    colour: colourAt(i),
    points: c.curve.map((p) => [p.step, p.forget_loss] as const),
  }));
  return (
    <LineChart
      testId="sgtm-recovery"
      title="Fine-tuning on forget-rich data: forget loss by step"
      series={series}
      references={[{ y: recovery.target, label: 'unfiltered model' }]}
      xLabel="fine-tuning steps"
      yLabel="forget loss, nats"
      width={600}
      height={300}
    />
  );
}
