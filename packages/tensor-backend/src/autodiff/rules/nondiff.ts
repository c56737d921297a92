/**
 * Ops whose outputs carry no gradient: shapes, sizes, constants, integer indices, and
 * OneHot (its float `values` input could in principle receive one, but exporters only
 * ever feed it constants).
 */
import { nonDifferentiable } from '../registry.js';

nonDifferentiable('Shape', 'Size', 'ConstantOfShape', 'Range', 'NonZero', 'Constant', 'ArgMax', 'ArgMin', 'OneHot');
