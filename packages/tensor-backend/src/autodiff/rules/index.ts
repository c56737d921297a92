/** Registers every op family's gradient rules (import for side effects). */
import './elementwise.js';
import './activations.js';
import './linalg.js';
import './reduce.js';
import './norm.js';
import './loss.js';
import './conv.js';
import './pool.js';
import './resize.js';
import './pad.js';
import './movement.js';
import './indexing.js';
import './einsum.js';
import './extra.js';
import './nondiff.js';
