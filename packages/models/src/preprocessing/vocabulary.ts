/** Whether a card's text side speaks the shapes vocabulary (ids must mean the same words). */
import type { Card } from '../card.js';
import { shapesVocabulary } from '../data/shapes/tokenizer.js';

export function hasShapesVocabulary(card: Card): boolean {
  const v = card.preprocessing.vocabulary;
  return Array.isArray(v) && v.join('|') === shapesVocabulary().join('|');
}
