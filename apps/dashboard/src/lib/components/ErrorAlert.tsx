import Link from 'next/link';

/** The page's error slot (one per page, so a test or a reader finds the latest failure in one place). */
export function ErrorAlert({ message, unauthorized = false }: { message: string | null | undefined; unauthorized?: boolean }) {
  if (!message) return null;
  return (
    <>
      <div role="alert" data-testid="error" className="alert">
        {message}
      </div>
      {unauthorized && (
        <p className="hint">
          This server needs an API token for jobs: save it on the <Link href="/jobs">Jobs</Link> page.
        </p>
      )}
    </>
  );
}
