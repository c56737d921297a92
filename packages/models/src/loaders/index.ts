export type { LoadOptions } from './load-options.js';
export { resolveModel, type ResolvedModel } from './resolve.js';
export { openGrounder, openTextImageModel, type GrounderSource, type PhraseText } from './grounder.js';
export { DUAL_ENCODER_OUTPUTS, openDualEncoder } from './dual-encoder.js';
export { MMEL_FILE, readMmelCalibration, writeMmelCalibration, type MmelCalibrationFile } from './mmel-calibration.js';
export { hfFolderKind, hfGrounderFile, isHfGrounderFolder, openHfGrounder } from './hf-folder.js';
export { openClassifier, type OpenedClassifier } from './classifier.js';
