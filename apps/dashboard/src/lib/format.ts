/** Number formatting shared by the pages, so the same quantity reads the same everywhere. */

const MIB = 1024 * 1024;

/** Sizes are 1024-based everywhere, so they say KiB and MiB (1 MiB = 1024² bytes). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < MIB) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / MIB).toFixed(2)} MiB`;
}

/** A size in MiB without the unit, for a column whose header says "MiB". */
export const mebibytes = (n: number): string => (n / MIB).toFixed(3);

export function formatCount(n: number | null): string {
  if (n === null) return '—';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}

/** Fixed decimals for small values, fewer for large ones (perplexities can reach thousands). */
export function formatNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  return v.toFixed(digits);
}

export const formatPercent = (p: number, digits = 1): string => `${(p * 100).toFixed(digits)}%`;

export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString()}`;
}

/** A form field's text as a number; blank means "let the server use its default". */
export function numberField(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}
