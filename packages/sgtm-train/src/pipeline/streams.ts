/** The bilingual Brown corpus as SGTM's two domains: cipher = forget, English = retain. */
import { bilingualTokens, type BilingualTokenizer, type BrownSplit } from '@gradloc/models';
import type { DomainStreams } from '../data/batches.js';

export const DOMAIN_LANGUAGES = { forget: 'cipher', retain: 'english' } as const;

export function domainStreams(split: BrownSplit, tok: BilingualTokenizer): DomainStreams {
  return { forget: bilingualTokens(split, DOMAIN_LANGUAGES.forget, tok), retain: bilingualTokens(split, DOMAIN_LANGUAGES.retain, tok) };
}
