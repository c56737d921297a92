/** Gradient rules: filled in by this op family. */
export {};
