/** PnP-RANSAC on OpenCV's minimal and iterative solvers. */
export * from './ransac.js';
export * from './validate.js';
export { openCv } from './opencv.js';
