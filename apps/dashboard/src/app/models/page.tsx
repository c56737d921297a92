'use client';
import { useQuery } from '@tanstack/react-query';
import { ErrorAlert } from '../../lib/components/ErrorAlert';
import { errorMessage } from '../../lib/errors';
import { useTRPC } from '../../lib/trpc';
import { ModelCard } from './ModelCard';

export default function ModelsPage() {
  const trpc = useTRPC();
  const models = useQuery(trpc.models.list.queryOptions());
  return (
    <>
      <h1>Models</h1>
      <p className="lead">The models this server can run: those of its models folder and any Hugging Face grounder folders it was given.</p>
      <ErrorAlert message={models.error ? errorMessage(models.error) : null} />
      {models.isPending && <p className="muted">Loading…</p>}
      <div className="cards">
        {models.data?.map((m) => (
          <ModelCard key={m.name} model={m} />
        ))}
      </div>
    </>
  );
}
