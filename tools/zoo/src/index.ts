/**
 * @gradloc/zoo (private): the training recipes of the shipped models. Data, cards, loaders
 * and evaluation are @gradloc/models'; importing this module registers every recipe.
 */
export * from './zoo/index.js';
import './models/index.js';
