'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../trpc';
import { ErrorAlert } from './ErrorAlert';

/** What a grounder can be asked (grounding.vocabulary): its closed vocabulary (null when open) and what it was trained on. */
export function useVocabulary(model: string) {
  const trpc = useTRPC();
  return useQuery(trpc.grounding.vocabulary.queryOptions({ model }, { staleTime: Infinity }));
}

export function WordList({ words, testId = 'vocabulary' }: { words: readonly string[]; testId?: string }) {
  return (
    <ul className="words" data-testid={testId}>
      {words.map((w) => (
        <li key={w}>{w}</li>
      ))}
    </ul>
  );
}

/**
 * The page's error slot for calls that take queries: when the server refuses words the
 * grounder does not know, its message ends with the whole vocabulary on one line; that list is
 * shown as words to read instead.
 */
export function QueryErrorAlert({ message, words, unauthorized }: { message: string | null | undefined; words: readonly string[] | null; unauthorized?: boolean }) {
  const listed = words?.length ? words.join(' ') : null;
  const lists = Boolean(message && listed && message.includes(listed));
  return (
    <ErrorAlert message={lists && message && listed ? message.replace(listed, 'the words below') : message} unauthorized={unauthorized}>
      {lists && words && <WordList words={words} testId="error-vocabulary" />}
    </ErrorAlert>
  );
}
