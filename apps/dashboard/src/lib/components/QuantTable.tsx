import { formatNumber, megabytes } from '../format';
import type { QuantResult } from '../types';

/** Perplexity change against FP32 on the same windows, in percent. */
export const pplChange = (r: QuantResult): number => (r.ppl / r.pplFp32 - 1) * 100;

export function QuantRow({ result: r }: { result: QuantResult }) {
  // rounding must not print "-0.0" for an unchanged model
  const change = Math.abs(pplChange(r)) < 0.05 ? 0 : pplChange(r);
  return (
    <tr data-testid="quant-row">
      <td>{r.method}</td>
      <td className="num">{r.bits}</td>
      <td>{r.gptq ? 'yes' : 'no'}</td>
      <td className="num">{r.outlierPercent}</td>
      <td className="num">{r.bitsPerWeight.toFixed(2)}</td>
      <td className="num">{megabytes(r.sizeBytes)}</td>
      <td className="num">{formatNumber(r.ppl, 2)}</td>
      <td className="num">{formatNumber(r.pplFp32, 2)}</td>
      <td className={`num ${change > 5 ? 'worse' : ''}`}>
        {change > 0 ? '+' : ''}
        {change.toFixed(1)}
      </td>
    </tr>
  );
}

/** Quantization results, one row per job (the Quantize page's table and a job's details). */
export function QuantTable({ rows, testId }: { rows: readonly { id: string; result: QuantResult }[]; testId?: string }) {
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          <th>method</th>
          <th className="num">bits</th>
          <th>GPTQ</th>
          <th className="num">outliers %</th>
          <th className="num">bits/weight</th>
          <th className="num">size MB</th>
          <th className="num">perplexity</th>
          <th className="num">FP32 perplexity</th>
          <th className="num">change %</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <QuantRow key={r.id} result={r.result} />
        ))}
      </tbody>
    </table>
  );
}
