'use client';
import { saveBlob } from '../download';

/**
 * One download: a file the page makes from data it holds (`make` builds the Blob when the
 * user asks for it, saved as `filename`) or a file a job kept on the server (`href`; the
 * server names it, e.g. /api/jobs/<id>/brown-gpt-rtn-8bit.onnx).
 */
export type DownloadSpec =
  | { readonly label: string; readonly filename: string; readonly make: () => Blob; readonly href?: never }
  | { readonly label: string; readonly href: string; readonly filename?: never; readonly make?: never };

const extensionOf = (name: string): string | undefined => /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();

export function DownloadLink({ spec }: { spec: DownloadSpec }) {
  if (spec.href !== undefined) {
    const name = decodeURIComponent(spec.href.split('/').pop() ?? '');
    return (
      <a className="download" data-testid="download" data-kind={extensionOf(name)} href={spec.href} download={name} title={`Download ${name}`}>
        {spec.label}
      </a>
    );
  }
  const { make, filename } = spec;
  const kind = extensionOf(filename);
  const title = `Download ${filename}`;
  return (
    <button type="button" className="download" data-testid="download" data-kind={kind} title={title} onClick={() => saveBlob(make(), filename)}>
      {spec.label}
    </button>
  );
}

/** A labelled row of download links ("Download: overlay PNG · heatmap PNG · map .npy"). */
export function Downloads({ items, label = 'Download', testId }: { items: readonly DownloadSpec[]; label?: string; testId?: string }) {
  return (
    <p className="downloads" data-testid={testId}>
      <span className="muted">{label}:</span>
      {items.map((d) => (
        <DownloadLink key={d.href ?? d.filename} spec={d} />
      ))}
    </p>
  );
}
