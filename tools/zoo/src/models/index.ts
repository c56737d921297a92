/** Registers every shipped model's recipe with the zoo (import for side effects). */
export {};
import './shapes-resnet.js';
import './shapes-vit.js';
import './shapes-clip.js';
import './shapes-grounder.js';
import './brown-gpt.js';
import './shapes-grounder-gwq.js';
import './bilingual-sgtm.js';
import './ofvl-rooms.js';
