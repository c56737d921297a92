/** Registers every op family's shape rules (import for side effects). */
import './elementwise.js';
import './linalg.js';
import './reduce.js';
import './norm.js';
import './conv.js';
import './pool.js';
import './resize.js';
import './pad.js';
import './movement.js';
import './constants.js';
import './extra.js';
