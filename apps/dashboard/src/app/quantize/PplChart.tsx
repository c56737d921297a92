import { LineChart, type ReferenceLine, type Series } from '../../lib/components/LineChart';
import { colourAt } from '../../lib/colours';
import type { QuantResult } from '../../lib/types';

/** Perplexity against storage cost: lower-left is better; the dotted line is the FP32 model. */
export function PplChart({ results, methods }: { results: readonly QuantResult[]; methods: readonly string[] }) {
  // GPTQ runs get their own dashed line: joining them to plain runs would draw a false trade-off
  const series: Series[] = methods
    .flatMap((m, i) =>
      [false, true].map((gptq) => ({
        label: gptq ? `${m} + GPTQ` : m,
        colour: colourAt(i),
        dashed: gptq,
        markers: true,
        points: results
          .filter((r) => r.method === m && r.gptq === gptq)
          .map((r) => [r.bitsPerWeight, r.ppl] as const)
          .sort((a, b) => a[0] - b[0]),
      })),
    )
    .filter((s) => s.points.length > 0);
  // FP32 perplexity depends on how many test windows were scored: one line per window count
  const windows = [...new Set(results.map((r) => r.evalWindows))].sort((a, b) => a - b);
  const references: ReferenceLine[] = windows.map((w) => ({
    y: results.find((r) => r.evalWindows === w)?.pplFp32 ?? 0,
    label: windows.length > 1 ? `FP32 (${w} windows)` : 'FP32',
  }));
  const values = [...results.map((r) => r.ppl), ...references.map((r) => r.y)].filter((v) => v > 0);
  // 2-bit runs can be orders of magnitude worse than 8-bit ones: a log axis keeps both readable
  const logY = values.length > 0 && Math.max(...values) / Math.min(...values) > 10;
  return (
    <LineChart
      testId="ppl-chart"
      title="Perplexity against bits per weight"
      series={series}
      references={references}
      legend={[...series.map((s) => ({ label: s.label, colour: s.colour, dashed: s.dashed })), { label: 'FP32 reference', colour: '#555', dashed: true }]}
      xLabel="bits per weight"
      yLabel={logY ? 'perplexity (log scale)' : 'perplexity'}
      logY={logY}
      width={600}
      height={320}
    />
  );
}
