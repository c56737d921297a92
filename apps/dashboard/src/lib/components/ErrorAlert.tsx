import Link from 'next/link';
import type { ReactNode } from 'react';

/**
 * The page's error slot (one per page, so a test or a reader finds the latest failure in one
 * place); `children` add what helps to act on it (e.g. the words a grounder knows).
 */
export function ErrorAlert({ message, unauthorized = false, children }: { message: string | null | undefined; unauthorized?: boolean; children?: ReactNode }) {
  if (!message) return null;
  return (
    <>
      <div role="alert" data-testid="error" className="alert">
        {message}
        {children}
      </div>
      {unauthorized && (
        <p className="hint">
          This server needs an API token for jobs: save it on the <Link href="/jobs">Jobs</Link> page.
        </p>
      )}
    </>
  );
}
