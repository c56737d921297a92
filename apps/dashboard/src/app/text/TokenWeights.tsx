'use client';
import type { Outputs } from '../../lib/types';

type Token = Outputs['explain']['text']['methods'][number]['tokens'][number];

/** The caption's words, each shaded by its weight (weights sum to 1 over the words). */
export function TokenWeights({ tokens }: { readonly tokens: readonly Token[] }) {
  const top = Math.max(...tokens.map((t) => t.weight), 0);
  return (
    <p className="token-weights" data-testid="token-weights">
      {tokens.map((t) => (
        <span
          key={t.position}
          className="token"
          data-weight={t.weight.toFixed(4)}
          title={`${t.token}: ${(100 * t.weight).toFixed(1)}%`}
          style={{ background: `rgba(220, 60, 40, ${top > 0 ? (0.85 * t.weight) / top : 0})` }}
        >
          {t.token}
        </span>
      ))}
    </p>
  );
}
