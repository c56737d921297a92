'use client';
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '../../lib/errors';
import { formatBytes, formatCount, formatNumber } from '../../lib/format';
import { useTRPC } from '../../lib/trpc';
import type { ModelSummary } from '../../lib/types';

/** The whole card, fetched only when asked for (cards can be long). */
function CardJson({ name }: { name: string }) {
  const trpc = useTRPC();
  const details = useQuery(trpc.models.get.queryOptions({ name }));
  if (details.isPending) return <p className="muted">Loading…</p>;
  if (details.error) return <p className="job-error">{errorMessage(details.error)}</p>;
  return (
    <pre className="json" data-testid="model-json">
      {details.data.card ? JSON.stringify(details.data.card, null, 2) : 'This model has no card (a Hugging Face export).'}
    </pre>
  );
}

export function ModelCard({ model: m }: { model: ModelSummary }) {
  const [open, setOpen] = useState(false);
  const metrics = Object.entries(m.metrics);
  return (
    <article className="card model-card" data-testid="model-card">
      <header>
        <h2>{m.name}</h2>
        <span className={`badge kind-${m.kind}`} data-testid="kind">
          {m.kind}
        </span>
        {m.quantized && (
          <span className="badge quantized" data-testid="quantized">
            quantized
          </span>
        )}
        {m.source !== 'zoo' && <span className="badge">{m.source}</span>}
      </header>
      <dl className="facts">
        <dt>task</dt>
        <dd>{m.task}</dd>
        <dt>architecture</dt>
        <dd>{m.architecture}</dd>
        <dt>parameters</dt>
        <dd>{formatCount(m.parameters)}</dd>
        <dt>size</dt>
        <dd>{formatBytes(m.sizeBytes)}</dd>
      </dl>
      {metrics.length > 0 && (
        <table className="table compact">
          <tbody>
            {metrics.map(([k, v]) => (
              <tr key={k}>
                <td>{k}</td>
                <td className="num">{formatNumber(v, 4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" className="secondary small" data-testid="details" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {open ? 'Hide details' : 'Show details'}
      </button>
      {open && <CardJson name={m.name} />}
    </article>
  );
}
