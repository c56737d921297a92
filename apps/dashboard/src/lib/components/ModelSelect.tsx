'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../trpc';
import type { ModelSummary } from '../types';

interface Props {
  readonly kind: ModelSummary['kind'];
  readonly value: string;
  readonly onChange: (name: string) => void;
  readonly label?: string;
  readonly testId?: string;
}

/** The registered models of one kind; the current value stays selectable while the list loads. */
export function ModelSelect({ kind, value, onChange, label = 'Model', testId = 'model' }: Props) {
  const trpc = useTRPC();
  const models = useQuery(trpc.models.list.queryOptions({ kind }));
  const names = models.data?.map((m) => m.name) ?? [];
  if (!names.includes(value)) names.unshift(value);
  return (
    <label className="field">
      <span>{label}</span>
      <select data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)}>
        {names.map((n) => {
          const m = models.data?.find((x) => x.name === n);
          return (
            <option key={n} value={n}>
              {n}
              {m?.quantized ? ' (quantized)' : ''}
            </option>
          );
        })}
      </select>
    </label>
  );
}
