import { csvBlob, fileName, jsonBlob } from '../download';
import { formatNumber, mebibytes } from '../format';
import type { QuantResult } from '../types';
import { DownloadLink, Downloads } from './Downloads';

interface Row {
  readonly id: string;
  readonly result: QuantResult;
}

/** Perplexity change against FP32 on the same windows, in percent. */
export const pplChange = (r: QuantResult): number => (r.ppl / r.pplFp32 - 1) * 100;

/** "64 of 1899": the Brown test windows a row's perplexities are on. */
const windowsOf = (r: QuantResult): string => (r.evalWindowsTotal ? `${r.evalWindows} of ${r.evalWindowsTotal}` : String(r.evalWindows));

function QuantRow({ id, result: r }: Row) {
  // rounding must not print "-0.0" for an unchanged model
  const change = Math.abs(pplChange(r)) < 0.05 ? 0 : pplChange(r);
  return (
    <tr data-testid="quant-row" data-job={id} data-method={r.method}>
      <td>{r.method}</td>
      <td className="num">{r.bits}</td>
      <td>{r.gptq ? 'yes' : 'no'}</td>
      {/* the share the server kept (0 for RTN, whatever was asked) */}
      <td className="num" data-testid="quant-outliers-cell">
        {r.outlierPercent.toFixed(2)}
      </td>
      <td className="num">{r.bitsPerWeight.toFixed(2)}</td>
      <td className="num">{mebibytes(r.sizeBytes)}</td>
      <td className="num nowrap">{windowsOf(r)}</td>
      <td className="num">{formatNumber(r.ppl, 2)}</td>
      <td className="num">{formatNumber(r.pplFp32, 2)}</td>
      <td className={`num ${change > 5 ? 'worse' : ''}`}>
        {change > 0 ? '+' : ''}
        {change.toFixed(1)}
      </td>
      <td>{r.modelUrl ? <DownloadLink spec={{ label: 'ONNX', href: r.modelUrl }} /> : <span className="muted">—</span>}</td>
    </tr>
  );
}

/** The table as a file: one row a job, sizes in bytes, perplexities unrounded. */
function tableFiles(rows: readonly Row[]) {
  const csvRows = rows.map(({ id, result: r }) => ({
    job: id,
    model: r.model,
    method: r.method,
    bits: r.bits,
    group: r.group,
    gptq: r.gptq,
    outlier_percent: r.outlierPercent,
    bits_per_weight: r.bitsPerWeight,
    size_bytes: r.sizeBytes,
    fp32_size_bytes: r.fp32SizeBytes,
    eval_windows: r.evalWindows,
    eval_windows_total: r.evalWindowsTotal,
    ppl: r.ppl,
    ppl_fp32: r.pplFp32,
    ppl_fp32_card_all_windows: r.pplFp32Card,
    ppl_change_percent: pplChange(r),
    calib_samples: r.calibSamples,
    model_url: r.modelUrl,
  }));
  const name = (ext: string) => fileName([rows.length === 1 ? rows[0].result.model : null, 'quantization', rows.length === 1 ? rows[0].id.slice(0, 8) : 'results'], ext);
  return [
    { label: 'CSV', filename: name('csv'), make: () => csvBlob(csvRows) },
    { label: 'JSON', filename: name('json'), make: () => jsonBlob(rows.map(({ id, result }) => ({ job: id, ...result }))) },
  ];
}

/** Quantization results, one row per job (the Quantize page's table and a job's details). */
export function QuantTable({ rows, testId }: { rows: readonly Row[]; testId?: string }) {
  const windows = [...new Set(rows.map((r) => windowsOf(r.result)))];
  // every row's FP32 perplexity is on that row's windows; say which when they are all the same
  const on = windows.length === 1 ? `${windows[0]} test windows` : 'the row’s test windows';
  return (
    <>
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            <th>method</th>
            <th className="num">bits</th>
            <th>GPTQ</th>
            <th className="num">outliers % (kept)</th>
            <th className="num">bits/weight</th>
            <th className="num">size MiB</th>
            <th className="num">Brown test windows</th>
            <th className="num">perplexity</th>
            <th className="num" data-testid="fp32-header">
              FP32 perplexity ({on})
            </th>
            <th className="num">change %</th>
            <th>quantized model</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <QuantRow key={r.id} id={r.id} result={r.result} />
          ))}
        </tbody>
      </table>
      {rows.length > 0 && <Downloads items={tableFiles(rows)} label="Download the table" testId="quant-downloads" />}
    </>
  );
}
